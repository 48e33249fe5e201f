/**
 * Trials through the same saga against the FlashProxy simulator: the trial's
 * price is what the customer pays, the promotions account pays the rest,
 * once per customer; a failed trial can be tried again. Invariants are
 * checked after every test.
 */
import { describe, expect, it } from 'vitest';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();

async function shopWithTrial(requiresTopUp = false) {
  const shop = await newShop(['flashproxy']);
  shop.upstream('flashproxy').simulator.setRateLimitPerMinute(1_000_000);
  const choice = await firstChoice(shop, 'flashproxy');
  shop.trials.setOffer({
    providerId: 'flashproxy',
    productId: choice.productId,
    termId: choice.termId,
    ...(choice.countryCode ? { countryCode: choice.countryCode } : {}),
    priceCents: 10,
    requiresTopUp,
    actor: 'admin:1',
  });
  return { shop, choice };
}

function net(shop: TestShop, id: string): number {
  const row = shop.database.sqlite.prepare('SELECT credits_posted - debits_posted AS n FROM ledger_accounts WHERE id = ?').get(id) as
    | { n: number }
    | undefined;
  return row?.n ?? 0;
}

describe('trials', () => {
  it('costs the trial price once per customer; the promotions account pays the rest of the list price', async () => {
    const { shop, choice } = await shopWithTrial();
    const user = shop.customer(1_000);
    const quoted = await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true });
    if (!quoted.ok) throw new Error(quoted.message);
    const list = quoted.quote.discount!.listPriceCents;
    expect(quoted.quote.priceCents).toBe(10);
    expect(quoted.quote.discount).toMatchObject({ promoDiscountCents: list - 10, trialProviderId: 'flashproxy' });
    const bought = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 't1', channel: 'bot' });
    expect(bought.kind).toBe('delivered');
    expect(shop.wallet.balance(user.id).availableCents).toBe(1_000 - 10);
    expect(net(shop, 'revenue')).toBe(list);
    expect(net(shop, 'promotions')).toBe(-(list - 10));

    expect(await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true })).toMatchObject({
      ok: false,
      reason: 'promo_refused',
      message: 'you have had this trial already',
    });
  });

  it('a failed trial can be tried again', async () => {
    const { shop, choice } = await shopWithTrial();
    const sim = shop.upstream('flashproxy').simulator;
    const user = shop.customer(1_000);
    sim.setOutOfStock(true);
    const first = await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true });
    if (!first.ok) throw new Error(first.message);
    expect((await shop.orders.purchase({ userId: user.id, quoteId: first.quote.id, intentKey: 'a', channel: 'bot' })).kind).toBe('failed');
    sim.setOutOfStock(false);
    const again = await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true });
    if (!again.ok) throw new Error(again.message);
    expect((await shop.orders.purchase({ userId: user.id, quoteId: again.quote.id, intentKey: 'b', channel: 'bot' })).kind).toBe(
      'delivered',
    );
    expect(shop.wallet.balance(user.id).availableCents).toBe(1_000 - 10);
  });

  it('two trials at once: one is the trial, the other is offered the list price', async () => {
    const { shop, choice } = await shopWithTrial();
    const user = shop.customer(100_000);
    const a = await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true });
    const b = await shop.orders.quote(user.id, 'flashproxy', choice, { trial: true });
    if (!a.ok || !b.ok) throw new Error('quotes refused');
    const results = await Promise.all([
      shop.orders.purchase({ userId: user.id, quoteId: a.quote.id, intentKey: 'a', channel: 'bot' }),
      shop.orders.purchase({ userId: user.id, quoteId: b.quote.id, intentKey: 'b', channel: 'api' }),
    ]);
    expect(results.map((r) => r.kind).sort()).toEqual(['delivered', 'quote_expired']);
    const late = results.find((r) => r.kind === 'quote_expired');
    if (late?.kind !== 'quote_expired') return;
    expect(late.message).toBe('you have had this trial already; here is the price without it');
    expect(late.newQuote?.priceCents).toBe(a.quote.discount!.listPriceCents);
  });

  it('refuses another choice than the trial, a provider without one, and a customer who never topped up when required', async () => {
    const { shop, choice } = await shopWithTrial(true);
    const payer = shop.customer(1_000);
    const entry = await shop.catalog.providerEntry('flashproxy');
    if (entry?.status.state !== 'ok') throw new Error('catalog');
    const other = entry.products.find((p) => p.available && p.id !== choice.productId && p.countries.length === 0)!;
    const otherChoice = { productId: other.id, termId: other.terms[0]!.id, quantity: other.minQuantity };
    expect(await shop.orders.quote(payer.id, 'flashproxy', otherChoice, { trial: true })).toMatchObject({
      ok: false,
      message: 'this choice is not the trial',
    });
    expect((await shop.orders.quote(payer.id, 'flashproxy', choice, { trial: true })).ok).toBe(true);
    const newcomer = shop.customer(0);
    expect(await shop.orders.quote(newcomer.id, 'flashproxy', choice, { trial: true })).toMatchObject({
      ok: false,
      message: 'the trial is for customers who have topped up before',
    });
    expect(shop.trials.removeOffer('flashproxy')).toBe(true);
    expect(await shop.orders.quote(payer.id, 'flashproxy', choice, { trial: true })).toMatchObject({
      ok: false,
      message: 'this provider has no trial',
    });
  });
});
