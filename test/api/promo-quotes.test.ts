/**
 * A promo code through the REST API: the quote carries the price before and
 * after, the order charges the after price, and a refused code is a 400 that
 * names the field. Invariants are checked after every test.
 */
import { describe, expect, it } from 'vitest';
import { eachTestApi, firstOffer } from './harness.js';

const newApi = eachTestApi();

describe('POST /quotes with promo_code', () => {
  it('locks the price before and after the code, and the order charges the after price', async () => {
    const api = await newApi();
    api.shop.promos.createCode({ code: 'API10', kind: 'discount', percent: 10, actor: 'admin:1' });
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);
    const offer = await firstOffer(api, token, 'proxy-ipv4');

    const plain = await api.call('POST', '/quotes', { token, body: offer });
    expect(plain.json.quote.discount).toBeNull();
    const list = plain.json.quote.price_cents;
    const quoted = await api.call('POST', '/quotes', { token, body: { ...offer, promo_code: 'api10' } });
    expect(quoted.status).toBe(201);
    const off = Math.floor(list / 10);
    expect(quoted.json.quote).toMatchObject({
      price_cents: list - off,
      discount: { list_price_cents: list, tier_discount_cents: 0, promo_code: 'API10', promo_discount_cents: off, trial: false },
    });

    const bought = await api.call('POST', '/orders', {
      token,
      idempotencyKey: 'promo-order-0001',
      body: { quote_id: quoted.json.quote.id },
    });
    expect(bought.status).toBe(201);
    expect(bought.json.order).toMatchObject({ state: 'delivered', price_cents: list - off });
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(100_00 - (list - off));
  });

  it('a code that does not apply is a 400 on promo_code', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read']);
    const offer = await firstOffer(api, token, 'proxy-ipv4');
    const refused = await api.call('POST', '/quotes', { token, body: { ...offer, promo_code: 'NOSUCH' } });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      success: false,
      error: { code: 'invalid_request', details: [{ path: 'promo_code', message: 'there is no such code' }] },
    });
  });
});

describe('POST /quotes with trial', () => {
  it('a free trial is quoted at 0 cents and ordered with an empty wallet, once', async () => {
    const api = await newApi();
    const user = api.shop.customer(0);
    const token = api.token(user.id, ['read', 'buy']);
    const offer = await firstOffer(api, token, 'proxy-ipv4');
    api.shop.trials.setOffer({
      providerId: 'proxy-ipv4',
      productId: offer.product,
      termId: offer.term,
      ...(offer.country ? { countryCode: offer.country } : {}),
      priceCents: 0,
      requiresTopUp: false,
      actor: 'admin:1',
    });

    const listed = await api.call('GET', '/trials', { token });
    expect(listed.status).toBe(200);
    const trial = {
      provider: 'proxy-ipv4',
      product: offer.product,
      country: offer.country ?? null,
      term: offer.term,
      length: 'as_term',
      quantity: 1,
      price_cents: 0,
      requires_top_up: false,
    };
    expect(listed.json.trials).toEqual([{ ...trial, available: true, unavailable_reason: null }]);

    const quoted = await api.call('POST', '/quotes', { token, body: { ...offer, trial: true } });
    expect(quoted.status).toBe(201);
    const list = quoted.json.quote.discount.list_price_cents;
    expect(quoted.json.quote).toMatchObject({ price_cents: 0, discount: { promo_discount_cents: list, trial: true } });

    const bought = await api.call('POST', '/orders', {
      token,
      idempotencyKey: 'free-trial-0001',
      body: { quote_id: quoted.json.quote.id },
    });
    expect(bought.status).toBe(201);
    expect(bought.json.order).toMatchObject({ state: 'delivered', price_cents: 0 });
    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 0, heldCents: 0 });

    const again = await api.call('POST', '/quotes', { token, body: { ...offer, trial: true } });
    expect(again.status).toBe(400);
    expect(again.text).toContain('you have had this trial already');
    expect((await api.call('GET', '/trials', { token })).json.trials).toEqual([
      { ...trial, available: false, unavailable_reason: 'trial_used' },
    ]);
  });
});
