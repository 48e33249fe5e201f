/**
 * proxy-ipv4 through the real purchase saga, over real HTTP to its simulator,
 * on a fresh database: every way it can answer ends with exactly one upstream
 * order and one capture, or none of either (or a hold that waits for a person
 * where the facts point several ways).
 */
import { describe, expect, it } from 'vitest';
import type { OrderChoice } from '../../src/providers/types.js';
import { eachTestShop, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();
const IPV4_GBR: OrderChoice = { productId: 'ipv4', countryCode: 'GBR', termId: '30', quantity: 2 };
const BALANCE = 100_000;
const ORDER_PATH = { method: 'POST', path: /\/order$/ };

async function buy(shop: TestShop) {
  const user = shop.customer(BALANCE);
  const quoted = await shop.orders.quote(user.id, 'proxy-ipv4', IPV4_GBR);
  if (!quoted.ok) throw new Error(quoted.message);
  const result = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'k1', channel: 'bot' });
  return { user, quote: quoted.quote, result, orderId: 'order' in result ? result.order.id : '' };
}

function captures(shop: TestShop, orderId: string): number {
  const row = shop.database.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers WHERE id = ?').get(`capture:${orderId}`) as {
    n: number;
  };
  return row.n;
}

function expectSoldOnce(shop: TestShop, user: { id: number }, orderId: string, priceCents: number) {
  const sim = shop.upstream('proxy-ipv4').simulator;
  expect(sim.purchaseCount()).toBe(1);
  expect(captures(shop, orderId)).toBe(1);
  expect(shop.orders.order(orderId)!.state).toBe('delivered');
  expect(shop.wallet.balance(user.id)).toEqual({ availableCents: BALANCE - priceCents, heldCents: 0 });
  const owned = shop.database.sqlite.prepare('SELECT upstream_id AS id FROM subscriptions WHERE order_id = ?').all(orderId) as {
    id: string;
  }[];
  expect(owned.map((r) => r.id).sort()).toEqual(
    sim
      .orders()[0]!
      .proxyIds.map((id) => `ipv4:${id}`)
      .sort(),
  );
}

function expectNothingSold(shop: TestShop, user: { id: number }, orderId: string) {
  expect(shop.upstream('proxy-ipv4').simulator.purchaseCount()).toBe(0);
  expect(captures(shop, orderId)).toBe(0);
  expect(shop.orders.order(orderId)!.state).toBe('failed');
  expect(shop.wallet.balance(user.id)).toEqual({ availableCents: BALANCE, heldCents: 0 });
}

describe('proxy-ipv4: every answer settles', () => {
  it('an undocumented success:false after the work: the new proxies are delivered at once, charged once', async () => {
    const shop = await newShop(['proxy-ipv4']);
    shop.upstream('proxy-ipv4').simulator.undocumentedErrorAfterNextOrder();
    const { user, quote, result, orderId } = await buy(shop);
    expect(result.kind).toBe('delivered');
    expectSoldOnce(shop, user, orderId, quote.priceCents);
  });

  it('out of stock (an undocumented success:false): held, then released once the lookup finds no new proxy', async () => {
    const shop = await newShop(['proxy-ipv4'], { orders: { notFoundGraceMs: 0 } });
    const user = shop.customer(BALANCE);
    const quoted = await shop.orders.quote(user.id, 'proxy-ipv4', IPV4_GBR);
    if (!quoted.ok) throw new Error(quoted.message);
    shop.upstream('proxy-ipv4').simulator.setOutOfStock(true, 'ipv4');
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'k1', channel: 'bot' });
    expect(result.kind).toBe('provisioning');
    const orderId = 'order' in result ? result.order.id : '';
    expect((await shop.orders.reconcile(orderId)).kind).toBe('failed');
    expectNothingSold(shop, user, orderId);
  });

  it('our balance there too low: refused before any order is sent, money back at once, operators told', async () => {
    const shop = await newShop(['proxy-ipv4']);
    const sim = shop.upstream('proxy-ipv4').simulator;
    const user = shop.customer(BALANCE);
    const quoted = await shop.orders.quote(user.id, 'proxy-ipv4', IPV4_GBR);
    if (!quoted.ok) throw new Error(quoted.message);
    sim.setBalanceCents(6_49); // two IPv4 for 30 days cost $6.50
    const result = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'k1', channel: 'bot' });
    expect(result.kind).toBe('failed');
    expectNothingSold(shop, user, 'order' in result ? result.order.id : '');
    expect(sim.requests().filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(shop.outbox.list({ kind: 'upstream_balance_low' })).toHaveLength(1);
  });

  it.each([-5 * 60_000, 5 * 60_000])(
    'a lost answer with the upstream’s clock %i ms from ours: found and delivered once',
    async (offsetMs) => {
      const shop = await newShop(['proxy-ipv4'], { upstreamTimeoutMs: 400 });
      const sim = shop.upstream('proxy-ipv4').simulator;
      sim.setClockOffsetMs(offsetMs);
      sim.faults.inject({ kind: 'hang_after' }, ORDER_PATH);
      const { user, quote, result, orderId } = await buy(shop);
      expect(result.kind).toBe('provisioning');
      expect((await shop.orders.reconcile(orderId)).kind).toBe('delivered');
      expectSoldOnce(shop, user, orderId, quote.priceCents);
    },
  );

  it('a lost answer while proxies are listed without dateStart: delivered once', async () => {
    const shop = await newShop(['proxy-ipv4'], { upstreamTimeoutMs: 400 });
    const sim = shop.upstream('proxy-ipv4').simulator;
    sim.setListingDates('undated');
    sim.faults.inject({ kind: 'hang_after' }, ORDER_PATH);
    const { user, quote, orderId } = await buy(shop);
    expect((await shop.orders.reconcile(orderId)).kind).toBe('delivered');
    expectSoldOnce(shop, user, orderId, quote.priceCents);
  });

  it('more unknown new proxies than ordered: no guess — the hold stays for a person', async () => {
    const shop = await newShop(['proxy-ipv4'], { upstreamTimeoutMs: 400, orders: { notFoundGraceMs: 0 } });
    const sim = shop.upstream('proxy-ipv4').simulator;
    sim.faults.inject({ kind: 'hang_after' }, ORDER_PATH);
    const { user, quote, orderId } = await buy(shop);
    sim.purchaseElsewhere({ type: 'ipv4', country: 'GBR', count: 1, days: 30 });
    expect((await shop.orders.reconcile(orderId)).kind).toBe('provisioning');
    expect(shop.orders.order(orderId)!.failureMessage).toMatch(/needs_operator/);
    expect(captures(shop, orderId)).toBe(0);
    expect(shop.wallet.balance(user.id).heldCents).toBe(quote.priceCents);
  });
});
