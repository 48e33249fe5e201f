/**
 * Random sequences of purchases against the FlashProxy simulator over HTTP,
 * each meeting a random upstream behaviour: success, a refusal, a 5xx before
 * or after the upstream did the work, a garbled answer, a retried double tap.
 * After every step the order–ledger invariants hold; once the reconciler has
 * run, every order is settled, the upstream sold exactly what was delivered,
 * and each wallet holds exactly its money minus what it was charged.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import type { Fault } from '../../src/sandbox/upstreams/sim-server.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';

type Behaviour = 'ok' | 'out_of_stock' | 'error_before' | 'error_after' | 'malformed_after' | 'rate_limited';

interface Step {
  customer: number;
  behaviour: Behaviour;
  /** The same confirm pressed twice at once. */
  doubleTap: boolean;
  /** Run the reconciler right after this step. */
  reconcile: boolean;
}

const PURCHASE = { method: 'POST', path: /\/plans$/ } as const;
const FAULTS: Partial<Record<Behaviour, Fault>> = {
  error_before: { kind: 'error_before', status: 503 },
  error_after: { kind: 'error_after', status: 502 },
  malformed_after: { kind: 'malformed_after' },
  rate_limited: { kind: 'rate_limited', retryAfterSeconds: 1 },
};

const stepArb: fc.Arbitrary<Step> = fc.record({
  customer: fc.nat(2),
  behaviour: fc.constantFrom<Behaviour>('ok', 'ok', 'out_of_stock', 'error_before', 'error_after', 'malformed_after', 'rate_limited'),
  doubleTap: fc.boolean(),
  reconcile: fc.boolean(),
});

let upstream: RunningUpstream<'flashproxy'>;
beforeAll(async () => {
  upstream = await startUpstream('flashproxy');
  // Many short shops share one simulator here; its per-key limit of 100 a minute is not under test.
  upstream.simulator.setRateLimitPerMinute(1_000_000);
});
afterAll(async () => {
  await upstream.close();
});

describe('the purchase saga under random upstream behaviour', () => {
  it('never loses or doubles a charge', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 8 }), async (steps) => {
        const sim = upstream.simulator;
        sim.faults.clear();
        sim.setOutOfStock(false);
        sim.setBalanceCents(10_000_000);
        const soldBefore = sim.purchaseCount();
        const database = openDatabase(':memory:');
        const shop = buildServices(database, { providers: [upstream.provider({ timeoutMs: 2_000 })], orders: { notFoundGraceMs: 0 } });
        try {
          const funds = [3_000, 5_000, 800];
          const customers = funds.map((cents, i) => {
            const user = shop.users.ensure({ telegramId: 100 + i });
            shop.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: `seed-${i}`, amountCents: cents });
            return user.id;
          });
          const choice = { productId: 'residential-lite', termId: '1gb', quantity: 1 };

          for (const [n, step] of steps.entries()) {
            const userId = customers[step.customer]!;
            const quoted = await shop.orders.quote(userId, 'flashproxy', choice);
            if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
            const fault = FAULTS[step.behaviour];
            if (fault) sim.faults.inject(fault, PURCHASE);
            if (step.behaviour === 'out_of_stock') sim.setOutOfStock(true);
            const buy = () => shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey: `tap-${n}`, channel: 'bot' });
            const results = await Promise.all(step.doubleTap ? [buy(), buy()] : [buy()]);
            sim.faults.clear();
            sim.setOutOfStock(false);
            if (step.doubleTap && 'order' in results[0]! && 'order' in results[1]!) {
              expect(results[0].order.id).toBe(results[1].order.id);
            }
            if (step.reconcile) await shop.orders.reconcileDue();
            expect(shop.orders.checkInvariants()).toEqual([]);
          }

          // The reconciler settles everything that was left open.
          for (let pass = 0; pass < 3 && shop.orders.openOrders().length > 0; pass++) {
            for (const order of shop.orders.openOrders()) await shop.orders.reconcile(order.id);
          }
          expect(shop.orders.openOrders()).toEqual([]);
          expect(shop.orders.checkInvariants()).toEqual([]);

          let delivered = 0;
          customers.forEach((userId, i) => {
            const orders = shop.orders.ordersOfUser(userId, 100);
            const spent = orders.filter((o) => o.state === 'delivered').reduce((sum, o) => sum + o.priceCents, 0);
            delivered += orders.filter((o) => o.state === 'delivered').length;
            expect(shop.wallet.balance(userId)).toEqual({ availableCents: funds[i]! - spent, heldCents: 0 });
          });
          expect(sim.purchaseCount() - soldBefore).toBe(delivered);
        } finally {
          await shop.orders.drain();
          database.close();
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
