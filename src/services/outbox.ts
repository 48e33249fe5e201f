/**
 * Messages waiting to be sent: customer notices and operator alerts.
 * Writers call `enqueue` inside the same transaction as the event, so the
 * message exists exactly when the event does; the notifier sends them later.
 */
import { and, asc, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { outbox } from '../db/schema/index.js';
import type { OutboxEntry } from './outbox-events.js';

export type OutboxMessage = typeof outbox.$inferSelect;

/**
 * What the table can hold. The shop's outbox takes only `OutboxEntry` (its
 * events, see outbox-events.ts); tests of the outbox as a transport (the
 * notifier, housekeeping) use one of their own.
 */
export interface AnyOutboxEntry {
  audience: 'user' | 'operators';
  userId?: number;
  kind: string;
  payload: unknown;
  /** The same key is recorded only once (e.g. one low-balance alert per provider per hour). */
  dedupeKey?: string;
}

export function createOutbox<Entry extends AnyOutboxEntry = OutboxEntry>(deps: { db: Db; now?: () => number }) {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  // Sent and given-up rows, oldest first: housekeeping deletes them a page at a time.
  const deleteSettledPage = db
    .delete(outbox)
    .where(
      inArray(
        outbox.id,
        db
          .select({ id: outbox.id })
          .from(outbox)
          .where(and(inArray(outbox.state, ['sent', 'failed']), lt(outbox.nextAttemptAt, sql.placeholder('cutoff'))))
          .limit(sql.placeholder('limit')),
      ),
    )
    .prepare();

  // Prepared once: the notifier runs these for every message it sends.
  const dueStatement = db
    .select()
    .from(outbox)
    .where(and(eq(outbox.state, 'pending'), lte(outbox.nextAttemptAt, sql.placeholder('now'))))
    .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
    .limit(sql.placeholder('limit'))
    .prepare();
  const claimStatement = db
    .update(outbox)
    .set({ nextAttemptAt: sql`${sql.placeholder('until')}` })
    .where(and(eq(outbox.id, sql.placeholder('id')), eq(outbox.state, 'pending'), lte(outbox.nextAttemptAt, sql.placeholder('now'))))
    .prepare();
  const markSentStatement = db
    .update(outbox)
    .set({ state: 'sent' })
    .where(eq(outbox.id, sql.placeholder('id')))
    .prepare();
  const markFailedStatement = db
    .update(outbox)
    .set({
      state: sql`CASE WHEN ${sql.placeholder('giveUp')} = 1 THEN 'failed' ELSE 'pending' END`,
      attempts: sql`${outbox.attempts} + 1`,
      nextAttemptAt: sql`COALESCE(${sql.placeholder('retryAt')}, ${outbox.nextAttemptAt})`,
      lastError: sql`${sql.placeholder('error')}`,
    })
    .where(eq(outbox.id, sql.placeholder('id')))
    .prepare();

  return {
    /** Records an event; returns false when its dedupe key was seen before. */
    enqueue(entry: Entry): boolean {
      const result = db
        .insert(outbox)
        .values({
          audience: entry.audience,
          userId: entry.userId ?? null,
          kind: entry.kind,
          payload: JSON.stringify(entry.payload),
          dedupeKey: entry.dedupeKey ?? null,
          nextAttemptAt: now(),
        })
        .onConflictDoNothing()
        .run();
      return result.changes > 0;
    },

    /**
     * Due messages, longest-waiting first, at most `limit`. Read in the order
     * of the `outbox_due (state, next_attempt_at)` index (whose entries end in
     * the row id), so SQLite walks the index and stops after `limit` rows: no
     * table scan and no sort of every due row, however large the backlog or
     * the history of sent rows. Callers that need creation order within a chat
     * sort the (bounded) batch by id themselves.
     */
    due(limit = 50): OutboxMessage[] {
      return dueStatement.all({ now: now(), limit });
    },

    /**
     * Takes a due message for sending until `until`, by moving it out of the
     * due range before the request goes out. False when it is no longer due
     * (sent, given up, or taken by another sender meanwhile): then it must not
     * be sent. A sender that dies mid-request leaves the message to become due
     * again at `until`, so a crash can repeat only the messages in flight.
     */
    claim(id: number, until: number): boolean {
      return claimStatement.run({ id, until, now: now() }).changes > 0;
    },

    markSent(id: number): void {
      markSentStatement.run({ id });
    },

    /** Tries again at `retryAt`, or gives up (`retryAt` null) keeping the error. */
    markFailed(id: number, error: string, retryAt: number | null): void {
      markFailedStatement.run({ id, error: error.slice(0, 500), retryAt, giveUp: retryAt === null ? 1 : 0 });
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
    list(filter: { kind?: Entry['kind']; audience?: 'user' | 'operators' } = {}): OutboxMessage[] {
      return db
        .select()
        .from(outbox)
        .orderBy(asc(outbox.id))
        .all()
        .filter((m) => (!filter.kind || m.kind === filter.kind) && (!filter.audience || m.audience === filter.audience));
    },
  };
}

export type Outbox<Entry extends AnyOutboxEntry = OutboxEntry> = ReturnType<typeof createOutbox<Entry>>;
