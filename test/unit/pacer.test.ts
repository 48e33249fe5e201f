import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/lib/rate-limit.js';

describe('Pacer', () => {
  it('lets a burst go at once, then spaces the rest one interval apart', () => {
    const pacer = new Pacer(100, 3);
    const sentAt: number[] = [];
    let now = 0;
    while (sentAt.length < 6) {
      now = pacer.nextAllowedAt(now);
      pacer.record(now);
      sentAt.push(now);
    }
    expect(sentAt).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('allows a new burst only after being idle for as long as the burst takes', () => {
    const pacer = new Pacer(100, 3);
    for (let i = 0; i < 3; i++) pacer.record(0);
    // Idle for one interval: one slot back, not three.
    expect(pacer.nextAllowedAt(150)).toBe(150);
    pacer.record(150);
    expect(pacer.nextAllowedAt(150)).toBe(200);
    // Idle long enough: the whole burst again.
    for (let i = 0; i < 3; i++) {
      expect(pacer.nextAllowedAt(1_000)).toBe(1_000);
      pacer.record(1_000);
    }
    expect(pacer.nextAllowedAt(1_000)).toBe(1_100);
  });

  it('refuses a meaningless configuration', () => {
    expect(() => new Pacer(0, 1)).toThrow(RangeError);
    expect(() => new Pacer(10, 0)).toThrow(RangeError);
  });
});
