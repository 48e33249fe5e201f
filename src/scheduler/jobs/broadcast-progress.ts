/**
 * Follows the broadcasts going out: every few seconds, each one's progress
 * is read from its outbox rows and shown (its progress message edited, only
 * when the counts moved: edits count towards the group's limits too). When
 * no message is left pending, the broadcast is marked finished, which queues
 * the operators' report once, and the progress message shows the final counts.
 */
import type { JobContext } from '../../lib/batches.js';
import type { BroadcastProgress, BroadcastRow, Broadcasts } from '../../services/broadcasts.js';

/** How often the progress message may be edited. */
export const BROADCAST_PROGRESS_INTERVAL_MS = 10_000;

export interface BroadcastProgressDeps {
  broadcasts: Pick<Broadcasts, 'sending' | 'progress' | 'finish'>;
  /** Shows the counts to the operators; `finished` for the last time. */
  show: (row: BroadcastRow, progress: BroadcastProgress, finished: boolean) => Promise<void>;
}

export function createBroadcastProgressJob(deps: BroadcastProgressDeps) {
  const lastShown = new Map<string, string>();
  return async (ctx: JobContext): Promise<{ sending: number; finished: number }> => {
    let finished = 0;
    const rows = deps.broadcasts.sending();
    for (const row of rows) {
      const progress = deps.broadcasts.progress(row.id);
      const done = progress.pending === 0 && deps.broadcasts.finish(row.id);
      const shown = JSON.stringify(progress);
      if (done || lastShown.get(row.id) !== shown) {
        await deps.show(row, progress, done);
        lastShown.set(row.id, shown);
      }
      if (done) {
        finished++;
        lastShown.delete(row.id);
      }
      await ctx.checkpoint();
    }
    return { sending: rows.length - finished, finished };
  };
}
