/**
 * Referrals: every customer has a link (`start=ref_<code>`); whoever brings a
 * new customer is fixed as their referrer at that customer's first /start and
 * earns a share (REFERRAL_PERCENT) of every order of theirs that is captured.
 *
 * Rewards are ledger transfers from the marketing account, one per order
 * ('referral:<order>'), written in the same transaction as the capture, so a
 * retried or replayed capture (a restart, the reconciler) pays nothing twice.
 * A refund of the order takes the reward back in proportion, in the refund's
 * own transaction; what the referrer has already spent is recorded as
 * unrecovered and the operators are told — a wallet never goes below zero.
 */
import { randomBytes } from 'node:crypto';
import { count, eq, sql, sum } from 'drizzle-orm';
import { writeTransaction, type Db, type Sqlite } from '../db/client.js';
import { ledgerTransfers, referralCodes, referralRewards, referrals } from '../db/schema/index.js';
import { ID_ALPHABET } from '../domain/ids.js';
import type { Logger } from '../logger.js';
import type { Outbox } from './outbox.js';
import type { Wallet } from './wallet.js';

/** The deep-link parameter of a referral link: `ref_` and the referrer's code. */
export const REFERRAL_START_PREFIX = 'ref_';
const CODE_LENGTH = 10;
const CODE_PATTERN = /^[a-z2-7]{10}$/;

export type RecordReferralResult = 'recorded' | 'unknown_code' | 'self_referral' | 'already_referred';

export interface ReferralSummary {
  code: string;
  invitedCount: number;
  /** Rewards kept: paid minus what refunds took back (or left owed). */
  earnedCents: number;
  percent: number;
}

/** What the order saga tells referrals (see `OrdersDeps.referralRewards`). */
export interface ReferralRewardHooks {
  /** Inside the transaction that captured the order. */
  orderCaptured(order: { id: string; userId: number; priceCents: number }): void;
  /** Inside the transaction that recorded a (new) refund of the order. */
  orderRefunded(refund: { orderId: string; refundKey: string }): void;
}

/** Reward for a purchase: a whole-cent share, rounded down so the shop never pays more than the setting says. */
export function referralRewardCents(purchaseCents: number, percent: number): number {
  const basisPoints = Math.round(percent * 100);
  return Math.floor((purchaseCents * basisPoints) / 10_000);
}

function newReferralCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  let out = '';
  for (let i = 0; i < CODE_LENGTH; i++) out += ID_ALPHABET[bytes[i]! % 32];
  return out;
}

