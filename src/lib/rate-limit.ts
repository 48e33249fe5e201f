/**
 * The two rate rules the shop applies, each written once, with the clock a
 * parameter so tests move time by hand.
 *
 * - `TokenBuckets` admits a burst and then a steady rate: right for our own
 *   callers (API tokens, bot users), where a short burst is fine.
 * - `SlidingWindow` admits at most N events in any window: right where an
 *   upstream states a count per window (Telegram, provider APIs), since a
 *   bucket lets `capacity + rate × T` through in a window of T and overshoots.
 */

export type TokenTake = { allowed: true; tokens: number } | { allowed: false; tokens: number; retryInMs: number };

export interface TokenBucketOptions<K> {
  /** Tokens a full bucket holds: the burst. */
  capacity: number;
  /** Tokens added back per millisecond. */
  refillPerMs: number;
  now?: () => number;
  /** Told when a quiet key's (full) bucket is forgotten, so callers can drop what they keep beside it. */
  onForget?: (key: K) => void;
}

/** A token bucket per key, in memory; buckets of quiet keys are forgotten so the map stays bounded. */
export class TokenBuckets<K> {
  private readonly buckets = new Map<K, { tokens: number; at: number }>();
  private readonly now: () => number;
  /** How long an empty bucket takes to fill: after that, a bucket is the same as none. */
  private readonly fullAfterMs: number;
  private lastSweep: number;

  constructor(private readonly options: TokenBucketOptions<K>) {
    if (!(options.capacity >= 1) || !(options.refillPerMs > 0))
      throw new RangeError('a token bucket needs a capacity of at least 1 and a positive refill rate');
    this.now = options.now ?? Date.now;
    this.fullAfterMs = options.capacity / options.refillPerMs;
    this.lastSweep = this.now();
  }

  /** Takes a token for `key` when one is there; otherwise says how long until one is. */
  take(key: K): TokenTake {
    const { capacity, refillPerMs } = this.options;
    const at = this.now();
    this.sweep(at);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at };
    bucket.tokens = Math.min(capacity, bucket.tokens + (at - bucket.at) * refillPerMs);
    bucket.at = at;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return { allowed: false, tokens: bucket.tokens, retryInMs: (1 - bucket.tokens) / refillPerMs };
    bucket.tokens -= 1;
    return { allowed: true, tokens: bucket.tokens };
  }

  /** At most once a minute (or once a fill time, if longer): forgets buckets that have filled up. */
  private sweep(at: number): void {
    if (at - this.lastSweep < Math.max(60_000, this.fullAfterMs)) return;
    this.lastSweep = at;
    for (const [key, bucket] of this.buckets) {
      if (at - bucket.at < this.fullAfterMs) continue;
      this.buckets.delete(key);
      this.options.onForget?.(key);
    }
  }
}

/**
 * At most `limit` events per key in any window of `windowMs`: an exact log of
 * the events' times (cheap at these sizes, ≤ a few dozen per key).
 */
export class SlidingWindow<K = string> {
  private readonly events = new Map<K, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** When the next event for `key` may happen (≤ now: right away). */
  nextAllowedAt(key: K, now: number): number {
    const times = this.prune(key, now);
    return times.length < this.limit ? now : times[times.length - this.limit]! + this.windowMs;
  }

  /** How many more events `key` may have right now. */
  remaining(key: K, now: number): number {
    return Math.max(0, this.limit - this.prune(key, now).length);
  }

  record(key: K, at: number): void {
    const times = this.events.get(key) ?? [];
    times.push(at);
    this.events.set(key, times);
  }

  /** Moves one recorded event to a later, better-known time. */
  move(key: K, from: number, to: number): void {
    const times = this.events.get(key);
    const index = times?.indexOf(from) ?? -1;
    if (!times || index < 0 || to <= from) return;
    times[index] = to;
    times.sort((a, b) => a - b);
  }

  /** Forgets keys with no event in a whole window, so the map does not grow with the number of keys ever seen. */
  sweep(now: number): void {
    for (const key of [...this.events.keys()]) this.prune(key, now);
  }

  private prune(key: K, now: number): number[] {
    const times = this.events.get(key);
    if (!times) return [];
    while (times.length > 0 && times[0]! <= now - this.windowMs) times.shift();
    if (times.length === 0) this.events.delete(key);
    return times;
  }
}

/**
 * Spaces events evenly: one per `intervalMs`, with up to `burst` at once
 * when it has been idle (the generic cell rate algorithm). A sliding window
 * alone lets a whole window's quota go in one burst; the answers to a burst
 * then queue up, and a burst that leaves late can land inside the next
 * window at the far end.
 */
export class Pacer {
  /** When the next event would be due if events went exactly one interval apart. */
  private theoreticalAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
  ) {
    if (!(intervalMs > 0) || !Number.isSafeInteger(burst) || burst < 1) throw new RangeError('a pacer needs a positive interval and burst');
  }

  nextAllowedAt(now: number): number {
    return Math.max(now, this.theoreticalAt - (this.burst - 1) * this.intervalMs);
  }

  record(at: number): void {
    this.theoreticalAt = Math.max(this.theoreticalAt, at) + this.intervalMs;
  }
}
