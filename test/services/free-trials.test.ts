/**
 * Free trials through the same saga, over real HTTP to the simulators: the
 * customer pays nothing and needs no money, the promotions account pays
 * revenue the whole list price when the order is delivered, a failed trial
 * books nothing and can be tried again, once per customer. Against the proxy
 * panel the trial is asked for with its own `op trial` where the key may use
 * it, and bought as an ordinary purchase where the panel refuses. Ledger
 * invariants are checked after every test.
 */
import { describe, expect, it } from 'vitest';
import type { OrderChoice, ProviderId } from '../../src/providers/types.js';
import { PLAN_IDS } from '../../src/sandbox/upstreams/proxy-panel/index.js';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();
const NL_MOBILE_30D: OrderChoice = { productId: 'mobile-private', countryCode: 'NL', termId: '30d', quantity: 1 };

function offerFreeTrial(shop: TestShop, providerId: ProviderId, choice: OrderChoice, requiresTopUp = false) {
  shop.trials.setOffer({
    providerId,
    productId: choice.productId,
    termId: choice.termId,
    ...(choice.countryCode ? { countryCode: choice.countryCode } : {}),
    priceCents: 0,
    requiresTopUp,
    actor: 'admin:1',
  });
}

function net(shop: TestShop, account: string): number {
  const row = shop.database.sqlite.prepare('SELECT credits_posted - debits_posted AS n FROM ledger_accounts WHERE id = ?').get(account) as
    | { n: number }
    | undefined;
  return row?.n ?? 0;
}

function transfersOf(shop: TestShop, orderId: string): string[] {
  return (
    shop.database.sqlite.prepare('SELECT id FROM ledger_transfers WHERE order_id = ? ORDER BY seq').all(orderId) as Array<{ id: string }>
  ).map((t) => t.id);
}

async function takeTrial(shop: TestShop, providerId: ProviderId, choice: OrderChoice, userId: number, intentKey: string) {
  const quoted = await shop.orders.quote(userId, providerId, choice, { trial: true });
  if (!quoted.ok) throw new Error(quoted.message);
  const result = await shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey, channel: 'api' });
  return { quote: quoted.quote, result, orderId: 'order' in result ? result.order.id : '' };
}

