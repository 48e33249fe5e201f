/**
 * Turns FlashProxy's error envelope into the shop's outcomes.
 *
 * Codes are mapped by name first: the same HTTP status carries different
 * meanings (409 is both "out of stock" and "idempotency key reused"), and the
 * openapi.json even lists POOL_OUT_OF_STOCK under a 400 heading.
 */
import { ambiguous, refused, type Outcome, type RefusalCode } from '../types.js';
import { refusalFromStatus } from '../http.js';
import { errorEnvelopeSchema, type WireError } from './schemas.js';

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
  IDEMPOTENCY_KEY_CONFLICT: 'rejected',
  ALREADY_CANCELLED: 'rejected',
  PLAN_EXPIRED: 'rejected',
  PLAN_NOT_ACTIVE: 'rejected',
  UPDATE_FAILED: 'rejected',
  UPGRADE_FAILED: 'rejected',
};

/** Codes that say the upstream itself failed: it may or may not have acted. */
const AMBIGUOUS_CODES = new Set(['INTERNAL_ERROR']);

/** Maps a non-2xx answer (other than 429 and 5xx, handled by the HTTP layer). */
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
 * A 2xx whose body says `success:false`. Only a code that clearly means
 * "nothing was done" is a refusal; anything else may hide a completed action.
 */
export function outcomeFromFailedSuccess(
  body: unknown,
  status: number,
  redact: (text: string) => string,
): Outcome<never> {
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
