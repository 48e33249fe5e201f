/**
 * Contract tests of the proxy-panel adapter against its simulator over real
 * HTTP: the seed's examples parse and map, every documented gateway error
 * becomes the right outcome, a full purchase-to-switch round trip works, and
 * faults end in outcomes the purchase saga can act on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  catalogTermId,
  createProxyPanelProvider,
  locationOf,
  parseCatalogTermId,
  parseRenewalTermId,
  productsFromPlans,
  proxyFromSubscription,
  purchasedIds,
  renewalTermsOf,
  renewResultOf,
} from '../../src/providers/proxy-panel/adapter.js';
import {
  availableNetworksAnswerSchema,
  changeCredentialsAnswerSchema,
  createProxyPanelClient,
  panelOutcome,
  plansAnswerSchema,
  purchaseAnswerSchema,
  renewalPlansAnswerSchema,
  renewAnswerSchema,
  subscriptionsAnswerSchema,
  switchNetworkAnswerSchema,
  type ProxyPanelClient,
} from '../../src/providers/proxy-panel/client.js';
import type { OrderChoice, Outcome, ProxyProvider, PurchaseLookup } from '../../src/providers/types.js';
import type { RunningSimulator } from '../../src/sandbox/upstreams/sim-server.js';
import {
  createProxyPanelSimulator,
  DAY_MS,
  NETWORK_IDS,
  PLAN_IDS,
  type ProxyPanelSimulator,
} from '../../src/sandbox/upstreams/proxy-panel/index.js';

// ---------------------------------------------------------------------------
// The example answers of the API reference, verbatim
// ---------------------------------------------------------------------------

const SEED_PLANS = JSON.parse(`{
"ok": true,
"plans": [
{
"id": "k17m3q5v7n9p1r2t4w6y8z0a",
"connectionType": "private",
"durationMs": 2592000000,
"priceAmountCents": 1200,
"popular": true,
"network": {
"name": "NL-AMS",
"city": "Amsterdam",
"country": "NL",
"networkType": "mobile"
}
}
]
}`);

const SEED_SUBSCRIPTIONS = JSON.parse(`{
"ok": true,
"subscriptions": [
{
"subscriptionId": "j97b2f6m1k4n8p3r5t7v9x0z",
"status": "active",
"activeUntil": 1762592000000,
"userNote": "Client A",
"rotationPolicy": 10,
"label": "12001 - NL - Private",
"networkLabel": "NL-AMS Amsterdam",
"credentials": {
"username": "u_6k8s9d",
"password": "p_2n4m6q"
},
"protocols": {
"http": "http://u_6k8s9d:p_2n4m6q@proxy.example.com:12001",
"socks5": "socks5://u_6k8s9d:p_2n4m6q@proxy.example.com:12001",
"vless": "vless://...",
"shadowsocks": "ss://..."
},
"rotate": {
"rotatePath": "/r/abcd1234",
"available": true
}
}
]
}`);

const SEED_RENEWAL_PLANS = JSON.parse(`{
"ok": true,
"renewalPlans": [
{
"id": "k17m3q5v7n9p1r2t4w6y8z0a",
"connectionType": "private",
"durationMs": 2592000000,
"priceAmountCents": 1200
}
]
}`);

const SEED_NETWORKS = JSON.parse(`{
"ok": true,
"networks": [
{
"id": "b1c2d3e4f5g6h7j8k9m0n1p2",
"networkLabel": "DE-BER Berlin",
"country": "DE"
}
]
}`);

const SEED_PURCHASE = JSON.parse(`{
"ok": true,
"subscriptionId": "j97b2f6m1k4n8p3r5t7v9x0z",
"subscriptionIds": [
"j97b2f6m1k4n8p3r5t7v9x0z",
"n38k2f6m1k4n8p3r5t7v9x0z"
],
"subscriptions": [
{
"subscriptionId": "j97b2f6m1k4n8p3r5t7v9x0z",
"status": "active",
"activeUntil": 1767776000000,
"label": "12001 - NL - Private",
"networkLabel": "NL-AMS Amsterdam"
},
{
"subscriptionId": "n38k2f6m1k4n8p3r5t7v9x0z",
"status": "active",
"activeUntil": 1767776000000,
"label": "12002 - NL - Private",
"networkLabel": "NL-AMS Amsterdam"
}
]
}`);

const SEED_RENEW = JSON.parse(`{
"ok": true,
"subscriptionId": "j97b2f6m1k4n8p3r5t7v9x0z",
"endAt": 1770368000000
}`);

const SEED_CHANGE_CREDENTIALS = JSON.parse(`{
"ok": true,
"password": "q7N3x9Lp",
"vpn": "7f3d9d4a-8b9f-4a93-9f55-2d5e3b7f1c24"
}`);

const SEED_SWITCH_NETWORK = JSON.parse(`{
"ok": true,
"subscription": {
"subscriptionId": "j97b2f6m1k4n8p3r5t7v9x0z",
"status": "active",
"activeUntil": 1762592000000,
"userNote": "Client A",
"rotationPolicy": 10,
"label": "12001 - DE - Private",
"networkLabel": "DE-BER Berlin",
"credentials": {
"username": "u_6k8s9d",
"password": "p_2n4m6q"
},
"protocols": {
"http": "http://u_6k8s9d:p_2n4m6q@proxy.example.com:12001",
"socks5": "socks5://u_6k8s9d:p_2n4m6q@proxy.example.com:12001",
"vless": "vless://...",
"shadowsocks": "ss://..."
},
"rotate": {
"rotatePath": "/r/abcd1234",
"available": true
}
}
}`);

const BASE = 'https://your-domain.com';

describe('proxy-panel: the reference examples parse and map into the common model', () => {
  it('a plan becomes the mobile-private product in NL with 30-day terms at 1200 cents per 30 days', () => {
    const parsed = plansAnswerSchema.parse(SEED_PLANS);
    const [product] = productsFromPlans(parsed.plans);
    expect(product).toMatchObject({
      id: 'mobile-private',
      kind: 'rotating',
      billing: 'period',
      protocols: ['http', 'socks5'],
      countries: [{ code: 'NL', name: 'Netherlands', available: true }],
      minQuantity: 1,
    });
    expect(product!.terms).toEqual([
      { id: '30d', label: '30 days', days: 30, unitCostCents: 1200 },
      { id: '30d-x2', label: '60 days (2 × 30 days)', days: 60, unitCostCents: 2400 },
      { id: '30d-x3', label: '90 days (3 × 30 days)', days: 90, unitCostCents: 3600 },
    ]);
  });

  it('a subscription becomes a proxy with host, ports and credentials from its protocol URLs', () => {
    const parsed = subscriptionsAnswerSchema.parse(SEED_SUBSCRIPTIONS);
    expect(proxyFromSubscription(parsed.subscriptions[0]!, BASE)).toEqual({
      upstreamId: 'j97b2f6m1k4n8p3r5t7v9x0z',
      host: 'proxy.example.com',
      httpPort: 12001,
      socks5Port: 12001,
      login: 'u_6k8s9d',
      password: 'p_2n4m6q',
      countryCode: 'NL',
      expiresAt: '2025-11-08T08:53:20.000Z',
      status: 'active',
      rotationUrl: 'https://your-domain.com/r/abcd1234',
    });
  });

  it('a renewal plan becomes renewal terms that name the plan', () => {
    const parsed = renewalPlansAnswerSchema.parse(SEED_RENEWAL_PLANS);
    const terms = parsed.renewalPlans.flatMap(renewalTermsOf);
    expect(terms[0]).toEqual({ id: 'plan-k17m3q5v7n9p1r2t4w6y8z0a', label: '30 days', days: 30, unitCostCents: 1200 });
    expect(terms.map((t) => parseRenewalTermId(t.id))).toEqual([
      { planId: 'k17m3q5v7n9p1r2t4w6y8z0a', repeatCount: 1 },
      { planId: 'k17m3q5v7n9p1r2t4w6y8z0a', repeatCount: 2 },
      { planId: 'k17m3q5v7n9p1r2t4w6y8z0a', repeatCount: 3 },
    ]);
  });

  it('an available network becomes a location whose code is the network id', () => {
    const parsed = availableNetworksAnswerSchema.parse(SEED_NETWORKS);
    expect(parsed.networks.map(locationOf)).toEqual([{ code: 'b1c2d3e4f5g6h7j8k9m0n1p2', name: 'DE-BER Berlin', available: true }]);
  });

  it('a purchase answer gives the new ids, in the list shape and in the single-subscription shape', () => {
    expect(purchasedIds(purchaseAnswerSchema.parse(SEED_PURCHASE))).toEqual(['j97b2f6m1k4n8p3r5t7v9x0z', 'n38k2f6m1k4n8p3r5t7v9x0z']);
    // "If a single subscription is created, the gateway may return subscription instead of subscriptions."
    const single = { ok: true, subscriptionId: 'j97b2f6m1k4n8p3r5t7v9x0z', subscription: SEED_PURCHASE.subscriptions[0] };
    expect(purchasedIds(purchaseAnswerSchema.parse(single))).toEqual(['j97b2f6m1k4n8p3r5t7v9x0z']);
  });

  it('a renewal answer gives the new expiry; a credentials answer the new password', () => {
    expect(renewResultOf(renewAnswerSchema.parse(SEED_RENEW))).toEqual({ newExpiresAt: '2026-02-06T08:53:20.000Z' });
    expect(changeCredentialsAnswerSchema.parse(SEED_CHANGE_CREDENTIALS).password).toBe('q7N3x9Lp');
  });

  it('a switch-network answer becomes the moved proxy, now in DE', () => {
    const parsed = switchNetworkAnswerSchema.parse(SEED_SWITCH_NETWORK);
    expect(proxyFromSubscription(parsed.subscription, BASE)).toMatchObject({
      upstreamId: 'j97b2f6m1k4n8p3r5t7v9x0z',
      host: 'proxy.example.com',
      countryCode: 'DE',
      login: 'u_6k8s9d',
      password: 'p_2n4m6q',
    });
  });

  it('unknown extra fields do not break parsing', () => {
    const withExtras = { ...SEED_PLANS, page: 1, plans: [{ ...SEED_PLANS.plans[0], stockHint: 'low' }] };
    expect(plansAnswerSchema.safeParse(withExtras).success).toBe(true);
  });

  it('term ids lead back to the duration and repeat count', () => {
    expect(parseCatalogTermId(catalogTermId(30 * DAY_MS, 2))).toEqual({ durationMs: 30 * DAY_MS, repeatCount: 2 });
    expect(parseCatalogTermId(catalogTermId(5_400_000, 1))).toEqual({ durationMs: 5_400_000, repeatCount: 1 });
    expect(parseCatalogTermId('monthly')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------
// Against the simulator
// ---------------------------------------------------------------------------

const NL_MOBILE_30D_X2: OrderChoice = { productId: 'mobile-private', countryCode: 'NL', termId: '30d-x2', quantity: 2 };
const NL_MOBILE_30D: OrderChoice = { productId: 'mobile-private', countryCode: 'NL', termId: '30d', quantity: 1 };
const WRONG_KEY = 'rk_wrong_key_that_must_stay_secret_4242';

let sim: ProxyPanelSimulator;
let running: RunningSimulator;
let provider: ProxyProvider;
let client: ProxyPanelClient;

beforeEach(async () => {
  sim = createProxyPanelSimulator();
  running = await sim.start();
  provider = createProxyPanelProvider({ apiKey: sim.apiKey, baseUrl: running.url, timeoutMs: 300 });
  client = createProxyPanelClient({ apiKey: sim.apiKey, baseUrl: running.url, timeoutMs: 300 });
});

afterEach(async () => {
  await running.close();
});

function lookup(choice: OrderChoice, sentAt: string, knownUpstreamIds: readonly string[] = []): PurchaseLookup {
  return { reference: 'order-1', choice, sentAt, isKnownUpstreamId: (id: string) => knownUpstreamIds.includes(id) };
}

/** Nothing we return may carry the API key, whatever went wrong. */
function expectNoSecret(outcome: Outcome<unknown>, key = sim.apiKey): void {
  expect(JSON.stringify(outcome)).not.toContain(key);
}

