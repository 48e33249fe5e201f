/**
 * Work that must not run twice at once: a caller who asks while it runs
 * joins the running one and gets its result; once it settles, the next ask
 * starts it again. Keyed, so different keys run side by side.
 */
export class SingleFlight<K, V> {
  private readonly running = new Map<K, Promise<V>>();

  /** The running work under `key`, or `work` started now. */
  run(key: K, work: () => Promise<V>): Promise<V> {
    const joined = this.running.get(key);
    if (joined) return joined;
    // Started inside an async function, so a synchronous throw becomes a rejection and the key is freed either way.
    const started = (async () => work())().finally(() => {
      if (this.running.get(key) === started) this.running.delete(key);
    });
    this.running.set(key, started);
    return started;
  }

  isRunning(key: K): boolean {
    return this.running.has(key);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when everything running now has settled, whatever its outcome. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
