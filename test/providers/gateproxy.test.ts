import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createGateProxyProvider } from '../../src/providers/gateproxy/index.js';
import { balanceFromWire, productFromPricing, proxyFromOrder, trafficToGb, usageFromWire } from '../../src/providers/gateproxy/adapter.js';
import {
  balanceSchema,
  classifyExchange,
  createGateProxyClient,
  createOrderResponseSchema,
  errorEnvelopeSchema,
  providerPricingSchema,
  providersResponseSchema,
  usageSchema,
} from '../../src/providers/gateproxy/client.js';
import type { HttpExchange } from '../../src/lib/http.js';
import { ok, type Outcome, type OrderChoice, type ProxyProvider, type RefusalCode } from '../../src/providers/types.js';
import {
  createGateProxySimulator,
  type GateProxySimulator,
  type GateProxySimulatorOptions,
} from '../../src/sandbox/upstreams/gateproxy/index.js';
import type { RunningSimulator } from '../../src/sandbox/upstreams/sim-server.js';
import { waitFor } from '../helpers/wait.js';

// The example answers of the GateProxy API reference, verbatim.
const SEED_PROVIDERS = `{
  "success": true,
  "providers": [
    { "id": "abcproxy", "name": "ABC Proxy", "status": "active" },
    { "id": "9proxy", "name": "9Proxy", "status": "active" },
    { "id": "nodemaven", "name": "NodeMaven", "status": "active" }
  ]
}`;
const SEED_NODEMAVEN_PRICING = `{
  "success": true,
  "provider": "nodemaven",
  "currency": "USDT",
  "plans": [
    { "traffic": "120 MB", "plan": "0.120", "price": 0.45 },
    { "traffic": "1 GB", "plan": "1", "price": 3.50 }
  ]
}`;
const SEED_BALANCE = `{
  "success": true,
  "balance": 27.52,
  "currency": "USD"
}`;
const SEED_ORDER_CREATED = `{
  "success": true,
  "order_id": "ord_9x1a8f",
  "status": "completed",
  "proxy": {
    "host": "proxy.server.com",
    "port": 8080,
    "username": "nodemaven_xxxxx-country-us",
    "password": "pass123",
    "protocol": "HTTP"
  }
}`;
const SEED_USAGE = `{
  "success": true,
  "provider": "nodemaven",
  "proxy_username": "nodemaven_xxxxx-country-us",
  "used": "1.2GB",
  "remaining": "3.8GB",
  "total": "5GB",
  "order_id": "ord_9x1a8f"
}`;
const SEED_ERROR = `{
  "success": false,
  "error": {
    "code": "insufficient_balance",
    "message": "Not enough balance."
  }
}`;

const NODEMAVEN_1GB: OrderChoice = { productId: 'nodemaven', termId: '1', quantity: 1 };

let sim: GateProxySimulator;
let running: RunningSimulator;

async function useSimulator(options: GateProxySimulatorOptions = {}): Promise<GateProxySimulator> {
  await running?.close();
  sim = createGateProxySimulator(options);
  running = await sim.start();
  return sim;
}

function gateProxy(apiKey = sim.apiKey, timeoutMs = 300): ProxyProvider {
  return createGateProxyProvider({ apiKey, baseUrl: running.url, timeoutMs });
}

function value<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

function expectNoSecret(outcome: Outcome<unknown>, secret = sim.apiKey): void {
  expect(JSON.stringify(outcome)).not.toContain(secret);
}

function response(status: number, body: unknown): HttpExchange {
  return { kind: 'response', status, headers: new Headers(), text: JSON.stringify(body), body };
}

