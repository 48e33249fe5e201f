/**
 * The purchase saga against the upstream simulators over real HTTP, on a
 * fresh database with the real migrations. Every test ends with the ledger's
 * invariants checked.
 */
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../../src/providers/modules.js';
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { ambiguous, refused, type ProviderId, type ProxyProvider } from '../../src/providers/types.js';
import { startUpstream } from '../../src/sandbox/upstreams/index.js';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();

async function quoteFirst(s: TestShop, userId: number, providerId: ProviderId, quantity = 1, productId?: string) {
  const choice = await firstChoice(s, providerId, quantity, productId);
  const quoted = await s.orders.quote(userId, providerId, choice);
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  return quoted.quote;
}

describe.each(PROVIDER_IDS)('buying from %s', (providerId) => {
  it('quote → purchase → proxies with the upstream’s credentials → renew where offered', async () => {
    const shop = await newShop([providerId]);
    const user = shop.customer(100_000);
    // A time-billed product, so that renewing visibly moves the expiry.
    const quote = await quoteFirst(shop, user.id, providerId, 1, providerId === 'flashproxy' ? 'datacenter-time' : undefined);
    expect(quote.priceCents).toBeGreaterThan(0);

    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k1', channel: 'bot' });
    expect(result.kind).toBe('delivered');
    if (result.kind !== 'delivered') return;
    expect(result.proxies.length).toBeGreaterThan(0);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 100_000 - quote.priceCents, heldCents: 0 });

    // What the customer got is what the upstream says we own.
    const upstream = await shop.upstream(providerId).provider().listProxies();
    expect(upstream.kind).toBe('ok');
    if (upstream.kind !== 'ok') return;
    for (const proxy of result.proxies) {
      const there = upstream.value.find((p) => p.upstreamId === proxy.upstreamId);
      expect(there, `upstream lists ${proxy.upstreamId}`).toBeDefined();
      expect({ host: proxy.host, login: proxy.login, password: proxy.password }).toEqual({
        host: there!.host,
        login: there!.login,
        password: there!.password,
      });
    }
    expect(shop.upstream(providerId).simulator.purchaseCount()).toBe(1);

    const provider = shop.catalog.provider(providerId)!;
    if (!provider.capabilities.renew) return;
    const proxy = result.proxies[0]!;
    const terms = await shop.subscriptions.renewalTerms(user.id, proxy.id);
    expect(terms.ok).toBe(true);
    if (!terms.ok) return;
    const renewalQuote = await shop.orders.quoteRenewal(user.id, proxy.id, terms.value[0]!.id);
    expect(renewalQuote.ok).toBe(true);
    if (!renewalQuote.ok) return;
    const before = shop.wallet.balance(user.id).availableCents;
    const renewed = await shop.orders.purchase({ userId: user.id, quoteId: renewalQuote.quote.id, intentKey: 'renew-1', channel: 'bot' });
    expect(renewed.kind).toBe('delivered');
    const after = shop.subscriptions.get(user.id, proxy.id)!;
    expect(after.expiresAt!).toBeGreaterThan(proxy.expiresAt!);
    expect(shop.wallet.balance(user.id).availableCents).toBe(before - renewalQuote.quote.priceCents);
  });
});

describe('prices', () => {
  it('are the upstream cost plus the operator’s markup, rounded up to a cent', async () => {
    const shop = await newShop(['lumiweb']);
    const user = shop.customer(100_000);
    shop.pricing.setRule({ providerId: 'lumiweb', productId: '*', percent: 12.5, minMarginCents: 1, actor: 'admin:1' });
    const choice = await firstChoice(shop, 'lumiweb', 3);
    const cost = await shop.catalog.provider('lumiweb')!.quote(choice);
    expect(cost.kind).toBe('ok');
    if (cost.kind !== 'ok') return;
    const quoted = await shop.orders.quote(user.id, 'lumiweb', choice);
    expect(quoted.ok && quoted.quote.priceCents).toBe(cost.value.totalCostCents + Math.ceil(cost.value.totalCostCents * 0.125));
  });

  it('never become zero when the upstream fails: the quote is refused instead', async () => {
    const shop = await newShop(['lumiweb']);
    const user = shop.customer(100_000);
    const choice = await firstChoice(shop, 'lumiweb');
    shop.upstream('lumiweb').simulator.faults.inject({ kind: 'error_before', status: 503 }, { path: /quote/ });
    const quoted = await shop.orders.quote(user.id, 'lumiweb', choice);
    expect(quoted.ok).toBe(false);
  });
});

