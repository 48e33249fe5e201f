import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './users.js';

/**
 * Each customer's referral code, made the first time they look at their
 * link. Random rather than derived from the user id, so a link says nothing
 * about how many customers the shop has.
 */
export const referralCodes = sqliteTable('referral_codes', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id),
  code: text('code').notNull().unique(),
  createdAt: integer('created_at').notNull(),
});

/**
 * Who invited whom. The referee is the primary key, so the referrer is fixed
 * by the first row written (at the referee's first /start) and never changes.
 */
export const referrals = sqliteTable(
  'referrals',
  {
    refereeUserId: integer('referee_user_id')
      .primaryKey()
      .references(() => users.id),
    referrerUserId: integer('referrer_user_id')
      .notNull()
      .references(() => users.id),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [check('referral_not_self', sql`${t.refereeUserId} <> ${t.referrerUserId}`), index('referrals_by_referrer').on(t.referrerUserId)],
);

/**
 * One reward per captured referee purchase (the order id is the key, as it
 * is in the ledger transfer that pays it). A refund takes the reward back in
 * proportion; what the referrer had already spent is counted as unrecovered
 * instead of driving their wallet below zero.
 */
export const referralRewards = sqliteTable(
  'referral_rewards',
  {
    orderId: text('order_id').primaryKey(),
    referrerUserId: integer('referrer_user_id')
      .notNull()
      .references(() => users.id),
    refereeUserId: integer('referee_user_id')
      .notNull()
      .references(() => users.id),
    /** What the purchase captured, and the reward paid for it. */
    purchaseCents: integer('purchase_cents').notNull(),
    rewardCents: integer('reward_cents').notNull(),
    /** Taken back from the referrer's wallet after refunds. */
    reversedCents: integer('reversed_cents').notNull().default(0),
    /** Owed back after refunds but already spent by the referrer: recorded, not taken. */
    unrecoveredCents: integer('unrecovered_cents').notNull().default(0),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    check('referral_reward_positive', sql`${t.rewardCents} > 0`),
    check(
      'referral_reversal_within_reward',
      sql`${t.reversedCents} >= 0 AND ${t.unrecoveredCents} >= 0 AND ${t.reversedCents} + ${t.unrecoveredCents} <= ${t.rewardCents}`,
    ),
    index('referral_rewards_by_referrer').on(t.referrerUserId),
  ],
);
