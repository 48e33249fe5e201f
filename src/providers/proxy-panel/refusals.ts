/**
 * The panel's answers to a money POST (`op=purchase`, `op=renew`, `op=trial`) that its API
 * reference documents as "nothing was done", quoted from its "Gateway errors"
 * list (seed 001). The reference gives statuses and their meaning but never
 * shows an error body, so rows are keyed by status; the three meanings of 409
 * are told apart by the message only to choose the words the customer sees —
 * each of the three is a documented "no".
 *
 * Not listed, so never a refusal on a money POST: `500 Internal error` (it may
 * come after the work), any other status (429, 422, 502…), and a 2xx with
 * `ok:false` — each is ambiguous and goes to the reconciler.
 */
import { classifyMoneyError, type DocumentedRefusal, type RefusalTable } from '../refusals.js';
import { refused, type Outcome } from '../types.js';

const GATEWAY_ERRORS = 'seed 001, "Gateway errors"';

/** A documented row, optionally narrowed to the messages that name one of a status's meanings. */
export interface PanelRefusal extends DocumentedRefusal {
  /** For a status with several documented meanings: which one this row is. */
  message?: RegExp;
}

export const PANEL_MONEY_REFUSALS: readonly PanelRefusal[] = [
  {
    status: 400,
    refusal: 'invalid_option',
    documented: `${GATEWAY_ERRORS}: "400 Invalid JSON body", "400 Body must be an object", "400 Missing or unknown op", "400 Missing or invalid planId/subscriptionId/targetNetwork", "400 Invalid repeatCount or quantity"`,
  },
  { status: 401, refusal: 'unauthorized', documented: `${GATEWAY_ERRORS}: "401 Unauthorized"` },
  { status: 402, refusal: 'insufficient_upstream_balance', documented: `${GATEWAY_ERRORS}: "402 Insufficient balance"` },
  { status: 403, refusal: 'forbidden', documented: `${GATEWAY_ERRORS}: "403 Forbidden"` },
  { status: 404, refusal: 'not_found', documented: `${GATEWAY_ERRORS}: "404 Subscription not found"` },
  {
    status: 409,
    message: /sold\s*out|out of stock|no stock/i,
    refusal: 'out_of_stock',
    documented: `${GATEWAY_ERRORS}: "409 Sold out, inactive plan/network, or invalid subscription state" (sold out)`,
  },
  {
    status: 409,
    message: /inactive|not available|unavailable/i,
    refusal: 'invalid_option',
    documented: `${GATEWAY_ERRORS}: "409 Sold out, inactive plan/network, or invalid subscription state" (inactive plan or network)`,
  },
  {
    // An unexplained 409 is still one of the three documented refusals; "rejected" claims no more than that.
    status: 409,
    refusal: 'rejected',
    documented: `${GATEWAY_ERRORS}: "409 Sold out, inactive plan/network, or invalid subscription state" (invalid state, or unexplained)`,
  },
];

/**
 * A money POST's error answer: the documented row it matches (a row with a
 * message pattern first), or ambiguous — `server_error` for a 5xx,
 * `undocumented` for anything else.
 */
export function classifyPanelMoneyError(answer: { status: number; message: string; text?: string }): Outcome<never> {
  const text = answer.text ?? '';
  const row =
    PANEL_MONEY_REFUSALS.find((r) => r.status === answer.status && r.message !== undefined && r.message.test(text)) ??
    PANEL_MONEY_REFUSALS.find((r) => r.status === answer.status && r.message === undefined);
  if (row) return refused(row.refusal, answer.message, answer.status);
  // No row: the shared rule says ambiguous (it is given the rows without message patterns only).
  const statusRows: RefusalTable = PANEL_MONEY_REFUSALS.filter((r) => r.message === undefined);
  return classifyMoneyError(statusRows, { status: answer.status, message: answer.message });
}