describe('upstream faults', () => {
  it('a refusal (out of stock) voids the hold: the wallet is whole again', async () => {
    const shop = await newShop(['flashproxy']);
    const user = shop.customer(50_000);
    const quote = await quoteFirst(shop, user.id, 'flashproxy');
    shop.upstream('flashproxy').simulator.setOutOfStock(true);
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    expect(result.kind).toBe('failed');
    if (result.kind === 'failed') expect(result.message).toMatch(/sold out/);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 50_000, heldCents: 0 });
  });

  it('a timeout before the upstream processed is reconciled to a void, with no upstream order', async () => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: 300, orders: { notFoundGraceMs: 0 } });
    const user = shop.customer(50_000);
    const quote = await quoteFirst(shop, user.id, 'flashproxy');
    shop.upstream('flashproxy').simulator.faults.inject({ kind: 'hang_before' }, { method: 'POST', path: /\/plans$/ });
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    expect(result.kind).toBe('provisioning');
    expect(shop.wallet.balance(user.id).heldCents).toBe(quote.priceCents);

    const settled = await shop.orders.reconcile(result.kind === 'provisioning' ? result.order.id : '');
    expect(settled.kind).toBe('failed');
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 50_000, heldCents: 0 });
    expect(shop.upstream('flashproxy').simulator.purchaseCount()).toBe(0);
    expect(shop.outbox.list({ kind: 'order_failed' })).toHaveLength(1);
  });

  it.each(PROVIDER_IDS)(
    '%s: a timeout after the upstream processed ends in delivery — exactly one upstream order, charged once',
    async (providerId) => {
      const shop = await newShop([providerId], { upstreamTimeoutMs: 400 });
      const user = shop.customer(100_000);
      const quote = await quoteFirst(shop, user.id, providerId);
      const purchasePath: Record<ProviderId, { method: string; path?: RegExp; op?: string }> = {
        flashproxy: { method: 'POST', path: /\/plans$/ },
        'proxy-ipv4': { method: 'POST', path: /\/order$/ },
        'proxy-panel': { method: 'POST', op: 'purchase' },
        gateproxy: { method: 'POST', path: /^\/orders$/ },
        lumiweb: { method: 'POST', path: /\/proxy\/static$/ },
      };
      shop.upstream(providerId).simulator.faults.inject({ kind: 'hang_after' }, purchasePath[providerId]);
      const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
      expect(result.kind).toBe('provisioning');
      if (result.kind !== 'provisioning') return;

      const settled = await shop.orders.reconcile(result.order.id);
      expect(settled.kind).toBe('delivered');
      expect(shop.upstream(providerId).simulator.purchaseCount()).toBe(1);
      expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 100_000 - quote.priceCents, heldCents: 0 });
      expect(shop.outbox.list({ kind: 'order_delivered' })).toHaveLength(1);
    },
  );

  it('a malformed 2xx is treated as unknown and reconciled to delivery', async () => {
    const shop = await newShop(['flashproxy']);
    const user = shop.customer(50_000);
    const quote = await quoteFirst(shop, user.id, 'flashproxy');
    shop.upstream('flashproxy').simulator.faults.inject({ kind: 'malformed_after' }, { method: 'POST', path: /\/plans$/ });
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    expect(result.kind).toBe('provisioning');
    if (result.kind !== 'provisioning') return;
    const settled = await shop.orders.reconcile(result.order.id);
    expect(settled.kind).toBe('delivered');
    expect(shop.upstream('flashproxy').simulator.purchaseCount()).toBe(1);
  });

  it('our upstream balance too low: refusal, money back, and one alert for the operators', async () => {
    const shop = await newShop(['flashproxy']);
    const user = shop.customer(50_000);
    const quote = await quoteFirst(shop, user.id, 'flashproxy');
    shop.upstream('flashproxy').simulator.setBalanceCents(1);
    const first = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'a', channel: 'bot' });
    const second = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'b', channel: 'bot' });
    expect([first.kind, second.kind]).toEqual(['failed', 'failed']);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 50_000, heldCents: 0 });
    const alerts = shop.outbox.list({ kind: 'upstream_balance_low', audience: 'operators' });
    expect(alerts).toHaveLength(1);
    expect(JSON.parse(alerts[0]!.payload)).toMatchObject({ provider: 'flashproxy' });
  });

  it('an order still unknown after the attention window is reported to operators, and the hold stays', async () => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: 300, orders: { attentionAfterMs: 0 } });
    const user = shop.customer(50_000);
    const quote = await quoteFirst(shop, user.id, 'flashproxy');
    const sim = shop.upstream('flashproxy').simulator;
    sim.faults.inject({ kind: 'hang_before' }, { method: 'POST', path: /\/plans$/ });
    sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'GET', path: /\/plans$/, times: Infinity });
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    expect(result.kind).toBe('provisioning');
    if (result.kind !== 'provisioning') return;
    await shop.orders.reconcile(result.order.id);
    await shop.orders.reconcile(result.order.id);
    expect(shop.outbox.list({ kind: 'order_needs_attention' })).toHaveLength(1);
    expect(shop.wallet.balance(user.id).heldCents).toBe(quote.priceCents);
    expect(shop.orders.order(result.order.id)!.state).toBe('provisioning');
  });
});

