/**
 * Turns FlashProxy's error envelope into the shop's outcomes.
 *
 * Two rules, because the stakes differ:
 *
 * - Money POSTs (`POST /plans`, `/plans/{id}/extend`, `/plans/{id}/upgrade`):
 *   only the answers in `FLASHPROXY_MONEY_REFUSALS`, which the openapi.json
 *   documents as "nothing was done", release the customer's money. Any other
 *   code, any 5xx, a body without the envelope, a 2xx we cannot read is
 *   ambiguous and goes to the reconciler. `IDEMPOTENCY_KEY_CONFLICT` is not a
 *   refusal either: it says our key was already used, i.e. a request under it
 *   was processed — the adapter looks for what it made.
 * - Everything else (reads, check-price, password): a refusal there releases
 *   nothing, so codes are mapped by name for the best message.
 *
 * Codes are matched by name as well as status: the same status carries
 * different meanings (409 is both "out of stock" and "idempotency key
 * reused"), and the openapi.json lists POOL_OUT_OF_STOCK both under a 400
 * example and as 409 in its error table.
 */
import { classifyMoneyError, type RefusalTable } from '../refusals.js';
import { ambiguous, refused, type Outcome, type RefusalCode } from '../types.js';
import { refusalFromStatus } from '../http.js';
import { errorEnvelopeSchema, type WireError } from './schemas.js';

/**
 * What FlashProxy documents as "nothing was done" on a money POST, quoted
 * from flashproxy-openapi.json (error-code tables of `info.description`,
 * response examples of `POST /plans` and `POST /plans/{planId}/extend`).
 */
export const FLASHPROXY_MONEY_REFUSALS: RefusalTable = [
  {
    status: 400,
    code: 'VALIDATION_ERROR',
    refusal: 'invalid_option',
    documented: 'Error codes: "`VALIDATION_ERROR` | 400 | Invalid request parameters"',
  },
  {
    status: 400,
    code: 'INVALID_POOL',
    refusal: 'invalid_option',
    documented: 'Error codes: "`INVALID_POOL` | 400 | Invalid pool name (dedicated_isp)"',
  },
  {
    status: 400,
    code: 'POOL_OUT_OF_STOCK',
    refusal: 'out_of_stock',
    documented:
      'POST /plans 400 example "pool_out_of_stock": {"code": "POOL_OUT_OF_STOCK", "message": "Pool \'ISP_US_SNEAKERS\' has insufficient stock. Available: 5, Requested: 10"}',
  },
  {
    status: 409,
    code: 'POOL_OUT_OF_STOCK',
    refusal: 'out_of_stock',
    documented: 'Error codes: "`POOL_OUT_OF_STOCK` | 409 | Insufficient stock in pool (dedicated_isp)"',
  },
  {
    status: 409,
    code: 'OUT_OF_STOCK',
    refusal: 'out_of_stock',
    documented: 'Error codes: "`OUT_OF_STOCK` | 409 | Product out of stock"; POST /plans "409 - Out of stock"',
  },
  {
    status: 401,
    code: 'UNAUTHORIZED',
    refusal: 'unauthorized',
    documented: 'Error codes: "`UNAUTHORIZED` | 401 | Invalid or missing API key"',
  },
  {
    status: 402,
    code: 'INSUFFICIENT_BALANCE',
    refusal: 'insufficient_upstream_balance',
    documented: 'Error codes: "`INSUFFICIENT_BALANCE` | 402 | Not enough balance for operation"',
  },
  {
    status: 403,
    code: 'FORBIDDEN',
    refusal: 'forbidden',
    documented: 'Error codes: "`FORBIDDEN` | 403 | Account suspended or lacking permission"',
  },
  {
    status: 403,
    code: 'PRODUCT_DISABLED',
    refusal: 'forbidden',
    documented: 'Error codes: "`PRODUCT_DISABLED` | 403 | Product not enabled for account"',
  },
  {
    status: 403,
    code: 'ACCOUNT_NOT_ACTIVE',
    refusal: 'forbidden',
    documented: 'Error codes: "`ACCOUNT_NOT_ACTIVE` | 403 | Reseller account is pending or suspended"',
  },
  {
    status: 404,
    code: 'NOT_FOUND',
    refusal: 'not_found',
    documented:
      'Error codes: "`NOT_FOUND` | 404 | Resource not found"; POST /plans/{planId}/extend "404": NotFound (no such plan to extend)',
  },
  {
    status: 429,
    code: 'RATE_LIMITED',
    refusal: 'rate_limited',
    documented: 'Error codes: "`RATE_LIMITED` | 429 | Too many requests"',
  },
  {
    status: 400,
    code: 'PLAN_EXPIRED',
    refusal: 'rejected',
    documented:
      'POST /plans/{planId}/extend 400 example "plan_expired": {"code": "PLAN_EXPIRED", "message": "Cannot extend an expired plan"}',
  },
  {
    status: 400,
    code: 'PLAN_NOT_ACTIVE',
    refusal: 'rejected',
    documented: 'Error codes: "`PLAN_NOT_ACTIVE` | 400 | Cannot extend/upgrade inactive plan"',
  },
  {
    status: 400,
    code: 'EXTENSION_NOT_SUPPORTED',
    refusal: 'unsupported',
    documented: 'POST /plans/{planId}/extend: "Calls return 400 `EXTENSION_NOT_SUPPORTED`" (unlimited_residential)',
  },
  // Not here, on purpose:
  // - IDEMPOTENCY_KEY_CONFLICT (409): "Idempotency key reused with different payload" — a request under
  //   our key was processed, so something may have been bought; see `isIdempotencyKeyConflict`.
  // - INTERNAL_ERROR (500) and every other 5xx: the server failed, possibly after charging.
  // - UPGRADE_FAILED (400) "Plan upgrade failed": upgrades charge prorated amounts and the document does
  //   not say a failed one charged nothing.
];

