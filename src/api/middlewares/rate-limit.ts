/**
 * A per-token request budget, in memory: a token bucket of `limit` requests
 * refilled evenly over `windowMs`. A bucket rather than a fixed window, so a
 * client cannot spend two windows' worth at a window edge. In memory is
 * enough for one process; several processes would each allow the full rate.
 */
import type { MiddlewareHandler } from 'hono';
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
/** Beyond this many buckets, idle (already full) ones are dropped so memory stays bounded. */
const SWEEP_ABOVE = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export function rateLimit(options: RateLimitOptions = {}): MiddlewareHandler<ApiEnv> {
  const limit = options.limit ?? DEFAULT_RATE_LIMIT;
  const windowMs = options.windowMs ?? DEFAULT_RATE_WINDOW_MS;
  const now = options.now ?? Date.now;
  if (!Number.isSafeInteger(limit) || limit < 1 || !(windowMs > 0)) throw new RangeError('rate limit must be a positive count per positive window');
  const perMs = limit / windowMs;
  const buckets = new Map<string, Bucket>();

  const sweep = (at: number) => {
    for (const [key, bucket] of buckets) if (at - bucket.at >= windowMs) buckets.delete(key);
  };

  // Not async: nothing runs after next(), so its promise is passed on rather than awaited in one more.
  return (c, next) => {
    const key = c.get('principal').tokenId;
    const at = now();
    if (buckets.size > SWEEP_ABOVE) sweep(at);
    const bucket = buckets.get(key) ?? { tokens: limit, at };
    bucket.tokens = Math.min(limit, bucket.tokens + (at - bucket.at) * perMs);
    bucket.at = at;
    buckets.set(key, bucket);
    c.header('X-RateLimit-Limit', String(limit));
    if (bucket.tokens < 1) {
      const waitS = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
      c.header('X-RateLimit-Remaining', '0');
      throw new ApiError('rate_limited', `too many requests; retry in ${waitS} s`, {
        headers: { 'Retry-After': String(waitS) },
        fields: { retry_after_s: waitS },
      });
    }
    bucket.tokens -= 1;
    c.header('X-RateLimit-Remaining', String(Math.floor(bucket.tokens)));
    return next();
  };
}
