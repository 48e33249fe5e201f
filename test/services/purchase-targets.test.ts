/**
 * A purchase's target through the saga, on the real migrations against the
 * FlashProxy simulator: kept with the quote, carried over when an expired
 * quote is re-priced, copied to the order in the transaction that reserves
 * it, gone with the quote when housekeeping deletes it, and the delivered
 * credentials built in FlashProxy's username format.
 */
import { describe, expect, it } from 'vitest';
import { createOrderStore } from '../../src/services/order-store.js';
import { eachTestShop } from '../helpers/shop.js';

const newShop = eachTestShop();

describe('a purchase target', () => {
  it('survives a re-priced quote, is copied to the order and builds the delivered login', async () => {
    let clock = Date.now();
    const shop = await newShop(['flashproxy'], { now: () => clock });
    const user = shop.customer(50_000);
    const resolved = await shop.purchaseTargets.resolve('flashproxy', 'mobile', {
      country: 'de',
      asn: 3320,
      session: 'sticky',
      sessionId: 'keepme1',
    });
    expect(resolved).toEqual({
      ok: true,
      value: { countryCode: 'de', asn: 3320, session: { mode: 'sticky', lifetimeId: 'default', sessionId: 'keepme1' } },
    });
    if (!resolved.ok) return;
    const choice = { productId: 'mobile', termId: '1gb', quantity: 1 };
    const quoted = await shop.orders.quote(user.id, 'flashproxy', choice, { target: resolved.value });
    expect(quoted.ok && quoted.quote.target).toEqual(resolved.value);
    if (!quoted.ok) return;

    clock += 6 * 60_000;
    const expired = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'first-try', channel: 'api' });
    expect(expired.kind).toBe('quote_expired');
    if (expired.kind !== 'quote_expired' || !expired.newQuote) throw new Error('no new quote');
    // Re-priced for the same choice: the same target and session, so the customer keeps the IP they asked for.
    expect(expired.newQuote.target).toEqual(resolved.value);

    const bought = await shop.orders.purchase({ userId: user.id, quoteId: expired.newQuote.id, intentKey: 'second-try', channel: 'api' });
    expect(bought.kind).toBe('delivered');
    if (bought.kind !== 'delivered') return;
    expect(shop.orders.targetOfOrder(bought.order.id)).toEqual(resolved.value);
    const [proxy] = bought.proxies;
    // Seed 002 `GET /geo/asn`: "Use: `user-country-US-asn-7922`"; openapi: "Sticky session: `user123-country-us-session-abc123`".
    expect(shop.purchaseTargets.credentialsOf(proxy!)).toEqual({
      target: resolved.value,
      login: `${proxy!.login}-country-de-asn-3320-session-keepme1`,
      password: proxy!.password,
    });
    expect(shop.purchaseTargets.asDelivered(proxy!).login).toBe(`${proxy!.login}-country-de-asn-3320-session-keepme1`);
  });

  it('goes with its quote when housekeeping deletes expired quotes', async () => {
    let clock = Date.now();
    const shop = await newShop(['flashproxy'], { now: () => clock });
    const user = shop.customer(50_000);
    const resolved = await shop.purchaseTargets.resolve('flashproxy', 'residential', { country: 'us', session: 'rotating' });
    if (!resolved.ok) throw new Error(resolved.message);
    const quoted = await shop.orders.quote(
      user.id,
      'flashproxy',
      { productId: 'residential', termId: '1gb', quantity: 1 },
      { target: resolved.value },
    );
    if (!quoted.ok) throw new Error(quoted.message);
    clock += 60 * 60_000;
    const store = createOrderStore(shop.database.db);
    expect(store.deleteQuotesExpiredBefore(clock, 100)).toBe(1);
    expect(shop.database.sqlite.prepare('SELECT count(*) AS n FROM quote_targets').get()).toEqual({ n: 0 });
  });

  it('is refused for a product without targeting, and for a lifetime no option documents', async () => {
    const shop = await newShop(['flashproxy', 'proxy-ipv4']);
    expect(shop.purchaseTargets.supports('flashproxy', 'dedicated-isp')).toBe(false);
    expect(shop.purchaseTargets.supports('proxy-ipv4', 'ipv4')).toBe(false);
    expect(await shop.purchaseTargets.options('flashproxy', 'dedicated-isp')).toMatchObject({ ok: false, reason: 'unsupported' });
    expect(
      await shop.purchaseTargets.resolve('flashproxy', 'residential', { country: 'us', session: 'sticky', lifetimeMinutes: 60 }),
    ).toMatchObject({ ok: false, reason: 'invalid_target', field: 'lifetime' });
    expect(
      await shop.purchaseTargets.resolve('flashproxy', 'residential', { country: 'us', session: 'sticky', lifetimeMinutes: 1440 }),
    ).toMatchObject({ ok: true, value: { session: { mode: 'sticky', lifetimeId: 'long', maxMinutes: 1440 } } });
  });
});
