/**
 * GateProxy purchases that lose or garble their answer, through the real
 * saga: real SQLite with the real migrations, the GateProxy simulator over
 * HTTP, the order–ledger invariants checked after every test. Each scenario
 * ends with exactly one upstream order and one capture (delivered, the
 * upstream's credentials stored), or none of either (money back) — or, when
 * the facts point several ways, the order open with the money still held.
 */
import { describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';
import { checkedAfterEachTest } from '../helpers/per-test.js';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();
const START_CENTS = 100_000;
const ORDER_POST = { method: 'POST', path: '/orders' } as const;

async function placeOrder(shop: TestShop) {
  const user = shop.customer(START_CENTS);
  const choice = await firstChoice(shop, 'gateproxy');
  const quoted = await shop.orders.quote(user.id, 'gateproxy', choice);
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'k', channel: 'bot' });
  return { user, quote: quoted.quote, result };
}

/** One upstream order, one capture, and the customer holds that order's credentials. */
function expectDeliveredOnce(shop: TestShop, orderId: string, userId: number, priceCents: number) {
  const sim = shop.upstream('gateproxy').simulator;
  expect(shop.orders.order(orderId)!.state).toBe('delivered');
  expect(sim.purchaseCount()).toBe(1);
  expect(shop.wallet.balance(userId)).toEqual({ availableCents: START_CENTS - priceCents, heldCents: 0 });
  const [upstream] = sim.orders();
  const stored = shop.orders.subscriptionsOfOrder(orderId);
  expect(stored.map((s) => [s.upstreamId, s.host, s.login, s.password])).toEqual([
    [upstream!.orderId, upstream!.proxy.host, upstream!.proxy.username, upstream!.proxy.password],
  ]);
  expect(shop.orders.order(orderId)!.upstreamOrderId).toBe(upstream!.orderId);
  expect(shop.outbox.list({ kind: 'order_delivered' })).toHaveLength(1);
}

/** No upstream order, no capture: the hold is voided and the wallet whole. */
function expectNothingBought(shop: TestShop, orderId: string, userId: number) {
  expect(shop.orders.order(orderId)!.state).toBe('failed');
  expect(shop.upstream('gateproxy').simulator.purchaseCount()).toBe(0);
  expect(shop.wallet.balance(userId)).toEqual({ availableCents: START_CENTS, heldCents: 0 });
  expect(shop.orders.subscriptionsOfOrder(orderId)).toEqual([]);
}

describe('GateProxy: the answer is lost or garbled after the order was made → delivered once', () => {
  const faults: Array<[string, (u: RunningUpstream<'gateproxy'>) => void]> = [
    [
      '500 internal_error (an undocumented code) after the order was created',
      (u) => u.simulator.answerNextOrderWithError({ status: 500, code: 'internal_error', message: 'Internal error.', when: 'after' }),
    ],
    ['the answer lost by a timeout', (u) => u.simulator.faults.inject({ kind: 'hang_after' }, ORDER_POST)],
    ['a bare 500 after', (u) => u.simulator.faults.inject({ kind: 'error_after', status: 500 }, ORDER_POST)],
    ['a garbage 2xx', (u) => u.simulator.faults.inject({ kind: 'malformed_after' }, ORDER_POST)],
  ];

  for (const fields of ['all', 'documented'] as const) {
    it.each(faults)(`%s (order reads with ${fields} fields)`, async (_, inject) => {
      const shop = await newShop(['gateproxy'], { upstreamTimeoutMs: 400, orders: { notFoundGraceMs: 0 } });
      const gateproxy = shop.upstream('gateproxy');
      gateproxy.simulator.setOrderFields(fields);
      inject(gateproxy);
      const { user, quote, result } = await placeOrder(shop);
      expect(result.kind).toBe('provisioning');
      if (result.kind !== 'provisioning') return;
      expect(shop.wallet.balance(user.id).heldCents).toBe(quote.priceCents);

      const settled = await shop.orders.reconcile(result.order.id);
      expect(settled.kind).toBe('delivered');
      expectDeliveredOnce(shop, result.order.id, user.id, quote.priceCents);
    });
  }
});

describe('GateProxy: nothing was made → money back after the grace period', () => {
  it.each([
    [
      '500 internal_error before the work',
      (u: RunningUpstream<'gateproxy'>) => u.simulator.answerNextOrderWithError({ status: 500, code: 'internal_error', when: 'before' }),
    ],
    ['a timeout before the work', (u: RunningUpstream<'gateproxy'>) => u.simulator.faults.inject({ kind: 'hang_before' }, ORDER_POST)],
    ['502 provider_error (stock)', (u: RunningUpstream<'gateproxy'>) => u.simulator.setOutOfStock(true)],
  ])('%s, order reads without timestamps', async (_, inject) => {
    const shop = await newShop(['gateproxy'], { upstreamTimeoutMs: 400, orders: { notFoundGraceMs: 0 } });
    const gateproxy = shop.upstream('gateproxy');
    gateproxy.simulator.setOrderFields('documented');
    inject(gateproxy);
    const { user, result } = await placeOrder(shop);
    expect(result.kind).toBe('provisioning');
    if (result.kind !== 'provisioning') return;

    const settled = await shop.orders.reconcile(result.order.id);
    expect(settled.kind).toBe('failed');
    expectNothingBought(shop, result.order.id, user.id);
  });

  it('a documented refusal releases the money at once, without a lookup', async () => {
    const shop = await newShop(['gateproxy']);
    shop
      .upstream('gateproxy')
      .simulator.answerNextOrderWithError({ status: 402, code: 'insufficient_balance', message: 'Not enough balance.', when: 'before' });
    const { user, result } = await placeOrder(shop);
    expect(result.kind).toBe('failed');
    if (result.kind !== 'failed') return;
    expectNothingBought(shop, result.order.id, user.id);
  });
});

