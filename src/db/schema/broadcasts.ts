import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const BROADCAST_STATES = ['draft', 'sending', 'finished', 'cancelled'] as const;
export type BroadcastState = (typeof BROADCAST_STATES)[number];

/**
 * A message an admin sends to many customers. Each recipient is one outbox
 * row (kind 'broadcast', dedupe key `broadcast:<id>:<user id>`), written in
 * the same transaction that moves the broadcast from 'draft' to 'sending':
 * a second confirmation, a retried update or a restart finds the rows there
 * and adds none, and the notifier's claims keep each row to one send.
 */
export const broadcasts = sqliteTable(
  'broadcasts',
  {
    id: text('id').primaryKey(),
    /** The admin's Telegram id. */
    createdBy: integer('created_by').notNull(),
    /** Telegram HTML, as customers will read it. */
    html: text('html').notNull(),
    buttonText: text('button_text'),
    buttonUrl: text('button_url'),
    /** JSON `BroadcastAudience`; set when the admin chooses it. */
    audience: text('audience'),
    state: text('state', { enum: BROADCAST_STATES }).notNull().default('draft'),
    /** How many outbox rows were written when it was confirmed. */
    recipients: integer('recipients').notNull().default(0),
    /** The operator-group message that shows progress and, at the end, the report. */
    progressChatId: integer('progress_chat_id'),
    progressMessageId: integer('progress_message_id'),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
    confirmedAt: integer('confirmed_at'),
    finishedAt: integer('finished_at'),
  },
  (t) => [index('broadcasts_state').on(t.state)],
);

export const UPSTREAM_BALANCE_STATES = ['ok', 'low'] as const;
export type UpstreamBalanceState = (typeof UPSTREAM_BALANCE_STATES)[number];

/**
 * The last balance read at each upstream and whether it was below the
 * operators' threshold. The alert is written in the same transaction as the
 * change of state, so it goes out once per crossing, whatever restarts.
 */
export const upstreamBalanceWatch = sqliteTable('upstream_balance_watch', {
  providerId: text('provider_id').primaryKey(),
  state: text('state', { enum: UPSTREAM_BALANCE_STATES }).notNull(),
  balanceCents: integer('balance_cents').notNull(),
  thresholdCents: integer('threshold_cents').notNull(),
  checkedAt: integer('checked_at').notNull(),
  /** When the state last changed (the alert's time). */
  changedAt: integer('changed_at').notNull(),
});
