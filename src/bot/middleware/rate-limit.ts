/**
 * Per-user flood control: a token bucket per Telegram user, in memory. A
 * user over the limit has their updates dropped and gets one polite warning
 * per flood; other users are unaffected. Buckets of quiet users are
 * forgotten so the map does not grow without bound.
 */
import type { Context, MiddlewareFn } from 'grammy';
import { TokenBuckets } from '../../lib/rate-limit.js';
import type { RateLimitOptions } from '../context.js';

// Generous enough for someone tapping through menus quickly; a script sending dozens a second is not.
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 30, perSecond: 4 };

export function rateLimit<C extends Context>(
  options: RateLimitOptions,
  warn: (ctx: C) => Promise<unknown>,
  now: () => number = Date.now,
): MiddlewareFn<C> {
  /** Users warned during their current flood; one warning each until they calm down. */
  const warned = new Set<number>();
  const buckets = new TokenBuckets<number>({
    capacity: options.burst,
    refillPerMs: options.perSecond / 1000,
    now,
    onForget: (userId) => warned.delete(userId),
  });

  return async (ctx, next) => {
    const userId = ctx.from?.id;
    if (userId === undefined) return next();
    const take = buckets.take(userId);
    if (take.allowed) {
      if (take.tokens >= options.burst / 2) warned.delete(userId);
      return next();
    }
    if (!warned.has(userId)) {
      warned.add(userId);
      await warn(ctx);
    }
  };
}