function purchaseRequests(): number {
  return sim.requests().filter((r) => r.op === 'purchase').length;
}

describe('proxy-panel: the simulator answers in the reference shapes', () => {
  it('plans, subscriptions and purchase answers have the documented fields', async () => {
    // The file's first purchase meets a cold server: a patient client, so only the shapes are tested.
    const patient = createProxyPanelClient({ apiKey: sim.apiKey, baseUrl: running.url, timeoutMs: 5_000 });
    const bought = await patient.purchase({ planId: PLAN_IDS.nlAmsMobilePrivate30d, repeatCount: 1, quantity: 2 });
    expect(bought.kind).toBe('ok');
    const keys = (value: object) => Object.keys(value).sort();

    // Raw JSON, unvalidated on purpose: the point is to compare field names with the reference.
    const raw = async (query: string): Promise<any> =>
      (await fetch(`${running.url}/api/proxy?${query}`, { headers: { 'x-api-key': sim.apiKey } })).json();
    const plans = await raw('op=plans');
    expect(keys(plans.plans[0])).toEqual(keys(SEED_PLANS.plans[0]));
    expect(keys(plans.plans[0].network)).toEqual(keys(SEED_PLANS.plans[0].network));
    const subscriptions = await raw('op=subscriptions');
    expect(keys(subscriptions.subscriptions[0])).toEqual(keys(SEED_SUBSCRIPTIONS.subscriptions[0]));
    expect(keys(subscriptions.subscriptions[0].protocols)).toEqual(keys(SEED_SUBSCRIPTIONS.subscriptions[0].protocols));
    if (bought.kind === 'ok') {
      expect(keys(bought.value)).toEqual(keys(SEED_PURCHASE));
      expect(bought.value.subscriptions?.length).toBe(2);
    }
    const id = subscriptions.subscriptions[0].subscriptionId;
    expect(keys(await raw(`op=renewal-plans&subscriptionId=${id}`))).toEqual(keys(SEED_RENEWAL_PLANS));
    const networks = await raw(`op=available-networks&subscriptionId=${id}`);
    expect(keys(networks.networks[0])).toEqual(keys(SEED_NETWORKS.networks[0]));
  });
});

