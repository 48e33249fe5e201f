/**
 * Every LumiWeb outcome settles through the real saga: the shop's services on
 * a fresh database with the real migrations, the LumiWeb simulator over HTTP.
 * Each scenario ends with exactly one upstream purchase and one capture, or
 * none of either; the order–ledger invariants are checked after each test.
 */
import { describe, expect, it } from 'vitest';
import type { LumiWebSimulator } from '../../src/sandbox/upstreams/lumiweb/index.js';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const BUY_PATH = '/proxy/api/v1/proxy/static';
const WALLET = 50_000;

const newShop = eachTestShop();

interface World {
  shop: TestShop;
  sim: LumiWebSimulator;
  userId: number;
  /** Places one order through the saga, as the bot does after the customer confirms. */
  buy(): ReturnType<TestShop['orders']['purchase']>;
  priceCents: number;
}

async function world(): Promise<World> {
  // A lookup that finds nothing is believed at once: LumiWeb's replay does not lag.
  const shop = await newShop(['lumiweb'], { upstreamTimeoutMs: 1_000, orders: { notFoundGraceMs: 0 } });
  const sim = shop.upstream('lumiweb').simulator;
  const { id: userId } = shop.customer(WALLET);
  const quoted = await shop.orders.quote(userId, 'lumiweb', await firstChoice(shop, 'lumiweb', 2));
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const quote = quoted.quote;
  return {
    shop,
    sim,
    userId,
    priceCents: quote.priceCents,
    buy: () => shop.orders.purchase({ userId, quoteId: quote.id, intentKey: 'confirm-1', channel: 'bot' }),
  };
}

/** How the order's hold was resolved: captured ('post_pending'), voided ('void_pending'), or still held. */
function holdResolutions(shop: TestShop, orderId: string): string[] {
  return (
    shop.database.sqlite.prepare(`SELECT kind FROM ledger_transfers WHERE pending_id = ? ORDER BY seq`).all(`hold:${orderId}`) as Array<{
      kind: string;
    }>
  ).map((row) => row.kind);
}

function expectNothingSold(w: World, orderId: string) {
  expect(w.shop.orders.order(orderId)!.state).toBe('failed');
  expect(holdResolutions(w.shop, orderId)).toEqual(['void_pending']);
  expect(w.shop.wallet.balance(w.userId)).toEqual({ availableCents: WALLET, heldCents: 0 });
  expect(w.sim.purchaseCount()).toBe(0);
  expect(w.sim.subscriptions()).toEqual([]);
}

async function expectSoldOnce(w: World, orderId: string) {
  const order = w.shop.orders.order(orderId)!;
  expect(order.state).toBe('delivered');
  expect(holdResolutions(w.shop, orderId)).toEqual(['post_pending']);
  expect(w.shop.wallet.balance(w.userId)).toEqual({ availableCents: WALLET - w.priceCents, heldCents: 0 });
  expect(w.sim.purchaseCount()).toBe(1);
  const [upstream] = w.sim.subscriptions();
  expect(order.upstreamOrderId).toBe(String(upstream!.orderId));
  // The customer holds exactly the IPs and passwords the panel handed out for it.
  const delivered = w.shop.orders.subscriptionsOfOrder(orderId).map((s) => [s.host, s.password]);
  expect(delivered.sort()).toEqual(upstream!.proxies.map((p) => [p.ip, p.password]).sort());
}

function expectStillHeld(w: World, orderId: string) {
  expect(w.shop.orders.order(orderId)!.state).toBe('provisioning');
  expect(holdResolutions(w.shop, orderId)).toEqual([]);
  expect(w.shop.wallet.balance(w.userId)).toEqual({ availableCents: WALLET - w.priceCents, heldCents: w.priceCents });
}

function orderIdOf(result: Awaited<ReturnType<World['buy']>>): string {
  if (!('order' in result)) throw new Error(`no order: ${JSON.stringify(result)}`);
  return result.order.id;
}

describe('LumiWeb 503 provider_misconfig (a documented failure)', () => {
  it('answered at once: the order fails, the hold is voided, nothing bought', async () => {
    const w = await world();
    w.sim.setProviderMisconfigured(true);
    const result = await w.buy();
    expect(result.kind).toBe('failed');
    expectNothingSold(w, orderIdOf(result));
  });

  it('answer lost, then reconciled: the replayed stored 503 fails the order, even after the panel is fixed', async () => {
    const w = await world();
    w.sim.setReplayStoredFailures(true);
    w.sim.setProviderMisconfigured(true);
    w.sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: BUY_PATH });
    const orderId = orderIdOf(await w.buy());
    expectStillHeld(w, orderId);

    w.sim.setProviderMisconfigured(false);
    expect((await w.shop.orders.reconcile(orderId)).kind).toBe('failed');
    expect(w.sim.replayCount()).toBe(1);
    expectNothingSold(w, orderId);
  });
});

