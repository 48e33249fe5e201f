/**
 * Geo and session targeting by API, against the FlashProxy simulator: the
 * options of a bought plan, connection strings for new targets (no purchase,
 * the stored proxy unchanged), refusals for targets not offered, and 422 on
 * a provider without targeting.
 */
import { describe, expect, it } from 'vitest';
import { TARGETING_CACHE_MS } from '../../src/services/targeting.js';
import { eachTestApi, type ApiHarness } from './harness.js';

const newApi = eachTestApi();

async function buy(api: ApiHarness, token: string, body: Record<string, unknown>, key: string) {
  const quoted = await api.call('POST', '/quotes', { token, body });
  if (quoted.status !== 201) throw new Error(`quote answered ${quoted.status}: ${quoted.text}`);
  const bought = await api.call('POST', '/orders', { token, idempotencyKey: key, body: { quote_id: quoted.json.quote.id } });
  if (bought.status !== 201) throw new Error(`order answered ${bought.status}: ${bought.text}`);
  return bought.json.proxies[0] as { id: string; login: string; password: string; host: string };
}

describe('proxy targeting', () => {
  it('lists the options and builds strings for new targets without a purchase', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const proxy = await buy(api, token, { provider: 'flashproxy', product: 'residential', term: '1gb', quantity: 1 }, 'buy-residential');

    const card = await api.call('GET', `/proxies/${proxy.id}`, { token });
    expect(card.json.actions).toContain('targeting');

    const options = await api.call('GET', `/proxies/${proxy.id}/targeting`, { token });
    expect(options.status, options.text).toBe(200);
    const us = options.json.targeting.countries.find((c: { code: string }) => c.code === 'us');
    expect(us.regions.find((r: { code: string }) => r.code === 'california').cities).toEqual([{ code: 'losangeles', name: 'Losangeles' }]);
    expect(options.json.targeting.sticky_lifetimes.map((l: { id: string }) => l.id)).toEqual(['short', 'long']);

    const ordersBefore = (await api.call('GET', '/orders', { token })).json.orders.length;
    const balanceBefore = api.shop.wallet.balance(user.id).availableCents;

    const rotating = await api.call('POST', `/proxies/${proxy.id}/connection-string`, {
      token,
      body: { country: 'us', region: 'california', city: 'losangeles' },
    });
    expect(rotating.status, rotating.text).toBe(200);
    expect(rotating.json.connection.login).toBe(`${proxy.login}-country-us-state-california-city-losangeles`);
    expect(rotating.json.connection.password).toBe(proxy.password);
    expect(rotating.json.connection.lines['host:port:login:password']).toBe(
      `${proxy.host}:${rotating.json.connection.http_port}:${proxy.login}-country-us-state-california-city-losangeles:${proxy.password}`,
    );
    expect(rotating.json.connection.target).toMatchObject({ session: 'rotating', session_id: null });

    const sticky = await api.call('POST', `/proxies/${proxy.id}/connection-string`, {
      token,
      body: { country: 'de', session: 'sticky', lifetime: 'long' },
    });
    expect(sticky.status, sticky.text).toBe(200);
    const sessionId = sticky.json.connection.target.session_id as string;
    expect(sessionId).toMatch(/^[a-z0-9]{10}$/);
    expect(sticky.json.connection.login).toBe(`${proxy.login}-country-de-session-${sessionId}-time-long`);
    // The same session id gives the same string: the customer keeps their IP.
    const again = await api.call('POST', `/proxies/${proxy.id}/connection-string`, {
      token,
      body: { country: 'de', session: 'sticky', lifetime: 'long', session_id: sessionId },
    });
    expect(again.json.connection.login).toBe(sticky.json.connection.login);

    // The options were read from FlashProxy once; the strings after them came from the cache.
    const upstream = api.shop.upstream('flashproxy').simulator;
    const requestsBefore = upstream.requestCount();
    await api.call('GET', `/proxies/${proxy.id}/targeting`, { token });
    expect(upstream.requestCount()).toBe(requestsBefore);
    api.advanceClock(TARGETING_CACHE_MS + 1);
    await api.call('GET', `/proxies/${proxy.id}/targeting`, { token });
    expect(upstream.requestCount()).toBe(requestsBefore + 1);

    // Nothing bought, nothing charged, the stored proxy unchanged.
    expect((await api.call('GET', '/orders', { token })).json.orders.length).toBe(ordersBefore);
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(balanceBefore);
    expect(api.shop.subscriptions.get(user.id, proxy.id)!.login).toBe(proxy.login);
  });

  it('refuses targets the provider does not offer, field by field', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const proxy = await buy(api, token, { provider: 'flashproxy', product: 'residential', term: '1gb', quantity: 1 }, 'buy-residential');
    const ask = (body: Record<string, unknown>) => api.call('POST', `/proxies/${proxy.id}/connection-string`, { token, body });

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ country: 'atlantis' }, 'country'],
      [{ city: 'berlin' }, 'country'],
      [{ country: 'de', region: 'california' }, 'region'],
      // Pool 1: US cities only with their state.
      [{ country: 'us', city: 'losangeles' }, 'city'],
      [{ country: 'us', asn: 3320 }, 'asn'],
      [{ country: 'us', session: 'sticky', lifetime: 'forever' }, 'lifetime'],
      [{ country: 'us', lifetime: 'long' }, 'session'],
    ];
    for (const [body, field] of cases) {
      const refused = await ask(body);
      expect([JSON.stringify(body), refused.status, refused.json.error.details[0].path]).toEqual([JSON.stringify(body), 400, field]);
    }
    const malformed = await ask({ country: 'us', session_id: 'a-b' });
    expect(malformed.status).toBe(400);

    const stranger = api.token(api.shop.customer(0).id, ['read']);
    expect((await api.call('GET', `/proxies/${proxy.id}/targeting`, { token: stranger })).status).toBe(404);
  });

  it('answers 503 while FlashProxy does not answer, and builds again once it does', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const proxy = await buy(api, token, { provider: 'flashproxy', product: 'mobile', term: '1gb', quantity: 1 }, 'buy-mobile');
    const upstream = api.shop.upstream('flashproxy').simulator;
    upstream.setSuspended(true);
    const down = await api.call('POST', `/proxies/${proxy.id}/connection-string`, { token, body: { country: 'de', asn: 3320 } });
    expect(down.status).toBe(503);
    expect(down.json.error.code).toBe('provider_unavailable');
    upstream.setSuspended(false);
    const up = await api.call('POST', `/proxies/${proxy.id}/connection-string`, { token, body: { country: 'de', asn: 3320 } });
    expect(up.status, up.text).toBe(200);
    expect(up.json.connection.login).toBe(`${proxy.login}-country-de-asn-3320`);
  });

  it('answers 422 where the product has no targeting', async () => {
    const api = await newApi({ providers: ['flashproxy', 'proxy-ipv4'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const catalog = await api.call('GET', '/catalog', { token });
    const ipv4 = catalog.json.providers.find((p: { id: string }) => p.id === 'proxy-ipv4').products[0];
    const country = ipv4.countries.find((c: { available: boolean }) => c.available).code;
    const proxy = await buy(
      api,
      token,
      { provider: 'proxy-ipv4', product: ipv4.id, country, term: ipv4.terms[0].id, quantity: 1 },
      'buy-ipv4',
    );
    expect((await api.call('GET', `/proxies/${proxy.id}`, { token })).json.actions).not.toContain('targeting');
    const refused = await api.call('GET', `/proxies/${proxy.id}/targeting`, { token });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('unsupported');

    // FlashProxy targets by username, but not on Dedicated ISP: "stock-based (no geo targeting)".
    const dedicated = catalog.json.providers
      .find((p: { id: string }) => p.id === 'flashproxy')
      .products.find((p: { id: string }) => p.id === 'dedicated-isp');
    const pool = dedicated.countries.find((c: { available: boolean }) => c.available).code;
    const isp = await buy(
      api,
      token,
      { provider: 'flashproxy', product: 'dedicated-isp', country: pool, term: dedicated.terms[0].id, quantity: 1 },
      'buy-dedicated-isp',
    );
    expect((await api.call('GET', `/proxies/${isp.id}`, { token })).json.actions).not.toContain('targeting');
    expect((await api.call('POST', `/proxies/${isp.id}/connection-string`, { token, body: { country: 'us' } })).status).toBe(422);
  });
});
