/**
 * Broadcasts: one message from the shop to many customers, sent through the
 * outbox like every other notice, so Telegram's limits, blocked users and
 * restarts are the notifier's business, not this one's.
 *
 * A broadcast is a draft until an admin confirms it. Confirming writes one
 * outbox row per recipient, keyed `broadcast:<id>:<user id>`, in the same
 * transaction that moves it to 'sending': a second press, a retried update
 * or a second process finds it no longer a draft and adds nothing, and the
 * unique key would refuse a row twice anyway. From then on the outbox rows
 * are the truth about progress: sent, pending, or given up (blocked when the
 * customer is now unreachable, failed otherwise).
 */
import { and, count, eq, exists, gte, lt, notExists, sql } from 'drizzle-orm';
import type { Db, Sqlite } from '../db/client.js';
import { broadcasts, customerBans, outbox, subscriptions, users } from '../db/schema/index.js';
import { newId } from '../domain/ids.js';
import type { Outbox } from './outbox.js';
import { SUPPORTED_LANGUAGES, type Language } from './users.js';

export type BroadcastRow = typeof broadcasts.$inferSelect;

/** Who receives a broadcast. */
export type BroadcastAudience =
  | { kind: 'everyone' }
  /** Customers with at least one active proxy. */
  | { kind: 'active' }
  | { kind: 'language'; language: Language }
  /** Customers with an active proxy from this upstream. */
  | { kind: 'provider'; provider: string };

export interface BroadcastButton {
  text: string;
  url: string;
}

export interface BroadcastProgress {
  recipients: number;
  delivered: number;
  /** The customer blocked the bot (now or before): they are marked unreachable. */
  blocked: number;
  failed: number;
  pending: number;
}

export type ConfirmResult =
  | { ok: true; recipients: number }
  | { ok: false; reason: 'not_found' | 'no_audience' | 'not_a_draft'; state?: BroadcastRow['state'] };

/** Telegram's limit on a message's text; the preview and every copy must fit. */
export const BROADCAST_MAX_TEXT = 4_096;

export function parseAudience(json: string | null): BroadcastAudience | undefined {
  if (!json) return undefined;
  const value = JSON.parse(json) as BroadcastAudience;
  switch (value.kind) {
    case 'everyone':
    case 'active':
      return { kind: value.kind };
    case 'language':
      return (SUPPORTED_LANGUAGES as readonly string[]).includes(value.language) ? value : undefined;
    case 'provider':
      return typeof value.provider === 'string' ? value : undefined;
    default:
      return undefined;
  }
}

/** The rows of one broadcast in the outbox: its dedupe keys share a prefix, so the unique index finds them. */
const keyPrefix = (broadcastId: string) => `broadcast:${broadcastId}:`;
const ofBroadcast = (broadcastId: string) =>
  and(gte(outbox.dedupeKey, keyPrefix(broadcastId)), lt(outbox.dedupeKey, `broadcast:${broadcastId};`));

