/**
 * Random sequences of purchases with and without promo codes, gift
 * redemptions, failed and ambiguous purchases and refunds, against the
 * FlashProxy simulator over HTTP, and a free trial among them; one customer
 * was referred by another, so rewards and their reversals mix in too. After every step the order–ledger and
 * promotion invariants hold; at the end every code's live uses are within
 * its limit, every wallet holds exactly its money plus gifts minus what it
 * paid net of refunds plus the referral rewards it kept, and the promotions account paid exactly the
 * discounts of the delivered orders net of their refunds, plus the gifts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { orderDiscounts } from '../../src/db/schema/index.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';

type Step =
  | {
      kind: 'buy';
      customer: number;
      code: 'NONE' | 'HALF' | 'ONCE' | 'FIRST' | 'TRIAL';
      behaviour: 'ok' | 'out_of_stock' | 'error_after';
      doubleTap: boolean;
    }
  | { kind: 'gift'; customer: number }
  | { kind: 'refund'; pick: number; part: boolean }
  | { kind: 'reconcile' };

const PURCHASE = { method: 'POST', path: /\/plans$/ } as const;

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('buy' as const),
      customer: fc.nat(2),
      code: fc.constantFrom('NONE' as const, 'HALF' as const, 'ONCE' as const, 'FIRST' as const, 'TRIAL' as const),
      behaviour: fc.constantFrom('ok' as const, 'ok' as const, 'out_of_stock' as const, 'error_after' as const),
      doubleTap: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gift' as const), customer: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(20), part: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconcile' as const }) },
);

let upstream: RunningUpstream<'flashproxy'>;
beforeAll(async () => {
  upstream = await startUpstream('flashproxy');
  upstream.simulator.setRateLimitPerMinute(1_000_000);
});
afterAll(async () => {
  await upstream.close();
});

describe('promo codes, gifts and refunds in any order', () => {
  it('never grant a discount or a gift twice and keep every cent accounted for', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 10 }), async (steps) => {
        const sim = upstream.simulator;
        sim.faults.clear();
        sim.setOutOfStock(false);
        sim.setBalanceCents(10_000_000);
        const database = openDatabase(':memory:');
        const shop = buildServices(database, {
          providers: [upstream.provider({ timeoutMs: 2_000 })],
          orders: { notFoundGraceMs: 0 },
          referralPercent: 10,
        });
        const net = (id: string) =>
          (database.sqlite.prepare('SELECT credits_posted - debits_posted AS n FROM ledger_accounts WHERE id = ?').get(id) as { n: number })
            .n;
        try {
          shop.promos.createCode({ code: 'HALF', kind: 'discount', percent: 50, perCustomerLimit: 100, actor: 't' });
          shop.promos.createCode({ code: 'ONCE', kind: 'discount', amountCents: 30, totalLimit: 2, actor: 't' });
          shop.promos.createCode({ code: 'FIRST', kind: 'discount', percent: 10, firstPurchaseOnly: true, actor: 't' });
          shop.promos.createCode({ code: 'GIFT', kind: 'gift', amountCents: 250, totalLimit: 2, actor: 't' });
          const funds = [3_000, 5_000, 800];
          const customers = funds.map((cents, i) => {
            const user = shop.users.ensure({ telegramId: 100 + i });
            shop.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: `seed-${i}`, amountCents: cents });
            return user.id;
          });
          expect(shop.referrals.recordReferral(customers[2]!, shop.referrals.codeOf(customers[0]!))).toBe('recorded');
          const choice = { productId: 'residential-lite', termId: '1gb', quantity: 1 };
          // A free trial of the same choice: once per customer, nothing held, the whole list price paid by promotions.
          shop.trials.setOffer({ providerId: 'flashproxy', ...choice, priceCents: 0, requiresTopUp: false, actor: 't' });
          const options = (code: Step & { kind: 'buy' }) =>
            code.code === 'NONE' ? {} : code.code === 'TRIAL' ? { trial: true } : { promoCode: code.code };

          for (const [n, step] of steps.entries()) {
            if (step.kind === 'buy') {
              const userId = customers[step.customer]!;
              const quoted = await shop.orders.quote(userId, 'flashproxy', choice, options(step));
              if (quoted.ok) {
                if (step.behaviour === 'out_of_stock') sim.setOutOfStock(true);
                if (step.behaviour === 'error_after') sim.faults.inject({ kind: 'error_after', status: 502 }, PURCHASE);
                const buy = () => shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey: `tap-${n}`, channel: 'bot' });
                await Promise.all(step.doubleTap ? [buy(), buy()] : [buy()]);
                sim.faults.clear();
                sim.setOutOfStock(false);
              }
            } else if (step.kind === 'gift') {
              shop.promos.redeemGift(customers[step.customer]!, 'GIFT');
            } else if (step.kind === 'refund') {
              const delivered = customers.flatMap((u) => shop.orders.ordersOfUser(u, 100)).filter((o) => o.state === 'delivered');
              const order = delivered[step.pick % Math.max(delivered.length, 1)];
              const left = order ? order.priceCents - shop.wallet.refundedCents(order.id) : 0;
              if (order && left > 0) {
                const amount = step.part ? Math.max(1, Math.floor(left / 3)) : left;
                shop.orders.refund({ orderId: order.id, amountCents: amount, actor: 't', reason: 'test', refundKey: `r${n}` });
              }
            } else {
              await shop.orders.reconcileDue();
            }
            expect([...shop.orders.checkInvariants(), ...shop.referrals.checkInvariants()]).toEqual([]);
          }

          for (let pass = 0; pass < 3 && shop.orders.openOrders().length > 0; pass++) {
            for (const order of shop.orders.openOrders()) await shop.orders.reconcile(order.id);
          }
          expect(shop.orders.openOrders()).toEqual([]);
          expect(shop.orders.checkInvariants()).toEqual([]);

          const discounts = database.db.select().from(orderDiscounts).all();
          const liveOnce = discounts.filter((d) => d.promoCode === 'ONCE' && d.state !== 'released').length;
          expect(liveOnce).toBeLessThanOrEqual(2);
          for (const userId of customers) {
            const trials = discounts.filter((d) => d.userId === userId && d.trialProviderId !== null && d.state !== 'released');
            expect(trials.length).toBeLessThanOrEqual(1);
          }
          let gifts = 0;
          customers.forEach((userId, i) => {
            const orders = shop.orders.ordersOfUser(userId, 100).filter((o) => o.state === 'delivered');
            const paid = orders.reduce((sum, o) => sum + o.priceCents - shop.wallet.refundedCents(o.id), 0);
            const gift = database.sqlite.prepare('SELECT count(*) AS n FROM gift_redemptions WHERE user_id = ?').get(userId) as {
              n: number;
            };
            gifts += gift.n * 250;
            const rewards = database.sqlite
              .prepare('SELECT coalesce(sum(reward_cents - reversed_cents), 0) AS n FROM referral_rewards WHERE referrer_user_id = ?')
              .get(userId) as { n: number };
            expect(shop.wallet.balance(userId)).toEqual({ availableCents: funds[i]! + gift.n * 250 - paid + rewards.n, heldCents: 0 });
          });
          const discountPaid = discounts
            .filter((d) => d.state === 'captured')
            .reduce((sum, d) => sum + d.tierDiscountCents + d.promoDiscountCents - d.reversedCents, 0);
          expect(net('promotions') + discountPaid + gifts).toBe(0);
        } finally {
          await shop.orders.drain();
          database.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 180_000);
});
