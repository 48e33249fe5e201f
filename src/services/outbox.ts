/**
 * Messages waiting to be sent: customer notices and operator alerts.
 * Writers call `enqueue` inside the same transaction as the event, so the
 * message exists exactly when the event does; the notifier sends them later.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { outbox } from '../db/schema/index.js';

export type OutboxMessage = typeof outbox.$inferSelect;

export interface OutboxEvent {
  audience: 'user' | 'operators';
  userId?: number;
  kind: string;
  payload: Record<string, unknown>;
  /** The same key is recorded only once (e.g. one low-balance alert per provider per hour). */
  dedupeKey?: string;
}

export function createOutbox(deps: { db: Db; now?: () => number }) {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  // Sent and given-up rows, oldest first, through the (state, next_attempt_at) index: the time a row was
  // last due is within a retry of when it was sent or abandoned.
  // INDEXED BY: without statistics SQLite would rather range over (state, next_attempt_at) and sort the result.
  const duePage = db.$client.prepare<{ now: number; limit: number }, { id: number }>(
    `SELECT id FROM outbox INDEXED BY outbox_pending WHERE state = 'pending' AND next_attempt_at <= @now ORDER BY id LIMIT @limit`,
  );
  const deleteSettledPage = db.$client.prepare<{ cutoff: number; limit: number }>(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM outbox WHERE state IN ('sent', 'failed') AND next_attempt_at < @cutoff LIMIT @limit)`,
  );

  return {
    /** Records an event; returns false when its dedupe key was seen before. */
    enqueue(event: OutboxEvent): boolean {
      const result = db
        .insert(outbox)
        .values({
          audience: event.audience,
          userId: event.userId ?? null,
          kind: event.kind,
          payload: JSON.stringify(event.payload),
          dedupeKey: event.dedupeKey ?? null,
          nextAttemptAt: now(),
        })
        .onConflictDoNothing()
        .run();
      return result.changes > 0;
    },

    /**
     * The messages due now, oldest first (so a chat's messages keep their
     * order after a retry): a walk of the pending-only index in id order that
     * stops at `limit`, never a sort of every due row.
     */
    due(limit = 50): OutboxMessage[] {
      const ids = duePage.all({ now: now(), limit }).map((r) => r.id);
      if (ids.length === 0) return [];
      return db.select().from(outbox).where(inArray(outbox.id, ids)).orderBy(asc(outbox.id)).all();
    },

    markSent(id: number): void {
      db.update(outbox).set({ state: 'sent' }).where(eq(outbox.id, id)).run();
    },

    /** Tries again at `retryAt`, or gives up (`retryAt` null) keeping the error. */
    markFailed(id: number, error: string, retryAt: number | null): void {
      const row = db.select().from(outbox).where(eq(outbox.id, id)).get();
      if (!row) return;
      db.update(outbox)
        .set({
          state: retryAt === null ? 'failed' : 'pending',
          attempts: row.attempts + 1,
          nextAttemptAt: retryAt ?? row.nextAttemptAt,
          lastError: error.slice(0, 500),
        })
        .where(eq(outbox.id, id))
        .run();
    },

    /**
     * Forgets up to `limit` messages sent or given up on before `cutoff` (ms);
     * returns how many. Their dedupe keys go with them, so the retention must
     * outlast any window in which the same event could be recorded again.
     */
    deleteSettledBefore(cutoff: number, limit: number): number {
      return deleteSettledPage.run({ cutoff, limit }).changes;
    },

    /** Everything recorded, oldest first (operators' view and tests). */
    list(filter: { kind?: string; audience?: 'user' | 'operators' } = {}): OutboxMessage[] {
      return db
        .select()
        .from(outbox)
        .orderBy(asc(outbox.id))
        .all()
        .filter((m) => (!filter.kind || m.kind === filter.kind) && (!filter.audience || m.audience === filter.audience));
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