describe('idempotency and concurrency', () => {
  it('100 concurrent purchases against a balance that covers 10 → exactly 10 orders charged', async () => {
    // The assertion is about money, not speed: on a loaded two-core machine ten purchases in a row can take seconds.
    const shop = await newShop(['lumiweb'], { upstreamTimeoutMs: 15_000 });
    const probe = shop.customer(0, 'probe');
    const quote = await quoteFirst(shop, probe.id, 'lumiweb');
    const user = shop.customer(quote.priceCents * 10);
    const userQuote = await quoteFirst(shop, user.id, 'lumiweb');
    expect(userQuote.priceCents).toBe(quote.priceCents);

    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        shop!.orders.purchase({ userId: user.id, quoteId: userQuote.id, intentKey: `tap-${i}`, channel: 'api' }),
      ),
    );
    const kinds = results.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'delivered')).toHaveLength(10);
    expect(kinds.filter((k) => k === 'insufficient_funds')).toHaveLength(90);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 0, heldCents: 0 });
    expect(shop.upstream('lumiweb').simulator.purchaseCount()).toBe(10);
  });

  it('the same intent key sent 20 times concurrently → one order, one charge', async () => {
    const shop = await newShop(['flashproxy']);
    const user = shop.customer(50_000);
    const quote = await quoteFirst(shop, user.id, 'flashproxy');
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        shop!.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'double-tap', channel: 'bot' }),
      ),
    );
    const orderIds = new Set(results.map((r) => ('order' in r ? r.order.id : r.kind)));
    expect(orderIds.size).toBe(1);
    expect(results.every((r) => r.kind === 'delivered')).toBe(true);
    expect(shop.upstream('flashproxy').simulator.purchaseCount()).toBe(1);
    expect(shop.wallet.balance(user.id).availableCents).toBe(50_000 - quote.priceCents);
  });

  it('quantity > 1 is one order with several proxies, priced once and captured once', async () => {
    const shop = await newShop(['lumiweb']);
    const user = shop.customer(100_000);
    const quote = await quoteFirst(shop, user.id, 'lumiweb', 3);
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    expect(result.kind).toBe('delivered');
    if (result.kind !== 'delivered') return;
    expect(result.proxies).toHaveLength(3);
    const captures = shop.database.sqlite
      .prepare("SELECT COUNT(*) AS n FROM ledger_transfers WHERE kind = 'post_pending' AND order_id = ?")
      .get(result.order.id) as { n: number };
    expect(captures.n).toBe(1);
    expect(shop.wallet.balance(user.id).availableCents).toBe(100_000 - quote.priceCents);
  });
});

