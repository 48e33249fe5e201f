/**
 * Random sequences of referee purchases, captures replayed, refunds (some
 * replayed) and the referrer spending their money, on the real wallet and
 * referral rewards. After every step: the ledger's invariants hold, the
 * reward rows agree with the ledger, no wallet is negative, and each
 * order's reward taken back (or owed) is exactly its refunded share.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { referralRewardCents } from '../../src/services/referrals.js';
import { LedgerError } from '../../src/services/wallet.js';

const PERCENT = 7.5;
const ORDERS = 5;

type Op =
  | { op: 'buy'; order: number; amount: number }
  | { op: 'recapture'; order: number }
  | { op: 'refund'; order: number; amount: number; key: number }
  | { op: 'spend'; amount: number; key: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('buy' as const), order: fc.nat(ORDERS - 1), amount: fc.integer({ min: 1, max: 5_000 }) }),
  fc.record({ op: fc.constant('recapture' as const), order: fc.nat(ORDERS - 1) }),
  fc.record({ op: fc.constant('refund' as const), order: fc.nat(ORDERS - 1), amount: fc.integer({ min: 1, max: 3_000 }), key: fc.nat(3) }),
  fc.record({ op: fc.constant('spend' as const), amount: fc.integer({ min: 1, max: 500 }), key: fc.nat(1_000_000) }),
);

describe('referral rewards under random purchases, refunds and spending', () => {
  it('keep the books sound and each reward’s give-back exact', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const database = openDatabase(':memory:');
        try {
          const s = buildServices(database, { referralPercent: PERCENT });
          const referrer = s.users.ensure({ telegramId: 1, firstName: 'Referrer' });
          const referee = s.users.ensure({ telegramId: 2, firstName: 'Referee' });
          s.wallet.creditTopUp({ userId: referee.id, method: 'manual', externalId: 'seed', amountCents: 1_000_000 });
          expect(s.referrals.recordReferral(referee.id, s.referrals.codeOf(referrer.id))).toBe('recorded');
          const prices = new Map<string, number>();
          for (const o of ops) {
            const id = `ord_${'order' in o ? o.order : 0}`;
            if (o.op === 'buy' && !prices.has(id)) {
              s.wallet.hold({ userId: referee.id, orderId: id, amountCents: o.amount });
              s.wallet.capture(id);
              s.referrals.hooks.orderCaptured({ id, userId: referee.id, priceCents: o.amount });
              prices.set(id, o.amount);
            } else if (o.op === 'recapture' && prices.has(id)) {
              s.referrals.hooks.orderCaptured({ id, userId: referee.id, priceCents: prices.get(id)! });
            } else if (o.op === 'refund' && prices.has(id)) {
              const left = prices.get(id)! - s.wallet.refundedCents(id);
              if (left > 0) {
                const amountCents = Math.min(o.amount, left);
                // A refund key names one refund: the same key again is a replay of that very refund (same amount).
                const refundKey = `r${o.key}-${amountCents}`;
                const refunded = s.wallet.refund({
                  orderId: id,
                  amountCents,
                  refundKey,
                  actor: 'admin:1',
                  reason: 'test',
                });
                if (!refunded.replayed) s.referrals.hooks.orderRefunded({ orderId: id, refundKey });
              }
            } else if (o.op === 'spend') {
              try {
                s.wallet.adjust({
                  userId: referrer.id,
                  amountCents: -o.amount,
                  adjustmentKey: `spend-${o.key}`,
                  actor: 'test',
                  reason: 'spent',
                });
              } catch (error) {
                if (!(error instanceof LedgerError)) throw error;
              }
            }
            expect(s.wallet.checkInvariants()).toEqual([]);
            expect(s.referrals.checkInvariants()).toEqual([]);
            expect(s.wallet.balance(referrer.id).availableCents).toBeGreaterThanOrEqual(0);
            for (const [orderId, price] of prices) {
              const reward = s.referrals.reward(orderId);
              const expected = referralRewardCents(price, PERCENT);
              if (expected === 0) {
                expect(reward).toBeUndefined();
                continue;
              }
              const dueBack = Math.floor((expected * s.wallet.refundedCents(orderId)) / price);
              expect(reward).toMatchObject({ rewardCents: expected });
              expect(reward!.reversedCents + reward!.unrecoveredCents).toBe(dueBack);
            }
          }
        } finally {
          database.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
