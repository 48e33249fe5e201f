/**
 * The proxy panel through the real purchase saga, over real HTTP to its
 * simulator, on a fresh database: every way the panel can answer ends with
 * exactly one upstream purchase and one capture, or none of either (or, where
 * the facts point several ways, a hold that waits for a person).
 */
import { describe, expect, it } from 'vitest';
import type { OrderChoice } from '../../src/providers/types.js';
import { PLAN_IDS } from '../../src/sandbox/upstreams/proxy-panel/index.js';
import { eachTestShop, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();
const NL_MOBILE_30D: OrderChoice = { productId: 'mobile-private', countryCode: 'NL', termId: '30d', quantity: 1 };
const BALANCE = 100_000;

async function buy(shop: TestShop) {
  const user = shop.customer(BALANCE);
  const quoted = await shop.orders.quote(user.id, 'proxy-panel', NL_MOBILE_30D);
  if (!quoted.ok) throw new Error(quoted.message);
  const result = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'k1', channel: 'bot' });
  return { user, quote: quoted.quote, result };
}

function captures(shop: TestShop, orderId: string): number {
  const row = shop.database.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers WHERE id = ?').get(`capture:${orderId}`) as {
    n: number;
  };
  return row.n;
}

/** One upstream purchase, one capture, the customer charged once and given the subscription the panel sold. */
function expectSoldOnce(shop: TestShop, user: { id: number }, orderId: string, priceCents: number) {
  const sim = shop.upstream('proxy-panel').simulator;
  expect(sim.purchaseCount()).toBe(1);
  expect(captures(shop, orderId)).toBe(1);
  expect(shop.orders.order(orderId)!.state).toBe('delivered');
  expect(shop.wallet.balance(user.id)).toEqual({ availableCents: BALANCE - priceCents, heldCents: 0 });
  expect(shop.orders.order(orderId)!.upstreamOrderId).toBe(sim.subscriptions()[0]!.subscriptionId);
}

function expectNothingSold(shop: TestShop, user: { id: number }, orderId: string) {
  expect(shop.upstream('proxy-panel').simulator.purchaseCount()).toBe(0);
  expect(captures(shop, orderId)).toBe(0);
  expect(shop.orders.order(orderId)!.state).toBe('failed');
  expect(shop.wallet.balance(user.id)).toEqual({ availableCents: BALANCE, heldCents: 0 });
}

const orderIdOf = (result: Awaited<ReturnType<typeof buy>>['result']) => ('order' in result ? result.order.id : '');

