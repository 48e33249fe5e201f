/**
 * Contract tests of the LumiWeb adapter against its simulator over real HTTP.
 */
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toCatalogProducts, toPurchaseResult, toQuote, toRenewResult, toUpstreamProxies } from '../../src/providers/lumiweb/adapter.js';
import {
  catalogSchema,
  credentialsSchema,
  outcomeFromErrorBody,
  purchaseAnswerSchema,
  quoteSchema,
  renewAnswerSchema,
  subscriptionSchema,
} from '../../src/providers/lumiweb/client.js';
import { createLumiWebProvider, DEFAULT_LUMIWEB_COUNTRIES, type LumiWebOptions } from '../../src/providers/lumiweb/index.js';
import type { OrderChoice, Outcome, ProxyProvider, PurchaseLookup } from '../../src/providers/types.js';
import type { RunningSimulator } from '../../src/sandbox/upstreams/sim-server.js';
import { createLumiWebSimulator, type LumiWebSimulator } from '../../src/sandbox/upstreams/lumiweb/index.js';

const API_KEY = 'lw_live_9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c';
const WRONG_KEY = 'lw_live_0000wrongwrongwrong0000';
const DAY_MS = 24 * 60 * 60 * 1000;
const BUY_PATH = '/proxy/api/v1/proxy/static';

// ---------------------------------------------------------------------------
// Seed examples, verbatim
// ---------------------------------------------------------------------------

const SEED_CATALOG = JSON.parse(`{ "categories": [
  { "category":"isp","label":"ISP","unit":"IP","kind":"static","live":true,"sample_price_usd":"2.50" },
  { "category":"residential","label":"Residential","unit":"GB","kind":"rotating","live":true,"sample_price_usd":"2.00" }
] }`);
const SEED_QUOTE = JSON.parse(`{ "category":"isp","quantity":5,"unit":"IP","price_usd":"12.50","available":true }`);
const SEED_CREDENTIALS_STATIC = JSON.parse(`{ "subscription_id": 9, "kind": "static",
  "static_proxies": [ { "ip":"1.2.3.4","port_http":8080,"port_socks":1080,"login":"u","password":"p" } ] }`);
const SEED_CREDENTIALS_ROTATING = JSON.parse(`{ "subscription_id": 9, "kind": "rotating",
  "upstream_login":"u","upstream_endpoint":"gw.example:7000","upstream_password":"p" }`);
const SEED_PURCHASE = JSON.parse(`{ "status":"ok","subscription_id":9,"order_id":120,"price_usd":"12.50","quantity":5,"country":"US" }`);
const SEED_RENEW = JSON.parse(`{ "subscription_id":9,"status":"ok","price_usd":"12.50","new_expires_at":"2026-07-09T..." }`);

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function expectOk<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

/** Every failure checked here must also keep every key out of its message. */
function expectNoSecrets(outcome: Outcome<unknown>) {
  const text = JSON.stringify(outcome);
  expect(text).not.toContain(API_KEY);
  expect(text).not.toContain(WRONG_KEY);
}

function expectRefused(outcome: Outcome<unknown>, code: string) {
  expectNoSecrets(outcome);
  expect(outcome).toMatchObject({ kind: 'refused', code });
}

function expectAmbiguous(outcome: Outcome<unknown>, reason: string) {
  expectNoSecrets(outcome);
  expect(outcome).toMatchObject({ kind: 'ambiguous', reason });
}

const isp = (over: Partial<OrderChoice> = {}): OrderChoice => ({
  productId: 'isp',
  countryCode: 'DE',
  termId: '30d',
  quantity: 3,
  ...over,
});

const lookup = (reference: string, choice: OrderChoice): PurchaseLookup => ({
  reference,
  choice,
  sentAt: new Date().toISOString(),
  isKnownUpstreamId: () => false,
});

// ---------------------------------------------------------------------------
// (1) Seed examples parse and map
// ---------------------------------------------------------------------------

