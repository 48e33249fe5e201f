/**
 * Linked-order top-ups where the facts point several ways: GateProxy loses
 * the answer while someone else orders on the same account, so the lookup
 * finds two new orders and a person decides. Settled as delivered with the
 * upstream order id, the order is linked to the card (never sold as a new
 * proxy), charged once; settled as failed, the money comes back.
 */
import { describe, expect, it } from 'vitest';
import { eachTestShop, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();

async function cardWithLostTopup(shop: TestShop) {
  const sim = shop.upstream('gateproxy').simulator;
  const user = shop.customer(100_00);
  const quoted = await shop.orders.quote(user.id, 'gateproxy', { productId: 'nodemaven', termId: '1', quantity: 1 });
  if (!quoted.ok) throw new Error(quoted.message);
  const bought = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'first', channel: 'api' });
  if (bought.kind !== 'delivered') throw new Error(bought.kind);
  const card = bought.proxies[0]!;

  const topup = await shop.orders.quoteRenewal(user.id, card.id, '5');
  if (!topup.ok) throw new Error(topup.message);
  sim.answerNextOrderWithError({ status: 500, code: 'internal_error', when: 'after' });
  const lost = await shop.orders.purchase({ userId: user.id, quoteId: topup.quote.id, intentKey: 'add-5', channel: 'api' });
  expect(lost.kind).toBe('provisioning');
  const ours = sim.orders()[0]!;
  // Someone orders on the same account (GateProxy's own bot) before the shop looks.
  sim.placeOrderElsewhere('nodemaven', '5');
  if (lost.kind !== 'provisioning') throw new Error(lost.kind);
  expect((await shop.orders.reconcile(lost.order.id)).kind).toBe('provisioning');
  expect(shop.orders.order(lost.order.id)!.failureMessage).toContain('needs_operator');
  return { user, card, order: lost.order, ours, priceCents: topup.quote.priceCents };
}

describe('a linked-order top-up a person settles', () => {
  it('as delivered: the named upstream order is linked to the card once and the hold captured', async () => {
    const shop = await newShop(['gateproxy'], { upstreamTimeoutMs: 5_000 });
    const { user, card, order, ours, priceCents } = await cardWithLostTopup(shop);
    const before = shop.wallet.balance(user.id);

    const settled = shop.orders.settleByOperator({
      orderId: order.id,
      decision: { outcome: 'delivered', upstreamOrderId: ours.orderId },
      actor: 'admin:1',
      reason: 'the order made at 12:00 is ours',
    });
    expect(settled.kind).toBe('settled');
    await shop.orders.drain();
    expect(shop.subscriptions.linkedOrders(card.id).map((o) => [o.upstreamId, o.login])).toEqual([[ours.orderId, ours.proxy.username]]);
    expect(shop.subscriptions.all(user.id)).toHaveLength(1);
    expect(await shop.orders.fetchOperatorDelivery(order.id)).toBe('attached');
    expect(shop.subscriptions.linkedOrders(card.id)).toHaveLength(1);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: before.availableCents, heldCents: before.heldCents - priceCents });
  });

  it('as failed: nothing is linked and the money is back', async () => {
    const shop = await newShop(['gateproxy'], { upstreamTimeoutMs: 5_000 });
    const { user, card, order, priceCents } = await cardWithLostTopup(shop);
    const before = shop.wallet.balance(user.id);
    shop.orders.settleByOperator({ orderId: order.id, decision: { outcome: 'failed' }, actor: 'admin:1', reason: 'not ours' });
    expect(shop.subscriptions.linkedOrders(card.id)).toEqual([]);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: before.availableCents + priceCents, heldCents: 0 });
  });
});