describe('proxy-panel: every gateway error maps to the right outcome', () => {
  it('400 Invalid JSON body → refused invalid_option', async () => {
    const response = await fetch(`${running.url}/api/proxy`, {
      method: 'POST',
      headers: { 'x-api-key': sim.apiKey, 'content-type': 'application/json' },
      body: '{"op": "purchase",',
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toEqual({ ok: false, error: 'Invalid JSON body' });
    const outcome = panelOutcome(
      { kind: 'response', status: response.status, headers: response.headers, text, body: JSON.parse(text) },
      'purchase',
      'write',
      z.unknown(),
      (t) => t,
    );
    expect(outcome).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 400 });
  });

  it('400 Body must be an object, Missing or unknown op → refused invalid_option', async () => {
    expect(await client.postRaw([1, 2, 3])).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 400 });
    const unknownOp = await client.postRaw({ op: 'teleport' });
    expect(unknownOp).toMatchObject({ kind: 'refused', code: 'invalid_option' });
    expect(unknownOp.kind === 'refused' && unknownOp.message).toContain('Missing or unknown op');
  });

  it('400 Missing or invalid planId / subscriptionId / targetNetwork → refused invalid_option', async () => {
    const badPlan = await client.purchase({ planId: 'nosuchplan', repeatCount: 1, quantity: 1 });
    expect(badPlan).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 400 });
    const badSubscription = await client.renew({ subscriptionId: 'Not An Id', planId: PLAN_IDS.nlAmsMobilePrivate30d, repeatCount: 1 });
    expect(badSubscription).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 400 });

    const bought = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    if (bought.kind !== 'ok') throw new Error(`purchase failed: ${JSON.stringify(bought)}`);
    const id = bought.value.upstreamOrderId;
    const badNetwork = await provider.switchLocation!(id, 'nosuchnetwork');
    expect(badNetwork).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 400 });
    const badRenewalPlan = await provider.renew!({ upstreamId: id, termId: 'plan-nosuchplan', reference: 'r-1' });
    expect(badRenewalPlan).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 400 });
  });

  it('400 Invalid repeatCount or quantity → refused invalid_option, nothing bought', async () => {
    const outcome = await client.purchase({ planId: PLAN_IDS.nlAmsMobilePrivate30d, repeatCount: 0, quantity: 1 });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 400 });
    expect(sim.purchaseCount()).toBe(0);
  });

  it('401 Unauthorized → refused unauthorized, and the key is not in the message', async () => {
    const wrong = createProxyPanelProvider({ apiKey: WRONG_KEY, baseUrl: running.url, timeoutMs: 300 });
    const catalog = await wrong.getCatalog();
    expect(catalog).toMatchObject({ kind: 'refused', code: 'unauthorized', httpStatus: 401 });
    const purchase = await wrong.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    expect(purchase).toMatchObject({ kind: 'refused', code: 'unauthorized' });
    expect(sim.purchaseCount()).toBe(0);
    expectNoSecret(catalog, WRONG_KEY);
    expectNoSecret(purchase, WRONG_KEY);
  });

  it('an error text that quotes the API key is masked before it reaches us', async () => {
    const echoing = createProxyPanelSimulator({ echoKeyOnAuthError: true });
    const server = await echoing.start();
    try {
      // The upstream really does put the key in its answer...
      const raw = await fetch(`${server.url}/api/proxy?op=plans`, { headers: { 'x-api-key': WRONG_KEY } });
      expect(await raw.text()).toContain(WRONG_KEY);
      // ...but the outcome built from it does not carry it.
      const wrong = createProxyPanelProvider({ apiKey: WRONG_KEY, baseUrl: server.url, timeoutMs: 300 });
      const outcome = await wrong.getCatalog();
      expect(outcome).toMatchObject({ kind: 'refused', code: 'unauthorized' });
      expect(outcome.kind === 'refused' && outcome.message).toContain('***');
      expectNoSecret(outcome, WRONG_KEY);
    } finally {
      await server.close();
    }
  });

  it('402 Insufficient balance → refused insufficient_upstream_balance, nothing bought', async () => {
    sim.setBalanceCents(1000);
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'insufficient_upstream_balance', httpStatus: 402 });
    expect(sim.purchaseCount()).toBe(0);
    expect(sim.balanceCents()).toBe(1000);
    expectNoSecret(outcome);
  });

  it("403 Forbidden (another account's subscription) → refused forbidden", async () => {
    const foreign = sim.createForeignSubscription(PLAN_IDS.nlAmsMobilePrivate30d);
    const outcome = await provider.renewalTerms!(foreign.subscriptionId);
    expect(outcome).toMatchObject({ kind: 'refused', code: 'forbidden', httpStatus: 403 });
    const renew = await provider.renew!({
      upstreamId: foreign.subscriptionId,
      termId: `plan-${PLAN_IDS.nlAmsMobilePrivate30d}`,
      reference: 'r-1',
    });
    expect(renew).toMatchObject({ kind: 'refused', code: 'forbidden' });
  });

  it('404 Subscription not found → refused not_found', async () => {
    const unknown = 'zzzzzzzzzzzzzzzzzzzzzzzz';
    expect(await provider.renewalTerms!(unknown)).toMatchObject({ kind: 'refused', code: 'not_found', httpStatus: 404 });
    expect(
      await provider.renew!({ upstreamId: unknown, termId: `plan-${PLAN_IDS.nlAmsMobilePrivate30d}`, reference: 'r-1' }),
    ).toMatchObject({ kind: 'refused', code: 'not_found' });
    expect(await provider.changeCredentials!(unknown)).toMatchObject({ kind: 'refused', code: 'not_found' });
    expect(await provider.locations!(unknown)).toMatchObject({ kind: 'refused', code: 'not_found' });
  });

  it('409 Sold out → refused out_of_stock, nothing bought', async () => {
    sim.setOutOfStock(true, 'mobile-private');
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'out_of_stock', httpStatus: 409 });
    expect(sim.purchaseCount()).toBe(0);
    sim.setOutOfStock(false, 'mobile-private');
    expect((await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-2' })).kind).toBe('ok');
  });

  it('409 inactive plan → refused invalid_option; an unlisted plan is refused before any purchase is sent', async () => {
    sim.setPlanActive(PLAN_IDS.nlAmsMobilePrivate30d, false);
    const direct = await client.purchase({ planId: PLAN_IDS.nlAmsMobilePrivate30d, repeatCount: 1, quantity: 1 });
    expect(direct).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 409 });
    const viaProvider = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    expect(viaProvider).toMatchObject({ kind: 'refused', code: 'invalid_option' });
    expect(purchaseRequests()).toBe(1);
  });

  it('409 invalid subscription state (expired) → refused rejected', async () => {
    const bought = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    if (bought.kind !== 'ok') throw new Error('purchase failed');
    sim.expireSubscription(bought.value.upstreamOrderId);
    const outcome = await provider.changeCredentials!(bought.value.upstreamOrderId);
    expect(outcome).toMatchObject({ kind: 'refused', code: 'rejected', httpStatus: 409 });
  });

  it('500 Internal error → ambiguous server_error', async () => {
    sim.faults.inject({ kind: 'error_before', status: 500 }, { op: 'purchase' });
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'server_error', httpStatus: 500 });
  });

  it('a 2xx with ok:false is ambiguous for a write and a refusal for a read', () => {
    const exchange = {
      kind: 'response' as const,
      status: 200,
      headers: new Headers(),
      text: '{"ok":false,"error":"something"}',
      body: { ok: false, error: 'something' },
    };
    expect(panelOutcome(exchange, 'purchase', 'write', z.unknown(), (t) => t)).toMatchObject({ kind: 'ambiguous' });
    expect(panelOutcome(exchange, 'plans', 'read', z.unknown(), (t) => t)).toMatchObject({
      kind: 'refused',
      code: 'rejected',
    });
  });
});

