/**
 * Request bodies: capped in size, parsed as JSON, validated with zod. The
 * cap is checked twice — on the declared Content-Length before anything is
 * read, and while reading, for chunked bodies that declare nothing — so a
 * large upload is refused without being buffered.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { requestHeader } from '../../lib/http-headers.js';
import { ApiError, type IssueDetail } from './errors.js';

export const MAX_BODY_BYTES = 16 * 1024;

function tooLarge(maxBytes: number): ApiError {
  return new ApiError('payload_too_large', `the request body must be at most ${maxBytes} bytes`);
}

/** Refuses a declared body over the cap before any other work is done. */
export function bodyLimit(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  // Not async, and passing next()'s promise on: a check with nothing to do afterwards needs no promise of its own.
  return (c, next) => {
    checkDeclaredLength(c, maxBytes);
    return next();
  };
}

/** Throws 413 when the declared Content-Length is over `maxBytes`. */
export function checkDeclaredLength(c: Context, maxBytes = MAX_BODY_BYTES): void {
  const declared = requestHeader(c, 'content-length');
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
}

/** `application/json` or a `+json` type, with any parameters (charset). */
const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/**
 * Refuses a body that does not say it is JSON (text/plain, a form, no
 * Content-Type) before anything reads it: a form post from a browser page
 * or a mistyped script must not be taken for an API call. A request
 * without a body (no Content-Length, or 0, and not chunked) passes.
 */
export function requireJsonBody(): MiddlewareHandler {
  return (c, next) => {
    checkJsonMediaType(c);
    return next();
  };
}

/** Throws 415 when the request has a body that does not say it is JSON. */
export function checkJsonMediaType(c: Context): void {
  const length = requestHeader(c, 'content-length');
  const hasBody = (length !== undefined && length !== '0') || requestHeader(c, 'transfer-encoding') !== undefined;
  if (hasBody && !JSON_MEDIA_TYPE.test(requestHeader(c, 'content-type') ?? '')) {
    throw new ApiError('unsupported_media_type', 'the request body must be JSON: send Content-Type: application/json');
  }
}

export async function readCapped(c: Context, maxBytes: number): Promise<string> {
  const stream = c.req.raw.body;
  if (!stream) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** zod issues as `{ path: 'a.b', message }`, for `invalid_request` details. */
export function issueDetails(error: z.ZodError, prefix: string[] = []): IssueDetail[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

export function invalidRequest(details: IssueDetail[], message = 'the request is not valid; see details'): ApiError {
  return new ApiError('invalid_request', message, { details });
}

/** The JSON body, validated by `schema`; 413, `invalid_json` or `invalid_request` otherwise. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, maxBytes = MAX_BODY_BYTES): Promise<z.output<S>> {
  const text = await readCapped(c, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('invalid_json', 'the request body is not valid JSON (send Content-Type: application/json)');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(issueDetails(parsed.error));
  return parsed.data;
}

/** Query parameters, validated by `schema`. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalidRequest(issueDetails(parsed.error));
  return parsed.data;
}

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_:.-]{8,100}$/;
/** The saga's intent keys are at most 100 characters; `api:` plus a long key would not fit. */
const INTENT_ROOM = 100 - 'api:'.length;

/**
 * The money POSTs' required `Idempotency-Key`, as the saga's intent key.
 * Keys are namespaced `api:` so they never meet the bot's or auto-renewal's;
 * the rare key too long for that is hashed under its own `apih:` prefix, so
 * the two forms cannot collide either.
 */
export function intentKeyOf(c: Context): string {
  const key = requestHeader(c, 'idempotency-key');
  if (key === undefined || key === '') {
    throw new ApiError('idempotency_key_required', `money requests need an ${IDEMPOTENCY_HEADER} header (8–100 of A-Z a-z 0-9 _ : . -)`);
  }
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw invalidRequest([{ path: `headers.${IDEMPOTENCY_HEADER}`, message: 'must be 8–100 characters of A-Z a-z 0-9 _ : . -' }]);
  }
  if (key.length <= INTENT_ROOM) return `api:${key}`;
  return `apih:${createHash('sha256').update(key).digest('hex')}`;
}
