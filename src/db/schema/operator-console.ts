import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './users.js';

export const AUDIT_OUTCOMES = ['done', 'refused', 'usage', 'not_found', 'failed'] as const;
/** How an admin action ended: carried out, turned down (not allowed, or the ledger said no), malformed, about nothing known, or broken. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * Every action taken (or attempted) in the operators' console: each command
 * and each button press, with its arguments, what came of it, who and when.
 * Rows are only ever added, so the log proves who did what.
 */
export const adminAudit = sqliteTable(
  'admin_audit',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The Telegram account that acted (an admin, or someone refused). */
    actorTelegramId: integer('actor_telegram_id').notNull(),
    chatId: integer('chat_id'),
    /** '/debit', '/user', or the pressed button's callback data prefix, e.g. 'op:ofy'. */
    action: text('action').notNull(),
    /** The command's arguments or the button's fields, as typed or packed. */
    arguments: text('arguments').notNull().default(''),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    /** What the console answered, as plain text (shortened). */
    result: text('result').notNull().default(''),
    /** The customer the action was about, when there was one. */
    subjectUserId: integer('subject_user_id').references(() => users.id),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('admin_audit_subject').on(t.subjectUserId, t.id), index('admin_audit_created').on(t.createdAt)],
);

/**
 * Customers the shop has stopped serving: their bot, API tokens and pending
 * top-ups are refused while a row exists. Unbanning deletes the row (the
 * audit keeps the history).
 */
export const customerBans = sqliteTable('customer_bans', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id),
  /** Shown to the customer. */
  reason: text('reason').notNull(),
  /** 'admin:<telegram id>' */
  bannedBy: text('banned_by').notNull(),
  bannedAt: integer('banned_at').notNull(),
});
