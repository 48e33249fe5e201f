/**
 * Request signatures on the money POSTs, for tokens created with signing on
 * (see services/token-signing.ts). Runs after authentication and after the
 * body was buffered, so it signs-checks the exact bytes received. Every
 * refusal is 401 `unauthorized` with a `signature_error` saying which check
 * failed — never a 500.
 */
import type { MiddlewareHandler } from 'hono';
import type { SignatureRefusal, TokenSigning } from '../../services/token-signing.js';
import { requestHeader } from '../../lib/http-headers.js';
import type { ApiEnv } from './auth.js';
import { ApiError } from './errors.js';
import { rawBodyOf } from './json-body.js';

const MESSAGES: Record<SignatureRefusal, string> = {
  missing: 'this token signs its money requests: send X-Timestamp and X-Signature',
  malformed: 'X-Timestamp must be Unix seconds and X-Signature 64 hex characters',
  stale: 'X-Timestamp is more than 300 s away from the shop’s clock',
  mismatch: 'X-Signature does not match the request',
  replayed: 'this signature was already used; sign each request afresh',
};

export function requireSignature(signing: Pick<TokenSigning, 'verify'>): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const check = signing.verify(c.get('principal').tokenId, {
      timestamp: requestHeader(c, 'x-timestamp'),
      signature: requestHeader(c, 'x-signature'),
      method: c.req.method,
      path: c.req.path,
      rawBody: rawBodyOf(c.req.raw),
    });
    if (!check.ok) {
      throw new ApiError('unauthorized', MESSAGES[check.reason], { fields: { signature_error: check.reason } });
    }
    await next();
  };
}