function rawOrder(body: string, token = sim.apiKey): Promise<Response> {
  return fetch(`${running.url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
}

beforeEach(async () => {
  await useSimulator();
});

afterEach(async () => {
  await running.close();
});

describe('GateProxy seed examples', () => {
  it('reads the providers list', () => {
    const parsed = providersResponseSchema.parse(JSON.parse(SEED_PROVIDERS));
    expect(parsed.providers.map((p) => p.id)).toEqual(['abcproxy', '9proxy', 'nodemaven']);
  });

  it('turns the NodeMaven pricing into traffic terms priced in cents, plan values untouched', () => {
    const pricing = providerPricingSchema.parse(JSON.parse(SEED_NODEMAVEN_PRICING));
    const product = productFromPricing({ id: 'nodemaven', name: 'NodeMaven', status: 'active' }, pricing);
    // A description, not the bare brand name.
    expect(product).toMatchObject({
      id: 'nodemaven',
      name: 'NodeMaven residential proxies, pay per GB',
      kind: 'rotating',
      billing: 'traffic',
    });
    expect(product.countries).toEqual([]);
    expect(product.maxQuantity).toBe(1);
    expect(product.terms).toEqual([
      { id: '0.120', label: '120 MB', trafficGb: 0.12, unitCostCents: 45 },
      { id: '1', label: '1 GB', trafficGb: 1, unitCostCents: 350 },
    ]);
  });

  it('reads the balance in cents', () => {
    expect(balanceFromWire(balanceSchema.parse(JSON.parse(SEED_BALANCE)))).toEqual(ok({ balanceCents: 2752 }));
  });

  it('turns the created order into a proxy with its credentials and no expiry', () => {
    const order = createOrderResponseSchema.parse(JSON.parse(SEED_ORDER_CREATED));
    expect(proxyFromOrder(order)).toEqual({
      upstreamId: 'ord_9x1a8f',
      host: 'proxy.server.com',
      httpPort: 8080,
      login: 'nodemaven_xxxxx-country-us',
      password: 'pass123',
      status: 'active',
    });
  });

  it('reads traffic usage strings as gigabytes', () => {
    const usage = usageFromWire(usageSchema.parse(JSON.parse(SEED_USAGE)));
    expect(usage).toEqual(ok({ usedGb: 1.2, remainingGb: 3.8, totalGb: 5 }));
    expect([trafficToGb('120 MB'), trafficToGb('1 GB'), trafficToGb('0.120'), trafficToGb('2.5gb')]).toEqual([0.12, 1, 0.12, 2.5]);
  });

  it('reads the error envelope as a refusal', () => {
    expect(errorEnvelopeSchema.safeParse(JSON.parse(SEED_ERROR)).success).toBe(true);
    const outcome = classifyExchange(
      response(402, JSON.parse(SEED_ERROR)),
      () => ok('done'),
      (t) => t,
    );
    expect(outcome).toMatchObject({ kind: 'refused', code: 'insufficient_upstream_balance', httpStatus: 402 });
  });
});

describe('GateProxy error codes', () => {
  const documented: Array<[number, string, RefusalCode]> = [
    [401, 'unauthorized', 'unauthorized'],
    [404, 'provider_not_found', 'invalid_option'],
    [400, 'invalid_plan', 'invalid_option'],
    [400, 'invalid_json', 'rejected'],
    [402, 'insufficient_balance', 'insufficient_upstream_balance'],
    [409, 'order_processing', 'busy'],
    [404, 'order_not_found', 'not_found'],
    [404, 'proxy_not_found', 'not_found'],
    [400, 'usage_not_available', 'unsupported'],
  ];

  it.each(documented)('HTTP %i %s is refused as %s', (status, code, expected) => {
    const outcome = classifyExchange(
      response(status, { success: false, error: { code, message: 'documented' } }),
      () => ok('done'),
      (t) => t,
    );
    expect(outcome).toMatchObject({ kind: 'refused', code: expected, httpStatus: status });
  });

  it('502 provider_error stays ambiguous: a gateway error cannot prove nothing was bought', () => {
    const outcome = classifyExchange(
      response(502, { success: false, error: { code: 'provider_error', message: 'Provider or stock issue.' } }),
      () => ok('done'),
      (t) => t,
    );
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'server_error', httpStatus: 502 });
    if (outcome.kind === 'ambiguous') expect(outcome.message).toContain('provider_error');
  });

  it('a 2xx envelope saying failure is a refusal only for codes that mean nothing was done', () => {
    const envelope = (code: string) => response(200, { success: false, error: { code, message: 'x' } });
    const run = (exchange: HttpExchange) =>
      classifyExchange(
        exchange,
        () => ok('done'),
        (t) => t,
      );
    expect(run(envelope('order_processing'))).toMatchObject({ kind: 'refused', code: 'busy' });
    expect(run(envelope('something_new'))).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
    expect(run(response(200, { success: false }))).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
  });

  it('masks the API key in messages built from upstream text', () => {
    const key = 'gpk_live_secret123';
    const client = createGateProxyClient({ apiKey: key, baseUrl: running.url });
    const outcome = classifyExchange(
      response(401, { success: false, error: { code: 'unauthorized', message: `token ${key} revoked` } }),
      () => ok('done'),
      client.redact,
    );
    expect(outcome).toMatchObject({ kind: 'refused', code: 'unauthorized' });
    expectNoSecret(outcome, key);
  });

  it('a wrong key is refused as unauthorized, even when the upstream repeats the key', async () => {
    await useSimulator({ echoTokenInErrors: true });
    const wrongKey = 'gpk_live_wrong0123456789';
    const outcome = await gateProxy(wrongKey).getCatalog();
    expect(outcome).toMatchObject({ kind: 'refused', code: 'unauthorized', httpStatus: 401 });
    expectNoSecret(outcome, wrongKey);
    if (outcome.kind === 'refused') expect(outcome.message).toContain('***');
    const order = await gateProxy(wrongKey).purchase({ choice: NODEMAVEN_1GB, reference: 'o-1' });
    expect(order).toMatchObject({ kind: 'refused', code: 'unauthorized' });
    expect(sim.purchaseCount()).toBe(0);
  });

  it('an unknown provider or plan is an invalid option, and the plan is sent exactly as pricing lists it', async () => {
    const gate = gateProxy();
    const unknownProvider = await gate.purchase({ choice: { ...NODEMAVEN_1GB, productId: 'luminati' }, reference: 'o-1' });
    expect(unknownProvider).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 404 });
    // The docs' own example sends "1GB" to NodeMaven, whose pricing lists "1".
    const unknownPlan = await gate.purchase({ choice: { ...NODEMAVEN_1GB, termId: '1GB' }, reference: 'o-2' });
    expect(unknownPlan).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 400 });
    expect(await gate.quote({ ...NODEMAVEN_1GB, productId: 'luminati' })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
    expect(sim.purchaseCount()).toBe(0);
  });

  it('refuses quantities and countries GateProxy cannot sell, without calling it', async () => {
    const gate = gateProxy();
    expect(await gate.purchase({ choice: { ...NODEMAVEN_1GB, quantity: 2 }, reference: 'o-1' })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
    expect(await gate.quote({ ...NODEMAVEN_1GB, countryCode: 'US' })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
    expect(sim.purchaseCount()).toBe(0);
  });

  it('usage of an unknown order is not found; providers without a usage checker are unsupported', async () => {
    const gate = gateProxy();
    expect(await gate.usage!('ord_nothere')).toMatchObject({ kind: 'refused', code: 'not_found', httpStatus: 404 });
    const bought = value(await gate.purchase({ choice: { productId: 'proxyseller', termId: '1GB', quantity: 1 }, reference: 'o-1' }));
    expect(await gate.usage!(bought.upstreamOrderId)).toMatchObject({
      kind: 'refused',
      code: 'unsupported',
      httpStatus: 400,
    });
  });

  it('an unknown order id is not found', async () => {
    const client = createGateProxyClient({ apiKey: sim.apiKey, baseUrl: running.url, timeoutMs: 300 });
    expect(await client.getOrder('ord_nothere')).toMatchObject({ kind: 'refused', code: 'not_found', httpStatus: 404 });
  });

  it('the simulator answers a body that is not JSON with invalid_json', async () => {
    const answer = await rawOrder('{"provider": nodemaven');
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({
      success: false,
      error: { code: 'invalid_json', message: 'Request body is not valid JSON.' },
    });
  });

  it('the simulator accepts the documented token methods and leaves /health open', async () => {
    const viaHeader = await fetch(`${running.url}/account/balance`, { headers: { 'X-API-Token': sim.apiKey } });
    const viaQuery = await fetch(`${running.url}/account/balance?api_token=${sim.apiKey}`);
    const without = await fetch(`${running.url}/account/balance`);
    const health = await fetch(`${running.url}/health`);
    expect([viaHeader.status, viaQuery.status, without.status, health.status]).toEqual([200, 200, 401, 200]);
    expect(await viaHeader.json()).toEqual({ success: true, balance: 50, currency: 'USD' });
    expect(await without.json()).toMatchObject({ success: false, error: { code: 'unauthorized' } });
  });
});

describe('GateProxy round trip', () => {
  it('catalog → quote → purchase → proxies → usage → balance → findPurchase', async () => {
    const gate = gateProxy();

    const catalog = value(await gate.getCatalog());
    expect(catalog.products.map((p) => p.id)).toEqual(['abcproxy', '9proxy', 'proxyseller', 'nodemaven', 'dataimpulse', '9proxy_cd_key']);
    const nodemaven = catalog.products.find((p) => p.id === 'nodemaven')!;
    expect(nodemaven.terms.map((t) => [t.id, t.label, t.trafficGb, t.unitCostCents])).toEqual([
      ['0.120', '120 MB', 0.12, 45],
      ['1', '1 GB', 1, 350],
      ['5', '5 GB', 5, 1625],
    ]);
    expect(catalog.products.find((p) => p.id === 'abcproxy')!.terms[0]).toMatchObject({ id: '1GB', unitCostCents: 280 });

    expect(value(await gate.quote(NODEMAVEN_1GB))).toEqual({ unitCostCents: 350, totalCostCents: 350, exact: false });

    const sentAt = new Date().toISOString();
    const bought = value(await gate.purchase({ choice: NODEMAVEN_1GB, reference: 'shop-order-1' }));
    const upstream = sim.order(bought.upstreamOrderId)!;
    expect(upstream).toBeDefined();
    const expectedProxy = {
      upstreamId: upstream.orderId,
      host: upstream.proxy.host,
      httpPort: upstream.proxy.port,
      login: upstream.proxy.username,
      password: upstream.proxy.password,
      status: 'active',
      trafficLimitGb: 1,
    };
    expect(bought.proxies).toEqual([expectedProxy]);

    expect(value(await gate.listProxies())).toEqual([expectedProxy]);

    sim.addUsageGb(upstream.orderId, 0.25);
    expect(value(await gate.usage!(upstream.orderId))).toEqual({ usedGb: 0.25, remainingGb: 0.75, totalGb: 1 });
    // The login is the one GateProxy knows the proxy by.
    const client = createGateProxyClient({ apiKey: sim.apiKey, baseUrl: running.url, timeoutMs: 300 });
    expect(value(await client.usageByUsername('nodemaven', expectedProxy.login)).order_id).toBe(upstream.orderId);

    expect(value(await gate.balance!())).toEqual({ balanceCents: 5000 - 350 });
    expect(sim.balanceCents()).toBe(4650);

    const lookup = { reference: 'shop-order-1', choice: NODEMAVEN_1GB, sentAt, isKnownUpstreamId: () => false };
    expect(value(await gate.findPurchase(lookup))).toMatchObject({
      upstreamOrderId: upstream.orderId,
      proxies: [expectedProxy],
      costCents: 350,
    });
    // Once recorded, the order is not claimed again; a purchase never made is not found.
    expect(await gate.findPurchase({ ...lookup, isKnownUpstreamId: (id: string) => [upstream.orderId].includes(id) })).toEqual(ok(null));
    expect(
      await gate.findPurchase({
        ...lookup,
        reference: 'never-sent',
        choice: { ...NODEMAVEN_1GB, termId: '5' },
        isKnownUpstreamId: (id: string) => [upstream.orderId].includes(id),
      }),
    ).toEqual(ok(null));

    expect(gate.renew).toBeUndefined();
    expect(gate.changeCredentials).toBeUndefined();
  });

  it('rounds sub-cent USDT prices up, and the upstream balance down', async () => {
    const gate = gateProxy();
    const catalog = value(await gate.getCatalog());
    const halfGb = catalog.products.find((p) => p.id === 'dataimpulse')!.terms.find((t) => t.id === '0.5')!;
    expect(halfGb).toMatchObject({ label: '500 MB', trafficGb: 0.5, unitCostCents: 68 });
    value(await gate.purchase({ choice: { productId: 'dataimpulse', termId: '0.5', quantity: 1 }, reference: 'o-1' }));
    expect(sim.balanceUsd()).toBeCloseTo(49.325, 6);
    expect(value(await gate.balance!())).toEqual({ balanceCents: 4932 });
  });

  it('maps a SOCKS5 delivery to the SOCKS5 port', async () => {
    sim.setDeliveredProtocol('9proxy_cd_key', 'SOCKS5');
    const gate = gateProxy();
    const bought = value(await gate.purchase({ choice: { productId: '9proxy_cd_key', termId: '1GB', quantity: 1 }, reference: 'o-1' }));
    expect(bought.proxies[0]).toMatchObject({ socks5Port: 6000, host: 'cdkey.9proxy.gateproxy.store' });
    expect(bought.proxies[0]!.httpPort).toBeUndefined();
  });

  it('leaves deactivated providers out of the catalog', async () => {
    sim.setProviderActive('proxyseller', false);
    const catalog = value(await gateProxy().getCatalog());
    expect(catalog.products.map((p) => p.id)).not.toContain('proxyseller');
    expect(catalog.products).toHaveLength(5);
  });

  it('falls back to per-provider pricing when GET /pricing is unavailable', async () => {
    const full = value(await gateProxy().getCatalog());
    sim.faults.inject({ kind: 'error_before', status: 404 }, { path: '/pricing' });
    const fallback = value(await gateProxy().getCatalog());
    expect(fallback).toEqual(full);
  });

  it('lists proxies across several pages of order history', async () => {
    sim.setBalanceCents(100_000);
    const old = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < 120; i++) sim.placeOrderElsewhere('abcproxy', '1GB', old);
    const gate = gateProxy();
    value(await gate.purchase({ choice: NODEMAVEN_1GB, reference: 'o-1' }));
    const proxies = value(await gate.listProxies());
    expect(proxies).toHaveLength(121);
    expect(new Set(proxies.map((p) => p.upstreamId)).size).toBe(121);
  });
});

describe('GateProxy purchase lookup without a reference', () => {
  it('ignores orders that were already in the history when the purchase was sent', async () => {
    sim.placeOrderElsewhere('nodemaven', '1', new Date(Date.now() - 3_600_000));
    const gate = gateProxy();
    const sentAt = new Date().toISOString();
    sim.faults.inject({ kind: 'hang_before' }, { method: 'POST', path: '/orders' });
    expect(await gate.purchase({ choice: NODEMAVEN_1GB, reference: 'o-1' })).toMatchObject({ kind: 'ambiguous' });
    const lookup = { reference: 'o-1', choice: NODEMAVEN_1GB, sentAt, isKnownUpstreamId: () => false };
    expect(await gate.findPurchase(lookup)).toEqual(ok(null));
  });

  it('several orders appeared since the purchase was sent: a person decides, even when one is earlier', async () => {
    sim.setBalanceCents(100_000);
    const gate = gateProxy();
    const sentAt = new Date().toISOString();
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: '/orders' });
    expect(await gate.purchase({ choice: NODEMAVEN_1GB, reference: 'o-1' })).toMatchObject({ kind: 'ambiguous' });
    const ours = sim.orders()[0]!;
    const later = new Date(Date.now() + 60_000);
    const elsewhere = sim.placeOrderElsewhere('nodemaven', '1', later);
    // Other providers' orders in between, over more than one page of history.
    for (let i = 0; i < 120; i++) sim.placeOrderElsewhere('dataimpulse', '1', later);

    const outcome = await gate.findPurchase({ reference: 'o-1', choice: NODEMAVEN_1GB, sentAt, isKnownUpstreamId: () => false });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'needs_operator' });
    if (outcome.kind !== 'ambiguous') return;
    expect(outcome.message).toContain(ours.orderId);
    expect(outcome.message).toContain(elsewhere.orderId);
    // Once the operator records the other one, ours is the only candidate left.
    const found = value(
      await gate.findPurchase({
        reference: 'o-1',
        choice: NODEMAVEN_1GB,
        sentAt,
        isKnownUpstreamId: (id: string) => [elsewhere.orderId].includes(id),
      }),
    );
    expect(found?.upstreamOrderId).toBe(ours.orderId);
  });
});

describe('GateProxy faults', () => {
  const purchase = (gate: ProxyProvider) => gate.purchase({ choice: NODEMAVEN_1GB, reference: 'shop-order-1' });
  const lookup = (sentAt: string) => ({ reference: 'shop-order-1', choice: NODEMAVEN_1GB, sentAt, isKnownUpstreamId: () => false });

  it('hang before processing: ambiguous timeout, nothing bought, lookup finds nothing', async () => {
    sim.faults.inject({ kind: 'hang_before' }, { method: 'POST', path: '/orders' });
    const gate = gateProxy();
    const sentAt = new Date().toISOString();
    const outcome = await purchase(gate);
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'timeout' });
    expectNoSecret(outcome);
    expect(sim.purchaseCount()).toBe(0);
    expect(sim.balanceCents()).toBe(5000);
    expect(await gate.findPurchase(lookup(sentAt))).toEqual(ok(null));
  });

  it('hang after processing: ambiguous, exactly one purchase, which the lookup finds', async () => {
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: '/orders' });
    const gate = gateProxy();
    const sentAt = new Date().toISOString();
    const outcome = await purchase(gate);
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'timeout' });
    expectNoSecret(outcome);
    expect(sim.purchaseCount()).toBe(1);
    const upstream = sim.orders()[0]!;
    const found = value(await gate.findPurchase(lookup(sentAt)));
    expect(found).toMatchObject({ upstreamOrderId: upstream.orderId });
    expect(found?.proxies[0]).toMatchObject({ login: upstream.proxy.username, password: upstream.proxy.password });
  });

  it('5xx after processing is ambiguous server_error', async () => {
    sim.faults.inject({ kind: 'error_after' }, { method: 'POST', path: '/orders' });
    const outcome = await purchase(gateProxy());
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'server_error', httpStatus: 502 });
    expectNoSecret(outcome);
    expect(sim.purchaseCount()).toBe(1);
  });

  it('a malformed 2xx after processing is ambiguous malformed', async () => {
    sim.faults.inject({ kind: 'malformed_after' }, { method: 'POST', path: '/orders' });
    const outcome = await purchase(gateProxy());
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
    expectNoSecret(outcome);
    expect(sim.purchaseCount()).toBe(1);
  });

  it('429 on an order is not in the reference: ambiguous, and the write is not retried', async () => {
    sim.faults.inject({ kind: 'rate_limited' }, { method: 'POST', path: '/orders' });
    const outcome = await purchase(gateProxy());
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'undocumented', httpStatus: 429 });
    expectNoSecret(outcome);
    expect(sim.purchaseCount()).toBe(0);
  });

  it('out of stock answers 502 provider_error: ambiguous, nothing bought, lookup finds nothing', async () => {
    sim.setOutOfStock(true, 'nodemaven');
    const gate = gateProxy();
    const sentAt = new Date().toISOString();
    const outcome = await purchase(gate);
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'server_error', httpStatus: 502 });
    if (outcome.kind === 'ambiguous') expect(outcome.message).toContain('provider_error');
    expectNoSecret(outcome);
    expect(sim.purchaseCount()).toBe(0);
    expect(sim.balanceCents()).toBe(5000);
    expect(await gate.findPurchase(lookup(sentAt))).toEqual(ok(null));
    // Other providers still sell.
    value(await gate.purchase({ choice: { productId: 'abcproxy', termId: '1GB', quantity: 1 }, reference: 'o-2' }));
  });

  it('a balance too low is refused insufficient_upstream_balance', async () => {
    sim.setBalanceCents(300);
    const outcome = await purchase(gateProxy());
    expect(outcome).toMatchObject({ kind: 'refused', code: 'insufficient_upstream_balance', httpStatus: 402 });
    expectNoSecret(outcome);
    expect(sim.purchaseCount()).toBe(0);
    expect(sim.balanceCents()).toBe(300);
  });
});

describe('GateProxy runs one order at a time', () => {
  it('two raw concurrent orders: the second gets 409 order_processing', async () => {
    sim.setOrderProcessingMs(300);
    const first = rawOrder(JSON.stringify({ provider: 'nodemaven', plan: '1' }));
    await waitFor(() => sim.ordersInProgress() === 1, { what: 'the first order to be running' });
    const second = await rawOrder(JSON.stringify({ provider: 'nodemaven', plan: '1' }));
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ success: false, error: { code: 'order_processing' } });
    expect((await first).status).toBe(200);
    expect(sim.purchaseCount()).toBe(1);
  });

  it('the adapter serializes its own orders, so concurrent purchases both succeed', async () => {
    sim.setOrderProcessingMs(100);
    const gate = gateProxy(sim.apiKey, 2_000);
    const [a, b] = await Promise.all([
      gate.purchase({ choice: NODEMAVEN_1GB, reference: 'o-1' }),
      gate.purchase({ choice: { productId: 'abcproxy', termId: '1GB', quantity: 1 }, reference: 'o-2' }),
    ]);
    expect(value(a).upstreamOrderId).not.toBe(value(b).upstreamOrderId);
    expect(sim.busyRejections()).toBe(0);
    expect(sim.purchaseCount()).toBe(2);
  });

  it('an order running elsewhere on the account makes ours refused busy', async () => {
    sim.setOrderProcessingMs(300);
    const elsewhere = rawOrder(JSON.stringify({ provider: 'abcproxy', plan: '1GB' }));
    await waitFor(() => sim.ordersInProgress() === 1, { what: 'the other order to be running' });
    const outcome = await gateProxy(sim.apiKey, 2_000).purchase({ choice: NODEMAVEN_1GB, reference: 'o-1' });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'busy', httpStatus: 409 });
    expect((await elsewhere).status).toBe(200);
    expect(sim.purchaseCount()).toBe(1);
  });
});

describe('GateProxy capabilities', () => {
  it('declares exactly the optional methods it has', () => {
    const gate = gateProxy();
    const has = (name: keyof ProxyProvider) => typeof gate[name] === 'function';
    expect(gate.capabilities).toEqual({
      quote: false,
      renew: has('renew') && has('renewalTerms'),
      changeCredentials: has('changeCredentials'),
      rotateIp: has('rotateIp'),
      switchLocation: has('switchLocation') && has('locations'),
      usage: has('usage'),
      balance: has('balance'),
      findPurchase: true,
      targeting: has('targetingOptions') && has('targetedCredentials'),
      // More traffic is a new order (purchase + findPurchase, which every adapter has), linked to the card.
      addTrafficByNewOrder: true,
    });
    expect([gate.capabilities.usage, gate.capabilities.balance, gate.capabilities.renew]).toEqual([true, true, false]);
    expect(has('renewalTerms') || has('rotateIp') || has('locations')).toBe(false);
  });
});