describe('proxy-panel: round trip against the simulator', () => {
  it('the catalog groups plans by network type and connection type', async () => {
    const catalog = await provider.getCatalog();
    if (catalog.kind !== 'ok') throw new Error(JSON.stringify(catalog));
    const products = catalog.value.products;
    expect(products.map((p) => p.id)).toEqual([
      'datacenter-private',
      'datacenter-shared',
      'mobile-private',
      'mobile-shared',
      'residential-private',
    ]);
    const mobile = products.find((p) => p.id === 'mobile-private')!;
    expect(mobile.kind).toBe('rotating');
    expect(mobile.countries.map((c) => c.code)).toEqual(['DE', 'NL', 'US']);
    expect(mobile.terms.map((t) => t.id)).toEqual(['7d', '7d-x2', '7d-x3', '30d', '30d-x2', '30d-x3']);
    // 7 days cost 400 wherever sold; 30 days cost 1200 in NL/DE but 1500 in US, so only a quote tells.
    expect(mobile.terms.find((t) => t.id === '7d-x2')).toMatchObject({ days: 14, unitCostCents: 800 });
    expect(mobile.terms.find((t) => t.id === '30d')?.unitCostCents).toBeUndefined();
    expect(products.find((p) => p.id === 'datacenter-shared')?.kind).toBe('static');
  });

  it('a quote is catalog arithmetic: price × repeatCount × quantity', async () => {
    expect(await provider.quote(NL_MOBILE_30D_X2)).toEqual({
      kind: 'ok',
      value: { unitCostCents: 2400, totalCostCents: 4800, exact: false },
    });
    expect(await provider.quote({ ...NL_MOBILE_30D, countryCode: 'US' })).toEqual({
      kind: 'ok',
      value: { unitCostCents: 1500, totalCostCents: 1500, exact: false },
    });
    // US sells no 7-day mobile plan.
    expect(await provider.quote({ ...NL_MOBILE_30D, countryCode: 'US', termId: '7d' })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
  });

  it('purchase → list → renew → change credentials → rotate → switch network → find', async () => {
    const balanceBefore = sim.balanceCents();
    const sentAt = new Date().toISOString();
    const bought = await provider.purchase({ choice: NL_MOBILE_30D_X2, reference: 'order-1' });
    if (bought.kind !== 'ok') throw new Error(JSON.stringify(bought));

    // Two subscriptions of 2 × 30 days, charged 2 × 2 × 1200 cents.
    expect(bought.value.proxies).toHaveLength(2);
    expect(sim.purchaseCount()).toBe(1);
    expect(sim.balanceCents()).toBe(balanceBefore - 4800);
    for (const proxy of bought.value.proxies) {
      const stored = sim.subscription(proxy.upstreamId)!;
      expect(proxy).toMatchObject({
        host: 'proxy.example.com',
        httpPort: stored.port,
        socks5Port: stored.port,
        login: stored.username,
        password: stored.password,
        countryCode: 'NL',
        status: 'active',
        expiresAt: new Date(stored.activeUntil).toISOString(),
        rotationUrl: `${running.url}/r/${stored.rotateToken}`,
      });
      expect(stored.activeUntil - stored.createdAt).toBe(60 * DAY_MS);
    }
    expect(bought.value.upstreamOrderId).toBe(bought.value.proxies[0]!.upstreamId);

    const listed = await provider.listProxies();
    if (listed.kind !== 'ok') throw new Error(JSON.stringify(listed));
    expect(listed.value).toEqual(expect.arrayContaining(bought.value.proxies));

    // Renew for 2 × 7 days with a renewal term.
    const id = bought.value.proxies[0]!.upstreamId;
    const terms = await provider.renewalTerms!(id);
    if (terms.kind !== 'ok') throw new Error(JSON.stringify(terms));
    expect(terms.value.map((t) => t.id)).toContain(`plan-${PLAN_IDS.nlAmsMobilePrivate7d}-x2`);
    expect(terms.value.find((t) => t.id === `plan-${PLAN_IDS.nlAmsMobilePrivate7d}-x2`)?.unitCostCents).toBe(800);
    const endBefore = sim.subscription(id)!.activeUntil;
    const renewed = await provider.renew!({ upstreamId: id, termId: `plan-${PLAN_IDS.nlAmsMobilePrivate7d}-x2`, reference: 'r-1' });
    expect(renewed).toEqual({ kind: 'ok', value: { newExpiresAt: new Date(endBefore + 14 * DAY_MS).toISOString() } });
    expect(sim.subscription(id)!.activeUntil).toBe(endBefore + 14 * DAY_MS);
    expect(sim.balanceCents()).toBe(balanceBefore - 4800 - 800);

    // A catalog term works for renewal too: 30 days = the 30-day renewal plan.
    const renewedAgain = await provider.renew!({ upstreamId: id, termId: '30d', reference: 'r-2' });
    expect(renewedAgain).toEqual({
      kind: 'ok',
      value: { newExpiresAt: new Date(endBefore + 44 * DAY_MS).toISOString() },
    });

    // New password, same login.
    const oldLogin = sim.subscription(id)!.username;
    const changed = await provider.changeCredentials!(id);
    expect(changed).toEqual({ kind: 'ok', value: { login: oldLogin, password: sim.subscription(id)!.password } });
    const relisted = await provider.listProxies();
    expect(relisted.kind === 'ok' && relisted.value.find((p) => p.upstreamId === id)?.password).toBe(sim.subscription(id)!.password);

    // The rotate link gives a new exit address.
    const exitBefore = sim.subscription(id)!.exitIp;
    expect(await provider.rotateIp!(id)).toEqual({ kind: 'ok', value: { rotated: true } });
    expect(sim.subscription(id)!.rotations).toBe(1);
    expect(sim.subscription(id)!.exitIp).not.toBe(exitBefore);

    // Other mobile networks are offered; moving to Berlin makes it a DE proxy.
    const locations = await provider.locations!(id);
    expect(locations).toEqual({
      kind: 'ok',
      value: [
        { code: NETWORK_IDS.deBer, name: 'DE-BER Berlin', available: true },
        { code: NETWORK_IDS.usNyc, name: 'US-NYC New York', available: true },
      ],
    });
    const moved = await provider.switchLocation!(id, NETWORK_IDS.deBer);
    expect(moved).toMatchObject({ kind: 'ok', value: { upstreamId: id, countryCode: 'DE', login: oldLogin } });
    expect(sim.subscription(id)!.networkId).toBe(NETWORK_IDS.deBer);

    // The lost-answer lookup finds the purchase; once we own the ids, it finds nothing.
    const found = await provider.findPurchase(lookup(NL_MOBILE_30D_X2, sentAt));
    // One of the two moved to DE, so only one still matches the NL choice: not enough to be sure.
    expect(found).toMatchObject({ kind: 'ambiguous' });
    const secondId = bought.value.proxies[1]!.upstreamId;
    const foundSingle = await provider.findPurchase(lookup({ ...NL_MOBILE_30D_X2, quantity: 1 }, sentAt, [id]));
    expect(foundSingle).toMatchObject({ kind: 'ok', value: { upstreamOrderId: secondId } });
    const none = await provider.findPurchase(lookup(NL_MOBILE_30D_X2, sentAt, [id, secondId]));
    expect(none).toEqual({ kind: 'ok', value: null });
  });

  it('findPurchase finds a fresh purchase by its plan and time, and nothing for an order never placed', async () => {
    const sentAt = new Date().toISOString();
    const bought = await provider.purchase({ choice: NL_MOBILE_30D_X2, reference: 'order-1' });
    if (bought.kind !== 'ok') throw new Error(JSON.stringify(bought));
    const found = await provider.findPurchase(lookup(NL_MOBILE_30D_X2, sentAt));
    expect(found).toMatchObject({ kind: 'ok', value: { upstreamOrderId: bought.value.upstreamOrderId } });
    expect(found.kind === 'ok' && found.value?.proxies).toEqual(bought.value.proxies);

    // An order we never sent: another country, or the same choice once its ids are ours.
    const known = bought.value.proxies.map((p) => p.upstreamId);
    expect(await provider.findPurchase(lookup({ ...NL_MOBILE_30D_X2, countryCode: 'DE' }, sentAt))).toEqual({
      kind: 'ok',
      value: null,
    });
    expect(await provider.findPurchase({ ...lookup(NL_MOBILE_30D_X2, sentAt, known), reference: 'never-sent' })).toEqual({
      kind: 'ok',
      value: null,
    });
  });

  it('a single subscription purchase (the `subscription` answer shape) delivers one proxy', async () => {
    const bought = await provider.purchase({ choice: { ...NL_MOBILE_30D, countryCode: 'de' }, reference: 'order-1' });
    if (bought.kind !== 'ok') throw new Error(JSON.stringify(bought));
    expect(bought.value.proxies).toHaveLength(1);
    expect(bought.value.proxies[0]).toMatchObject({ countryCode: 'DE' });
    expect(sim.subscription(bought.value.upstreamOrderId)?.planId).toBe(PLAN_IDS.deBerMobilePrivate30d);
  });

  it('the simulator honours its test coupon and offers trials only to allowed keys', async () => {
    const before = sim.balanceCents();
    const discounted = await client.purchase({
      planId: PLAN_IDS.nlAmsMobilePrivate30d,
      repeatCount: 1,
      quantity: 1,
      couponCode: 'SANDBOX10',
    });
    expect(discounted.kind).toBe('ok');
    expect(sim.balanceCents()).toBe(before - 1080);

    const trial = { op: 'trial', planId: PLAN_IDS.gbLonResidentialPrivate7d };
    expect(await client.postRaw(trial)).toMatchObject({ kind: 'refused', code: 'forbidden', httpStatus: 403 });
    sim.setTrialAllowed(true);
    expect(await client.postRaw(trial)).toMatchObject({ kind: 'ok', value: { ok: true } });
    expect(sim.balanceCents()).toBe(before - 1080);
  });

  it('a static proxy cannot rotate its IP', async () => {
    const bought = await provider.purchase({
      choice: { productId: 'datacenter-shared', countryCode: 'DE', termId: '1d', quantity: 1 },
      reference: 'order-1',
    });
    if (bought.kind !== 'ok') throw new Error(JSON.stringify(bought));
    expect(bought.value.proxies[0]!.rotationUrl).toBeUndefined();
    expect(await provider.rotateIp!(bought.value.upstreamOrderId)).toMatchObject({ kind: 'refused', code: 'unsupported' });
  });

  it('findPurchase ignores subscriptions made well before the order; too few new ones go to a person', async () => {
    // An hour before: far outside any clock skew between the panel and us.
    sim.createSubscriptionElsewhere(PLAN_IDS.nlAmsMobilePrivate30d, { repeatCount: 2, createdAt: Date.now() - 60 * 60_000 });
    const sentAt = new Date().toISOString();
    expect(await provider.findPurchase(lookup(NL_MOBILE_30D_X2, sentAt))).toEqual({ kind: 'ok', value: null });

    sim.createSubscriptionElsewhere(PLAN_IDS.nlAmsMobilePrivate30d, { repeatCount: 2 });
    const outcome = await provider.findPurchase(lookup(NL_MOBILE_30D_X2, sentAt));
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'needs_operator' });
  });
});

