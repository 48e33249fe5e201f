/**
 * A GateProxy package with traffic added as a new linked order has two
 * logins, and both work: by API, "export" lists each of them and "check"
 * tries each of them through the simulator's real proxy, reporting them one
 * by one (`logins`) while `checks` stays the first login's. A FlashProxy
 * proxy bought with a target is exported with its targeted login.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCheckEndpoint, type RunningCheckEndpoint } from '../../src/sandbox/upstreams/proxy-server.js';
import { buyOverApi, eachTestApi, type ApiHarness, type CheckAnswer } from './harness.js';

const newApi = eachTestApi();
let endpoint: RunningCheckEndpoint;

beforeAll(async () => {
  endpoint = await startCheckEndpoint(() => 'NL');
});
afterAll(() => endpoint.close());

async function buy(api: ApiHarness, token: string, offer: Record<string, unknown>, key: string) {
  const [proxy] = await buyOverApi(api, token, offer, key);
  return proxy!;
}

describe('every login of a card', () => {
  it('GateProxy: export lists the linked order’s login too, and check tries and reports each login', async () => {
    const api = await newApi({
      providers: ['gateproxy'],
      upstreamTimeoutMs: 5_000,
      liveProxies: true,
      proxyCheck: { url: endpoint.url, timeoutMs: 2_000, onDelivery: false },
    });
    const sim = api.shop.upstream('gateproxy').simulator;
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buy(api, token, { provider: 'gateproxy', product: 'abcproxy', term: '1GB' }, 'buy-gate-1gb');
    const added = await api.call('POST', `/proxies/${proxy.id}/renew`, { token, idempotencyKey: 'gate-add-5gb', body: { term: '5GB' } });
    expect(added.status, added.text).toBe(201);
    const linked = sim.orders()[0]!.proxy;
    expect(linked.username).not.toBe(proxy.login);

    const exported = await api.call('GET', '/proxies/export?format=host:port:login:password', { token });
    expect(exported.status).toBe(200);
    expect(exported.text).toBe(
      `${proxy.host}:${proxy.http_port}:${proxy.login}:${proxy.password}\n${linked.host}:${linked.port}:${linked.username}:${linked.password}\n`,
    );

    const checked = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
    expect(checked.status, checked.text).toBe(200);
    const logins = checked.json.logins as Array<{ login: string; order_id: string; added_traffic: boolean; checks: CheckAnswer[] }>;
    expect(logins.map((l) => [l.login, l.order_id, l.added_traffic])).toEqual([
      [proxy.login, api.shop.subscriptions.get(user.id, proxy.id)!.orderId, false],
      [linked.username, added.json.order.id, true],
    ]);
    for (const login of logins) {
      expect(login.checks.length, login.login).toBeGreaterThan(0);
      expect(login.checks.map((c) => [c.reachable, c.country])).toEqual(login.checks.map(() => [true, 'NL']));
    }
    // Backward compatible: `checks` is still the first login's.
    expect(checked.json.checks).toEqual(logins[0]!.checks);
  });

  it('FlashProxy: export lists the login built for the purchase target', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const proxy = await buy(
      api,
      token,
      { provider: 'flashproxy', product: 'residential-lite', term: '1gb', target: { country: 'fr', city: 'paris' } },
      'buy-paris',
    );
    const base = api.shop.subscriptions.get(user.id, proxy.id)!;
    expect(proxy.login).toBe(`${base.login}-country-fr-city-paris`);
    const exported = await api.call('GET', '/proxies/export?format=host:port:login:password', { token });
    expect(exported.text).toBe(`${proxy.host}:${proxy.http_port}:${proxy.login}:${proxy.password}\n`);
  });
});
