/**
 * POST /proxies/{id}/check over HTTP, through the FlashProxy simulator's real
 * proxy to a local check URL: a working proxy with its exit IP and country, a
 * password changed behind the shop's back, a slow proxy, a dead port, the
 * per-customer budget, someone else's proxy, and no password in any log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCheckEndpoint, type RunningCheckEndpoint } from '../../src/sandbox/upstreams/proxy-server.js';
import { CHECK_REFILL_MS, CHECKS_BURST } from '../../src/services/proxy-checker.js';
import { firstChoice } from '../helpers/shop.js';
import { eachTestApi, type ApiHarness } from './harness.js';

const newApi = eachTestApi();
let endpoint: RunningCheckEndpoint;
let exitAddress = '';

beforeAll(async () => {
  endpoint = await startCheckEndpoint((ip) => (ip === exitAddress ? 'NL' : 'ZZ'));
});
afterAll(() => endpoint.close());

async function residentialProxy(api: ApiHarness, userId: number) {
  const { shop } = api;
  const quoted = await shop.orders.quote(userId, 'flashproxy', await firstChoice(shop, 'flashproxy', 1, 'residential-lite'));
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'api' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  return result.proxies[0]!;
}

const outcomes = (json: { checks: Array<{ protocol: string; reachable: boolean; failure: string | null }> }) =>
  json.checks.map((c) => `${c.protocol}:${c.reachable ? 'ok' : c.failure}`);

describe('POST /proxies/{id}/check', () => {
  it('checks through the proxy: working, wrong password, slow, budget spent, dead port', async () => {
    const api = await newApi({
      providers: ['flashproxy'],
      liveProxies: true,
      proxyCheck: { url: endpoint.url, timeoutMs: 500, onDelivery: false },
    });
    const upstream = api.shop.upstream('flashproxy');
    const proxyServer = upstream.proxyServer!;
    exitAddress = proxyServer.exitAddress;
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read']);
    const proxy = await residentialProxy(api, user.id);
    expect(proxy).toMatchObject({ host: '127.0.0.1', httpPort: proxyServer.httpPort, socks5Port: proxyServer.socks5Port });

    const working = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
    expect(working.status, working.text).toBe(200);
    expect(working.json.checks).toEqual([
      { protocol: 'http', reachable: true, latency_ms: expect.any(Number), exit_ip: exitAddress, country: 'NL', failure: null },
      { protocol: 'socks5', reachable: true, latency_ms: expect.any(Number), exit_ip: exitAddress, country: 'NL', failure: null },
    ]);
    expect(Date.parse(working.json.checked_at)).not.toBeNaN();

    upstream.simulator.changePasswordElsewhere(upstream.simulator.plans()[0]!.planId, 'ChangedElsewhere9');
    const refused = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
    expect(outcomes(refused.json)).toEqual(['http:auth_rejected', 'socks5:auth_rejected']);
    upstream.simulator.changePasswordElsewhere(upstream.simulator.plans()[0]!.planId, proxy.password);

    proxyServer.setDelayMs(5_000);
    const slow = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
    expect(outcomes(slow.json)).toEqual(['http:timeout', 'socks5:timeout']);
    proxyServer.setDelayMs(0);

    // A check opens connections to the world on the customer's behalf: a small burst, then one per refill.
    expect(CHECKS_BURST).toBe(3);
    const spent = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
    expect(spent.status).toBe(429);
    expect(spent.json.error.code).toBe('rate_limited');
    expect(Number(spent.headers.get('retry-after'))).toBeGreaterThan(0);

    api.advanceClock(CHECK_REFILL_MS);
    await proxyServer.close();
    const dead = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
    expect(dead.status).toBe(200);
    expect(outcomes(dead.json)).toEqual(['http:proxy_unreachable', 'socks5:proxy_unreachable']);

    // Someone else's proxy reads like a missing one.
    const stranger = api.token(api.shop.customer(0).id, ['read']);
    expect((await api.call('POST', `/proxies/${proxy.id}/check`, { token: stranger })).status).toBe(404);

    // The checker logs where and how, never the secret.
    expect(api.logs.join('\n')).not.toContain(proxy.password);
  });

  it('is not offered for a proxy that no longer runs: 422 unsupported, and no connection is made', async () => {
    const api = await newApi({
      providers: ['flashproxy'],
      liveProxies: true,
      proxyCheck: { url: endpoint.url, timeoutMs: 500, onDelivery: false },
    });
    const upstream = api.shop.upstream('flashproxy');
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read']);
    const proxy = await residentialProxy(api, user.id);
    upstream.simulator.expirePlan(upstream.simulator.plans()[0]!.planId);
    await api.shop.subscriptions.syncProvider('flashproxy');
    expect(api.shop.subscriptions.get(user.id, proxy.id)?.status).toBe('expired');

    const before = upstream.proxyServer!.connectionCount();
    const refused = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('unsupported');
    expect(upstream.proxyServer!.connectionCount()).toBe(before);
  });

  it('is in the OpenAPI document', async () => {
    const api = await newApi();
    const document = (await fetch(`${api.url}/api/v1/openapi.json`).then((r) => r.json())) as { paths: Record<string, { post?: unknown }> };
    expect(document.paths['/proxies/{id}/check']?.post).toBeDefined();
  });
});
