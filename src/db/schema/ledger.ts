import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Ledger accounts. Each keeps running totals of the transfers that touch it
 * (the balance cache), updated in the same transaction as the transfer.
 *
 * A wallet's available money is credits − debits − pending debits; the CHECK
 * makes it impossible for any code path to drive it below zero.
 */
export const ledgerAccounts = sqliteTable(
  'ledger_accounts',
  {
    /** 'wallet:<userId>', 'revenue', 'topup:<method>', 'adjustments', 'upstream:<provider>', 'upstream_cost', 'marketing', 'promotions'. */
    id: text('id').primaryKey(),
    kind: text('kind', {
      enum: ['wallet', 'revenue', 'topup_clearing', 'adjustments', 'upstream', 'upstream_cost', 'marketing', 'promotions'],
    }).notNull(),
    userId: integer('user_id'),
    debitsPosted: integer('debits_posted').notNull().default(0),
    creditsPosted: integer('credits_posted').notNull().default(0),
    debitsPending: integer('debits_pending').notNull().default(0),
    creditsPending: integer('credits_pending').notNull().default(0),
    available: integer('available').generatedAlwaysAs(sql`credits_posted - debits_posted - debits_pending`, {
      mode: 'virtual',
    }),
  },
  (t) => [
    check('wallet_available_not_negative', sql`${t.kind} <> 'wallet' OR ${t.available} >= 0`),
    check(
      'totals_not_negative',
      sql`${t.debitsPosted} >= 0 AND ${t.creditsPosted} >= 0 AND ${t.debitsPending} >= 0 AND ${t.creditsPending} >= 0`,
    ),
    index('ledger_accounts_user').on(t.userId),
  ],
);

/**
 * Immutable transfers: the journal. A hold is a `pending` transfer; it is
 * later resolved by a `post_pending` (capture) or `void_pending` transfer that
 * names it in `pending_id` — never by editing it. `pending_id` is UNIQUE, so a
 * hold can be resolved only once. Triggers (see the migrations) refuse any
 * UPDATE or DELETE.
 */
export const ledgerTransfers = sqliteTable(
  'ledger_transfers',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    /** Deterministic: 'hold:<order>', 'capture:<order>', 'topup:<method>:<external id>'… */
    id: text('id').notNull().unique(),
    kind: text('kind', { enum: ['posted', 'pending', 'post_pending', 'void_pending'] }).notNull(),
    category: text('category', {
      enum: ['topup', 'purchase', 'refund', 'adjustment', 'upstream_cost', 'referral', 'promotion'],
    }).notNull(),
    debitAccountId: text('debit_account_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    creditAccountId: text('credit_account_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    amountCents: integer('amount_cents').notNull(),
    pendingId: text('pending_id'),
    /** The customer whose wallet the transfer touches, if any. */
    userId: integer('user_id'),
    orderId: text('order_id'),
    /** Who caused it: 'system', 'user:<id>', 'admin:<telegram id>', 'payment:<method>'. */
    actor: text('actor').notNull(),
    reason: text('reason'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    check('amount_positive', sql`${t.amountCents} > 0`),
    check('debit_differs_from_credit', sql`${t.debitAccountId} <> ${t.creditAccountId}`),
    check('resolution_names_pending', sql`(${t.kind} IN ('post_pending', 'void_pending')) = (${t.pendingId} IS NOT NULL)`),
    // A hold is resolved at most once. Partial, so the many rows that resolve nothing cost no index write.
    uniqueIndex('ledger_transfers_one_resolution').on(t.pendingId).where(sql`${t.pendingId} IS NOT NULL`),
    index('ledger_transfers_user').on(t.userId, t.seq),
    // Transfers of an order are found by their deterministic ids ('hold:<order>', 'refund:<order>:…'), not by an order index.
  ],
);
