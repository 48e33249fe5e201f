/**
 * FlashProxy's IP allowlist, enforced by the simulator's real proxy and seen
 * through "Check" by API. The openapi (`PUT /plans/{planId}/allowed-ips`, and
 * `allowed_ips` on Plan and CreatePlanRequest): "When non-empty, only those
 * source IPs can authenticate to the proxy with this plan's credentials", and
 * "Empty list means no IP restriction (creds are sufficient)". So the list is
 * a second condition beside the login, not instead of it. The checker
 * connects from 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream } from '../../src/sandbox/upstreams/index.js';
import { startCheckEndpoint, type RunningCheckEndpoint } from '../../src/sandbox/upstreams/proxy-server.js';
import { CHECK_REFILL_MS, checkProxy } from '../../src/services/proxy-checker.js';
import { buyOverApi, eachTestApi, type ApiHarness, type BoughtProxy } from './harness.js';

const newApi = eachTestApi();
let endpoint: RunningCheckEndpoint;

beforeAll(async () => {
  endpoint = await startCheckEndpoint(() => 'US');
});
afterAll(() => endpoint.close());

async function buy(api: ApiHarness, token: string, productId: string): Promise<BoughtProxy> {
  const catalog = await api.call('GET', '/catalog', { token });
  const product = catalog.json.providers
    .find((p: { id: string }) => p.id === 'flashproxy')
    .products.find((p: { id: string }) => p.id === productId);
  const country = product.countries.find((c: { available: boolean }) => c.available);
  const offer = { provider: 'flashproxy', product: productId, ...(country ? { country: country.code } : {}), term: product.terms[0].id };
  const [proxy] = await buyOverApi(api, token, offer, `buy-${productId}`);
  return proxy!;
}

const outcomes = (json: { checks: Array<{ protocol: string; reachable: boolean; failure: string | null }> }) =>
  json.checks.map((c) => `${c.protocol}:${c.reachable ? 'ok' : c.failure}`);

describe('FlashProxy allowlist on the live proxy', () => {
  for (const { productId, protocols } of [
    { productId: 'residential-lite', protocols: ['http', 'socks5'] },
    { productId: 'dedicated-isp', protocols: ['http'] },
  ]) {
    it(`${productId}: a list without 127.0.0.1 refuses the check, a list with it admits it, an empty list admits any address`, async () => {
      const api = await newApi({
        providers: ['flashproxy'],
        liveProxies: true,
        proxyCheck: { url: endpoint.url, timeoutMs: 1_500, onDelivery: false },
      });
      const user = api.shop.customer(500_00);
      const token = api.token(user.id, ['read', 'buy', 'write']);
      const proxy = await buy(api, token, productId);
      const sim = api.shop.upstream('flashproxy').simulator;
      const planId = api.shop.subscriptions.get(user.id, proxy.id)!.upstreamId.split('#')[0]!;
      const check = async () => {
        api.advanceClock(CHECK_REFILL_MS);
        const answer = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
        expect(answer.status, answer.text).toBe(200);
        return outcomes(answer.json);
      };
      const allow = async (ips: string[]) => {
        const added = await api.call('POST', `/proxies/${proxy.id}/allowed-ips`, { token, body: { ips } });
        expect(added.status, added.text).toBe(200);
      };

      expect(await check()).toEqual(protocols.map((p) => `${p}:ok`));

      // Somebody else's address only: the right login from 127.0.0.1 is refused.
      await allow(['203.0.113.5']);
      expect(sim.plan(planId)!.allowedIps).toEqual(['203.0.113.5']);
      expect(await check()).toEqual(protocols.map((p) => `${p}:auth_rejected`));

      // 127.0.0.1 added: the check passes again.
      await allow(['127.0.0.1']);
      expect(sim.plan(planId)!.allowedIps).toEqual(['203.0.113.5', '127.0.0.1']);
      expect(await check()).toEqual(protocols.map((p) => `${p}:ok`));

      // On the list, the password is still needed: the list is not an IP login.
      const wrong = await checkProxy(
        { host: proxy.host, httpPort: proxy.http_port, socks5Port: proxy.socks5_port, login: proxy.login, password: `${proxy.password}x` },
        { url: endpoint.url, timeoutMs: 1_500 },
      );
      expect(wrong.map((c) => c.reachable || c.failure)).toEqual(protocols.map(() => 'auth_rejected'));

      // 127.0.0.1 removed again: refused; list emptied: any address with the login.
      const removed = await api.call('DELETE', `/proxies/${proxy.id}/allowed-ips/127.0.0.1`, { token });
      expect(removed.status, removed.text).toBe(200);
      expect(await check()).toEqual(protocols.map((p) => `${p}:auth_rejected`));
      await api.call('DELETE', `/proxies/${proxy.id}/allowed-ips/203.0.113.5`, { token });
      expect(sim.plan(planId)!.allowedIps).toEqual([]);
      expect(await check()).toEqual(protocols.map((p) => `${p}:ok`));
    });
  }

  it('a plan’s list binds only that plan: another plan on the same gateway still works from 127.0.0.1', async () => {
    const api = await newApi({
      providers: ['flashproxy'],
      liveProxies: true,
      proxyCheck: { url: endpoint.url, timeoutMs: 1_500, onDelivery: false },
    });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const locked = await buy(api, token, 'residential-lite');
    const open = await buy(api, token, 'residential');
    expect(`${locked.host}:${locked.http_port}`).toBe(`${open.host}:${open.http_port}`);
    const added = await api.call('POST', `/proxies/${locked.id}/allowed-ips`, { token, body: { ips: ['198.51.100.7'] } });
    expect(added.status, added.text).toBe(200);

    const lockedCheck = await api.call('POST', `/proxies/${locked.id}/check`, { token });
    expect(outcomes(lockedCheck.json)).toEqual(['http:auth_rejected', 'socks5:auth_rejected']);
    const openCheck = await api.call('POST', `/proxies/${open.id}/check`, { token });
    expect(outcomes(openCheck.json)).toEqual(['http:ok', 'socks5:ok']);
  });
});

describe('FlashProxy allowlist given when the plan is bought', () => {
  it('POST /plans with allowed_ips: the new plan admits only those addresses; a malformed list buys nothing', async () => {
    const upstream = await startUpstream('flashproxy', { liveProxies: true });
    try {
      const create = (body: unknown) =>
        fetch(`${upstream.baseUrl}/plans`, {
          method: 'POST',
          headers: { authorization: `Bearer ${upstream.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const balance = upstream.simulator.balanceCents();
      const refused = await create({ product: 'residential-lite', bandwidth_gb: 1, allowed_ips: ['10.0.0.0/8'] });
      expect(refused.status).toBe(400);
      expect(upstream.simulator.balanceCents()).toBe(balance);
      expect(upstream.simulator.plans()).toEqual([]);

      const created = await create({ product: 'residential-lite', bandwidth_gb: 1, allowed_ips: ['203.0.113.9', '::ffff:203.0.113.9'] });
      expect(created.status).toBe(201);
      const plan = ((await created.json()) as { data: { proxy_username: string; proxy_password: string; allowed_ips: string[] } }).data;
      expect(plan.allowed_ips).toEqual(['203.0.113.9']);
      const proxyServer = upstream.proxyServer!;
      const target = {
        host: proxyServer.host,
        httpPort: proxyServer.httpPort,
        socks5Port: proxyServer.socks5Port,
        login: plan.proxy_username,
        password: plan.proxy_password,
      };
      const checks = await checkProxy(target, { url: endpoint.url, timeoutMs: 1_500 });
      expect(checks.map((c) => c.reachable || c.failure)).toEqual(['auth_rejected', 'auth_rejected']);
    } finally {
      await upstream.close();
    }
  });
});
