/**
 * A per-token request budget, in memory: a token bucket of `limit` requests
 * refilled evenly over `windowMs`. A bucket rather than a fixed window, so a
 * client cannot spend two windows' worth at a window edge. In memory is
 * enough for one process; several processes would each allow the full rate.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { TokenBuckets } from '../../lib/rate-limit.js';
import { setAnswerHeader } from '../../lib/http-headers.js';
import type { ApiEnv } from './auth.js';
import { ApiError } from './errors.js';

export interface RateLimitOptions {
  /** Requests per window; default 120. */
  limit?: number;
  /** Default one minute. */
  windowMs?: number;
  now?: () => number;
}

export const DEFAULT_RATE_LIMIT = 120;
export const DEFAULT_RATE_WINDOW_MS = 60_000;

export function rateLimit(options: RateLimitOptions = {}): MiddlewareHandler<ApiEnv> {
  const spend = requestBudget(options);
  // Not async: nothing runs after next(), so its promise is passed on rather than awaited in one more.
  return (c, next) => {
    const refusal = spend(c, c.get('principal').tokenId);
    if (refusal) throw refusal;
    return next();
  };
}

/**
 * Spends one request of a token's budget and sets the X-RateLimit headers;
 * returns the 429 (with Retry-After) when the budget is spent. Returned, not
 * thrown: a client over its budget may keep knocking, and each refusal should
 * cost less than an answer, not a trip through the error handler.
 */
export function requestBudget(options: RateLimitOptions = {}): (c: Context, tokenId: string) => ApiError | undefined {
  const limit = options.limit ?? DEFAULT_RATE_LIMIT;
  const windowMs = options.windowMs ?? DEFAULT_RATE_WINDOW_MS;
  if (!Number.isSafeInteger(limit) || limit < 1 || !(windowMs > 0))
    throw new RangeError('rate limit must be a positive count per positive window');
  const buckets = new TokenBuckets<string>({
    capacity: limit,
    refillPerMs: limit / windowMs,
    ...(options.now ? { now: options.now } : {}),
  });
  const limitHeader = String(limit);

  return (c, tokenId) => {
    const take = buckets.take(tokenId);
    setAnswerHeader(c, 'X-RateLimit-Limit', limitHeader);
    if (!take.allowed) {
      const waitS = Math.max(1, Math.ceil(take.retryInMs / 1000));
      setAnswerHeader(c, 'X-RateLimit-Remaining', '0');
      return new ApiError('rate_limited', `too many requests; retry in ${waitS} s`, {
        headers: { 'Retry-After': String(waitS) },
        fields: { retry_after_s: waitS },
      });
    }
    setAnswerHeader(c, 'X-RateLimit-Remaining', String(Math.floor(take.tokens)));
    return undefined;
  };
}