describe('LumiWeb seed examples', () => {
  const card = subscriptionSchema.parse({
    subscription_id: 9,
    order_id: 120,
    status: 'active',
    country: 'US',
    quantity: 1,
    expires_at: '2026-07-09T12:00:00Z',
  });

  it('catalog: only static categories become products, priced from the first tier', () => {
    const products = toCatalogProducts(catalogSchema.parse(SEED_CATALOG), DEFAULT_LUMIWEB_COUNTRIES);
    expect(products).toHaveLength(1);
    expect(products[0]).toMatchObject({
      id: 'isp',
      name: 'ISP',
      kind: 'static',
      billing: 'period',
      available: true,
      minQuantity: 1,
      maxQuantity: 500,
      terms: [{ id: '30d', days: 30, unitCostCents: 250 }],
    });
    expect(products[0]!.countries.map((c) => c.code)).toEqual(['US', 'DE', 'NL', 'GB', 'FR']);
  });

  it('quote: "12.50" for 5 IPs is 1250 cents, 250 per IP, exact', () => {
    expect(toQuote(quoteSchema.parse(SEED_QUOTE), 5)).toEqual({ totalCostCents: 1250, unitCostCents: 250, exact: true });
  });

  it('static credentials: one proxy per IP with ports, login, password and the card expiry', () => {
    const proxies = toUpstreamProxies(card, credentialsSchema.parse(SEED_CREDENTIALS_STATIC));
    expect(proxies).toEqual([
      {
        upstreamId: '9:1.2.3.4',
        host: '1.2.3.4',
        httpPort: 8080,
        socks5Port: 1080,
        login: 'u',
        password: 'p',
        countryCode: 'US',
        expiresAt: '2026-07-09T12:00:00.000Z',
        status: 'active',
      },
    ]);
  });

  it('rotating credentials parse but are not static proxies this shop sells', () => {
    const parsed = credentialsSchema.parse(SEED_CREDENTIALS_ROTATING);
    expect(parsed.upstream_endpoint).toBe('gw.example:7000');
    expect(toUpstreamProxies(card, parsed)).toEqual([]);
  });

  it('purchase answer: delivered once all 5 IPs are handed out, with cost and order id', () => {
    const answer = purchaseAnswerSchema.parse(SEED_PURCHASE);
    const oneOfFive = toPurchaseResult(answer, card, credentialsSchema.parse(SEED_CREDENTIALS_STATIC));
    expectAmbiguous(oneOfFive, 'timeout');

    const five = credentialsSchema.parse({
      ...SEED_CREDENTIALS_STATIC,
      static_proxies: [1, 2, 3, 4, 5].map((n) => ({ ...SEED_CREDENTIALS_STATIC.static_proxies[0], ip: `1.2.3.${n}` })),
    });
    const result = expectOk(toPurchaseResult(answer, card, five));
    expect(result.upstreamOrderId).toBe('120');
    expect(result.costCents).toBe(1250);
    expect(result.proxies.map((p) => p.upstreamId)).toEqual(['9:1.2.3.1', '9:1.2.3.2', '9:1.2.3.3', '9:1.2.3.4', '9:1.2.3.5']);
  });

  it('renew answer: cost in cents; the elided expiry of the docs is left out rather than guessed', () => {
    expect(toRenewResult(renewAnswerSchema.parse(SEED_RENEW))).toEqual({ costCents: 1250 });
    const full = renewAnswerSchema.parse({ ...SEED_RENEW, new_expires_at: '2026-07-09T10:00:00Z' });
    expect(toRenewResult(full)).toEqual({ costCents: 1250, newExpiresAt: '2026-07-09T10:00:00.000Z' });
  });

  it('extra fields and numeric amounts or ids do not break parsing', () => {
    const quote = quoteSchema.parse({ ...SEED_QUOTE, price_usd: 12.5, currency: 'USD', tier: 1 });
    expect(toQuote(quote, 5).totalCostCents).toBe(1250);
    expect(purchaseAnswerSchema.parse({ ...SEED_PURCHASE, subscription_id: '9', extra: true }).subscription_id).toBe('9');
  });
});

// ---------------------------------------------------------------------------
// (2) Error bodies, in every shape the client reads
// ---------------------------------------------------------------------------

