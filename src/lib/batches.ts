/**
 * What a job gets from the scheduler while it runs, and the helpers that keep
 * a job's work in small pieces: one transaction per batch, the event loop free
 * between batches, the lease renewed, and progress kept where the next holder
 * of the job finds it. Here rather than in the scheduler because services
 * cut their long loops the same way when called outside a job.
 */

/** Rows per batch: small enough that a batch's transaction stays well under 50 ms on a large database. */
export const BATCH_ROWS = 250;

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(job: string) {
    super(`job ${job} lost its lease to another holder; stopping before the next batch`);
  }
}

export interface JobContext {
  /**
   * Call between batches: lets timers, requests and other jobs run, and throws
   * LeaseLostError when another holder took the job over meanwhile.
   */
  checkpoint(): Promise<void>;
  /** How far the job got (its own format), kept with its lease when there is one. */
  progress: { read(): string | undefined; save(value: string): void };
}

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A context for a job called directly (tests, `onRenewed`): yields, keeps progress in memory. */
export function standaloneContext(): JobContext {
  let progress: string | undefined;
  return {
    checkpoint: yieldToEventLoop,
    progress: {
      read: () => progress,
      save: (value) => {
        progress = value;
      },
    },
  };
}