describe('GateProxy: two unknown new orders → a person decides', () => {
  it('the order stays open with the money held, and nothing is claimed', async () => {
    const shop = await newShop(['gateproxy'], { upstreamTimeoutMs: 400, orders: { notFoundGraceMs: 0 } });
    const sim = shop.upstream('gateproxy').simulator;
    sim.setOrderFields('documented');
    sim.faults.inject({ kind: 'hang_after' }, ORDER_POST);
    const { user, quote, result } = await placeOrder(shop);
    expect(result.kind).toBe('provisioning');
    if (result.kind !== 'provisioning') return;
    // Someone orders on the same account (GateProxy's own bot) before we look.
    sim.placeOrderElsewhere('nodemaven', '1');

    const lookup = await shop.catalog.provider('gateproxy')!.findPurchase({
      reference: result.order.id,
      choice: { productId: result.order.productId, termId: result.order.termId, quantity: 1 },
      sentAt: new Date(result.order.sentAt ?? result.order.createdAt).toISOString(),
      isKnownUpstreamId: () => false,
    });
    expect(lookup).toMatchObject({ kind: 'ambiguous', reason: 'needs_operator' });
    if (lookup.kind === 'ambiguous') for (const o of sim.orders()) expect(lookup.message).toContain(o.orderId);

    for (let i = 0; i < 2; i++) {
      const again = await shop.orders.reconcile(result.order.id);
      expect(again.kind).toBe('provisioning');
    }
    expect(shop.orders.order(result.order.id)!.state).toBe('provisioning');
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: START_CENTS - quote.priceCents, heldCents: quote.priceCents });
    expect(shop.orders.subscriptionsOfOrder(result.order.id)).toEqual([]);
  });
});

describe('GateProxy: the shop restarts while an answer is lost', () => {
  /** Two lives of the shop over one database: the second adapter remembers nothing of the first. */
  const startRestartable = checkedAfterEachTest(
    async () => {
      const upstream = await startUpstream('gateproxy');
      const database = openDatabase(':memory:');
      // Each life gets a new adapter, as a restarted process would.
      const live = () => buildServices(database, { providers: [upstream.provider({ timeoutMs: 400 })], orders: { notFoundGraceMs: 0 } });
      let services = live();
      return {
        upstream,
        get services() {
          return services;
        },
        restart() {
          services = live();
        },
        async close() {
          await services.orders.drain();
          await upstream.close();
          database.close();
        },
      };
    },
    (started) => started.services.orders.checkInvariants(),
  );

  it('the one order the shop has not recorded is ours; an earlier delivered order is not claimed again', async () => {
    const shop = await startRestartable();
    const sim = shop.upstream.simulator;
    sim.setOrderFields('documented');
    const user = shop.services.users.ensure({ telegramId: 77, firstName: 'Customer' });
    shop.services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'test-77', amountCents: START_CENTS });
    const buy = async (intentKey: string) => {
      const quoted = await shop.services.orders.quote(user.id, 'gateproxy', { productId: 'nodemaven', termId: '1', quantity: 1 });
      if (!quoted.ok) throw new Error(quoted.message);
      return {
        price: quoted.quote.priceCents,
        result: await shop.services.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey, channel: 'bot' }),
      };
    };

    const first = await buy('first');
    expect(first.result.kind).toBe('delivered');
    if (first.result.kind !== 'delivered') return;
    sim.faults.inject({ kind: 'hang_after' }, ORDER_POST);
    const second = await buy('second');
    expect(second.result.kind).toBe('provisioning');
    if (second.result.kind !== 'provisioning') return;

    shop.restart();
    const settled = await shop.services.orders.reconcile(second.result.order.id);
    expect(settled.kind).toBe('delivered');
    expect(sim.purchaseCount()).toBe(2);
    const firstUpstream = shop.services.orders.order(first.result.order.id)!.upstreamOrderId;
    const secondUpstream = shop.services.orders.order(second.result.order.id)!.upstreamOrderId;
    expect(new Set([firstUpstream, secondUpstream])).toEqual(new Set(sim.orders().map((o) => o.orderId)));
    expect(shop.services.wallet.balance(user.id)).toEqual({ availableCents: START_CENTS - first.price - second.price, heldCents: 0 });
  });
});
