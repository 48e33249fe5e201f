/**
 * One piece of work per key at a time, in this process: a second caller for a
 * key already at work joins the running promise instead of starting its own
 * (a double tap on Confirm, many users opening the menu at once, a job whose
 * timer fires while it still runs). The key is free again once the work settles.
 */
export class SingleFlight<K, V> {
  private readonly running = new Map<K, Promise<V>>();

  /** Runs `work` under `key`, or answers the run already under way for it. */
  run(key: K, work: () => Promise<V>): Promise<V> {
    const current = this.running.get(key);
    if (current) return current;
    // Started inside an async function, so a synchronous throw becomes a rejection and the key is freed either way.
    const task = (async () => work())().finally(() => {
      if (this.running.get(key) === task) this.running.delete(key);
    });
    this.running.set(key, task);
    return task;
  }

  /** The run under way for `key`, if any. */
  current(key: K): Promise<V> | undefined {
    return this.running.get(key);
  }

  has(key: K): boolean {
    return this.running.has(key);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when every run under way now has settled, whichever way. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
