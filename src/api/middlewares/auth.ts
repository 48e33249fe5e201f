/**
 * Who is calling: an API token from `Authorization: Bearer pst_…` (preferred)
 * or `X-API-Token: pst_…`, checked by the tokens service. Every failure reads
 * the same — malformed, unknown, revoked and expired alike — so a caller
 * cannot probe which tokens exist, and the presented token is never echoed.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Bans } from '../../services/operator-console.js';
import type { TokenScope, Tokens } from '../../services/tokens.js';
import { requestHeader } from '../../lib/http-headers.js';
import { ApiError } from './errors.js';

export interface ApiPrincipal {
  userId: number;
  tokenId: string;
  scopes: TokenScope[];
}

export type ApiEnv = { Variables: { principal: ApiPrincipal } };

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

function unauthorized(): ApiError {
  return new ApiError('unauthorized', 'a valid API token is required (Authorization: Bearer <token>)', {
    headers: { 'WWW-Authenticate': 'Bearer realm="api"' },
  });
}

/** The presented token, or undefined when none was sent in a form we accept. */
export function presentedToken(authorization: string | undefined, apiTokenHeader: string | undefined): string | undefined {
  // An Authorization header wins even when it is not a Bearer one: a client that sent Basic meant it.
  if (authorization !== undefined) return BEARER.exec(authorization)?.[1];
  const direct = apiTokenHeader?.trim();
  return direct ? direct : undefined;
}

/** `bans`: a banned customer's valid tokens are refused, with the reason, until they are unbanned. */
export function authenticate(tokens: Pick<Tokens, 'verify'>, bans?: Pick<Bans, 'banOf'>): MiddlewareHandler<ApiEnv> {
  // Not async, and passing next()'s promise on: nothing runs afterwards, so no promise of its own is needed.
  return (c, next) => {
    c.set('principal', principalOf(c, tokens, bans));
    return next();
  };
}

/** Who the request's token belongs to; 401 for a missing, malformed, unknown, revoked or expired one, 403 for a banned customer. */
export function principalOf(c: Context, tokens: Pick<Tokens, 'verify'>, bans?: Pick<Bans, 'banOf'>): ApiPrincipal {
  const token = presentedToken(requestHeader(c, 'authorization'), requestHeader(c, 'x-api-token'));
  if (!token) throw unauthorized();
  const verified = tokens.verify(token);
  if (!verified.ok) throw unauthorized();
  const ban = bans?.banOf(verified.userId);
  if (ban) throw new ApiError('account_suspended', `this account is suspended: ${ban.reason}`);
  return { userId: verified.userId, tokenId: verified.tokenId, scopes: verified.scopes };
}

/** Refuses a token without `scope`; runs after `authenticate`. */
export function requireScope(scope: TokenScope): MiddlewareHandler<ApiEnv> {
  return (c, next) => {
    if (!c.get('principal').scopes.includes(scope)) {
      throw new ApiError('forbidden_scope', `this token lacks the "${scope}" scope`, { fields: { required_scope: scope } });
    }
    return next();
  };
}
