/**
 * GET /catalog and POST /quotes over several upstreams: retail prices only,
 * a provider that is down shows as unavailable instead of breaking the list.
 */
import { describe, expect, it } from 'vitest';
import { eachTestApi, firstOffer } from './harness.js';

const newApi = eachTestApi();

describe('catalog and quotes', () => {
  it('shows retail unit prices that quotes agree with, and no upstream costs', async () => {
    const api = await newApi({ providers: ['gateproxy', 'proxy-ipv4'] });
    const token = api.token(api.shop.customer(0).id, ['read']);
    const catalog = await api.call('GET', '/catalog', { token });
    expect(catalog.json.providers.map((p: { id: string }) => p.id).sort()).toEqual(['gateproxy', 'proxy-ipv4']);
    expect(catalog.text).not.toMatch(/cost/i);

    const offer = await firstOffer(api, token, 'gateproxy');
    const product = catalog.json.providers
      .find((p: { id: string }) => p.id === 'gateproxy')
      .products.find((p: { id: string }) => p.id === offer.product);
    const term = product.terms.find((t: { id: string }) => t.id === offer.term);
    // GateProxy lists its prices, so the catalog can show ours after the markup.
    expect(term.unit_price_cents).toEqual(expect.any(Number));
    const quoted = await api.call('POST', '/quotes', { token, body: offer });
    expect(quoted.status).toBe(201);
    expect(quoted.json.quote.price_cents).toBe(term.unit_price_cents);
    expect(quoted.text).not.toMatch(/cost/i);

    const tooMany = await api.call('POST', '/quotes', { token, body: { ...offer, quantity: product.quantity.max + 1 } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.details).toEqual([expect.objectContaining({ path: 'quantity' })]);
    const noTerm = await api.call('POST', '/quotes', { token, body: { ...offer, term: 'no-such-term' } });
    expect(noTerm.json.error.details).toEqual([expect.objectContaining({ path: 'term' })]);
  });

  it('a provider that is down is listed as unavailable and quotes 503 provider_unavailable', async () => {
    const api = await newApi({ providers: ['gateproxy', 'proxy-ipv4'], upstreamTimeoutMs: 300 });
    const token = api.token(api.shop.customer(0).id, ['read']);
    const offer = await firstOffer(api, token, 'gateproxy');
    api.shop.catalog.invalidate();
    api.shop.upstream('gateproxy').simulator.faults.inject({ kind: 'error_before', status: 503 }, { times: Infinity });

    const catalog = await api.call('GET', '/catalog', { token });
    expect(catalog.status).toBe(200);
    const byId = Object.fromEntries(catalog.json.providers.map((p: { id: string; status: string }) => [p.id, p]));
    expect(byId.gateproxy).toMatchObject({ status: 'unavailable', products: [] });
    expect(byId['proxy-ipv4'].status).toBe('available');
    // The upstream's own failure text stays with us.
    expect(catalog.text).not.toContain(api.shop.upstream('gateproxy').baseUrl);

    const quoted = await api.call('POST', '/quotes', { token, body: offer });
    expect(quoted.status).toBe(503);
    expect(quoted.json.error.code).toBe('provider_unavailable');
    expect(quoted.headers.get('retry-after')).toBe('30');
  });
});
