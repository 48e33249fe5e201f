import { describe, expect, it } from 'vitest';
import { createStats } from '../../src/services/stats.js';
import { eachTestShop, firstChoice } from '../helpers/shop.js';

const newShop = eachTestShop();

describe('operator statistics', () => {
  it('add up sales, margin, refunds, top-ups and wallet money from the ledger', async () => {
    const shop = await newShop(['lumiweb']);
    const stats = createStats({ db: shop.database.db });
    const alice = shop.customer(10_000, 'alice');
    shop.customer(2_500, 'bob');
    const quoted = await shop.orders.quote(alice.id, 'lumiweb', await firstChoice(shop, 'lumiweb'));
    if (!quoted.ok) throw new Error(quoted.message);
    const bought = await shop.orders.purchase({ userId: alice.id, quoteId: quoted.quote.id, intentKey: 'k', channel: 'bot' });
    if (bought.kind !== 'delivered') throw new Error(bought.kind);
    shop.orders.refund({ orderId: bought.order.id, amountCents: 50, actor: 'admin:1', reason: 'slow', refundKey: 'r' });

    const summary = stats.summary();
    const cost = bought.order.quotedCostCents;
    expect(summary).toMatchObject({
      orders: { delivered: 1, failed: 0, open: 0, needsAttention: 0 },
      salesCents: quoted.quote.priceCents,
      upstreamCostCents: cost,
      refundsCents: 50,
      marginCents: quoted.quote.priceCents - cost - 50,
      topUpsCents: 12_500,
      walletsCents: 12_500 - quoted.quote.priceCents + 50,
      customers: 2,
    });
  });

  it('count only what happened since the given time', async () => {
    const shop = await newShop(['lumiweb']);
    shop.customer(10_000);
    const stats = createStats({ db: shop.database.db });
    expect(stats.summary(Date.now() + 60_000)).toMatchObject({ topUpsCents: 0, salesCents: 0, walletsCents: 10_000 });
  });
});