describe('LumiWeb error mapping of reads (money POSTs: lumiweb-refusals.test.ts)', () => {
  const redact = (text: string) => text.split(API_KEY).join('***');
  const cases: Array<[number, unknown, string, string]> = [
    [401, { status: 'unauthorized', error: 'unauthorized', message: `key ${API_KEY} is not valid` }, 'refused', 'unauthorized'],
    [401, { error: 'invalid_signature' }, 'refused', 'unauthorized'],
    [403, { error: 'forbidden_scope', message: 'this key lacks proxy:buy' }, 'refused', 'forbidden'],
    [403, { error: { code: 'money_disabled', message: 'money operations are disabled' } }, 'refused', 'forbidden'],
    [402, { status: 'insufficient' }, 'refused', 'insufficient_upstream_balance'],
    [400, { status: 'bad_request', message: 'country_name must be 1-64' }, 'refused', 'invalid_option'],
    [404, { code: 'not_found', message: 'subscription not found' }, 'refused', 'not_found'],
    [409, { status: 'out_of_stock' }, 'refused', 'out_of_stock'],
    [409, { error: 'idempotency_conflict' }, 'refused', 'rejected'],
    // Documented with HTTP 503; whatever status carries it, LumiWeb's supplier may have acted.
    [400, { status: 'provider_misconfig' }, 'ambiguous', 'server_error'],
    [422, undefined, 'refused', 'invalid_option'],
    [418, 'teapot', 'refused', 'rejected'],
  ];

  it.each(cases)('HTTP %i %j → %s %s', (status, body, kind, code) => {
    const outcome = outcomeFromErrorBody(body, status, redact);
    expect(outcome).toMatchObject(kind === 'refused' ? { kind, code, httpStatus: status } : { kind, reason: code });
    expectNoSecrets(outcome);
  });
});

// ---------------------------------------------------------------------------
// Over HTTP against the simulator
// ---------------------------------------------------------------------------

