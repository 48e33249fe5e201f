/**
 * Detached work: a purchase saga can take as long as the upstream takes, so
 * it runs outside update handling and edits its progress message when it
 * settles. This keeps track of such tasks, so shutdown can wait for them and
 * a second tap on the same Confirm joins the running task instead of
 * starting another.
 */
import { SingleFlight } from '../lib/single-flight.js';
import type { Logger } from '../logger.js';

export class BackgroundTasks {
  private readonly running = new SingleFlight<string, void>();

  constructor(private readonly logger: Logger) {}

  /** Starts `work` under `key` unless a task with that key runs already; false when it did. */
  start(key: string, work: () => Promise<void>): boolean {
    if (this.running.has(key)) return false;
    void this.running.run(key, async () => {
      try {
        await work();
      } catch (error) {
        this.logger.error('background task failed', { task: key, error });
      }
    });
    return true;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when every task has ended, or after `timeoutMs`, whichever is first. */
  async drain(timeoutMs = 30_000): Promise<void> {
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running.settled(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
}
