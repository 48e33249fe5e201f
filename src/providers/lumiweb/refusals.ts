/**
 * LumiWeb's answers to a money POST (`POST /proxy/static`, `POST
 * /proxy/subscriptions/{id}/renew`) that its documents give as "nothing was
 * bought". Only these release a customer's hold; every other status or code
 * (an undocumented code, any other 5xx, a 2xx we cannot parse) is ambiguous.
 *
 * One table serves both money POSTs: the renew answer carries the same
 * `status` field as the buy answer, and both sit under the same money rules.
 *
 * Sources: seed 003 (the buy answer's `status` values) and the overview rules
 * recorded in `reference/upstream-facts.md` (scopes, the money switch). The
 * overview page itself (auth, limits, the error format) is not in our hands,
 * so 401, 404, 409 and 429 are not here: they are undocumented for LumiWeb,
 * and the lost-purchase lookup (a replay of the same key) settles them.
 */
import type { DocumentedRefusal, RefusalTable } from '../refusals.js';

export interface LumiWebRefusal extends DocumentedRefusal {
  code: string;
  /**
   * What the answer says when it comes back to a repeat of the same
   * `Idempotency-Key` (the lost-purchase lookup):
   * - `key`: LumiWeb handled the request under that key and bought nothing.
   *   A repeat "returns the original response", so had the first attempt
   *   bought, the repeat would have answered that purchase;
   * - `gate`: a precondition the docs list before any money request is
   *   handled (scope, the panel's money switch). It stops the repeat at the
   *   door and says nothing about what the key bought earlier.
   */
  speaksFor: 'key' | 'gate';
}

const BUY_STATUSES =
  'seed 003, "Buy static proxies": "`status` field: `ok` (delivered), `provisioning` (in progress), ' +
  '`insufficient` (`402`, low balance), `provider_misconfig` (`503`), `bad_request` (`400`)."';
const MONEY_PRECONDITIONS =
  'seed 003, "Buy & renew (money)": "Require `API_MONEY_ENABLED`, scope `proxy:buy`, an `Idempotency-Key` header"';

export const LUMIWEB_MONEY_REFUSALS = [
  {
    status: 402,
    code: 'insufficient',
    refusal: 'insufficient_upstream_balance',
    documented: `${BUY_STATUSES} — a failure: low balance, so nothing was bought.`,
    speaksFor: 'key',
  },
  {
    status: 400,
    code: 'bad_request',
    refusal: 'invalid_option',
    documented: `${BUY_STATUSES} — a failure: the request was not valid, so nothing was bought.`,
    speaksFor: 'key',
  },
  {
    // A 5xx, but a documented status of the purchase answer, distinct from the
    // two that mean an order exists (`ok`, `provisioning`): LumiWeb could not
    // place the order with its own supplier.
    status: 503,
    code: 'provider_misconfig',
    refusal: 'rejected',
    documented: `${BUY_STATUSES} — a failure: neither \`ok\` nor \`provisioning\`, so no order exists.`,
    speaksFor: 'key',
  },
  {
    status: 403,
    code: 'forbidden_scope',
    refusal: 'forbidden',
    documented: `upstream-facts, LumiWeb: "a missing scope → 403 \`forbidden_scope\`"; ${MONEY_PRECONDITIONS}.`,
    speaksFor: 'gate',
  },
  {
    status: 403,
    code: 'money_disabled',
    refusal: 'forbidden',
    documented: `upstream-facts, LumiWeb: "money disabled → 403 \`money_disabled\`"; ${MONEY_PRECONDITIONS}.`,
    speaksFor: 'gate',
  },
] as const satisfies readonly LumiWebRefusal[];

export const LUMIWEB_MONEY_REFUSAL_TABLE: RefusalTable = LUMIWEB_MONEY_REFUSALS;

/** The row for a (status, code) answer, or undefined when the docs do not list it. */
export function lumiWebRefusalFor(status: number, code: string | undefined): LumiWebRefusal | undefined {
  return LUMIWEB_MONEY_REFUSALS.find((row) => row.status === status && row.code === code);
}