/** FlashProxy's "this idempotency key was already used with different request parameters". */
export const IDEMPOTENCY_KEY_CONFLICT = 'IDEMPOTENCY_KEY_CONFLICT';

/** True when an error answer is FlashProxy's idempotency key conflict. */
export function isIdempotencyKeyConflict(body: unknown, status: number): boolean {
  const parsed = errorEnvelopeSchema.safeParse(body);
  return status === 409 && parsed.success && parsed.data.error.code === IDEMPOTENCY_KEY_CONFLICT;
}

/**
 * A non-2xx answer to a money POST: a documented refusal, or ambiguous
 * ('undocumented' for an unlisted code or a body without the envelope,
 * 'server_error' for a 5xx).
 */
export function moneyOutcomeFromErrorBody(body: unknown, status: number, redact: (text: string) => string): Outcome<never> {
  const parsed = errorEnvelopeSchema.safeParse(body);
  if (!parsed.success) {
    return classifyMoneyError(FLASHPROXY_MONEY_REFUSALS, {
      status,
      message: `FlashProxy answered HTTP ${status} without its error envelope`,
    });
  }
  return classifyMoneyError(FLASHPROXY_MONEY_REFUSALS, {
    status,
    code: parsed.data.error.code,
    message: redact(describeError(parsed.data)),
  });
}

/**
 * A 2xx whose body says `success:false` on a money POST: the document never
 * shows one, so whatever its code it is not proof that nothing was done.
 */
export function moneyOutcomeFromFailedSuccess(body: unknown, status: number, redact: (text: string) => string): Outcome<never> {
  const parsed = errorEnvelopeSchema.safeParse(body);
  const what = parsed.success ? redact(describeError(parsed.data)) : 'no error details';
  return ambiguous('malformed', `FlashProxy answered HTTP ${status} with success:false (${what})`, status);
}

// ---------------------------------------------------------------------------
// Calls that move no money
// ---------------------------------------------------------------------------

const REFUSAL_BY_CODE: Record<string, RefusalCode> = {
  VALIDATION_ERROR: 'invalid_option',
  INVALID_POOL: 'invalid_option',
  PRICING_ERROR: 'invalid_option',
  MISSING_PARAM: 'invalid_option',
  INVALID_PRODUCT: 'invalid_option',
  UNAUTHORIZED: 'unauthorized',
  INSUFFICIENT_BALANCE: 'insufficient_upstream_balance',
  FORBIDDEN: 'forbidden',
  PRODUCT_DISABLED: 'forbidden',
  ACCOUNT_NOT_ACTIVE: 'forbidden',
  NOT_FOUND: 'not_found',
  IP_NOT_FOUND: 'not_found',
  SERVER_NOT_FOUND: 'not_found',
  OUT_OF_STOCK: 'out_of_stock',
  POOL_OUT_OF_STOCK: 'out_of_stock',
  RATE_LIMITED: 'rate_limited',
  EXTENSION_NOT_SUPPORTED: 'unsupported',
  NOT_SUPPORTED: 'unsupported',
  ALREADY_CANCELLED: 'rejected',
  PLAN_EXPIRED: 'rejected',
  PLAN_NOT_ACTIVE: 'rejected',
  UPDATE_FAILED: 'rejected',
  UPGRADE_FAILED: 'rejected',
};

/** Codes that say the upstream itself failed: it may or may not have acted. */
const AMBIGUOUS_CODES = new Set(['INTERNAL_ERROR']);

/** Maps a non-2xx answer to a call that moves no money (other than 429 and 5xx, handled by the HTTP layer). */
export function outcomeFromErrorBody(body: unknown, status: number, redact: (text: string) => string): Outcome<never> {
  const parsed = errorEnvelopeSchema.safeParse(body);
  if (!parsed.success) {
    // No envelope (a proxy in front of the API, an unknown route): the status alone decides.
    return refused(refusalFromStatus(status), `FlashProxy answered HTTP ${status}`, status);
  }
  const { code } = parsed.data.error;
  const message = redact(describeError(parsed.data));
  if (AMBIGUOUS_CODES.has(code)) return ambiguous('server_error', message, status);
  return refused(REFUSAL_BY_CODE[code] ?? refusalFromStatus(status), message, status);
}

/**
 * A 2xx whose body says `success:false`, on a call that moves no money. Only
 * a code that clearly means "nothing was done" is a refusal.
 */
export function outcomeFromFailedSuccess(body: unknown, status: number, redact: (text: string) => string): Outcome<never> {
  const parsed = errorEnvelopeSchema.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : undefined;
  const refusal = code === undefined ? undefined : REFUSAL_BY_CODE[code];
  if (parsed.success && refusal) return refused(refusal, redact(describeError(parsed.data)), status);
  const what = parsed.success ? redact(describeError(parsed.data)) : 'no error details';
  return ambiguous('malformed', `FlashProxy answered HTTP ${status} with success:false (${what})`, status);
}

/** True when a 2xx body is FlashProxy's failure envelope. */
export function isFailureEnvelope(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { success?: unknown }).success === false;
}

function describeError(envelope: WireError): string {
  const { error } = envelope;
  let text = `FlashProxy ${error.code}`;
  if (error.message) text += `: ${error.message}`;
  const required = error.required_cents ?? envelope.required_cents;
  const available = error.available_cents ?? envelope.available_cents;
  if (required !== undefined && available !== undefined) {
    text += ` (required ${required} cents, available ${available} cents)`;
  }
  return text;
}
