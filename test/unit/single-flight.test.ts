import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../src/lib/single-flight.js';

describe('SingleFlight', () => {
  it('lets a second caller join the running work, and starts afresh once it settles', async () => {
    const flights = new SingleFlight<string, number>();
    let runs = 0;
    let release!: () => void;
    const work = () =>
      new Promise<number>((resolve) => {
        runs++;
        release = () => resolve(runs);
      });
    const first = flights.run('poll', work);
    const second = flights.run('poll', work);
    expect(second).toBe(first);
    expect(flights.has('poll')).toBe(true);
    release();
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(flights.has('poll')).toBe(false);
    const third = flights.run('poll', work);
    release();
    expect(await third).toBe(2);
  });

  it('runs different keys side by side', async () => {
    const flights = new SingleFlight<string, string>();
    const a = flights.run('a', async () => 'a');
    const b = flights.run('b', async () => 'b');
    expect(flights.size).toBe(2);
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    expect(flights.size).toBe(0);
  });

  it('frees the key after a failure, a synchronous throw included', async () => {
    const flights = new SingleFlight<string, void>();
    await expect(
      flights.run('x', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(flights.has('x')).toBe(false);
    await expect(flights.run('x', async () => Promise.reject(new Error('later')))).rejects.toThrow('later');
    expect(flights.has('x')).toBe(false);
    await flights.settled();
  });
});