describe('LumiWeb answers lost after a sale', () => {
  it('timeout after a successful purchase → reconcile → delivered once', async () => {
    const w = await world();
    w.sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: BUY_PATH });
    const orderId = orderIdOf(await w.buy());
    expectStillHeld(w, orderId);
    expect(w.sim.purchaseCount()).toBe(1);

    expect((await w.shop.orders.reconcile(orderId)).kind).toBe('delivered');
    await expectSoldOnce(w, orderId);
    // Reconciling a settled order again changes nothing.
    expect((await w.shop.orders.reconcile(orderId)).kind).toBe('delivered');
    await expectSoldOnce(w, orderId);
  });

  it('an undocumented 500 internal_error after the work stays open, then reconciles to delivered', async () => {
    const w = await world();
    w.sim.failPurchasesAfterWork({ status: 500, code: 'internal_error' });
    const orderId = orderIdOf(await w.buy());
    expectStillHeld(w, orderId);

    expect((await w.shop.orders.reconcile(orderId)).kind).toBe('delivered');
    await expectSoldOnce(w, orderId);
  });

  it('an undocumented 4xx code after the work (409 out_of_stock) is not a refusal: held, then delivered', async () => {
    const w = await world();
    w.sim.failPurchasesAfterWork({ status: 409, code: 'out_of_stock' });
    const orderId = orderIdOf(await w.buy());
    expectStillHeld(w, orderId);

    expect((await w.shop.orders.reconcile(orderId)).kind).toBe('delivered');
    await expectSoldOnce(w, orderId);
  });

  it('the lookup itself meets trouble (undocumented 500, then the money switch off): open each time, then delivered', async () => {
    const w = await world();
    w.sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: BUY_PATH });
    const orderId = orderIdOf(await w.buy());

    w.sim.failPurchasesBeforeWork({ status: 500, code: 'internal_error' });
    expect((await w.shop.orders.reconcile(orderId)).kind).toBe('provisioning');
    expectStillHeld(w, orderId);

    // A gate before the key is looked up says nothing about the sale: the hold stays.
    w.sim.setMoneyEnabled(false);
    expect((await w.shop.orders.reconcile(orderId)).kind).toBe('provisioning');
    expectStillHeld(w, orderId);

    w.sim.setMoneyEnabled(true);
    expect((await w.shop.orders.reconcile(orderId)).kind).toBe('delivered');
    await expectSoldOnce(w, orderId);
  });
});

describe('LumiWeb answers lost before a sale', () => {
  it('an undocumented 500 before the work → reconcile places the held order once → delivered', async () => {
    const w = await world();
    w.sim.failPurchasesBeforeWork({ status: 500, code: 'internal_error' });
    const orderId = orderIdOf(await w.buy());
    expectStillHeld(w, orderId);
    expect(w.sim.purchaseCount()).toBe(0);

    expect((await w.shop.orders.reconcile(orderId)).kind).toBe('delivered');
    await expectSoldOnce(w, orderId);
  });

  it('a documented failure on the replay (low balance at the panel) fails the order and voids the hold', async () => {
    const w = await world();
    w.sim.faults.inject({ kind: 'hang_before' }, { method: 'POST', path: BUY_PATH });
    const orderId = orderIdOf(await w.buy());
    expectStillHeld(w, orderId);

    w.sim.setBalanceCents(1);
    expect((await w.shop.orders.reconcile(orderId)).kind).toBe('failed');
    expect(w.sim.balanceCents()).toBe(1);
    expectNothingSold(w, orderId);
  });
});

describe('LumiWeb renewals', () => {
  it('answer lost after the renewal, and the list refused meanwhile: stays held, then delivered once the list reads', async () => {
    const w = await world();
    const bought = await w.buy();
    if (bought.kind !== 'delivered') throw new Error(`purchase ended ${bought.kind}`);
    const proxy = bought.proxies[0]!;
    const terms = await w.shop.subscriptions.renewalTerms(w.userId, proxy.id);
    if (!terms.ok) throw new Error('no renewal terms');
    const quoted = await w.shop.orders.quoteRenewal(w.userId, proxy.id, terms.value[0]!.id);
    if (!quoted.ok) throw new Error(`renewal quote failed: ${quoted.message}`);
    const expiresBefore = w.sim.subscriptions()[0]!.expiresAt;

    w.sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/renew$/ });
    const renewal = await w.shop.orders.purchase({ userId: w.userId, quoteId: quoted.quote.id, intentKey: 'renew-1', channel: 'bot' });
    const renewalId = orderIdOf(renewal);
    expect(renewal.kind).toBe('provisioning');
    // The panel renewed and charged us.
    expect(w.sim.subscriptions()[0]!.expiresAt > expiresBefore).toBe(true);

    // The key loses its read scope: the list is refused, which says nothing about the renewal.
    w.sim.setKeyScopes(['proxy:buy']);
    expect((await w.shop.orders.reconcile(renewalId)).kind).toBe('provisioning');
    expect(holdResolutions(w.shop, renewalId)).toEqual([]);

    w.sim.setKeyScopes(['proxy:read', 'proxy:write', 'proxy:buy']);
    expect((await w.shop.orders.reconcile(renewalId)).kind).toBe('delivered');
    expect(holdResolutions(w.shop, renewalId)).toEqual(['post_pending']);
    expect(w.shop.wallet.balance(w.userId)).toEqual({
      availableCents: WALLET - w.priceCents - quoted.quote.priceCents,
      heldCents: 0,
    });
  });
});