describe('free trials', () => {
  it('cost the customer nothing, even with an empty wallet; the promotions account pays revenue the list price', async () => {
    const shop = await newShop(['flashproxy']);
    const choice = await firstChoice(shop, 'flashproxy');
    offerFreeTrial(shop, 'flashproxy', choice);
    const user = shop.customer(0);

    const { quote, result, orderId } = await takeTrial(shop, 'flashproxy', choice, user.id, 'free-1');
    const list = quote.discount!.listPriceCents;
    expect(quote.priceCents).toBe(0);
    expect(quote.discount).toMatchObject({ promoDiscountCents: list, tierDiscountCents: 0, trialProviderId: 'flashproxy' });
    expect(result.kind).toBe('delivered');
    if (result.kind !== 'delivered') return;
    expect(result.order.priceCents).toBe(0);
    expect(result.proxies).toHaveLength(1);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 0, heldCents: 0 });
    // No hold to capture: the only customer-side money is the promotions account's payment to revenue.
    expect(transfersOf(shop, orderId)).toEqual([`discount:${orderId}`, `cost:${orderId}`]);
    expect(net(shop, 'revenue')).toBe(list);
    expect(net(shop, 'promotions')).toBe(-list);
    expect(shop.promos.stats().discountsCents).toBe(list);

    expect(await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true })).toMatchObject({
      ok: false,
      reason: 'promo_refused',
      message: 'you have had this trial already',
    });
    // A refund has nothing to give back: the customer paid nothing.
    expect(() => shop.orders.refund({ orderId, actor: 'admin:1', reason: 'test', refundKey: 'r1' })).toThrow(/free trial/);
  });

  it('a failed free trial books nothing and can be tried again', async () => {
    const shop = await newShop(['flashproxy']);
    const sim = shop.upstream('flashproxy').simulator;
    const choice = await firstChoice(shop, 'flashproxy');
    offerFreeTrial(shop, 'flashproxy', choice);
    const user = shop.customer(0);

    sim.setOutOfStock(true);
    const first = await takeTrial(shop, 'flashproxy', choice, user.id, 'a');
    expect(first.result.kind).toBe('failed');
    expect(transfersOf(shop, first.orderId)).toEqual([]);
    expect(shop.promos.orderDiscount(first.orderId)?.state).toBe('released');
    expect(net(shop, 'promotions')).toBe(0);

    sim.setOutOfStock(false);
    const again = await takeTrial(shop, 'flashproxy', choice, user.id, 'b');
    expect(again.result.kind).toBe('delivered');
    expect(net(shop, 'promotions')).toBe(-again.quote.discount!.listPriceCents);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 0, heldCents: 0 });
  });

  it('a free trial only for customers who topped up before: refused to a newcomer, given after a top-up', async () => {
    const shop = await newShop(['flashproxy']);
    const choice = await firstChoice(shop, 'flashproxy');
    offerFreeTrial(shop, 'flashproxy', choice, true);
    const user = shop.customer(0);
    expect(await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true })).toMatchObject({
      ok: false,
      message: 'the trial is for customers who have topped up before',
    });
    shop.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'first-top-up', amountCents: 500 });
    const { result } = await takeTrial(shop, 'flashproxy', choice, user.id, 'after-top-up');
    expect(result.kind).toBe('delivered');
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 500, heldCents: 0 });
  });

  it('two free trials at once: one is the trial, the other is offered the list price and holds nothing', async () => {
    const shop = await newShop(['flashproxy']);
    shop.upstream('flashproxy').simulator.setRateLimitPerMinute(1_000_000);
    const choice = await firstChoice(shop, 'flashproxy');
    offerFreeTrial(shop, 'flashproxy', choice);
    const user = shop.customer(0);
    const a = await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true });
    const b = await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true });
    if (!a.ok || !b.ok) throw new Error('quotes refused');
    const results = await Promise.all([
      shop.orders.purchase({ userId: user.id, quoteId: a.quote.id, intentKey: 'a', channel: 'bot' }),
      shop.orders.purchase({ userId: user.id, quoteId: b.quote.id, intentKey: 'b', channel: 'api' }),
    ]);
    expect(results.map((r) => r.kind).sort()).toEqual(['delivered', 'quote_expired']);
    const late = results.find((r) => r.kind === 'quote_expired');
    expect(late?.kind === 'quote_expired' && late.newQuote?.priceCents).toBe(a.quote.discount!.listPriceCents);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 0, heldCents: 0 });
    expect(shop.orders.ordersOfUser(user.id, 10)).toHaveLength(1);
  });

  it('an operator settling an open free trial books the same as the saga: nothing when failed', async () => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: 300 });
    const sim = shop.upstream('flashproxy').simulator;
    const choice = await firstChoice(shop, 'flashproxy');
    offerFreeTrial(shop, 'flashproxy', choice);
    const user = shop.customer(0);
    sim.faults.inject({ kind: 'hang_before' }, { method: 'POST', path: /\/plans$/ });
    const { result, orderId } = await takeTrial(shop, 'flashproxy', choice, user.id, 'open');
    expect(result.kind).toBe('provisioning');
    const settled = shop.orders.settleByOperator({
      orderId,
      decision: { outcome: 'failed' },
      actor: 'admin:1',
      reason: 'nothing upstream',
    });
    expect(settled.kind).toBe('settled');
    expect(transfersOf(shop, orderId)).toEqual([]);
    expect((await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true })).ok).toBe(true);
  });

  it('the invariant checker flags an order priced at nothing that is not a free trial', async () => {
    const shop = await newShop(['flashproxy']);
    const user = shop.customer(0);
    shop.database.sqlite
      .prepare(
        `INSERT INTO orders (id, user_id, intent_key, quote_id, kind, provider_id, product_id, term_id, quantity, labels,
                             price_cents, quoted_cost_cents, state, channel, updated_at)
         VALUES ('ord_forged', ?, 'k', 'q', 'purchase', 'flashproxy', 'p', 't', 1, '{}', 0, 100, 'delivered', 'api', 1)`,
      )
      .run(user.id);
    expect(shop.orders.checkInvariants()).toEqual(['order ord_forged is priced at nothing but is not a free trial']);
    shop.database.sqlite.prepare("DELETE FROM orders WHERE id = 'ord_forged'").run();
  });
});

