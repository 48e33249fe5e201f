/**
 * "Check" by API for every provider and every product it sells, against the
 * simulators' real local proxies: each proxy bought over POST /orders answers
 * POST /proxies/{id}/check reachable on every protocol it was sold with, with
 * the exit IP its proxy really connects from; a wrong password, a slow proxy
 * and a dead port each read as what they are. Static IPs bought two at a time
 * are two proxies (their own address and port), each working on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../src/providers/types.js';
import { startCheckEndpoint, type RunningCheckEndpoint } from '../../src/sandbox/upstreams/proxy-server.js';
import { CHECK_REFILL_MS, checkProxy } from '../../src/services/proxy-checker.js';
import { buyOverApi, eachTestApi, type ApiHarness, type BoughtProxy, type CheckAnswer } from './harness.js';

const newApi = eachTestApi();
let endpoint: RunningCheckEndpoint;

beforeAll(async () => {
  endpoint = await startCheckEndpoint(() => 'NL');
});
afterAll(() => endpoint.close());

interface CatalogProduct {
  id: string;
  available: boolean;
  quantity: { max: number };
  protocols: string[];
  countries: Array<{ code: string; available: boolean }>;
  terms: Array<{ id: string }>;
}

async function catalogOf(api: ApiHarness, token: string, provider: ProviderId): Promise<CatalogProduct[]> {
  const catalog = await api.call('GET', '/catalog', { token });
  expect(catalog.status, catalog.text).toBe(200);
  return catalog.json.providers.find((p: { id: string }) => p.id === provider).products;
}

/** Quote and buy one product over the API; static products two at a time where they can be. */
async function buy(api: ApiHarness, token: string, provider: ProviderId, product: CatalogProduct): Promise<BoughtProxy[]> {
  const quantity = Math.min(2, product.quantity.max);
  const country = product.countries.find((c) => c.available);
  const offer = { provider, product: product.id, ...(country ? { country: country.code } : {}), term: product.terms[0]!.id, quantity };
  return buyOverApi(api, token, offer, `buy-${provider}-${product.id}`);
}

const outcomes = (checks: CheckAnswer[]) => checks.map((c) => `${c.protocol}:${c.reachable ? 'ok' : c.failure}`);

/** Every provider, with the products that must be among those checked (the catalog may offer more). */
const PROVIDERS: Record<ProviderId, string[]> = {
  flashproxy: ['residential-lite', 'residential', 'mobile', 'dedicated-isp'],
  lumiweb: ['isp', 'datacenter'],
  'proxy-ipv4': ['ipv4', 'ipv6', 'isp', 'mobile'],
  gateproxy: [],
  'proxy-panel': ['mobile-private'],
};

