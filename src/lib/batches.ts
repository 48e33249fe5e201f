/**
 * What a job gets from the scheduler while it runs, and the helpers that keep
 * a job's work in small pieces: one transaction per batch, the event loop free
 * between batches, the lease renewed, and progress kept where the next holder
 * of the job finds it. Here rather than in the scheduler because services
 * cut their long loops the same way when called outside a job.
 */

/** Rows per batch where a fixed count is wanted (a page size); jobs size their write batches by time instead. */
export const BATCH_ROWS = 250;

/**
 * How long one batch may hold the event loop, its commit included: a fifth
 * of the 50 ms a tick may block, leaving room for the lease renewal, a WAL
 * checkpoint or an fsync that runs long on a busy disk.
 */
export const BATCH_BUDGET_MS = 10;
/** The first batch's size, before any batch has been timed. */
export const FIRST_BATCH_ROWS = 50;
/** Never fewer: a batch must make progress even when a single row is slow. */
export const MIN_BATCH_ROWS = 1;
/** Never more, however fast rows go: a batch's rows are held in memory, and a burst of slowness must stay short. */
export const MAX_BATCH_ROWS = 1_000;

export interface Batch {
  /** Rows this batch may take. */
  readonly limit: number;
  /** The batch is over (committed) having handled `rows`; sizes the next one from the time it took. */
  done(rows: number): void;
}

export interface BatchSizer {
  /** Starts timing a batch; its size is as many rows as fit the budget at the last batch's pace, at most double it. */
  next(): Batch;
}

/**
 * Batches sized by time rather than by a fixed row count: a row can cost
 * 20 µs on an idle machine and ten times that on a loaded one or a large
 * database, so a count that fits the budget on one does not on the other.
 * A batch that ran over the budget shrinks the next one at once.
 */
export function batchSizer(budgetMs: number = BATCH_BUDGET_MS, now: () => number = () => performance.now()): BatchSizer {
  let rows = FIRST_BATCH_ROWS;
  return {
    next() {
      const started = now();
      const limit = rows;
      return {
        limit,
        done(handled) {
          if (handled <= 0) return;
          // A floor on the time measured, so a batch that looked instant does not jump straight to the maximum.
          const elapsed = Math.max(now() - started, 0.05);
          rows = Math.max(MIN_BATCH_ROWS, Math.min(MAX_BATCH_ROWS, limit * 2, Math.floor((handled / elapsed) * budgetMs)));
        },
      };
    },
  };
}

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
  /** How long one batch may hold the event loop; `BATCH_BUDGET_MS` when absent. */
  batchBudgetMs?: number;
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