describe('free trials on the proxy panel', () => {
  it('use the panel’s own op trial where the key may: nothing bought, nothing charged upstream', async () => {
    const shop = await newShop(['proxy-panel']);
    const sim = shop.upstream('proxy-panel').simulator;
    sim.setTrialAllowed(true);
    offerFreeTrial(shop, 'proxy-panel', NL_MOBILE_30D);
    const balanceBefore = sim.balanceCents();
    const user = shop.customer(0);

    const { result, orderId } = await takeTrial(shop, 'proxy-panel', NL_MOBILE_30D, user.id, 'panel-trial');
    expect(result.kind).toBe('delivered');
    expect(sim.requests().map((r) => r.op)).toContain('trial');
    expect(sim.purchaseCount()).toBe(0);
    expect(sim.balanceCents()).toBe(balanceBefore);
    const [sub] = sim.subscriptions();
    expect(sub).toMatchObject({ trial: true, planId: PLAN_IDS.nlAmsMobilePrivate30d });
    expect(shop.orders.order(orderId)).toMatchObject({ upstreamOrderId: sub!.subscriptionId, upstreamCostCents: 0 });
    // The upstream trial cost nothing, so no cost is booked; the list price is still paid to revenue by promotions.
    expect(transfersOf(shop, orderId)).toEqual([`discount:${orderId}`]);
  });

  it('fall back to an ordinary purchase where the panel refuses the trial op (a key without trials, a plan’s trial used)', async () => {
    const shop = await newShop(['proxy-panel']);
    const sim = shop.upstream('proxy-panel').simulator;
    offerFreeTrial(shop, 'proxy-panel', NL_MOBILE_30D);
    const first = shop.customer(0, 'First');
    const second = shop.customer(0, 'Second');

    // Not a selected key: 403, then a purchase the shop pays for.
    const refused = await takeTrial(shop, 'proxy-panel', NL_MOBILE_30D, first.id, 'no-trials');
    expect(refused.result.kind).toBe('delivered');
    expect(
      sim
        .requests()
        .map((r) => r.op)
        .filter((op) => op === 'trial' || op === 'purchase'),
    ).toEqual(['trial', 'purchase']);
    expect(sim.purchaseCount()).toBe(1);
    expect(shop.wallet.balance(first.id)).toEqual({ availableCents: 0, heldCents: 0 });

    // A selected key whose trial of this plan is used: 409, then a purchase.
    sim.setTrialAllowed(true);
    expect(
      (await shop.upstream('proxy-panel').provider().purchase({ choice: NL_MOBILE_30D, reference: 'elsewhere', trial: true })).kind,
    ).toBe('ok');
    const used = await takeTrial(shop, 'proxy-panel', NL_MOBILE_30D, second.id, 'trial-used');
    expect(used.result.kind).toBe('delivered');
    expect(sim.purchaseCount()).toBe(2);
    expect(shop.orders.order(used.orderId)!.upstreamCostCents).toBeGreaterThan(0);
  });

  it('an ambiguous answer to the trial op keeps the order open; the reconciler finds the trial subscription and delivers it once', async () => {
    const shop = await newShop(['proxy-panel'], { orders: { notFoundGraceMs: 0 } });
    const sim = shop.upstream('proxy-panel').simulator;
    sim.setTrialAllowed(true);
    offerFreeTrial(shop, 'proxy-panel', NL_MOBILE_30D);
    const user = shop.customer(0);
    // The panel makes the trial subscription, then answers with an error its reference does not list.
    sim.faults.inject(
      { kind: 'error_after', status: 500, body: { ok: false, error: 'upstream_timeout' } },
      { method: 'POST', op: 'trial' },
    );

    const { result, orderId } = await takeTrial(shop, 'proxy-panel', NL_MOBILE_30D, user.id, 'lost-answer');
    expect(result.kind).toBe('provisioning');
    expect(transfersOf(shop, orderId)).toEqual([]);
    const settled = await shop.orders.reconcile(orderId);
    expect(settled.kind).toBe('delivered');
    expect(sim.subscriptions()).toHaveLength(1);
    expect(sim.purchaseCount()).toBe(0);
    expect(shop.orders.order(orderId)!.upstreamOrderId).toBe(sim.subscriptions()[0]!.subscriptionId);
    expect(transfersOf(shop, orderId)).toContain(`discount:${orderId}`);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: 0, heldCents: 0 });
  });
});
