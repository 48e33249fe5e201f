/**
 * Everything every request to the customers' API passes before its route,
 * in one middleware: no caching of the answer, the body checks, the token,
 * the token's rate budget, and a debug line when the answer is out.
 *
 * One function rather than five middlewares because each layer of Hono's
 * chain costs a closure, a promise and a dispatch per request, and on a
 * read like `GET /balance` those layers cost more than the read itself.
 * The checks are the same functions the single-purpose middlewares use.
 */
import type { Context, MiddlewareHandler, Next } from 'hono';
import type { Logger } from '../../logger.js';
import type { Bans } from '../../services/operator-console.js';
import type { Tokens } from '../../services/tokens.js';
import { afterRest } from '../../lib/flat-chain-router.js';
import { setAnswerHeader } from '../../lib/http-headers.js';
import { type ApiEnv, type ApiPrincipal, principalOf } from './auth.js';
import { checkDeclaredLength, checkJsonMediaType, MAX_BODY_BYTES } from './body.js';
import { errorResponse } from './errors.js';
import { requestBudget, type RateLimitOptions } from './rate-limit.js';

export interface ApiGateOptions {
  tokens: Pick<Tokens, 'verify'>;
  /** A banned customer's valid tokens are refused, with the reason. */
  bans?: Pick<Bans, 'banOf'> | undefined;
  logger: Logger;
  rateLimit?: RateLimitOptions;
  maxBodyBytes?: number;
}

export function apiGate(options: ApiGateOptions): MiddlewareHandler<ApiEnv> {
  const { tokens, logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const spend = requestBudget(options.rateLimit);

  /** Method, path and status only: the token and any proxy password stay out of the log. */
  const logAnswered = (c: Context<ApiEnv>, principal: ApiPrincipal, started: number) =>
    logger.debug('api request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      userId: principal.userId,
      client: principal.tokenId,
    });

  // Not async: when the route answers at once, so does the gate, with no promise made (see FlatChainRouter).
  const gate = (c: Context<ApiEnv>, next: Next): void | Promise<void> => {
    const started = performance.now();
    // Everything here is per customer, and some of it is credentials: no cache anywhere may keep it.
    setAnswerHeader(c, 'Cache-Control', 'no-store');
    // Cheapest refusals first, and the rate budget before any route does database work.
    checkDeclaredLength(c, maxBodyBytes);
    checkJsonMediaType(c);
    const principal = principalOf(c, tokens, options.bans);
    c.set('principal', principal);
    const overBudget = spend(c, principal.tokenId);
    if (overBudget) {
      // Answered here rather than thrown: no route runs, and the error handler's round trip is skipped.
      c.res = errorResponse(c, overBudget);
      logAnswered(c, principal, started);
      return;
    }
    return afterRest(next(), () => logAnswered(c, principal, started));
  };
  return gate as MiddlewareHandler<ApiEnv>;
}