describe('renewing proxies bought together', () => {
  it('refreshes every proxy the upstream renewed at once, not only the one the customer picked', async () => {
    const shop = await newShop(['lumiweb']);
    const user = shop.customer(100_000);
    const quote = await quoteFirst(shop, user.id, 'lumiweb', 3);
    const bought = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    if (bought.kind !== 'delivered') throw new Error(bought.kind);
    const [first] = bought.proxies;
    const terms = await shop.subscriptions.renewalTerms(user.id, first!.id);
    if (!terms.ok) throw new Error(terms.message);
    const renewal = await shop.orders.quoteRenewal(user.id, first!.id, terms.value[0]!.id);
    if (!renewal.ok) throw new Error(renewal.message);
    expect((await shop.orders.purchase({ userId: user.id, quoteId: renewal.quote.id, intentKey: 'r', channel: 'bot' })).kind).toBe(
      'delivered',
    );
    await shop.orders.drain();
    const after = shop.orders.subscriptionsOfOrder(bought.order.id);
    expect(after).toHaveLength(3);
    for (const proxy of after) expect(proxy.expiresAt!).toBeGreaterThan(first!.expiresAt!);
  });
});

describe('quotes and refunds', () => {
  it('an expired quote is re-priced and nothing is charged', async () => {
    let clock = Date.now();
    const shop = await newShop(['lumiweb'], { now: () => clock });
    const user = shop.customer(50_000);
    const quote = await quoteFirst(shop, user.id, 'lumiweb');
    clock += 6 * 60_000;
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    expect(result.kind).toBe('quote_expired');
    if (result.kind === 'quote_expired') expect(result.newQuote?.id).not.toBe(quote.id);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 50_000, heldCents: 0 });
    expect(shop.upstream('lumiweb').simulator.purchaseCount()).toBe(0);
  });

  it('insufficient funds charges nothing and says how much is missing', async () => {
    const shop = await newShop(['lumiweb']);
    const user = shop.customer(10);
    const quote = await quoteFirst(shop, user.id, 'lumiweb');
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    expect(result).toMatchObject({ kind: 'insufficient_funds', priceCents: quote.priceCents, availableCents: 10 });
    expect(shop.upstream('lumiweb').simulator.purchaseCount()).toBe(0);
  });

  it('a quote belongs to its customer', async () => {
    const shop = await newShop(['lumiweb']);
    const alice = shop.customer(50_000, 'alice');
    const mallory = shop.customer(50_000, 'mallory');
    const quote = await quoteFirst(shop, alice.id, 'lumiweb');
    const result = await shop.orders.purchase({ userId: mallory.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    expect(result.kind).toBe('rejected');
    expect(shop.wallet.balance(mallory.id).availableCents).toBe(50_000);
  });

  it('operators refund in part and then in full, never beyond the price', async () => {
    const shop = await newShop(['lumiweb']);
    const user = shop.customer(50_000);
    const quote = await quoteFirst(shop, user.id, 'lumiweb');
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    if (result.kind !== 'delivered') throw new Error('not delivered');
    shop.orders.refund({ orderId: result.order.id, amountCents: 100, actor: 'admin:1', reason: 'slow', refundKey: 'r1' });
    shop.orders.refund({ orderId: result.order.id, actor: 'admin:1', reason: 'dead', refundKey: 'r2' });
    expect(shop.wallet.balance(user.id).availableCents).toBe(50_000);
    expect(() =>
      shop!.orders.refund({ orderId: result.order.id, amountCents: 1, actor: 'admin:1', reason: 'again', refundKey: 'r3' }),
    ).toThrow(/refunds would total/);
  });
});

describe('the order–ledger invariant checker', () => {
  it('notices an order whose state disagrees with its hold', async () => {
    const shop = await newShop(['lumiweb']);
    const user = shop.customer(50_000);
    const quote = await quoteFirst(shop, user.id, 'lumiweb');
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    if (result.kind !== 'delivered') throw new Error(result.kind);
    expect(shop.orders.checkInvariants()).toEqual([]);
    shop.database.sqlite.prepare("UPDATE orders SET state = 'failed' WHERE id = ?").run(result.order.id);
    expect(shop.orders.checkInvariants()).toEqual([`order ${result.order.id} is failed but its hold is post_pending`]);
    shop.database.sqlite.prepare("UPDATE orders SET state = 'delivered' WHERE id = ?").run(result.order.id);
  });
});

