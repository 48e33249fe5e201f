/**
 * proxy-ipv4.com's answers to a money POST (`order`, `extend`) that its
 * documents give as "nothing was done": none.
 *
 * Seed 000 says only "All return 200 OK with success: true on success — see
 * Possible mistakes for failure modes", and that section is not published;
 * upstream-facts.md adds "Errors: HTTP 200 with success:false … Treat any
 * success !== true as an error and keep the raw body" (inferred). So a
 * `success:false` on an order says the upstream saw a problem, not that it
 * charged nothing: with no listed codes we cannot tell "refused before
 * charging" from "charged, then failed". Every error answer to a money POST
 * is therefore ambiguous, and the reconciler settles it by listing proxies.
 *
 * What can be refused is refused before anything is sent, from the documented
 * read endpoints (`PROXY_IPV4_PRECHECKS`): a read changes nothing, so its
 * refusal is a proof.
 */
import { classifyMoneyError, type RefusalTable } from '../refusals.js';
import type { Outcome, RefusalCode } from '../types.js';

export const PROXY_IPV4_MONEY_REFUSALS: RefusalTable = [];

/** A check made with a documented read before a money POST; failing it means the POST is never sent. */
export interface Ipv4Precheck {
  check: 'price' | 'balance';
  refusal: RefusalCode | 'as the read answered';
  documented: string;
}

export const PROXY_IPV4_PRECHECKS: readonly Ipv4Precheck[] = [
  {
    check: 'price',
    refusal: 'as the read answered',
    documented:
      'upstream-facts.md: "Price: GET get/order/price?proxyType=&days=&goal=&country=<alpha3>&count= → {…, amount (total), price (per proxy)}" (seen). ' +
      'An unknown type, rent period or country is refused by this read, so the order is not sent.',
  },
  {
    check: 'balance',
    refusal: 'insufficient_upstream_balance',
    documented:
      'seed 000, Balance: "Current account balance" (`balance`, `currency`). When it is below the `amount` of get/order/price, the order is not sent.',
  },
];

/**
 * A money POST's error answer (`success:false`, any non-2xx, a 429): always
 * ambiguous, through the shared rule with the (empty) table above.
 */
export function classifyIpv4MoneyError(answer: { status: number; code?: string; message: string }): Outcome<never> {
  return classifyMoneyError(PROXY_IPV4_MONEY_REFUSALS, answer);
}
