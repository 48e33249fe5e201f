/**
 * A target chosen with a purchase, by API, against the FlashProxy simulator:
 * the product's options before buying, a quote and an order carrying the
 * target, the delivered proxy's login in FlashProxy's documented username
 * format, and 400s for targets the product does not offer or a product that
 * takes none.
 */
import { describe, expect, it } from 'vitest';
import { eachTestApi } from './harness.js';

const newApi = eachTestApi();

describe('a target with a purchase', () => {
  it('quotes, orders and delivers a city with a sticky session, with the credentials built for it', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);

    const options = await api.call('GET', '/catalog/flashproxy/products/residential/targeting', { token });
    expect(options.status, options.text).toBe(200);
    expect(options.json.targeting.sticky_lifetimes).toEqual([
      { id: 'short', label: 'Sticky, short (random device)', max_minutes: null },
      { id: 'long', label: 'Sticky, long (up to 24 h)', max_minutes: 1440 },
    ]);

    const target = {
      country: 'us',
      region: 'california',
      city: 'losangeles',
      session: { type: 'sticky', lifetime_minutes: 1440, session_id: 'abc123' },
    };
    const quoted = await api.call('POST', '/quotes', {
      token,
      body: { provider: 'flashproxy', product: 'residential', term: '1gb', quantity: 1, target },
    });
    expect(quoted.status, quoted.text).toBe(201);
    const expected = {
      country: 'us',
      region: 'california',
      city: 'losangeles',
      asn: null,
      session: { type: 'sticky', lifetime: 'long', lifetime_minutes: 1440, session_id: 'abc123' },
    };
    expect(quoted.json.quote.target).toEqual(expected);

    const bought = await api.call('POST', '/orders', {
      token,
      idempotencyKey: 'buy-los-angeles',
      body: { quote_id: quoted.json.quote.id },
    });
    expect(bought.status, bought.text).toBe(201);
    expect(bought.json.order.target).toEqual(expected);
    const proxy = bought.json.proxies[0];
    const base = api.shop.subscriptions.get(user.id, proxy.id)!;
    // Openapi "Pool username format": {username}-country-{CC}-state-{STATE}-city-{CITY}-session-{ID}-time-{DURATION}.
    expect(proxy.login).toBe(`${base.login}-country-us-state-california-city-losangeles-session-abc123-time-long`);
    expect(proxy.password).toBe(base.password);
    expect(proxy.target).toEqual(expected);

    // The same everywhere the proxy is read again.
    const card = await api.call('GET', `/proxies/${proxy.id}`, { token });
    expect(card.json.proxy.login).toBe(proxy.login);
    expect(card.json.proxy.target).toEqual(expected);
    const order = await api.call('GET', `/orders/${bought.json.order.id}`, { token });
    expect(order.json.order.target).toEqual(expected);
    expect(order.json.proxies[0].login).toBe(proxy.login);
    const listed = await api.call('GET', '/orders', { token });
    expect(listed.json.orders[0].target).toEqual(expected);

    // The card's builder still starts from the upstream's login, not the targeted one.
    const other = await api.call('POST', `/proxies/${proxy.id}/connection-string`, { token, body: { country: 'de' } });
    expect(other.json.connection.login).toBe(`${base.login}-country-de`);
  });

  it('takes a rotating country-only target and leaves untargeted purchases as they were', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const quoted = await api.call('POST', '/quotes', {
      token,
      body: { provider: 'flashproxy', product: 'residential-lite', term: '1gb', quantity: 1, target: { country: 'fr', city: 'paris' } },
    });
    expect(quoted.status, quoted.text).toBe(201);
    expect(quoted.json.quote.target).toMatchObject({ country: 'fr', city: 'paris', session: { type: 'rotating' } });
    const bought = await api.call('POST', '/orders', { token, idempotencyKey: 'buy-paris', body: { quote_id: quoted.json.quote.id } });
    const base = api.shop.subscriptions.get(user.id, bought.json.proxies[0].id)!;
    expect(bought.json.proxies[0].login).toBe(`${base.login}-country-fr-city-paris`);

    const plain = await api.call('POST', '/quotes', {
      token,
      body: { provider: 'flashproxy', product: 'residential', term: '1gb', quantity: 1 },
    });
    expect(plain.json.quote.target).toBeNull();
    const untargeted = await api.call('POST', '/orders', { token, idempotencyKey: 'buy-plain', body: { quote_id: plain.json.quote.id } });
    const sub = api.shop.subscriptions.get(user.id, untargeted.json.proxies[0].id)!;
    expect(untargeted.json.proxies[0]).toMatchObject({ login: sub.login, target: null });
  });

  it('refuses targets the product does not offer with a 400 naming the field, and charges nothing', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const quote = (product: string, target: unknown) =>
      api.call('POST', '/quotes', { token, body: { provider: 'flashproxy', product, term: '1gb', quantity: 1, target } });

    const cases: Array<[string, unknown, string]> = [
      ['residential', { country: 'atlantis' }, 'target.country'],
      ['residential', { country: 'us', region: 'bavaria' }, 'target.region'],
      ['residential', { country: 'us', region: 'california', city: 'springfield' }, 'target.city'],
      // Pool 1: "City: US (needs state)".
      ['residential', { country: 'us', city: 'losangeles' }, 'target.city'],
      ['residential', { city: 'paris' }, 'target.country'],
      ['residential', { country: 'us', asn: 3320 }, 'target.asn'],
      ['residential', { country: 'us', session: { type: 'sticky', lifetime_minutes: 30 } }, 'target.session.lifetime'],
      ['residential', { country: 'us', session: { type: 'sticky', lifetime: 'forever' } }, 'target.session.lifetime'],
    ];
    for (const [product, target, path] of cases) {
      const refused = await quote(product, target);
      expect([JSON.stringify(target), refused.status, refused.json.error?.details?.[0]?.path]).toEqual([JSON.stringify(target), 400, path]);
    }
    // Malformed bodies are refused by the schema.
    expect((await quote('residential', { country: 'us', session: { type: 'sometimes' } })).status).toBe(400);
    expect((await quote('residential', { country: 'us', session: { type: 'rotating', lifetime_minutes: 10 } })).status).toBe(400);

    // Dedicated ISP is "stock-based (no geo targeting)" (openapi, GET /geo/catalog): no target, no options.
    const catalog = await api.call('GET', '/catalog', { token });
    const dedicated = catalog.json.providers
      .find((p: { id: string }) => p.id === 'flashproxy')
      .products.find((p: { id: string }) => p.id === 'dedicated-isp');
    const pool = dedicated.countries.find((c: { available: boolean }) => c.available).code;
    const isp = await api.call('POST', '/quotes', {
      token,
      body: {
        provider: 'flashproxy',
        product: 'dedicated-isp',
        country: pool,
        term: dedicated.terms[0].id,
        quantity: 1,
        target: { country: 'us' },
      },
    });
    expect(isp.status).toBe(400);
    expect(isp.json.error.details[0]).toEqual({ path: 'target', message: 'this product takes no geo or session target' });
    expect((await api.call('GET', '/catalog/flashproxy/products/dedicated-isp/targeting', { token })).status).toBe(422);

    expect(api.shop.wallet.balance(user.id).availableCents).toBe(500_00);
    expect((await api.call('GET', '/orders', { token })).json.orders).toEqual([]);
  });

  it('refuses a target for a provider without targeting, and the document describes the field', async () => {
    const api = await newApi({ providers: ['proxy-ipv4'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const catalog = await api.call('GET', '/catalog', { token });
    const product = catalog.json.providers[0].products[0];
    const country = product.countries.find((c: { available: boolean }) => c.available).code;
    const refused = await api.call('POST', '/quotes', {
      token,
      body: { provider: 'proxy-ipv4', product: product.id, country, term: product.terms[0].id, quantity: 1, target: { country } },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.details[0].path).toBe('target');
    expect((await api.call('GET', `/catalog/proxy-ipv4/products/${product.id}/targeting`, { token })).status).toBe(422);

    const doc = await api.call('GET', '/openapi.json', {});
    const schemas = doc.json.components.schemas;
    expect(Object.keys(schemas.QuoteRequest.properties)).toContain('target');
    expect(schemas.TargetRequest.properties.session).toBeDefined();
    expect(schemas.Proxy.properties.target).toBeDefined();
    expect(schemas.Order.properties.target).toBeDefined();
    expect(doc.json.paths['/catalog/{provider}/products/{product}/targeting'].get).toBeDefined();
  });
});