/** Makes a LumiWeb purchase lose its answer after the sale, and every lookup fail, so the order stays open. */
function loseTheAnswer(shop: TestShop) {
  const sim = shop.upstream('lumiweb').simulator;
  sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/proxy\/static$/ });
  sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'POST', path: /\/proxy\/static$/, times: Infinity });
  sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'GET', times: Infinity });
}

async function stuckOrder(shop: TestShop, channel: 'bot' | 'api' = 'bot') {
  const user = shop.customer(50_000);
  const quote = await quoteFirst(shop, user.id, 'lumiweb');
  loseTheAnswer(shop);
  const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel });
  if (result.kind !== 'provisioning') throw new Error(result.kind);
  return { user, quote, order: result.order };
}

const transfer = (shop: TestShop, id: string) =>
  shop.database.sqlite.prepare('SELECT actor, reason FROM ledger_transfers WHERE id = ?').get(id) as
    | { actor: string; reason: string | null }
    | undefined;

describe('orders that cannot settle reach a person', () => {
  it('after the attention window every open order gets exactly one alert, and the customer hears it is still being confirmed', async () => {
    let clock = Date.now();
    const shop = await newShop(['lumiweb'], { upstreamTimeoutMs: 300, now: () => clock });
    const { user, order } = await stuckOrder(shop, 'api');
    // Not a bot purchase: nobody holds a message to edit, so the customer gets a notice.
    expect(shop.outbox.list({ kind: 'order_provisioning' }).map((m) => m.userId)).toEqual([user.id]);
    await shop.orders.reconcileDue();
    expect(shop.outbox.list({ kind: 'order_needs_attention' })).toHaveLength(0);

    clock += 31 * 60_000;
    for (let i = 0; i < 3; i++) {
      await shop.orders.reconcileDue();
      clock += 15 * 60_000;
    }
    expect(shop.outbox.list({ kind: 'order_needs_attention', audience: 'operators' })).toHaveLength(1);
    expect(shop.outbox.list({ kind: 'order_still_open' }).map((m) => m.userId)).toEqual([user.id]);
    expect(shop.orders.order(order.id)!.state).toBe('provisioning');
    expect(shop.wallet.balance(user.id).heldCents).toBe(order.priceCents);
  });

  it('an order open past the window is alerted even when its own check cannot run', async () => {
    let clock = Date.now();
    const shop = await newShop(['lumiweb'], { upstreamTimeoutMs: 300, now: () => clock });
    const { order } = await stuckOrder(shop);
    // Its next check is far away (the reconciler backed off): the sweep still finds it.
    shop.database.sqlite.prepare('UPDATE orders SET next_check_at = ? WHERE id = ?').run(clock + 24 * 3_600_000, order.id);
    clock += 31 * 60_000;
    expect(await shop.orders.reconcileDue()).toMatchObject({ checked: 0 });
    expect(shop.outbox.list({ kind: 'order_needs_attention' })).toHaveLength(1);
    expect(shop.outbox.list({ kind: 'order_still_open' })).toHaveLength(1);
  });

  it('“needs an operator” from an adapter alerts at once; the window later tells the customer, not the operators again', async () => {
    let clock = Date.now();
    const upstream = await startUpstream('lumiweb');
    const real = upstream.provider({ timeoutMs: 300 });
    // An adapter whose lookup finds several candidates answers this; the rest is the real LumiWeb adapter.
    const torn: ProxyProvider = Object.assign(Object.create(real) as ProxyProvider, {
      findPurchase: async () => ambiguous('needs_operator', 'two unknown new upstream orders: 101, 102'),
    });
    const database = openDatabase(':memory:');
    const shop = buildServices(database, { providers: [torn], now: () => clock });
    try {
      const user = shop.users.ensure({ telegramId: 77, firstName: 'Ann' });
      shop.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'a', amountCents: 50_000 });
      const choice = await firstChoice({ ...shop, database, upstreams: [upstream] } as unknown as TestShop, 'lumiweb');
      const quoted = await shop.orders.quote(user.id, 'lumiweb', choice);
      if (!quoted.ok) throw new Error(quoted.message);
      upstream.simulator.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/proxy\/static$/ });
      const result = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'k', channel: 'bot' });
      expect(result.kind).toBe('provisioning');
      // The bot's own message says "held, not charged" for a bot purchase: no second notice.
      expect(shop.outbox.list({ kind: 'order_provisioning' })).toHaveLength(0);
      clock += 10_000;
      await shop.orders.reconcileDue();
      const alerts = shop.outbox.list({ kind: 'order_needs_attention' });
      expect(alerts).toHaveLength(1);
      expect(JSON.parse(alerts[0]!.payload).why).toContain('two unknown new upstream orders');
      expect(shop.outbox.list({ kind: 'order_still_open' })).toHaveLength(0);

      clock += 31 * 60_000;
      await shop.orders.reconcileDue();
      await shop.orders.reconcileDue();
      expect(shop.outbox.list({ kind: 'order_needs_attention' })).toHaveLength(1);
      expect(shop.outbox.list({ kind: 'order_still_open' })).toHaveLength(1);
      expect(shop.orders.checkInvariants()).toEqual([]);
    } finally {
      await shop.orders.drain();
      await upstream.close();
      database.close();
    }
  });

  it('a refused lookup never releases the money: the order stays open, held, until the upstream answers', async () => {
    let clock = Date.now();
    const upstream = await startUpstream('lumiweb');
    const real = upstream.provider({ timeoutMs: 300 });
    // The upstream refuses to be read (say a key rotated mid-flight); the sale it may have made is still there.
    let lookupRefused = true;
    const guarded: ProxyProvider = Object.assign(Object.create(real) as ProxyProvider, {
      findPurchase: async (lookup: Parameters<ProxyProvider['findPurchase']>[0]) =>
        lookupRefused ? refused('unauthorized', 'key revoked') : real.findPurchase(lookup),
    });
    const database = openDatabase(':memory:');
    const shop = buildServices(database, { providers: [guarded], now: () => clock });
    try {
      const user = shop.users.ensure({ telegramId: 78, firstName: 'Bea' });
      shop.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'b', amountCents: 50_000 });
      const choice = await firstChoice({ ...shop, database, upstreams: [upstream] } as unknown as TestShop, 'lumiweb');
      const quoted = await shop.orders.quote(user.id, 'lumiweb', choice);
      if (!quoted.ok) throw new Error(quoted.message);
      upstream.simulator.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/proxy\/static$/ });
      const result = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'k', channel: 'bot' });
      expect(result.kind).toBe('provisioning');
      clock += 2 * 60_000;
      await shop.orders.reconcileDue();
      const order = shop.orders.order(result.kind === 'provisioning' ? result.order.id : '')!;
      expect(order.state).toBe('provisioning');
      expect(shop.wallet.balance(user.id).heldCents).toBe(quoted.quote.priceCents);

      lookupRefused = false;
      clock += 10 * 60_000;
      await shop.orders.reconcileDue();
      expect(shop.orders.order(order.id)!.state).toBe('delivered');
      expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 50_000 - quoted.quote.priceCents, heldCents: 0 });
      expect(shop.orders.checkInvariants()).toEqual([]);
    } finally {
      await shop.orders.drain();
      await upstream.close();
      database.close();
    }
  });

  it('settled as failed by an admin: the hold is voided by that admin, recorded with the reason, the customer told', async () => {
    const shop = await newShop(['lumiweb'], { upstreamTimeoutMs: 300 });
    const { user, order } = await stuckOrder(shop);
    const result = shop.orders.settleByOperator({
      orderId: order.id,
      decision: { outcome: 'failed' },
      actor: 'admin:42',
      reason: 'LumiWeb support: not sold',
    });
    expect(result.kind).toBe('settled');
    expect(shop.orders.order(order.id)).toMatchObject({ state: 'failed', failureCode: 'settled_failed' });
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 50_000, heldCents: 0 });
    expect(transfer(shop, `void:${order.id}`)).toEqual({ actor: 'admin:42', reason: 'settled as failed: LumiWeb support: not sold' });
    expect(shop.orders.operatorActionsOf(order.id)).toMatchObject([
      { action: 'settle_failed', actor: 'admin:42', reason: 'LumiWeb support: not sold' },
    ]);
    expect(shop.outbox.list({ kind: 'order_failed' }).map((m) => m.userId)).toEqual([user.id]);
  });

  it('settled as delivered: captured once by the admin, the upstream order recorded, credentials fetched when the upstream lists them', async () => {
    const shop = await newShop(['lumiweb'], { upstreamTimeoutMs: 300 });
    const { user, order } = await stuckOrder(shop);
    const sim = shop.upstream('lumiweb').simulator;
    const sold = sim.subscriptions();
    expect(sold).toHaveLength(1);
    const result = shop.orders.settleByOperator({
      orderId: order.id,
      decision: { outcome: 'delivered', upstreamOrderId: String(sold[0]!.orderId) },
      actor: 'admin:42',
      reason: 'seen in the LumiWeb dashboard',
    });
    expect(result.kind).toBe('settled');
    expect(shop.orders.order(order.id)).toMatchObject({ state: 'delivered', upstreamOrderId: String(sold[0]!.orderId) });
    expect(transfer(shop, `capture:${order.id}`)?.actor).toBe('admin:42');
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 50_000 - order.priceCents, heldCents: 0 });
    expect(shop.outbox.list({ kind: 'order_settled_delivered' }).map((m) => m.userId)).toEqual([user.id]);

    // The upstream is still unreachable: no credentials yet, and nothing is guessed.
    await shop.orders.drain();
    expect(shop.orders.subscriptionsOfOrder(order.id)).toHaveLength(0);
    sim.faults.clear();
    expect(await shop.orders.fetchOperatorDelivery(order.id)).toBe('attached');
    const proxies = shop.orders.subscriptionsOfOrder(order.id);
    expect(proxies.map((p) => p.host)).toEqual(sold[0]!.proxies.map((p) => p.ip));
    expect(shop.outbox.list({ kind: 'order_delivered' })).toHaveLength(1);
    expect(sim.purchaseCount()).toBe(1);
    expect(shop.orders.checkInvariants()).toEqual([]);
  });

  it('two admins settling at once: one settlement, the other is told who did it', async () => {
    const shop = await newShop(['lumiweb'], { upstreamTimeoutMs: 300 });
    const { order } = await stuckOrder(shop);
    const [a, b] = await Promise.all([
      Promise.resolve().then(() =>
        shop.orders.settleByOperator({ orderId: order.id, decision: { outcome: 'failed' }, actor: 'admin:1', reason: 'not sold' }),
      ),
      Promise.resolve().then(() =>
        shop.orders.settleByOperator({
          orderId: order.id,
          decision: { outcome: 'delivered', upstreamOrderId: '9' },
          actor: 'admin:2',
          reason: 'sold',
        }),
      ),
    ]);
    expect([a!.kind, b!.kind]).toEqual(['settled', 'already_settled']);
    expect(b).toMatchObject({ settlement: { actor: 'admin:1', action: 'settle_failed' } });
    const resolutions = shop.database.sqlite
      .prepare('SELECT COUNT(*) AS n FROM ledger_transfers WHERE pending_id = ?')
      .get(`hold:${order.id}`) as { n: number };
    expect(resolutions.n).toBe(1);
    expect(shop.orders.operatorActionsOf(order.id).filter((r) => r.action.startsWith('settle_'))).toHaveLength(1);
  });
});

describe('refunding “all” of an order', () => {
  it('counts every earlier refund of the order, even when the wallet has more than 100 newer entries', async () => {
    const shop = await newShop(['lumiweb']);
    const user = shop.customer(50_000);
    const quote = await quoteFirst(shop, user.id, 'lumiweb');
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'k', channel: 'bot' });
    if (result.kind !== 'delivered') throw new Error(result.kind);
    shop.orders.refund({ orderId: result.order.id, amountCents: 100, actor: 'admin:1', reason: 'slow', refundKey: 'first' });
    for (let i = 0; i < 120; i++) {
      shop.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: `busy-${i}`, amountCents: 1 });
    }
    const rest = shop.orders.refund({ orderId: result.order.id, actor: 'admin:1', reason: 'dead', refundKey: 'rest' });
    expect(rest.amountCents).toBe(quote.priceCents - 100);
    expect(shop.wallet.balance(user.id).availableCents).toBe(50_000 + 120);
    expect(() => shop.orders.refund({ orderId: result.order.id, actor: 'admin:1', reason: 'again', refundKey: 'more' })).toThrow(
      /refunded in full/,
    );
  });
});