describe('proxy panel: every answer settles', () => {
  it('the purchase answer carries the subscription: delivered from it, without reading the list again', async () => {
    const shop = await newShop(['proxy-panel']);
    const sim = shop.upstream('proxy-panel').simulator;
    const { user, quote, result } = await buy(shop);
    expect(result.kind).toBe('delivered');
    expectSoldOnce(shop, user, orderIdOf(result), quote.priceCents);
    const ops = sim.requests().map((r) => r.op);
    expect(ops.slice(ops.indexOf('purchase') + 1)).not.toContain('subscriptions');
    const [sub] = sim.subscriptions();
    expect(result.kind === 'delivered' && result.proxies[0]).toMatchObject({ login: sub!.username, password: sub!.password });
  });

  it('a brief purchase answer and a failing credentials re-read: the sale is kept and the reconciler delivers it', async () => {
    const shop = await newShop(['proxy-panel']);
    const sim = shop.upstream('proxy-panel').simulator;
    sim.setPurchaseAnswer('brief');
    sim.failSubscriptionReadsAfterNextPurchase(6);
    const { user, quote, result } = await buy(shop);
    expect(result.kind).toBe('provisioning');
    expect(shop.wallet.balance(user.id).heldCents).toBe(quote.priceCents);
    const settled = await shop.orders.reconcile(orderIdOf(result));
    expect(settled.kind).toBe('delivered');
    expectSoldOnce(shop, user, orderIdOf(result), quote.priceCents);
  });

  it.each([
    { status: 500, body: { ok: false, error: 'upstream_timeout' } },
    { status: 422, body: { ok: false, error: 'Unprocessable' } },
    { status: 200, body: { ok: false, error: 'Try again later' } },
  ])('an undocumented answer ($status) after the work: held, then delivered once', async ({ status, body }) => {
    const shop = await newShop(['proxy-panel']);
    shop.upstream('proxy-panel').simulator.undocumentedErrorAfterNextPurchase(status, body);
    const { user, quote, result } = await buy(shop);
    expect(result.kind).toBe('provisioning');
    expect(captures(shop, orderIdOf(result))).toBe(0);
    expect((await shop.orders.reconcile(orderIdOf(result))).kind).toBe('delivered');
    expectSoldOnce(shop, user, orderIdOf(result), quote.priceCents);
  });

  it.each([-4 * 60_000, 4 * 60_000])('a lost answer with the panel’s clock %i ms from ours: found and delivered once', async (offsetMs) => {
    const shop = await newShop(['proxy-panel'], { upstreamTimeoutMs: 400 });
    const sim = shop.upstream('proxy-panel').simulator;
    sim.setClockOffsetMs(offsetMs);
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', op: 'purchase' });
    const { user, quote, result } = await buy(shop);
    expect(result.kind).toBe('provisioning');
    expect((await shop.orders.reconcile(orderIdOf(result))).kind).toBe('delivered');
    expectSoldOnce(shop, user, orderIdOf(result), quote.priceCents);
  });

  it('a lost answer while the panel lists sparse items (no note, rotate link, or patterned labels): delivered once', async () => {
    const shop = await newShop(['proxy-panel'], { upstreamTimeoutMs: 400 });
    const sim = shop.upstream('proxy-panel').simulator;
    sim.setListing('sparse');
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', op: 'purchase' });
    const { user, quote, result } = await buy(shop);
    expect((await shop.orders.reconcile(orderIdOf(result))).kind).toBe('delivered');
    expectSoldOnce(shop, user, orderIdOf(result), quote.priceCents);
  });

  it('documented "409 Sold out": nothing bought, nothing captured, the money back at once', async () => {
    const shop = await newShop(['proxy-panel']);
    const user = shop.customer(BALANCE);
    const quoted = await shop.orders.quote(user.id, 'proxy-panel', NL_MOBILE_30D);
    if (!quoted.ok) throw new Error(quoted.message);
    shop.upstream('proxy-panel').simulator.setOutOfStock(true, PLAN_IDS.nlAmsMobilePrivate30d);
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'k1', channel: 'bot' });
    expect(result.kind).toBe('failed');
    expectNothingSold(shop, user, orderIdOf(result));
  });

  it('an undocumented 429 before any work: held, then released once the lookup finds nothing', async () => {
    const shop = await newShop(['proxy-panel'], { orders: { notFoundGraceMs: 0 } });
    shop.upstream('proxy-panel').simulator.faults.inject({ kind: 'rate_limited' }, { method: 'POST', op: 'purchase' });
    const { user, result } = await buy(shop);
    expect(result.kind).toBe('provisioning');
    expect((await shop.orders.reconcile(orderIdOf(result))).kind).toBe('failed');
    expectNothingSold(shop, user, orderIdOf(result));
  });

  it('two unknown new subscriptions could be ours: no guess — the hold stays for a person', async () => {
    const shop = await newShop(['proxy-panel'], { upstreamTimeoutMs: 400, orders: { notFoundGraceMs: 0 } });
    const sim = shop.upstream('proxy-panel').simulator;
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', op: 'purchase' });
    const { user, quote, result } = await buy(shop);
    sim.createSubscriptionElsewhere(PLAN_IDS.nlAmsMobilePrivate30d);
    const again = await shop.orders.reconcile(orderIdOf(result));
    expect(again.kind).toBe('provisioning');
    expect(shop.orders.order(orderIdOf(result))!.failureMessage).toMatch(/needs_operator/);
    expect(captures(shop, orderIdOf(result))).toBe(0);
    expect(shop.wallet.balance(user.id).heldCents).toBe(quote.priceCents);
  });
});
