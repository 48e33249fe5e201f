/**
 * CHECK_ON_DELIVERY against the FlashProxy simulator's real proxy: a proxy
 * that fails its check right after delivery is told to the customer and the
 * operators, and the money stays captured (the upstream sold it); one that
 * works is not mentioned.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startCheckEndpoint, type RunningCheckEndpoint } from '../../src/sandbox/upstreams/proxy-server.js';
import { checkProxy } from '../../src/services/proxy-checker.js';
import { firstChoice, startShop, type TestShop } from '../helpers/shop.js';

let endpoint: RunningCheckEndpoint;
let shop: TestShop | undefined;

beforeAll(async () => {
  endpoint = await startCheckEndpoint();
});
afterAll(() => endpoint.close());
afterEach(async () => {
  await shop?.close();
  shop = undefined;
});

async function buyResidential(s: TestShop) {
  const user = s.customer(100_00);
  const quoted = await s.orders.quote(user.id, 'flashproxy', await firstChoice(s, 'flashproxy', 1, 'residential-lite'));
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await s.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'api' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  // The check runs after the saga answered; drain waits for it like a shutdown does.
  await s.orders.drain();
  return { user, order: result.order, proxy: result.proxies[0]!, priceCents: quoted.quote.priceCents };
}

describe('check on delivery', () => {
  it('a delivered proxy that fails its check is reported to the customer and the operators, and not refunded', async () => {
    shop = await startShop(['flashproxy'], {
      liveProxies: true,
      proxyCheck: { url: endpoint.url, timeoutMs: 300, onDelivery: true },
    });
    shop.upstream('flashproxy').proxyServer!.setDelayMs(5_000);
    const { user, order, proxy, priceCents } = await buyResidential(shop);

    const told = shop.outbox.list({ kind: 'proxy_check_failed' });
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ audience: 'user', userId: user.id });
    expect(JSON.parse(told[0]!.payload)).toEqual({
      subscriptionId: proxy.id,
      host: '127.0.0.1',
      product: proxy.productName,
      failures: [
        { protocol: 'http', failure: 'timeout' },
        { protocol: 'socks5', failure: 'timeout' },
      ],
    });
    const alert = shop.outbox.list({ kind: 'delivered_proxy_check_failed' });
    expect(alert).toHaveLength(1);
    expect(JSON.parse(alert[0]!.payload)).toMatchObject({ orderId: order.id, provider: 'flashproxy', userId: user.id });
    // Neither message carries the credentials.
    for (const message of [...told, ...alert]) expect(message.payload).not.toContain(proxy.password);

    expect(shop.orders.order(order.id)?.state).toBe('delivered');
    expect(shop.wallet.balance(user.id).availableCents).toBe(100_00 - priceCents);
  });

  it('a delivered proxy that works is not mentioned', async () => {
    shop = await startShop(['flashproxy'], {
      liveProxies: true,
      proxyCheck: { url: endpoint.url, timeoutMs: 3_000, onDelivery: true },
    });
    const proxyServer = shop.upstream('flashproxy').proxyServer!;
    const before = proxyServer.connectionCount();
    await buyResidential(shop);
    // The check did go through the proxy (both protocols), and found it working.
    expect(proxyServer.connectionCount() - before).toBe(2);
    expect(shop.outbox.list({ kind: 'proxy_check_failed' })).toEqual([]);
    expect(shop.outbox.list({ kind: 'delivered_proxy_check_failed' })).toEqual([]);
  });

  it('without CHECK_ON_DELIVERY nothing is checked', async () => {
    shop = await startShop(['flashproxy'], { liveProxies: true, proxyCheck: { url: endpoint.url, timeoutMs: 3_000, onDelivery: false } });
    const proxyServer = shop.upstream('flashproxy').proxyServer!;
    await buyResidential(shop);
    expect(proxyServer.connectionCount()).toBe(0);
  });
});

describe('every simulator that runs a real proxy', () => {
  for (const { providerId, productId } of [
    { providerId: 'flashproxy', productId: 'residential-lite' },
    { providerId: 'gateproxy', productId: undefined },
    { providerId: 'proxy-panel', productId: 'mobile-private' },
    { providerId: 'proxy-ipv4', productId: 'ipv4' },
  ] as const) {
    it(`${providerId}: what it sells works through it, and a wrong password does not`, async () => {
      shop = await startShop([providerId], { liveProxies: true, proxyCheck: { url: endpoint.url, timeoutMs: 3_000, onDelivery: false } });
      const user = shop.customer(500_00);
      const quoted = await shop.orders.quote(user.id, providerId, await firstChoice(shop, providerId, 1, productId));
      if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
      const result = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'k1', channel: 'api' });
      if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
      const proxy = result.proxies[0]!;
      expect(proxy.host).toBe('127.0.0.1');

      const checked = await shop.proxyChecks.check(user.id, proxy.id);
      expect(checked.ok && checked.checks.length).toBeGreaterThan(0);
      expect(checked.ok && checked.checks.every((c) => c.reachable)).toBe(true);

      const wrong = await checkProxy({ ...proxy, password: `${proxy.password}x` }, { url: endpoint.url, timeoutMs: 3_000 });
      expect(wrong.map((c) => c.reachable || c.failure)).toEqual(wrong.map(() => 'auth_rejected'));
    });
  }
});
