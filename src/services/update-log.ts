/**
 * Telegram update ids the bot has taken on. Telegram delivers an update again
 * when it never saw it confirmed (a webhook answer that timed out, a poller
 * that stopped before its next getUpdates), and an operator command or a
 * button handled twice would act or answer twice. The bot claims each id
 * before any handler runs; the table lives in the database, so a restart
 * remembers. Ids are kept a day, far longer than Telegram keeps retrying.
 */
import type { Sqlite } from '../db/client.js';

export const UPDATE_MEMORY_MS = 24 * 3_600_000;
/** Old ids are pruned once every this many claims, so the hot path is one INSERT. */
const PRUNE_EVERY = 500;

export function createUpdateLog(sqlite: Sqlite, options: { now?: () => number; memoryMs?: number } = {}) {
  const now = options.now ?? Date.now;
  const memoryMs = options.memoryMs ?? UPDATE_MEMORY_MS;
  const insert = sqlite.prepare<[number, number, number]>(
    'INSERT OR IGNORE INTO processed_updates (bot_id, update_id, received_at) VALUES (?, ?, ?)',
  );
  const prune = sqlite.prepare<[number]>('DELETE FROM processed_updates WHERE received_at < ?');
  let claims = 0;

  return {
    /** True the first time a bot sees an update id; false for a delivery it already took. */
    claim(botId: number, updateId: number): boolean {
      if (++claims % PRUNE_EVERY === 0) this.prune();
      return insert.run(botId, updateId, now()).changes === 1;
    },

    /** Forgets ids older than the memory; returns how many. */
    prune(): number {
      return prune.run(now() - memoryMs).changes;
    },
  };
}

export type UpdateLog = ReturnType<typeof createUpdateLog>;