describe('LumiWeb adapter over HTTP', () => {
  let sim: LumiWebSimulator;
  let running: RunningSimulator & { apiBaseUrl: string };
  let provider: ProxyProvider;

  const connect = (apiKey = API_KEY, options: LumiWebOptions = {}) =>
    createLumiWebProvider({ apiKey, baseUrl: running.apiBaseUrl, timeoutMs: 300 }, options);

  async function startWith(options: Parameters<typeof createLumiWebSimulator>[0] = {}) {
    await running?.close();
    sim = createLumiWebSimulator({ apiKey: API_KEY, ...options });
    running = await sim.start();
    provider = connect();
  }

  beforeEach(async () => {
    sim = createLumiWebSimulator({ apiKey: API_KEY });
    running = await sim.start();
    provider = connect();
  });

  afterEach(async () => {
    await running.close();
  });

  // -------------------------------------------------------------------------
  // (3) Round trip
  // -------------------------------------------------------------------------

  it('catalog lists ISP and datacenter with a 30-day term; rotating categories are left out', async () => {
    const { products } = expectOk(await provider.getCatalog());
    expect(products.map((p) => [p.id, p.terms[0]?.unitCostCents, p.available])).toEqual([
      ['isp', 250, true],
      ['datacenter', 120, true],
    ]);
    expect(products[0]!.terms).toEqual([{ id: '30d', label: '30 days', days: 30, unitCostCents: 250 }]);
  });

  it('quotes follow the volume tiers', async () => {
    expect(expectOk(await provider.quote(isp({ quantity: 5 })))).toEqual({
      totalCostCents: 1250,
      unitCostCents: 250,
      exact: true,
    });
    expect(expectOk(await provider.quote(isp({ quantity: 10 }))).totalCostCents).toBe(2200);
    expect(expectOk(await provider.quote(isp({ productId: 'datacenter', quantity: 50 }))).totalCostCents).toBe(4500);
  });

  it('buy → list → renew → find by reference, with the same IPs and credentials as the upstream', async () => {
    const bought = expectOk(await provider.purchase({ choice: isp(), reference: 'order-0001' }));
    const [upstream] = sim.subscriptions();
    expect(upstream).toBeDefined();
    expect(bought.upstreamOrderId).toBe(String(upstream!.orderId));
    expect(bought.costCents).toBe(750);
    expect(sim.balanceCents()).toBe(50_000 - 750);
    expect(bought.proxies).toEqual(
      upstream!.proxies.map((p) => ({
        upstreamId: `${upstream!.subscriptionId}:${p.ip}`,
        host: p.ip,
        httpPort: p.port_http,
        socks5Port: p.port_socks,
        login: p.login,
        password: p.password,
        countryCode: 'DE',
        expiresAt: upstream!.expiresAt,
        status: 'active',
      })),
    );
    expect(sim.moneyRequests()).toEqual([{ path: BUY_PATH, idempotencyKey: 'order-0001' }]);

    expect(expectOk(await provider.listProxies())).toEqual(bought.proxies);

    const upstreamId = bought.proxies[0]!.upstreamId;
    expect(expectOk(await provider.renewalTerms!(upstreamId))).toEqual([
      { id: '30d', label: '30 days (all 3 IPs of the subscription)', days: 30, unitCostCents: 750, renewsProxies: 3 },
    ]);
    const renewed = expectOk(await provider.renew!({ upstreamId, termId: '30d', reference: 'renewal-0001' }));
    const movedTo = new Date(Date.parse(upstream!.expiresAt) + 30 * DAY_MS).toISOString();
    expect(renewed).toEqual({ newExpiresAt: movedTo, costCents: 750 });
    expect(sim.subscription(upstream!.subscriptionId)!.expiresAt).toBe(movedTo);
    expect(sim.balanceCents()).toBe(50_000 - 1500);

    // Renewing another IP of the same subscription with the same reference is a replay, not a second charge.
    const again = expectOk(await provider.renew!({ upstreamId: bought.proxies[1]!.upstreamId, termId: '30d', reference: 'renewal-0001' }));
    expect(again).toEqual(renewed);
    expect(sim.balanceCents()).toBe(50_000 - 1500);

    const found = expectOk(await provider.findPurchase(lookup('order-0001', isp())));
    expect(found?.upstreamOrderId).toBe(bought.upstreamOrderId);
    expect(found?.proxies.map((p) => [p.host, p.login, p.password, p.expiresAt])).toEqual(
      bought.proxies.map((p) => [p.host, p.login, p.password, movedTo]),
    );
    expect(sim.purchaseCount()).toBe(1);
    expect(sim.replayCount()).toBe(2);

    expect(expectOk(await provider.balance!())).toEqual({ balanceCents: 50_000 - 1500 });
  });

  it('findPurchase answers ok(null) when the upstream refuses the repeated order with a documented failure (nothing exists under that key)', async () => {
    sim.setBalanceCents(100);
    expect(expectOk(await provider.findPurchase(lookup('order-never-sent', isp())))).toBeNull();
    sim.setBalanceCents(50_000);
    sim.setCategoryLive('isp', false);
    expect(expectOk(await provider.findPurchase(lookup('order-never-sent', isp())))).toBeNull();
    sim.setCategoryLive('isp', true);
    // 409 out_of_stock is not in LumiWeb's docs, so it proves nothing about the key.
    sim.setOutOfStock(true, 'isp');
    expectAmbiguous(await provider.findPurchase(lookup('order-never-sent', isp())), 'undocumented');
    expect(expectOk(await provider.findPurchase(lookup('order-never-sent', isp({ termId: '7d' }))))).toBeNull();
    expect(sim.purchaseCount()).toBe(0);
  });

  it('findPurchase of an order that never reached the upstream places it once (the held intent)', async () => {
    const found = expectOk(await provider.findPurchase(lookup('order-0002', isp({ quantity: 2 }))));
    expect(found?.proxies).toHaveLength(2);
    const again = expectOk(await provider.findPurchase(lookup('order-0002', isp({ quantity: 2 }))));
    expect(again).toEqual(found);
    expect(sim.purchaseCount()).toBe(1);
    expect(sim.balanceCents()).toBe(50_000 - 500);
  });

  it('findPurchase with a reference used for another order stays unknown: neither ok(null) nor a refusal', async () => {
    expectOk(await provider.purchase({ choice: isp(), reference: 'order-0003' }));
    // 409 idempotency_conflict is not in LumiWeb's docs; an order does exist under the key.
    expectAmbiguous(await provider.findPurchase(lookup('order-0003', isp({ quantity: 4 }))), 'undocumented');
    expect(sim.purchaseCount()).toBe(1);
  });

  it('short references are turned into a stable key of the length LumiWeb requires', async () => {
    const bought = expectOk(await provider.purchase({ choice: isp({ quantity: 1 }), reference: '42' }));
    const key = sim.moneyRequests()[0]!.idempotencyKey!;
    expect(key.length).toBeGreaterThanOrEqual(8);
    expect(key.length).toBeLessThanOrEqual(200);
    expect(expectOk(await provider.findPurchase(lookup('42', isp({ quantity: 1 }))))).toEqual(bought);
    expect(sim.purchaseCount()).toBe(1);
  });

  it('an expired subscription lists as expired and a renewal restarts it from today', async () => {
    const bought = expectOk(await provider.purchase({ choice: isp({ quantity: 1 }), reference: 'order-0004' }));
    sim.expireSubscription(sim.subscriptions()[0]!.subscriptionId);
    expect(expectOk(await provider.listProxies()).map((p) => p.status)).toEqual(['expired']);

    const before = Date.now();
    const renewed = expectOk(
      await provider.renew!({ upstreamId: bought.proxies[0]!.upstreamId, termId: '30d', reference: 'renewal-0004' }),
    );
    const expires = Date.parse(renewed.newExpiresAt!);
    expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY_MS - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
    expect(expectOk(await provider.listProxies()).map((p) => p.status)).toEqual(['active']);
  });

  it('lists every subscription when the upstream pages them', async () => {
    await startWith({ maxPageSize: 2 });
    for (let n = 1; n <= 5; n++) {
      expectOk(await provider.purchase({ choice: isp({ quantity: 1, countryCode: 'US' }), reference: `order-page-${n}` }));
    }
    const listed = expectOk(await provider.listProxies());
    expect(listed).toHaveLength(5);
    expect(new Set(listed.map((p) => p.upstreamId)).size).toBe(5);
  });

  it('a purchase still provisioning is ambiguous, and findPurchase delivers it once ready', async () => {
    sim.setDeliveryMode('provisioning');
    expectAmbiguous(await provider.purchase({ choice: isp(), reference: 'order-0005' }), 'timeout');
    const [pending] = sim.subscriptions();
    expect(pending?.status).toBe('provisioning');
    expect(expectOk(await provider.listProxies())).toEqual([]);

    expectAmbiguous(await provider.findPurchase(lookup('order-0005', isp())), 'timeout');
    sim.finishProvisioning(pending!.subscriptionId);
    const found = expectOk(await provider.findPurchase(lookup('order-0005', isp())));
    expect(found?.proxies.map((p) => p.login)).toEqual(sim.subscriptions()[0]!.proxies.map((p) => p.login));
    expect(sim.purchaseCount()).toBe(1);
  });

  it('an operator key acts for the account named by userId', async () => {
    const operator = connect(sim.operatorApiKey, { userId: sim.userId });
    expectOk(await operator.purchase({ choice: isp({ quantity: 1 }), reference: 'order-0006' }));
    expect(sim.subscriptions()[0]!.userId).toBe(sim.userId);
    expect(expectOk(await operator.listProxies())).toHaveLength(1);
    expect(expectOk(await operator.balance!())).toEqual({ balanceCents: 50_000 - 250 });

    const withoutUser = connect(sim.operatorApiKey);
    expectRefused(await withoutUser.balance!(), 'invalid_option');
    expectRefused(await withoutUser.purchase({ choice: isp(), reference: 'order-0007' }), 'invalid_option');
  });

  it('signs money requests with the pluggable hook when the panel requires a signature', async () => {
    const secret = 'signing-secret';
    const hmac = (body: string) => createHmac('sha256', secret).update(body).digest('hex');
    await startWith({ verifySignature: (raw, signature) => signature === hmac(raw) });

    // 401 invalid_signature is not a documented money answer: unknown, and the signed repeat settles it.
    expectAmbiguous(await provider.purchase({ choice: isp(), reference: 'order-0008' }), 'undocumented');
    expect(sim.purchaseCount()).toBe(0);
    const signing = connect(API_KEY, { sign: (body) => ({ 'x-signature': hmac(body) }) });
    expectOk(await signing.purchase({ choice: isp(), reference: 'order-0008' }));
    expect(sim.purchaseCount()).toBe(1);
    expect(sim.moneyRequests()[1]!.signature).toMatch(/^[0-9a-f]{64}$/);
  });

  // -------------------------------------------------------------------------
  // (2) Documented refusals from the live simulator
  // -------------------------------------------------------------------------

  it('a wrong key: reads are refused as unauthorized, a purchase (401 is undocumented) stays unknown; the echoed key is masked', async () => {
    const raw = await fetch(`${running.apiBaseUrl}/proxy/catalog`, { headers: { authorization: `Bearer ${WRONG_KEY}` } });
    expect(await raw.text()).toContain(WRONG_KEY);

    const stranger = connect(WRONG_KEY);
    const outcome = await stranger.purchase({ choice: isp(), reference: 'order-0009' });
    expectAmbiguous(outcome, 'undocumented');
    expect(outcome.kind !== 'ok' && outcome.message).toContain('***');
    expect(sim.purchaseCount()).toBe(0);
    expectRefused(await stranger.getCatalog(), 'unauthorized');
    expectRefused(await stranger.balance!(), 'unauthorized');
  });

  it('a key without the proxy:buy scope is refused as forbidden (forbidden_scope)', async () => {
    sim.setKeyScopes(['proxy:read']);
    const outcome = await provider.purchase({ choice: isp(), reference: 'order-0010' });
    expectRefused(outcome, 'forbidden');
    expect(outcome.kind === 'refused' && outcome.message).toContain('forbidden_scope');
    expectOk(await provider.getCatalog());
  });

  it('money disabled on the panel is refused as forbidden (money_disabled)', async () => {
    sim.setMoneyEnabled(false);
    const outcome = await provider.renew!({ upstreamId: '1:45.0.0.1', termId: '30d', reference: 'renewal-0011' });
    expectRefused(outcome, 'forbidden');
    expect(outcome.kind === 'refused' && outcome.message).toContain('money_disabled');
    expectRefused(await provider.purchase({ choice: isp(), reference: 'order-0011' }), 'forbidden');
  });

  it('low balance is refused as insufficient_upstream_balance and charges nothing', async () => {
    sim.setBalanceCents(500);
    expectRefused(await provider.purchase({ choice: isp(), reference: 'order-0012' }), 'insufficient_upstream_balance');
    expect(sim.balanceCents()).toBe(500);
    expect(sim.purchaseCount()).toBe(0);
  });

  it('out of stock: the quote is refused and the catalog shows it; a purchase answered 409 out_of_stock (undocumented) stays unknown', async () => {
    sim.setOutOfStock(true, 'isp');
    expectAmbiguous(await provider.purchase({ choice: isp(), reference: 'order-0013' }), 'undocumented');
    expect(sim.purchaseCount()).toBe(0);
    expectRefused(await provider.quote(isp()), 'out_of_stock');
    const { products } = expectOk(await provider.getCatalog());
    expect(products.find((p) => p.id === 'isp')?.available).toBe(false);
    expect(products.find((p) => p.id === 'datacenter')?.available).toBe(true);
  });

  it('bad_request answers (a rotating category, a country the upstream rejects) are invalid_option', async () => {
    expectRefused(await provider.purchase({ choice: isp({ productId: 'residential' }), reference: 'order-0014' }), 'invalid_option');
    const brazil = connect(API_KEY, { countries: [{ code: 'BR', name: 'Brazil' }] });
    expectRefused(await brazil.purchase({ choice: isp({ countryCode: 'BR' }), reference: 'order-0015' }), 'invalid_option');
    // Choices outside the offer never leave the shop.
    expectRefused(await provider.purchase({ choice: isp({ countryCode: 'BR' }), reference: 'order-0016' }), 'invalid_option');
    expectRefused(await provider.purchase({ choice: isp({ quantity: 501 }), reference: 'order-0017' }), 'invalid_option');
    expect(sim.moneyRequests()).toHaveLength(2);
  });

  it('provider_misconfig (503) is a documented failure: refused, nothing bought', async () => {
    sim.setProviderMisconfigured(true);
    expectRefused(await provider.purchase({ choice: isp(), reference: 'order-0018' }), 'rejected');
    expect(sim.purchaseCount()).toBe(0);
    expect(sim.balanceCents()).toBe(50_000);
  });

  it('renewing an unknown subscription (404 not_found, undocumented for money) stays unknown', async () => {
    expectAmbiguous(await provider.renew!({ upstreamId: '999:45.0.0.1', termId: '30d', reference: 'renewal-0019' }), 'undocumented');
  });

  // -------------------------------------------------------------------------
  // (4) Faults
  // -------------------------------------------------------------------------

  it('hang before processing: ambiguous timeout, no purchase upstream', async () => {
    sim.faults.inject({ kind: 'hang_before' }, { method: 'POST', path: BUY_PATH });
    expectAmbiguous(await provider.purchase({ choice: isp(), reference: 'order-0020' }), 'timeout');
    expect(sim.purchaseCount()).toBe(0);
    expect(sim.balanceCents()).toBe(50_000);
  });

  it('hang after processing: ambiguous, one purchase upstream, and findPurchase returns it without buying again', async () => {
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: BUY_PATH });
    expectAmbiguous(await provider.purchase({ choice: isp(), reference: 'order-0021' }), 'timeout');
    expect(sim.purchaseCount()).toBe(1);

    const found = expectOk(await provider.findPurchase(lookup('order-0021', isp())));
    const [upstream] = sim.subscriptions();
    expect(found?.upstreamOrderId).toBe(String(upstream!.orderId));
    expect(found?.proxies.map((p) => p.password)).toEqual(upstream!.proxies.map((p) => p.password));
    expect(sim.purchaseCount()).toBe(1);
    expect(sim.balanceCents()).toBe(50_000 - 750);
  });

  it('5xx after processing: ambiguous server_error', async () => {
    sim.faults.inject({ kind: 'error_after' }, { method: 'POST', path: BUY_PATH });
    const outcome = await provider.purchase({ choice: isp(), reference: 'order-0022' });
    expectAmbiguous(outcome, 'server_error');
    expect(outcome).toMatchObject({ httpStatus: 502 });
    expect(sim.purchaseCount()).toBe(1);
  });

  it('malformed 2xx after processing: ambiguous malformed', async () => {
    sim.faults.inject({ kind: 'malformed_after' }, { method: 'POST', path: BUY_PATH });
    expectAmbiguous(await provider.purchase({ choice: isp(), reference: 'order-0023' }), 'malformed');
    expect(sim.purchaseCount()).toBe(1);
  });

  it('429 on a purchase (LumiWeb documents no limit answer): unknown, and the lookup settles it', async () => {
    sim.faults.inject({ kind: 'rate_limited' }, { method: 'POST', path: BUY_PATH });
    expectAmbiguous(await provider.purchase({ choice: isp(), reference: 'order-0024' }), 'undocumented');
    expect(sim.purchaseCount()).toBe(0);
  });

  it('bought but the credentials cannot be read: ambiguous, and findPurchase later delivers the same order', async () => {
    sim.faults.inject({ kind: 'hang_before' }, { method: 'GET', path: /\/credentials$/, times: 3 });
    expectAmbiguous(await provider.purchase({ choice: isp(), reference: 'order-0025' }), 'timeout');
    expect(sim.purchaseCount()).toBe(1);

    const found = expectOk(await provider.findPurchase(lookup('order-0025', isp())));
    expect(found?.proxies).toHaveLength(3);
    expect(sim.purchaseCount()).toBe(1);
  });

  it('a read that fails once is retried; a renewal that times out is not', async () => {
    sim.faults.inject({ kind: 'error_before' }, { method: 'GET', path: '/proxy/api/v1/proxy/catalog' });
    expectOk(await provider.getCatalog());

    const bought = expectOk(await provider.purchase({ choice: isp({ quantity: 1 }), reference: 'order-0026' }));
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/renew$/ });
    const renew = { upstreamId: bought.proxies[0]!.upstreamId, termId: '30d', reference: 'renewal-0026' };
    expectAmbiguous(await provider.renew!(renew), 'timeout');
    expect(sim.balanceCents()).toBe(50_000 - 500);
    // Asking again with the same reference replays the renewal instead of paying twice.
    expectOk(await provider.renew!(renew));
    expect(sim.balanceCents()).toBe(50_000 - 500);
  });

  // -------------------------------------------------------------------------
  // (5) Capabilities
  // -------------------------------------------------------------------------

  it('declares exactly the capabilities whose methods it has', () => {
    const methods = {
      renew: 'renew',
      changeCredentials: 'changeCredentials',
      rotateIp: 'rotateIp',
      switchLocation: 'switchLocation',
      usage: 'usage',
      balance: 'balance',
    } as const;
    for (const [capability, method] of Object.entries(methods)) {
      expect([capability, typeof provider[method] === 'function']).toEqual([
        capability,
        provider.capabilities[capability as keyof typeof methods],
      ]);
    }
    expect(provider.capabilities).toEqual({
      quote: true,
      renew: true,
      changeCredentials: false,
      rotateIp: false,
      switchLocation: false,
      usage: false,
      balance: true,
      findPurchase: true,
      targeting: false,
    });
    expect(typeof provider.renewalTerms).toBe('function');
    expect(provider.locations).toBeUndefined();
  });
});
