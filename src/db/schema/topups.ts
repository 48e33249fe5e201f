import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users.js';

export const TOPUP_STATES = ['created', 'paid', 'credited', 'expired', 'rejected', 'refunding', 'refunded'] as const;
export type TopUpState = (typeof TOPUP_STATES)[number];

/**
 * A request to put money in a wallet, by one method. Its external id (the
 * Stars charge id, the Crypto Pay invoice id, or our own id for manual
 * top-ups) is UNIQUE per method, and the ledger transfer that credits it is
 * derived from it, so a payment can be credited only once.
 */
export const topUps = sqliteTable(
  'top_ups',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    method: text('method', { enum: ['stars', 'cryptopay', 'manual', 'card'] }).notNull(),
    amountCents: integer('amount_cents').notNull(),
    state: text('state', { enum: TOPUP_STATES }).notNull(),
    externalId: text('external_id'),
    /** Method details (JSON): Stars amount, invoice link, the customer's note… */
    details: text('details').notNull().default('{}'),
    /** Who confirmed, rejected or refunded it, and why. */
    decidedBy: text('decided_by'),
    reason: text('reason'),
    expiresAt: integer('expires_at'),
    creditedAt: integer('credited_at'),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('top_ups_external').on(t.method, t.externalId),
    index('top_ups_open').on(t.method, t.state),
    index('top_ups_user').on(t.userId, t.createdAt),
    check('top_up_amount_positive', sql`${t.amountCents} > 0`),
  ],
);
