/**
 * The purchase saga against the upstream simulators over real HTTP, on a
 * fresh database with the real migrations. Every test ends with the ledger's
 * invariants checked.
 */
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../../src/providers/modules.js';
import type { ProviderId } from '../../src/providers/types.js';
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
    expect(Date.parse(after.expiresAt!)).toBeGreaterThan(Date.parse(proxy.expiresAt!));
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
    const shop = await newShop(['lumiweb']);
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
      Array.from({ length: 20 }, () => shop!.orders.purchase({ userId: user.id, quoteId: quote.id, intentKey: 'double-tap', channel: 'bot' })),
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
    expect((await shop.orders.purchase({ userId: user.id, quoteId: renewal.quote.id, intentKey: 'r', channel: 'bot' })).kind).toBe('delivered');
    await shop.orders.drain();
    const after = shop.orders.subscriptionsOfOrder(bought.order.id);
    expect(after).toHaveLength(3);
    for (const proxy of after) expect(Date.parse(proxy.expiresAt!)).toBeGreaterThan(Date.parse(first!.expiresAt!));
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