describe('Check by API, every provider and product, on the simulators’ real proxies', () => {
  for (const [provider, mustCheck] of Object.entries(PROVIDERS) as Array<[ProviderId, string[]]>) {
    it(`${provider}: every product bought checks reachable with its exit IP; wrong password, slow and dead read as such`, async () => {
      const api = await newApi({
        providers: [provider],
        liveProxies: true,
        proxyCheck: { url: endpoint.url, timeoutMs: 1_500, onDelivery: false },
      });
      const proxyServer = api.shop.upstream(provider).proxyServer;
      expect(proxyServer, `${provider} runs a live proxy`).toBeDefined();
      const admin = api.shop.customer(0);
      const products = (await catalogOf(api, api.token(admin.id, ['read']), provider)).filter((p) => p.available);
      expect(products.length).toBeGreaterThan(0);
      expect(products.map((p) => p.id)).toEqual(expect.arrayContaining(mustCheck));

      let firstBought: { proxy: BoughtProxy; token: string } | undefined;
      for (const product of products) {
        // A customer per product: each has its own budget of checks.
        const user = api.shop.customer(2_000_00);
        const token = api.token(user.id, ['read', 'buy']);
        const proxies = await buy(api, token, provider, product);
        expect(proxies.length).toBeGreaterThan(0);
        // Two static IPs of one order are two proxies, not one address twice.
        const endpoints = new Set(proxies.map((p) => `${p.host}|${p.http_port}|${p.socks5_port}`));
        if (proxies.length > 1 && proxies[0]!.login === proxies[1]!.login) expect(endpoints.size).toBe(proxies.length);
        for (const proxy of proxies) {
          expect(
            ['127.', '::1'].some((prefix) => proxy.host.startsWith(prefix)),
            `${product.id} points at ${proxy.host}`,
          ).toBe(true);
          const checked = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
          expect(checked.status, checked.text).toBe(200);
          const checks = checked.json.checks as CheckAnswer[];
          // Every protocol the product was sold with, and each one works.
          expect(checks.map((c) => c.protocol).sort(), product.id).toEqual(
            [proxy.http_port === null ? [] : ['http'], proxy.socks5_port === null ? [] : ['socks5']].flat(),
          );
          expect(outcomes(checks), `${provider} ${product.id}`).toEqual(checks.map((c) => `${c.protocol}:ok`));
          // A proxy of its own exits from its own address; a shared gateway from the proxy's exit address.
          const ownAddress = proxy.host !== '127.0.0.1' && proxy.host !== '::1';
          const exitIp = ownAddress ? proxy.host : proxyServer!.exitAddress;
          for (const check of checks) expect(check).toMatchObject({ exit_ip: exitIp, country: 'NL' });
        }
        firstBought ??= { proxy: proxies[0]!, token };
      }

      const { proxy, token } = firstBought!;
      const target = {
        host: proxy.host,
        httpPort: proxy.http_port,
        socks5Port: proxy.socks5_port,
        login: proxy.login,
        password: `${proxy.password}x`,
      };
      const wrong = await checkProxy(target, { url: endpoint.url, timeoutMs: 1_500 });
      expect(wrong.map((c) => c.reachable || c.failure)).toEqual(wrong.map(() => 'auth_rejected'));

      api.advanceClock(CHECK_REFILL_MS);
      proxyServer!.setDelayMs(5_000);
      const slow = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
      expect(
        outcomes(slow.json.checks).every((o) => o.endsWith(':timeout')),
        slow.text,
      ).toBe(true);
      proxyServer!.setDelayMs(0);

      api.advanceClock(CHECK_REFILL_MS);
      await proxyServer!.close();
      const dead = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
      expect(dead.status).toBe(200);
      expect(
        outcomes(dead.json.checks).every((o) => o.endsWith(':proxy_unreachable')),
        dead.text,
      ).toBe(true);
    });
  }
});

describe('Check after a mobile IP rotation', () => {
  it('proxy-ipv4 mobile: a rotated proxy still points at the live proxy and checks reachable', async () => {
    const api = await newApi({
      providers: ['proxy-ipv4'],
      liveProxies: true,
      proxyCheck: { url: endpoint.url, timeoutMs: 1_500, onDelivery: false },
    });
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const mobile = (await catalogOf(api, token, 'proxy-ipv4')).find((p) => p.id === 'mobile')!;
    const [proxy] = await buy(api, token, 'proxy-ipv4', { ...mobile, quantity: { max: 1 } });

    const rotated = await api.call('POST', `/proxies/${proxy!.id}/rotate-ip`, { token });
    expect(rotated.status, rotated.text).toBe(200);
    await api.shop.subscriptions.syncProvider('proxy-ipv4');
    const card = await api.call('GET', `/proxies/${proxy!.id}`, { token });
    expect(card.json.proxy).toMatchObject({ host: proxy!.host, http_port: proxy!.http_port, socks5_port: proxy!.socks5_port });

    const checked = await api.call('POST', `/proxies/${proxy!.id}/check`, { token });
    expect(outcomes(checked.json.checks)).toEqual(['http:ok', 'socks5:ok']);
  });
});
