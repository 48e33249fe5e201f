/**
 * Traffic plans over HTTP against the FlashProxy and GateProxy simulators:
 * the figures and their age, adding traffic through renew, auto top-up set
 * and cleared, and a 422 where the plan takes no top-up or reports no traffic.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderId } from '../../src/providers/types.js';
import { waitFor } from '../helpers/wait.js';
import { eachTestApi, type ApiHarness } from './harness.js';

const newApi = eachTestApi();
const BYTES_PER_GB = 1e9;
const CACHE_MS = 5 * 60_000;

async function buy(api: ApiHarness, token: string, provider: ProviderId, product: string, term?: string) {
  const catalog = await api.call('GET', '/catalog', { token });
  const chosen = catalog.json.providers
    .find((p: { id: string }) => p.id === provider)
    .products.find((p: { id: string }) => p.id === product);
  const country = chosen.countries.find((c: { available: boolean }) => c.available)?.code;
  const body = { provider, product, term: term ?? chosen.terms[0].id, quantity: 1, ...(country ? { country } : {}) };
  const quoted = await api.call('POST', '/quotes', { token, body });
  if (quoted.status !== 201) throw new Error(`quote answered ${quoted.status}: ${quoted.text}`);
  const bought = await api.call('POST', '/orders', {
    token,
    idempotencyKey: `buy-${provider}-${product}`,
    body: { quote_id: quoted.json.quote.id },
  });
  if (bought.status !== 201) throw new Error(`order answered ${bought.status}: ${bought.text}`);
  return bought.json.proxies[0] as { id: string; host: string };
}

describe('traffic by API', () => {
  it('shows used, left and total; adds traffic through renew; sets and clears auto top-up', async () => {
    const api = await newApi({ providers: ['flashproxy'], upstreamTimeoutMs: 5_000 });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buy(api, token, 'flashproxy', 'residential', '1gb');
    const planId = api.shop.subscriptions.get(user.id, proxy.id)!.upstreamId;
    api.shop.upstream('flashproxy').simulator.recordUsage(planId, 0.85 * BYTES_PER_GB);

    const read = await api.call('GET', `/proxies/${proxy.id}/traffic`, { token });
    expect(read.status, read.text).toBe(200);
    expect(read.json.traffic).toMatchObject({
      used_gb: 0.85,
      remaining_gb: 0.15,
      total_gb: 1,
      used_percent: 85,
      exhausted: false,
      stale: false,
      can_add_traffic: true,
      auto_topup: null,
    });
    expect(Date.parse(read.json.traffic.fetched_at)).not.toBeNaN();
    // The usage endpoint serves the same figures.
    const usage = await api.call('GET', `/proxies/${proxy.id}/usage`, { token });
    expect(usage.json.usage).toEqual({ used_gb: 0.85, remaining_gb: 0.15, total_gb: 1 });

    // Adding traffic is a renewal with a traffic term, through the saga.
    const terms = await api.call('GET', `/proxies/${proxy.id}/renewal-terms`, { token });
    const fiveGb = terms.json.terms.find((t: { id: string }) => t.id === '5gb');
    expect(fiveGb).toMatchObject({ traffic_gb: 5, days: null, price_cents: expect.any(Number) });
    const added = await api.call('POST', `/proxies/${proxy.id}/renew`, {
      token,
      idempotencyKey: 'add-5gb-of-traffic',
      body: { term: '5gb' },
    });
    expect(added.status, added.text).toBe(201);
    const after = await waitFor(
      async () => {
        const answer = await api.call('GET', `/proxies/${proxy.id}/traffic`, { token });
        return answer.json.traffic.total_gb === 6 ? answer : undefined;
      },
      { what: 'the new total' },
    );
    expect(after.json.traffic).toMatchObject({ used_gb: 0.85, remaining_gb: 5.15, used_percent: 14 });

    const badTerm = await api.call('PUT', `/proxies/${proxy.id}/auto-topup`, { token, body: { term: '7_days', threshold_percent: 80 } });
    expect(badTerm.status).toBe(400);
    expect(badTerm.json.error.details[0].path).toBe('term');
    const badPercent = await api.call('PUT', `/proxies/${proxy.id}/auto-topup`, { token, body: { term: '5gb', threshold_percent: 100 } });
    expect(badPercent.status).toBe(400);
    const reader = api.token(user.id, ['read']);
    expect(
      (await api.call('PUT', `/proxies/${proxy.id}/auto-topup`, { token: reader, body: { term: '5gb', threshold_percent: 80 } })).status,
    ).toBe(403);

    const set = await api.call('PUT', `/proxies/${proxy.id}/auto-topup`, { token, body: { term: '5gb', threshold_percent: 80 } });
    expect(set.status, set.text).toBe(200);
    expect(set.json.auto_topup).toEqual({ term: '5gb', threshold_percent: 80 });
    expect((await api.call('GET', `/proxies/${proxy.id}/traffic`, { token })).json.traffic.auto_topup).toEqual({
      term: '5gb',
      threshold_percent: 80,
    });

    // The job buys it once the share is reached.
    api.shop.upstream('flashproxy').simulator.recordUsage(planId, 4 * BYTES_PER_GB);
    api.advanceClock(CACHE_MS);
    expect(await api.shop.traffic.checkAll()).toMatchObject({ toppedUp: 1 });
    expect(api.shop.upstream('flashproxy').simulator.plan(planId)!.maxGb).toBe(11);

    const cleared = await api.call('DELETE', `/proxies/${proxy.id}/auto-topup`, { token });
    expect(cleared.status).toBe(200);
    expect((await api.call('GET', `/proxies/${proxy.id}/traffic`, { token })).json.traffic.auto_topup).toBeNull();
  });

  it('answers 422 where the plan takes no top-up or reports no traffic, and 404 for someone else’s proxy', async () => {
    const api = await newApi({ providers: ['gateproxy', 'proxy-ipv4'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const gate = await buy(
      api,
      token,
      'gateproxy',
      (await api.call('GET', '/catalog', { token })).json.providers
        .find((p: { id: string }) => p.id === 'gateproxy')
        .products.find((p: { id: string; available: boolean }) => p.available && !p.id.endsWith('_cd_key')).id,
    );
    const traffic = await api.call('GET', `/proxies/${gate.id}/traffic`, { token });
    expect(traffic.status, traffic.text).toBe(200);
    // GateProxy takes more traffic as a new order linked to the proxy (below).
    expect(traffic.json.traffic.can_add_traffic).toBe(true);

    const ipv4 = await buy(api, token, 'proxy-ipv4', 'ipv4');
    expect((await api.call('GET', `/proxies/${ipv4.id}/traffic`, { token })).status).toBe(422);
    const refused = await api.call('PUT', `/proxies/${ipv4.id}/auto-topup`, { token, body: { term: '5gb', threshold_percent: 80 } });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('unsupported');

    const other = api.shop.customer(0, 'Other');
    const otherToken = api.token(other.id, ['read', 'write']);
    expect((await api.call('GET', `/proxies/${gate.id}/traffic`, { token: otherToken })).status).toBe(404);
    expect((await api.call('DELETE', `/proxies/${gate.id}/auto-topup`, { token: otherToken })).status).toBe(404);
  });

  it('adds traffic to a GateProxy package as a new linked order: once per key, usage combined, a lost answer settled by the reconciler', async () => {
    const api = await newApi({ providers: ['gateproxy'], upstreamTimeoutMs: 5_000 });
    const sim = api.shop.upstream('gateproxy').simulator;
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buy(api, token, 'gateproxy', 'abcproxy', '1GB');
    const firstOrder = api.shop.subscriptions.get(user.id, proxy.id)!.upstreamId;
    sim.addUsageGb(firstOrder, 0.5);

    // The packages are the product's own, priced like a first purchase.
    const terms = await api.call('GET', `/proxies/${proxy.id}/renewal-terms`, { token });
    expect(terms.status, terms.text).toBe(200);
    expect(terms.json.terms.map((t: { id: string; traffic_gb: number }) => [t.id, t.traffic_gb])).toEqual([
      ['1GB', 1],
      ['5GB', 5],
      ['10GB', 10],
    ]);
    const ordersBefore = sim.orders().length;
    const balanceBefore = api.shop.wallet.balance(user.id).availableCents;
    const added = await api.call('POST', `/proxies/${proxy.id}/renew`, { token, idempotencyKey: 'gate-add-5gb', body: { term: '5GB' } });
    expect(added.status, added.text).toBe(201);
    const replay = await api.call('POST', `/proxies/${proxy.id}/renew`, { token, idempotencyKey: 'gate-add-5gb', body: { term: '5GB' } });
    expect(replay.status, replay.text).toBe(201);
    expect(replay.json.order.id).toBe(added.json.order.id);
    expect(sim.orders()).toHaveLength(ordersBefore + 1);
    const linked = sim.orders()[0]!;
    expect([linked.provider, linked.plan]).toEqual(['abcproxy', '5GB']);
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(balanceBefore - added.json.order.price_cents);
    // The new order's credentials come with the proxy.
    expect(added.json.proxies[0].added_traffic).toEqual([
      {
        order_id: added.json.order.id,
        host: linked.proxy.host,
        http_port: linked.proxy.port,
        socks5_port: null,
        login: linked.proxy.username,
        password: linked.proxy.password,
        traffic_limit_mb: 5000,
      },
    ]);

    // The linked order is read by its own id (the shop's clock stays with GateProxy's order times here).
    sim.addUsageGb(linked.orderId, 1);
    const usage = await api.call('GET', `/proxies/${proxy.id}/usage`, { token });
    expect(usage.json.usage).toEqual({ used_gb: 1.5, remaining_gb: 4.5, total_gb: 6 });
    expect((await api.call('GET', `/proxies/${proxy.id}`, { token })).json.proxy.added_traffic).toHaveLength(1);

    // GateProxy sells, then the connection drops: 202, the money held; the reconciler links what it finds.
    sim.faults.inject({ kind: 'reset_after' }, { method: 'POST', path: '/orders' });
    const lost = await api.call('POST', `/proxies/${proxy.id}/renew`, { token, idempotencyKey: 'gate-add-1gb', body: { term: '1GB' } });
    expect(lost.status, lost.text).toBe(202);
    expect(api.shop.wallet.balance(user.id).heldCents).toBe(lost.json.order.price_cents);
    expect((await api.shop.orders.reconcile(lost.json.order.id)).kind).toBe('delivered');
    expect((await api.shop.orders.reconcile(lost.json.order.id)).kind).toBe('delivered');
    expect(sim.orders()).toHaveLength(ordersBefore + 2);
    const order = await api.call('GET', `/orders/${lost.json.order.id}`, { token });
    expect(order.json.order.state).toBe('delivered');
    expect(order.json.proxies[0].added_traffic.map((o: { login: string }) => o.login)).toEqual([
      linked.proxy.username,
      sim.orders()[0]!.proxy.username,
    ]);
    expect(api.shop.wallet.balance(user.id)).toEqual({
      availableCents: balanceBefore - added.json.order.price_cents - lost.json.order.price_cents,
      heldCents: 0,
    });
    expect((await api.call('GET', `/proxies/${proxy.id}/usage`, { token })).json.usage).toEqual({
      used_gb: 1.5,
      remaining_gb: 5.5,
      total_gb: 7,
    });
  });
});
