/**
 * A provider an operator took off sale (/providers), as a customer's script
 * meets it over the REST API: listed unavailable, no quote, and a quote taken
 * before buys nothing; back on sale, it sells again.
 */
import { describe, expect, it } from 'vitest';
import { eachTestApi, firstOffer, quoteFirst } from './harness.js';

const newApi = eachTestApi();

describe('a provider off sale', () => {
  it('is listed unavailable, refuses quotes and orders, and sells again once back on sale', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);
    const offer = await firstOffer(api, token, 'proxy-ipv4');
    const early = await quoteFirst(api, token);

    expect(api.shop.providerAvailability.setOnSale('proxy-ipv4', false, 'admin:1')).toBe('taken_off_sale');

    const catalog = await api.call('GET', '/catalog', { token });
    const ipv4 = catalog.json.providers.find((p: { id: string }) => p.id === 'proxy-ipv4');
    expect(ipv4).toMatchObject({ status: 'unavailable', products: [] });

    const quoted = await api.call('POST', '/quotes', { token, body: offer });
    expect(quoted.status).toBe(503);
    expect(quoted.json.error.code).toBe('provider_unavailable');

    const bought = await api.call('POST', '/orders', { token, idempotencyKey: 'after-off-sale-01', body: { quote_id: early.id } });
    expect(bought.status).toBe(503);
    expect(bought.json.error).toMatchObject({ code: 'provider_unavailable', message: 'this provider is not on sale right now' });
    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 100_00, heldCents: 0 });
    expect(api.shop.upstream('proxy-ipv4').simulator.proxies()).toEqual([]);

    expect(api.shop.providerAvailability.setOnSale('proxy-ipv4', true, 'admin:1')).toBe('put_on_sale');
    const again = await api.call('POST', '/quotes', { token, body: offer });
    expect(again.status).toBe(201);
  });
});