describe('proxy-panel: faults end in outcomes the saga can act on', () => {
  it('hang_before → ambiguous timeout, nothing bought, and the lookup finds nothing', async () => {
    sim.faults.inject({ kind: 'hang_before' }, { op: 'purchase' });
    const sentAt = new Date().toISOString();
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D_X2, reference: 'order-1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'timeout' });
    expect(sim.purchaseCount()).toBe(0);
    expect(await provider.findPurchase(lookup(NL_MOBILE_30D_X2, sentAt))).toEqual({ kind: 'ok', value: null });
    expectNoSecret(outcome);
  });

  it('hang_after → ambiguous timeout, exactly one purchase, and the lookup finds it with credentials', async () => {
    sim.faults.inject({ kind: 'hang_after' }, { op: 'purchase' });
    const sentAt = new Date().toISOString();
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D_X2, reference: 'order-1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'timeout' });
    expect(sim.purchaseCount()).toBe(1);
    expect(purchaseRequests()).toBe(1);
    expectNoSecret(outcome);

    const found = await provider.findPurchase(lookup(NL_MOBILE_30D_X2, sentAt));
    if (found.kind !== 'ok' || !found.value) throw new Error(JSON.stringify(found));
    const stored = sim.subscriptions();
    expect(found.value.proxies.map((p) => p.upstreamId).sort()).toEqual(stored.map((s) => s.subscriptionId).sort());
    for (const proxy of found.value.proxies) {
      const s = sim.subscription(proxy.upstreamId)!;
      expect(proxy).toMatchObject({ login: s.username, password: s.password, httpPort: s.port });
    }
  });

  it('error_after → ambiguous server_error, one purchase, and the write is not retried', async () => {
    sim.faults.inject({ kind: 'error_after' }, { op: 'purchase' });
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'server_error', httpStatus: 502 });
    expect(sim.purchaseCount()).toBe(1);
    expect(purchaseRequests()).toBe(1);
    expectNoSecret(outcome);
  });

  it('malformed_after → ambiguous malformed, one purchase', async () => {
    sim.faults.inject({ kind: 'malformed_after' }, { op: 'purchase' });
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
    expect(sim.purchaseCount()).toBe(1);
    expectNoSecret(outcome);
  });

  it('reset_after → ambiguous network, one purchase', async () => {
    sim.faults.inject({ kind: 'reset_after' }, { op: 'purchase' });
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'network' });
    expect(sim.purchaseCount()).toBe(1);
  });

  // The gateway's error list has no 429: on a purchase it is not a documented "nothing was done".
  it('rate_limited on a purchase → ambiguous undocumented, nothing bought, and the lookup finds nothing', async () => {
    sim.faults.inject({ kind: 'rate_limited' }, { op: 'purchase' });
    const sentAt = new Date().toISOString();
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'undocumented', httpStatus: 429 });
    expect(sim.purchaseCount()).toBe(0);
    expect(await provider.findPurchase(lookup(NL_MOBILE_30D, sentAt))).toEqual({ kind: 'ok', value: null });
    expectNoSecret(outcome);
  });

  it('bought, the answer without credentials and their re-read failing → the lookup delivers exactly the bought ids', async () => {
    sim.setPurchaseAnswer('brief');
    sim.failSubscriptionReadsAfterNextPurchase(6);
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    const [bought] = sim.subscriptions();
    expect(outcome).toMatchObject({ kind: 'ambiguous' });
    expect(outcome.kind === 'ambiguous' && outcome.message).toContain(bought!.subscriptionId);
    expect(sim.purchaseCount()).toBe(1);
    // Even with a sentAt long after the purchase (no time-window match), the remembered ids are found.
    const found = await provider.findPurchase(lookup(NL_MOBILE_30D, new Date(Date.now() + 3_600_000).toISOString()));
    expect(found).toMatchObject({
      kind: 'ok',
      value: { upstreamOrderId: bought!.subscriptionId, proxies: [{ upstreamId: bought!.subscriptionId, countryCode: 'NL' }] },
    });
  });

  it('a failed plan read before buying is a refusal: nothing was sent', async () => {
    sim.faults.inject({ kind: 'error_before' }, { op: 'plans', times: 3 });
    const outcome = await provider.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'busy' });
    expect(purchaseRequests()).toBe(0);
  });

  it('reads are retried after a 5xx', async () => {
    // The first plans request fails; only a retry can make the catalog arrive.
    sim.faults.inject({ kind: 'error_before' }, { op: 'plans' });
    expect((await provider.getCatalog()).kind).toBe('ok');
  });

  it('purchases are sent one at a time', async () => {
    const patient = createProxyPanelProvider({ apiKey: sim.apiKey, baseUrl: running.url, timeoutMs: 5_000 });
    sim.faults.inject({ kind: 'slow', delayMs: 200 }, { op: 'purchase' });
    const [first, second] = await Promise.all([
      patient.purchase({ choice: NL_MOBILE_30D, reference: 'order-1' }),
      patient.purchase({ choice: NL_MOBILE_30D, reference: 'order-2' }),
    ]);
    expect(first.kind).toBe('ok');
    expect(second.kind).toBe('ok');
    const [a, b] = sim.requests().filter((r) => r.op === 'purchase');
    expect(b!.receivedAt - a!.receivedAt).toBeGreaterThanOrEqual(190);
  });
});

describe('proxy-panel: capabilities', () => {
  it('each capability is backed by its method, and no method exists without it', () => {
    const p = provider;
    const c = p.capabilities;
    expect(c.renew).toBe(typeof p.renew === 'function' && typeof p.renewalTerms === 'function');
    expect(c.changeCredentials).toBe(typeof p.changeCredentials === 'function');
    expect(c.rotateIp).toBe(typeof p.rotateIp === 'function');
    expect(c.switchLocation).toBe(typeof p.switchLocation === 'function' && typeof p.locations === 'function');
    expect(c.usage).toBe(typeof p.usage === 'function');
    expect(c.balance).toBe(typeof p.balance === 'function');
    expect(typeof p.quote).toBe('function');
    expect(typeof p.findPurchase).toBe('function');
    expect(c).toEqual({
      quote: false,
      renew: true,
      changeCredentials: true,
      rotateIp: true,
      switchLocation: true,
      usage: false,
      balance: false,
      findPurchase: true,
      targeting: false,
    });
    expect(p.id).toBe('proxy-panel');
  });
});