export function createBroadcasts(deps: { db: Db; sqlite: Sqlite; outbox: Pick<Outbox, 'enqueue'>; now?: () => number }) {
  const { db, sqlite } = deps;
  const now = deps.now ?? Date.now;

  const audienceFilter = (audience: BroadcastAudience) => {
    const hasActiveProxy = (provider?: string) =>
      exists(
        db
          .select({ one: sql`1` })
          .from(subscriptions)
          .where(
            and(
              eq(subscriptions.userId, users.id),
              eq(subscriptions.status, 'active'),
              provider === undefined ? undefined : eq(subscriptions.providerId, provider),
            ),
          ),
      );
    // A banned customer hears nothing from the shop but the ban itself.
    const notBanned = notExists(db.select({ one: sql`1` }).from(customerBans).where(eq(customerBans.userId, users.id)));
    switch (audience.kind) {
      case 'everyone':
        return notBanned;
      case 'active':
        return and(notBanned, hasActiveProxy());
      case 'language':
        return and(notBanned, eq(users.language, audience.language));
      case 'provider':
        return and(notBanned, hasActiveProxy(audience.provider));
    }
  };

  const get = (id: string): BroadcastRow | undefined => db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();

  return {
    get,

    createDraft(fields: { createdBy: number; html: string }): BroadcastRow {
      const id = newId('bc');
      db.insert(broadcasts).values({ id, createdBy: fields.createdBy, html: fields.html, createdAt: now() }).run();
      return get(id)!;
    },

    /** Sets or clears the URL button of a draft; false when it is not a draft any more. */
    setButton(id: string, button: BroadcastButton | null): boolean {
      const result = db
        .update(broadcasts)
        .set({ buttonText: button?.text ?? null, buttonUrl: button?.url ?? null })
        .where(and(eq(broadcasts.id, id), eq(broadcasts.state, 'draft')))
        .run();
      return result.changes > 0;
    },

    /** Chooses who gets a draft; returns how many customers that is now. */
    setAudience(id: string, audience: BroadcastAudience): number | undefined {
      const result = db
        .update(broadcasts)
        .set({ audience: JSON.stringify(audience) })
        .where(and(eq(broadcasts.id, id), eq(broadcasts.state, 'draft')))
        .run();
      return result.changes > 0 ? this.countAudience(audience) : undefined;
    },

    countAudience(audience: BroadcastAudience): number {
      return db.select({ n: count() }).from(users).where(audienceFilter(audience)).get()!.n;
    },

    /**
     * Queues the draft for its audience, once: the state change and every
     * recipient's outbox row are one transaction.
     */
    confirm(id: string): ConfirmResult {
      return sqlite
        .transaction((): ConfirmResult => {
          const row = get(id);
          if (!row) return { ok: false, reason: 'not_found' };
          if (row.state !== 'draft') return { ok: false, reason: 'not_a_draft', state: row.state };
          const audience = parseAudience(row.audience);
          if (!audience) return { ok: false, reason: 'no_audience' };
          const at = now();
          const payload = JSON.stringify({ broadcastId: id });
          // One statement for every recipient: drizzle's insert-select wants every column, this names the ones that matter.
          const queued = db.run(
            sql`INSERT INTO ${outbox} (audience, user_id, kind, payload, dedupe_key, next_attempt_at)
                SELECT 'user', ${users.id}, 'broadcast', ${payload}, ${keyPrefix(id)} || ${users.id}, ${at}
                FROM ${users} WHERE ${audienceFilter(audience) ?? sql`1`}
                ON CONFLICT DO NOTHING`,
          ).changes;
          db.update(broadcasts).set({ state: 'sending', recipients: queued, confirmedAt: at }).where(eq(broadcasts.id, id)).run();
          return { ok: true, recipients: queued };
        })
        .immediate();
    },

    cancel(id: string): boolean {
      return (
        db
          .update(broadcasts)
          .set({ state: 'cancelled' })
          .where(and(eq(broadcasts.id, id), eq(broadcasts.state, 'draft')))
          .run().changes > 0
      );
    },

    setProgressMessage(id: string, chatId: number, messageId: number): void {
      db.update(broadcasts).set({ progressChatId: chatId, progressMessageId: messageId }).where(eq(broadcasts.id, id)).run();
    },

    /** Where the recipients' messages stand, read from their outbox rows. */
    progress(id: string): BroadcastProgress {
      const rows = db
        .select({
          state: outbox.state,
          unreachable: sql<number>`${users.unreachableAt} IS NOT NULL`,
          n: count(),
        })
        .from(outbox)
        .leftJoin(users, eq(users.id, outbox.userId))
        .where(ofBroadcast(id))
        .groupBy(outbox.state, sql`${users.unreachableAt} IS NOT NULL`)
        .all();
      const progress: BroadcastProgress = { recipients: 0, delivered: 0, blocked: 0, failed: 0, pending: 0 };
      for (const row of rows) {
        progress.recipients += row.n;
        if (row.state === 'sent') progress.delivered += row.n;
        else if (row.state === 'pending') progress.pending += row.n;
        else if (row.unreachable) progress.blocked += row.n;
        else progress.failed += row.n;
      }
      return progress;
    },

    /** Broadcasts still going out, for the progress job. */
    sending(): BroadcastRow[] {
      return db.select().from(broadcasts).where(eq(broadcasts.state, 'sending')).all();
    },

    /**
     * Marks a broadcast whose every message is settled as finished and queues
     * the operators' report, once (the state change guards it).
     */
    finish(id: string): boolean {
      return sqlite
        .transaction(() => {
          const changed = db
            .update(broadcasts)
            .set({ state: 'finished', finishedAt: now() })
            .where(and(eq(broadcasts.id, id), eq(broadcasts.state, 'sending')))
            .run().changes;
          if (changed === 0) return false;
          deps.outbox.enqueue({
            audience: 'operators',
            kind: 'broadcast_finished',
            payload: { broadcastId: id },
            dedupeKey: `broadcast-finished:${id}`,
          });
          return true;
        })
        .immediate();
    },
  };
}

export type Broadcasts = ReturnType<typeof createBroadcasts>;
