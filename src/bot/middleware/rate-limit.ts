/**
 * Per-user flood control: a token bucket per Telegram user, in memory. A
 * user over the limit has their updates dropped and gets one polite warning
 * per flood; other users are unaffected. Buckets of quiet users are
 * forgotten so the map does not grow without bound.
 */
import type { Context, MiddlewareFn } from 'grammy';
import type { RateLimitOptions } from '../context.js';

// Generous enough for someone tapping through menus quickly; a script sending dozens a second is not.
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 30, perSecond: 4 };

interface Bucket {
  tokens: number;
  at: number;
  warned: boolean;
}

export function rateLimit<C extends Context>(
  options: RateLimitOptions,
  warn: (ctx: C) => Promise<unknown>,
  now: () => number = Date.now,
): MiddlewareFn<C> {
  const buckets = new Map<number, Bucket>();
  let lastSweep = now();

  const sweep = (at: number) => {
    if (at - lastSweep < 60_000) return;
    lastSweep = at;
    const full = (options.burst / options.perSecond) * 1000;
    for (const [id, bucket] of buckets) if (at - bucket.at > full) buckets.delete(id);
  };

  return async (ctx, next) => {
    const userId = ctx.from?.id;
    if (userId === undefined) return next();
    const at = now();
    sweep(at);
    let bucket = buckets.get(userId);
    if (!bucket) buckets.set(userId, (bucket = { tokens: options.burst, at, warned: false }));
    bucket.tokens = Math.min(options.burst, bucket.tokens + ((at - bucket.at) / 1000) * options.perSecond);
    bucket.at = at;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      if (bucket.tokens >= options.burst / 2) bucket.warned = false;
      return next();
    }
    if (!bucket.warned) {
      bucket.warned = true;
      await warn(ctx);
    }
  };
}
