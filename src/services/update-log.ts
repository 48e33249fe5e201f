/**
 * Telegram update ids the bot has taken on. Telegram delivers an update again
 * when it never saw it confirmed (a webhook answer that timed out, a poller
 * that stopped before its next getUpdates), and an operator command or a
 * button handled twice would act or answer twice. The bot claims each id
 * before any handler runs; the table lives in the database, so a restart
 * remembers. Ids are kept a day, far longer than Telegram keeps retrying.
 */
import { lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { processedUpdates } from '../db/schema/index.js';

export const UPDATE_MEMORY_MS = 24 * 3_600_000;
/** Old ids are pruned once every this many claims, so the hot path is one INSERT. */
const PRUNE_EVERY = 500;

export function createUpdateLog(db: Db, options: { now?: () => number; memoryMs?: number } = {}) {
  const now = options.now ?? Date.now;
  const memoryMs = options.memoryMs ?? UPDATE_MEMORY_MS;
  // Runs on every update the bot receives; an id already claimed inserts nothing.
  const insert = db
    .insert(processedUpdates)
    .values({ botId: sql.placeholder('botId'), updateId: sql.placeholder('updateId'), receivedAt: sql.placeholder('receivedAt') })
    .onConflictDoNothing()
    .prepare();
  const prune = db
    .delete(processedUpdates)
    .where(lt(processedUpdates.receivedAt, sql.placeholder('before')))
    .prepare();
  let claims = 0;

  return {
    /** True the first time a bot sees an update id; false for a delivery it already took. */
    claim(botId: number, updateId: number): boolean {
      if (++claims % PRUNE_EVERY === 0) this.prune();
      return insert.run({ botId, updateId, receivedAt: now() }).changes === 1;
    },

    /** Forgets ids older than the memory; returns how many. */
    prune(): number {
      return prune.run({ before: now() - memoryMs }).changes;
    },
  };
}

export type UpdateLog = ReturnType<typeof createUpdateLog>;
