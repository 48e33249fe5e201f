/**
 * The REST API's one envelope. Success is `{ success: true, ...data }`;
 * every refusal is `{ success: false, error: { code, message, details? } }`
 * with a stable `code` that clients branch on, so the message stays free to
 * read well. Handlers throw `ApiError`; the sub-app's error handler turns it
 * (and anything unexpected) into the envelope.
 */
import type { Context, ErrorHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../../logger.js';
import { setAnswerHeader } from '../../lib/http-headers.js';

export type ApiErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'idempotency_key_required'
  | 'unauthorized'
  | 'insufficient_balance'
  | 'forbidden_scope'
  | 'account_suspended'
  | 'not_found'
  | 'quote_expired'
  | 'idempotency_conflict'
  | 'sold_out'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'order_failed'
  | 'unsupported'
  | 'rate_limited'
  | 'internal_error'
  | 'provider_unavailable';

/** One HTTP status per code: the table in the README is this map. */
export const STATUS_OF: Record<ApiErrorCode, ContentfulStatusCode> = {
  invalid_json: 400,
  invalid_request: 400,
  idempotency_key_required: 400,
  unauthorized: 401,
  insufficient_balance: 402,
  forbidden_scope: 403,
  account_suspended: 403,
  not_found: 404,
  quote_expired: 409,
  idempotency_conflict: 409,
  sold_out: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  order_failed: 422,
  unsupported: 422,
  rate_limited: 429,
  internal_error: 500,
  provider_unavailable: 503,
};

export interface IssueDetail {
  /** Dotted path of the offending field ('' for the body as a whole). */
  path: string;
  message: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: { details?: IssueDetail[]; fields?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    // A refusal is an answer, not a fault: no stack trace is captured for it (that was the largest
    // single cost of a 429). Errors that are faults keep theirs.
    const stackLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = code === 'internal_error' ? stackLimit : 0;
    super(message);
    Error.stackTraceLimit = stackLimit;
  }

  get status(): ContentfulStatusCode {
    return STATUS_OF[this.code];
  }
}

export function errorBody(code: ApiErrorCode, message: string, details?: IssueDetail[], fields?: Record<string, unknown>) {
  return { success: false as const, error: { code, message, ...(details ? { details } : {}), ...fields } };
}

export function errorResponse(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.extra.headers ?? {})) setAnswerHeader(c, name, value);
  return c.json(errorBody(error.code, error.message, error.extra.details, error.extra.fields), error.status);
}

/** `{ success: true, ...data }` with the given status. */
export function ok<T extends Record<string, unknown>>(c: Context, data: T, status: ContentfulStatusCode = 200): Response {
  return c.json({ success: true as const, ...data }, status);
}

/**
 * Known refusals become their envelope; anything else is logged (never with
 * the request's headers, which carry the token) and answered with a generic
 * 500 so internals do not leak to clients.
 */
export function apiErrorHandler(logger: Logger): ErrorHandler {
  return (error, c) => {
    if (error instanceof ApiError) return errorResponse(c, error);
    logger.error('api request failed', { method: c.req.method, path: c.req.path, error });
    return c.json(errorBody('internal_error', 'something went wrong on our side; please try again'), 500);
  };
}