export function createReferrals(deps: {
  db: Db;
  sqlite: Sqlite;
  wallet: Wallet;
  outbox: Outbox;
  logger: Logger;
  /** Share of each captured referee order paid to the referrer, 0–50 (%). */
  percent: number;
  now?: () => number;
}) {
  const { db, sqlite, wallet, outbox, logger, percent } = deps;
  const now = deps.now ?? Date.now;

  // Read on every captured order: prepared once.
  const referrerOfQuery = db
    .select({ referrerUserId: referrals.referrerUserId })
    .from(referrals)
    .where(eq(referrals.refereeUserId, sql.placeholder('userId')))
    .prepare();
  const rewardQuery = db
    .select()
    .from(referralRewards)
    .where(eq(referralRewards.orderId, sql.placeholder('orderId')))
    .prepare();

  const referrerOf = (userId: number): number | undefined => referrerOfQuery.get({ userId })?.referrerUserId;
  const codeRow = (userId: number) => db.select().from(referralCodes).where(eq(referralCodes.userId, userId)).get();

  /** The customer's code, made on first use; a clash of random codes just draws again. */
  function codeOf(userId: number): string {
    const existing = codeRow(userId);
    if (existing) return existing.code;
    for (let attempt = 0; attempt < 5; attempt++) {
      const inserted = db
        .insert(referralCodes)
        .values({ userId, code: newReferralCode(), createdAt: now() })
        .onConflictDoNothing()
        .returning()
        .get();
      if (inserted) return inserted.code;
      const raced = codeRow(userId);
      if (raced) return raced.code;
    }
    throw new Error('could not draw a free referral code');
  }

  return {
    percent,
    codeOf,
    referrerOf,

    /** The deep link a customer shares: t.me/<bot>?start=ref_<code>. */
    linkOf(userId: number, botUsername: string): string {
      return `https://t.me/${botUsername}?start=${REFERRAL_START_PREFIX}${codeOf(userId)}`;
    },

    /** The code in a /start parameter, if it is a referral link. */
    codeInStartParameter(parameter: string | undefined): string | undefined {
      if (!parameter?.startsWith(REFERRAL_START_PREFIX)) return undefined;
      const code = parameter.slice(REFERRAL_START_PREFIX.length);
      return CODE_PATTERN.test(code) ? code : undefined;
    },

    /**
     * Fixes `refereeUserId`'s referrer. The caller passes only a customer's
     * first /start; the primary key keeps the first referrer whatever comes later.
     */
    recordReferral(refereeUserId: number, code: string): RecordReferralResult {
      return writeTransaction(sqlite, () => {
        const owner = db.select().from(referralCodes).where(eq(referralCodes.code, code)).get();
        if (!owner) return 'unknown_code';
        if (owner.userId === refereeUserId) return 'self_referral';
        const inserted = db
          .insert(referrals)
          .values({ refereeUserId, referrerUserId: owner.userId, createdAt: now() })
          .onConflictDoNothing()
          .run();
        if (inserted.changes === 0) return 'already_referred';
        logger.info('referral recorded', { refereeUserId, referrerUserId: owner.userId });
        return 'recorded';
      });
    },

    summary(userId: number): ReferralSummary {
      const invited = db.select({ n: count() }).from(referrals).where(eq(referrals.referrerUserId, userId)).get();
      const rewards = db
        .select({
          paid: sum(referralRewards.rewardCents).mapWith(Number),
          taken: sql<number>`coalesce(sum(${referralRewards.reversedCents} + ${referralRewards.unrecoveredCents}), 0)`,
        })
        .from(referralRewards)
        .where(eq(referralRewards.referrerUserId, userId))
        .get();
      return {
        code: codeOf(userId),
        invitedCount: invited?.n ?? 0,
        earnedCents: (rewards?.paid ?? 0) - (rewards?.taken ?? 0),
        percent,
      };
    },

    reward(orderId: string) {
      return rewardQuery.get({ orderId });
    },

    hooks: {
      orderCaptured(order) {
        const referrerUserId = referrerOf(order.userId);
        if (referrerUserId === undefined) return;
        // The row is written first and fixes the amount: a replay after a settings change pays what was decided.
        const rewardCents = referralRewardCents(order.priceCents, percent);
        if (rewardCents <= 0) return;
        db.insert(referralRewards)
          .values({
            orderId: order.id,
            referrerUserId,
            refereeUserId: order.userId,
            purchaseCents: order.priceCents,
            rewardCents,
            createdAt: now(),
          })
          .onConflictDoNothing()
          .run();
        const reward = rewardQuery.get({ orderId: order.id })!;
        const paid = wallet.payReferralReward({ referrerUserId, orderId: order.id, amountCents: reward.rewardCents });
        if (!paid.replayed) {
          logger.info('referral reward paid', { orderId: order.id, referrerUserId, amountCents: reward.rewardCents });
          // In the capture's transaction: the referrer hears of a reward exactly when it is paid, once.
          outbox.enqueue({
            audience: 'user',
            userId: referrerUserId,
            kind: 'referral_reward_credited',
            payload: { orderId: order.id, rewardCents: reward.rewardCents },
            dedupeKey: `referral-reward:${order.id}`,
          });
        }
      },

      orderRefunded(refund) {
        const reward = rewardQuery.get({ orderId: refund.orderId });
        if (!reward) return;
        // Back in proportion to what has been refunded in all, so partial refunds add up to the whole reward.
        const refunded = Math.min(wallet.refundedCents(refund.orderId), reward.purchaseCents);
        const dueBack = Math.floor((reward.rewardCents * refunded) / reward.purchaseCents);
        const owed = dueBack - reward.reversedCents - reward.unrecoveredCents;
        if (owed <= 0) return;
        const available = wallet.balance(reward.referrerUserId).availableCents;
        const taken = Math.min(owed, available);
        const unrecovered = owed - taken;
        if (taken > 0) {
          wallet.reverseReferralReward({
            referrerUserId: reward.referrerUserId,
            orderId: refund.orderId,
            refundKey: refund.refundKey,
            amountCents: taken,
          });
        }
        db.update(referralRewards)
          .set({
            reversedCents: reward.reversedCents + taken,
            unrecoveredCents: reward.unrecoveredCents + unrecovered,
          })
          .where(eq(referralRewards.orderId, refund.orderId))
          .run();
        outbox.enqueue({
          audience: 'user',
          userId: reward.referrerUserId,
          kind: 'referral_reward_reversed',
          payload: { orderId: refund.orderId, reversedCents: taken, unrecoveredCents: unrecovered },
          dedupeKey: `referral-reversal:${refund.orderId}:${refund.refundKey}`,
        });
        if (unrecovered > 0) {
          outbox.enqueue({
            audience: 'operators',
            kind: 'referral_reward_unrecovered',
            payload: {
              orderId: refund.orderId,
              referrerUserId: reward.referrerUserId,
              refereeUserId: reward.refereeUserId,
              rewardCents: reward.rewardCents,
              reversedCents: taken,
              unrecoveredCents: unrecovered,
            },
            dedupeKey: `referral-unrecovered:${refund.orderId}:${refund.refundKey}`,
          });
          logger.warn('referral reward already spent; reversal recorded as unrecovered', {
            orderId: refund.orderId,
            referrerUserId: reward.referrerUserId,
            unrecoveredCents: unrecovered,
          });
        }
      },
    } satisfies ReferralRewardHooks,

    /**
     * Each reward row agrees with the ledger: paid once by its own transfer,
     * the reversals it counts are the transfers that took it back, and never
     * more back than was paid. An empty list means all hold.
     */
    checkInvariants(): string[] {
      const problems: string[] = [];
      const rows = db.select().from(referralRewards).all();
      for (const row of rows) {
        const paid = db
          .select()
          .from(ledgerTransfers)
          .where(eq(ledgerTransfers.id, `referral:${row.orderId}`))
          .get();
        if (paid?.amountCents !== row.rewardCents) problems.push(`referral reward for ${row.orderId} does not match its transfer`);
        const reversed = db
          .select({ total: sql<number>`coalesce(sum(${ledgerTransfers.amountCents}), 0)` })
          .from(ledgerTransfers)
          .where(
            sql`${ledgerTransfers.id} >= ${`referral-reversal:${row.orderId}:`} AND ${ledgerTransfers.id} < ${`referral-reversal:${row.orderId};`}`,
          )
          .get();
        if ((reversed?.total ?? 0) !== row.reversedCents) problems.push(`referral reversals for ${row.orderId} do not match the ledger`);
        if (row.reversedCents + row.unrecoveredCents > row.rewardCents)
          problems.push(`referral reward for ${row.orderId} reversed beyond itself`);
      }
      return problems;
    },
  };
}

export type Referrals = ReturnType<typeof createReferrals>;
