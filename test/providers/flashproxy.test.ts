/**
 * FlashProxy contract: the adapter against the simulated Reseller API over
 * real HTTP on 127.0.0.1, plus the documented example bodies.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { outcomeFromErrorBody, outcomeFromFailedSuccess } from '../../src/providers/flashproxy/errors.js';
import { createFlashProxyProvider } from '../../src/providers/flashproxy/index.js';
import { dedicatedProxies, gatewayProxy, planCostCents } from '../../src/providers/flashproxy/mapping.js';
import { pricePerGbCents, pricingEntry, sellsByTime } from '../../src/providers/flashproxy/pricing.js';
import * as wire from '../../src/providers/flashproxy/schemas.js';
import type { OrderChoice, Outcome, ProxyProvider, PurchaseLookup } from '../../src/providers/types.js';
import {
  createFlashProxySimulator,
  type FlashProxySimulator,
  type FlashProxySimulatorOptions,
} from '../../src/sandbox/upstreams/flashproxy/index.js';
import type { RunningSimulator } from '../../src/sandbox/upstreams/sim-server.js';
import { waitFor } from '../helpers/wait.js';

const DAY_MS = 24 * 3_600_000;
// Long enough for a cold simulator on a loaded machine; the hang tests wait this long for their timeout.
const TIMEOUT_MS = 1_000;

const LITE_10GB: OrderChoice = { productId: 'residential-lite', termId: '10gb', quantity: 1 };
const DATACENTER_WEEK: OrderChoice = { productId: 'datacenter-time', termId: '7_days', quantity: 1 };
const dedicated = (pool: string, quantity: number): OrderChoice => ({
  productId: 'dedicated-isp',
  countryCode: pool,
  termId: '30_days_per_ip',
  quantity,
});

const lookup = (reference: string, choice: OrderChoice): PurchaseLookup => ({
  reference,
  choice,
  sentAt: new Date().toISOString(),
  isKnownUpstreamId: () => false,
});

function expectOk<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Harness {
  sim: FlashProxySimulator;
  server: RunningSimulator;
  provider: ProxyProvider;
}

async function startFlashProxy(options: FlashProxySimulatorOptions = {}): Promise<Harness> {
  const sim = createFlashProxySimulator(options);
  const server = await sim.start();
  servers.push(server);
  return { sim, server, provider: providerAt(server.url, sim.apiKey) };
}

function providerAt(url: string, apiKey: string): ProxyProvider {
  return createFlashProxyProvider({ apiKey, baseUrl: `${url}/api/v1`, timeoutMs: TIMEOUT_MS });
}

// ---------------------------------------------------------------------------
// (1) Documented example bodies
// ---------------------------------------------------------------------------

/** Pasted verbatim from flashproxy-openapi.json (response examples). */
const OPENAPI = {
  balanceWithBalance: {
    success: true,
    data: {
      balance_cents: 500000,
      balance_formatted: '$5,000.00',
      allocations: { 'residential-lite': { gb_remaining: 50, bytes_remaining: 50000000000 } },
      total_spent_cents: 150000,
      total_spent_formatted: '$1,500.00',
    },
  },
  balanceNewAccount: {
    success: true,
    data: { balance_cents: 0, balance_formatted: '$0.00', allocations: {}, total_spent_cents: 0, total_spent_formatted: '$0.00' },
  },
  pricing: {
    success: true,
    data: {
      'residential-lite': { billing: 'bandwidth', price_per_gb: 50, price_per_gb_formatted: '$0.50' },
      residential: { billing: 'bandwidth', price_per_gb: 300, price_per_gb_formatted: '$3.00' },
      mobile: { billing: 'bandwidth', price_per_gb: 500, price_per_gb_formatted: '$5.00' },
      datacenter: {
        billing: 'hybrid',
        price_per_gb: 100,
        price_per_gb_formatted: '$1.00',
        price_per_day_cents: 200,
        price_per_day_formatted: '$2.00',
      },
      unlimited_residential: {
        billing: 'time',
        trial_price_cents: 2000,
        trial_price_formatted: '$20.00',
        pricing_tiers: [{ bandwidth_mbps: 500, price_per_day_cents: 15000 }],
      },
    },
  },
  checkPriceMode: { success: true, data: { cost_cents: 500, cost_usd: '5.00', mode: 'price' } },
  checkPriceAllocation: {
    success: true,
    data: { cost_cents: 0, cost_usd: '0.00', mode: 'allocation', gb_required: 10, allocation_available: 95.5 },
  },
  checkPriceTrial: {
    success: true,
    data: {
      cost_cents: 50,
      cost_usd: '0.50',
      mode: 'price_only',
      trial_info: {
        trials_used_today: 3,
        discounted_trials_remaining: 7,
        price_applied: 'discounted',
        discounted_price_cents: 50,
        full_price_cents: 150,
        daily_discount_limit: 10,
      },
    },
  },
  planList: {
    success: true,
    data: {
      items: [
        {
          plan_id: '3cd1f4b9-efc3-4252-b9f7-9cebc5236164',
          product: 'residential-lite',
          billing_type: 'bandwidth',
          proxy_username: 'xaGBMTIV',
          proxy_password: 'HoLJlh55',
          connection: {
            hostname: 'lite.proxyserver.bot',
            port_http: 6969,
            port_socks: 9696,
            format: 'xaGBMTIV:HoLJlh55@lite.proxyserver.bot:6969',
          },
          limits: { max_gb: 10, max_bytes: 10000000000, bytes_used: 2500000000 },
          expires_at: '2025-02-28T00:00:00.000Z',
          status: 'active',
          created_at: '2025-01-15T10:00:00.000Z',
        },
      ],
      pagination: { page: 1, per_page: 20, total: 1, total_pages: 1 },
    },
  },
  createdResidentialLite: {
    success: true,
    data: {
      plan_id: '3cd1f4b9-efc3-4252-b9f7-9cebc5236164',
      product: 'residential-lite',
      billing_type: 'bandwidth',
      proxy_username: 'xaGBMTIV',
      proxy_password: 'HoLJlh55',
      connection: {
        hostname: 'lite.proxyserver.bot',
        port_http: 6969,
        port_socks: 9696,
        format: 'xaGBMTIV:HoLJlh55@lite.proxyserver.bot:6969',
      },
      limits: { max_gb: 10, max_bytes: 10000000000, bytes_used: 0 },
      expires_at: '2025-02-28T00:00:00.000Z',
      status: 'active',
      created_at: '2025-01-15T10:00:00.000Z',
      billing: { mode: 'price', price_per_gb: 50, gb_purchased: 10, cost_cents: 500, cost_formatted: '$5.00' },
    },
  },
  createdUnlimitedTrial: {
    success: true,
    data: {
      plan_id: 'c54334e0-c431-435b-98a9-dee196887cde',
      product: 'unlimited_residential',
      billing_type: 'time',
      proxy_username: 'fp1234567890@flashproxy.io',
      proxy_password: 'abc123def456',
      connection: {
        hostname: 'unlim.proxyserver.bot',
        port_http: 10507,
        format: 'fp1234567890@flashproxy.io:abc123def456@unlim.proxyserver.bot:10507',
      },
      limits: { bytes_used: 0, max_mbps: 200 },
      expires_at: '2025-01-15T11:00:00.000Z',
      status: 'active',
      created_at: '2025-01-15T10:00:00.000Z',
      billing: {
        mode: 'price_only',
        cost_cents: 50,
        cost_formatted: '$0.50',
        trial_info: {
          trials_used_today: 3,
          discounted_trials_remaining: 7,
          price_applied: 'discounted',
          discounted_price_cents: 50,
          full_price_cents: 150,
          daily_discount_limit: 10,
        },
      },
    },
    note: 'Unlimited residential plans connect via unlim.proxyserver.bot:10507. No server provisioning required.',
  },
  createdDedicatedIsp: {
    success: true,
    data: {
      plan_id: 'ca8f4359-16d1-4aec-bd7f-8349f028e914',
      product: 'dedicated_isp',
      billing_type: 'per_ip',
      pool: 'ISP_US_SNEAKERS',
      quantity: 5,
      proxy_username: 'user_4f8071c5e93f',
      proxy_password: 'L68LsMrv',
      connection: { hostname: '159.197.238.218', port_http: 61234, format: 'user_4f8071c5e93f:L68LsMrv@159.197.238.218:61234' },
      proxy_list: [
        {
          host: '159.197.238.218',
          port: 61234,
          username: 'user_4f8071c5e93f',
          password: 'L68LsMrv',
          full: '159.197.238.218:61234:user_4f8071c5e93f:L68LsMrv',
        },
        {
          host: '159.197.238.219',
          port: 61234,
          username: 'user_4f8071c5e93f',
          password: 'L68LsMrv',
          full: '159.197.238.219:61234:user_4f8071c5e93f:L68LsMrv',
        },
      ],
      limits: { bytes_used: 0 },
      expires_at: '2026-03-02T15:29:14.000Z',
      status: 'active',
      provider_user_id: 'TL-9SB8KEEQQV',
      created_at: '2026-01-31T15:29:15.402Z',
      billing: { mode: 'price_only', cost_cents: 7500, cost_formatted: '$75.00' },
    },
  },
  extendedBandwidth: {
    success: true,
    data: {
      plan_id: '3cd1f4b9-efc3-4252-b9f7-9cebc5236164',
      cost_cents: 250,
      cost_formatted: '$2.50',
      gb_added: 5,
      new_max_gb: 15,
      new_max_bytes: 15000000000,
    },
  },
  extendedDays: {
    success: true,
    data: {
      plan_id: 'b146c7ec-7e38-4e17-b526-09ba9f757e6e',
      cost_cents: 70000,
      cost_formatted: '$700.00',
      days_added: 7,
      new_expires_at: '2025-01-29T10:00:00.000Z',
    },
  },
  passwordChanged: {
    success: true,
    data: {
      plan_id: '3cd1f4b9-efc3-4252-b9f7-9cebc5236164',
      proxy_username: 'xaGBMTIV',
      proxy_password: 'MyNewPass123',
      message: 'Password updated successfully',
    },
  },
  usage: {
    success: true,
    data: {
      plan_id: '3cd1f4b9-efc3-4252-b9f7-9cebc5236164',
      product: 'residential-lite',
      billing_type: 'bandwidth',
      usage: {
        bytes_used: 2500000000,
        bytes_used_formatted: '2.5 GB',
        bytes_remaining: 7500000000,
        bytes_remaining_formatted: '7.5 GB',
        max_bytes: 10000000000,
        usage_percent: 25,
      },
      period: { start: '2025-01-01T00:00:00.000Z', end: '2025-01-31T23:59:59.999Z' },
    },
  },
  proxiesFromProvider: {
    success: true,
    data: {
      plan_id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      count: 5,
      proxies: [
        {
          host: '159.197.238.218',
          port: 61234,
          username: 'user_4f8071c5e93f',
          password: 'L68LsMrv',
          full: '159.197.238.218:61234:user_4f8071c5e93f:L68LsMrv',
        },
        {
          host: '159.197.238.219',
          port: 61234,
          username: 'user_4f8071c5e93f',
          password: 'L68LsMrv',
          full: '159.197.238.219:61234:user_4f8071c5e93f:L68LsMrv',
        },
      ],
      pool: 'ISP_US_SNEAKERS',
      expires_at: '2026-03-02T15:29:14.000Z',
      source: 'provider',
    },
  },
  proxiesFromCache: {
    success: true,
    data: {
      plan_id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      count: 5,
      proxies: [
        {
          host: '159.197.238.218',
          port: 61234,
          username: 'user_4f8071c5e93f',
          password: 'L68LsMrv',
          full: '159.197.238.218:61234:user_4f8071c5e93f:L68LsMrv',
        },
      ],
      pool: 'ISP_US_SNEAKERS',
      expires_at: '2026-03-02T15:29:14.000Z',
      source: 'cached',
    },
  },
  poolsAll: {
    success: true,
    data: {
      pools: [
        { pool: 'ISP_US_SNEAKERS', inStock: true, stock: 150, title: 'USA Sneaker Proxies (ISP)', provider: 'ISP', isSubnet: false },
        { pool: 'ISP_US_TICKETS', inStock: true, stock: 80, title: 'USA Ticket Proxies (ISP)', provider: 'ISP', isSubnet: false },
        {
          pool: 'ISP_UK_SNEAKERS',
          inStock: true,
          stock: 45,
          title: 'United Kingdom Sneaker Proxies (ISP)',
          provider: 'ISP',
          isSubnet: false,
        },
      ],
      count: 3,
      note: 'This endpoint is exclusive to Dedicated ISP product. Use the pool value when creating a dedicated_isp plan.',
    },
  },
  poolsUsOnly: {
    success: true,
    data: {
      pools: [{ pool: 'ISP_US_SNEAKERS', inStock: true, stock: 150, title: 'USA Sneaker Proxies (ISP)', provider: 'ISP', isSubnet: false }],
      count: 1,
      note: 'This endpoint is exclusive to Dedicated ISP product. Use the pool value when creating a dedicated_isp plan.',
    },
  },
};

/**
 * The seed lists fields with example values but shows no whole bodies; these
 * are assembled from exactly those fields and values (seed spellings such as
 * `limits.bandwidth_mbps`, `billing.price_per_gb_cents`, pool `total`).
 */
const SEED = {
  poolList: {
    success: true,
    data: {
      pools: [{ pool: 'ISP_US_SNEAKERS', inStock: true, stock: 150, title: 'US Sneakers ISP', provider: 'ISP', isSubnet: false }],
      total: 1,
      in_stock_count: 1,
    },
  },
  proxyList: {
    success: true,
    data: {
      plan_id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      product: 'dedicated_isp',
      proxies: [
        {
          host: 'isp.proxyserver.bot',
          port: 10001,
          username: 'user_abc123',
          password: 'pass_xyz789',
          full: 'user_abc123:pass_xyz789@isp.proxyserver.bot:10001',
        },
      ],
      count: 1,
      source: 'provider',
    },
  },
  plan: {
    success: true,
    data: {
      plan_id: '3cd1f4b9-efc3-4252-b9f7-9cebc5236164',
      product: 'datacenter',
      billing_type: 'time',
      proxy_username: 'xaGBMTIV',
      proxy_password: 'HoLJlh55',
      connection: {
        hostname: 'v3-dc.proxyserver.bot',
        port_http: 777,
        port_socks: 666,
        format: 'xaGBMTIV:HoLJlh55@v3-dc.proxyserver.bot:777',
      },
      limits: { max_gb: null, max_bytes: null, bytes_used: 0, bandwidth_mbps: 100 },
      location: null,
      expires_at: '2025-01-22T10:00:00.000Z',
      status: 'active',
      created_at: '2025-01-15T10:00:00.000Z',
      billing: { mode: 'price', price_per_gb_cents: 100, cost_cents: 1400, cost_formatted: '$14.00' },
      end_user_reference: 'customer_12345',
    },
  },
  balance: {
    success: true,
    data: {
      balance_cents: 500000,
      balance_formatted: '$5,000.00',
      allocations: { residential: { gb_remaining: 5, bytes_remaining: 5000000000 } },
      total_spent_cents: 0,
      total_spent_formatted: '$0.00',
    },
  },
};

/** Error bodies verbatim from the openapi.json, with the status they are documented under. */
const DOCUMENTED_ERRORS: Array<{ name: string; status: number; body: unknown; expect: Outcome<never>['kind']; code?: string }> = [
  {
    name: 'UNAUTHORIZED',
    status: 401,
    body: { success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid or missing API key' } },
    expect: 'refused',
    code: 'unauthorized',
  },
  {
    name: 'VALIDATION_ERROR (missing product)',
    status: 400,
    body: {
      success: false,
      error: { code: 'VALIDATION_ERROR', message: 'Invalid request parameters', details: { product: ['Required'] } },
    },
    expect: 'refused',
    code: 'invalid_option',
  },
  {
    name: 'VALIDATION_ERROR (missing bandwidth)',
    status: 400,
    body: { success: false, error: { code: 'VALIDATION_ERROR', message: 'bandwidth_gb is required for bandwidth-billed products' } },
    expect: 'refused',
    code: 'invalid_option',
  },
  {
    name: 'VALIDATION_ERROR (billing type)',
    status: 400,
    body: {
      success: false,
      error: { code: 'VALIDATION_ERROR', message: 'billing_type is required for datacenter/shared_isp/ipv6 products' },
    },
    expect: 'refused',
    code: 'invalid_option',
  },
  {
    name: 'INVALID_POOL',
    status: 400,
    body: {
      success: false,
      error: {
        code: 'INVALID_POOL',
        message:
          "Invalid pool 'INVALID_POOL'. Valid pools include: ISP_US_SNEAKERS, ISP_US_TICKETS (+20 more). Use GET /proxies/pools for full list.",
      },
    },
    expect: 'refused',
    code: 'invalid_option',
  },
  // Documented under 400 in the openapi example, 409 in the error table: the code decides.
  {
    name: 'POOL_OUT_OF_STOCK',
    status: 400,
    body: {
      success: false,
      error: { code: 'POOL_OUT_OF_STOCK', message: "Pool 'ISP_US_SNEAKERS' has insufficient stock. Available: 5, Requested: 10" },
    },
    expect: 'refused',
    code: 'out_of_stock',
  },
  {
    name: 'INSUFFICIENT_BALANCE',
    status: 402,
    body: {
      success: false,
      error: {
        code: 'INSUFFICIENT_BALANCE',
        message: 'Insufficient balance. Required: $500.00, Available: $100.00',
        required_cents: 50000,
        available_cents: 10000,
      },
    },
    expect: 'refused',
    code: 'insufficient_upstream_balance',
  },
  {
    name: 'OUT_OF_STOCK',
    status: 409,
    body: { success: false, error: { code: 'OUT_OF_STOCK', message: 'product is out of stock' } },
    expect: 'refused',
    code: 'out_of_stock',
  },
  {
    name: 'NOT_FOUND',
    status: 404,
    body: { success: false, error: { code: 'NOT_FOUND', message: 'Plan not found' } },
    expect: 'refused',
    code: 'not_found',
  },
  {
    name: 'PRODUCT_DISABLED',
    status: 403,
    body: {
      success: false,
      error: {
        code: 'PRODUCT_DISABLED',
        message: 'Dedicated ISP is not enabled for your account. This endpoint is exclusive to the dedicated_isp product.',
      },
    },
    expect: 'refused',
    code: 'forbidden',
  },
  {
    name: 'FORBIDDEN',
    status: 403,
    body: { success: false, error: { code: 'FORBIDDEN', message: 'Account suspended' } },
    expect: 'refused',
    code: 'forbidden',
  },
  {
    name: 'RATE_LIMITED',
    status: 429,
    body: { success: false, error: { code: 'RATE_LIMITED', message: 'Too many requests' } },
    expect: 'refused',
    code: 'rate_limited',
  },
  {
    name: 'PRICING_ERROR',
    status: 400,
    body: { success: false, error: { code: 'PRICING_ERROR', message: 'Unable to calculate price' } },
    expect: 'refused',
    code: 'invalid_option',
  },
  {
    name: 'PLAN_EXPIRED',
    status: 400,
    body: { success: false, error: { code: 'PLAN_EXPIRED', message: 'Cannot extend an expired plan' } },
    expect: 'refused',
    code: 'rejected',
  },
  {
    name: 'EXTENSION_NOT_SUPPORTED',
    status: 400,
    body: {
      success: false,
      error: {
        code: 'EXTENSION_NOT_SUPPORTED',
        message: 'Plan extension is not supported for this product. Please create a new plan instead.',
      },
    },
    expect: 'refused',
    code: 'unsupported',
  },
  {
    name: 'NOT_SUPPORTED',
    status: 400,
    body: { success: false, error: { code: 'NOT_SUPPORTED', message: 'This endpoint is only for Dedicated ISP plans' } },
    expect: 'refused',
    code: 'unsupported',
  },
  {
    name: 'INTERNAL_ERROR',
    status: 500,
    body: { success: false, error: { code: 'INTERNAL_ERROR', message: 'Server error' } },
    expect: 'ambiguous',
  },
];

describe('FlashProxy documented examples', () => {
  it('parse plan bodies and map them to proxies with the documented host, ports, credentials and expiry', () => {
    const listed = wire.planListResponseSchema.parse(OPENAPI.planList);
    expect(gatewayProxy(listed.data.items![0]!)).toEqual({
      upstreamId: '3cd1f4b9-efc3-4252-b9f7-9cebc5236164',
      host: 'lite.proxyserver.bot',
      httpPort: 6969,
      socks5Port: 9696,
      login: 'xaGBMTIV',
      password: 'HoLJlh55',
      expiresAt: '2025-02-28T00:00:00.000Z',
      status: 'active',
      trafficLimitGb: 10,
    });

    const created = wire.planResponseSchema.parse(OPENAPI.createdResidentialLite).data;
    expect(planCostCents(created)).toBe(500);
    expect(gatewayProxy(created)?.login).toBe('xaGBMTIV');

    const trial = gatewayProxy(wire.planResponseSchema.parse(OPENAPI.createdUnlimitedTrial).data);
    expect(trial).toMatchObject({ host: 'unlim.proxyserver.bot', httpPort: 10507, login: 'fp1234567890@flashproxy.io' });
    expect(trial?.socks5Port).toBeUndefined();

    const seedPlan = wire.planResponseSchema.parse(SEED.plan).data;
    expect(seedPlan.limits?.bandwidth_mbps).toBe(100);
    expect(seedPlan.end_user_reference).toBe('customer_12345');
    expect(gatewayProxy(seedPlan)).toMatchObject({
      host: 'v3-dc.proxyserver.bot',
      httpPort: 777,
      socks5Port: 666,
      expiresAt: '2025-01-22T10:00:00.000Z',
    });
  });

  it('parse Dedicated ISP bodies into one proxy per static IP', () => {
    const plan = wire.planResponseSchema.parse(OPENAPI.createdDedicatedIsp).data;
    expect(planCostCents(plan)).toBe(7500);
    const proxies = dedicatedProxies(plan, plan.proxy_list!);
    expect(proxies).toEqual([
      {
        upstreamId: 'ca8f4359-16d1-4aec-bd7f-8349f028e914#159.197.238.218:61234',
        host: '159.197.238.218',
        httpPort: 61234,
        login: 'user_4f8071c5e93f',
        password: 'L68LsMrv',
        countryCode: 'US',
        expiresAt: '2026-03-02T15:29:14.000Z',
        status: 'active',
      },
      expect.objectContaining({ upstreamId: 'ca8f4359-16d1-4aec-bd7f-8349f028e914#159.197.238.219:61234' }),
    ]);
    for (const body of [OPENAPI.proxiesFromProvider, OPENAPI.proxiesFromCache, SEED.proxyList]) {
      const parsed = wire.planProxiesResponseSchema.parse(body).data;
      expect(parsed.proxies.length).toBeGreaterThan(0);
    }
    expect(wire.planProxiesResponseSchema.parse(SEED.proxyList).data.proxies[0]).toMatchObject({
      host: 'isp.proxyserver.bot',
      port: 10001,
      username: 'user_abc123',
      password: 'pass_xyz789',
    });
  });

  it('parse money, catalog and action bodies in integer cents', () => {
    expect(wire.balanceResponseSchema.parse(OPENAPI.balanceWithBalance).data.balance_cents).toBe(500000);
    expect(wire.balanceResponseSchema.parse(OPENAPI.balanceNewAccount).data.balance_cents).toBe(0);
    expect(wire.balanceResponseSchema.parse(SEED.balance).data.balance_cents).toBe(500000);

    const pricing = wire.pricingResponseSchema.parse(OPENAPI.pricing).data;
    expect(pricePerGbCents(pricingEntry(pricing, 'residential-lite'))).toBe(50);
    expect(pricePerGbCents(pricingEntry(pricing, 'mobile'))).toBe(500);
    expect(sellsByTime(pricingEntry(pricing, 'datacenter'))).toBe(true);
    expect(pricingEntry(pricing, 'dedicated_isp')).toBeUndefined();

    expect(wire.checkPriceResponseSchema.parse(OPENAPI.checkPriceMode).data.cost_cents).toBe(500);
    expect(wire.checkPriceResponseSchema.parse(OPENAPI.checkPriceAllocation).data.cost_cents).toBe(0);
    expect(wire.checkPriceResponseSchema.parse(OPENAPI.checkPriceTrial).data.cost_cents).toBe(50);

    expect(wire.extendResponseSchema.parse(OPENAPI.extendedBandwidth).data).toMatchObject({ cost_cents: 250, new_max_gb: 15 });
    expect(wire.extendResponseSchema.parse(OPENAPI.extendedDays).data).toMatchObject({
      cost_cents: 70000,
      new_expires_at: '2025-01-29T10:00:00.000Z',
    });
    expect(wire.passwordResponseSchema.parse(OPENAPI.passwordChanged).data.proxy_password).toBe('MyNewPass123');
    expect(wire.usageResponseSchema.parse(OPENAPI.usage).data.usage.bytes_used).toBe(2500000000);

    for (const body of [OPENAPI.poolsAll, OPENAPI.poolsUsOnly, SEED.poolList]) {
      expect(wire.poolListResponseSchema.parse(body).data.pools[0]?.pool).toBe('ISP_US_SNEAKERS');
    }
  });

  it.each(DOCUMENTED_ERRORS)('maps $name (HTTP $status)', ({ body, status, expect: kind, code }) => {
    const outcome = outcomeFromErrorBody(body, status, (t) => t);
    expect(outcome.kind).toBe(kind);
    if (code) expect(outcome).toMatchObject({ code });
  });

  it('keeps the required and available cents of a 402 in the message', () => {
    const outcome = outcomeFromErrorBody(DOCUMENTED_ERRORS.find((e) => e.status === 402)!.body, 402, (t) => t);
    expect(outcome.kind !== 'ok' && outcome.message).toContain('required 50000 cents, available 10000 cents');
  });

  it('treats a 2xx success:false as a refusal only when the code says nothing was done', () => {
    const outOfStock = outcomeFromFailedSuccess({ success: false, error: { code: 'OUT_OF_STOCK', message: 'x' } }, 200, (t) => t);
    expect(outOfStock).toMatchObject({ kind: 'refused', code: 'out_of_stock' });
    const internal = outcomeFromFailedSuccess({ success: false, error: { code: 'INTERNAL_ERROR', message: 'x' } }, 200, (t) => t);
    expect(internal).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
    expect(outcomeFromFailedSuccess({ success: false }, 200, (t) => t).kind).toBe('ambiguous');
  });

  it('does not accept a plan list without plans as "no plans"', () => {
    expect(wire.planListResponseSchema.safeParse({ success: true, data: {} }).success).toBe(false);
    expect(wire.planListResponseSchema.safeParse({ success: true, data: { plans: [] } }).success).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// (2) Errors over HTTP
// ---------------------------------------------------------------------------

describe('FlashProxy errors over HTTP', () => {
  it('refuses with unauthorized for a wrong key', async () => {
    const { sim, server } = await startFlashProxy();
    const stranger = providerAt(server.url, 'fp_live_notthekey0000000000000000000');
    expect(await stranger.getCatalog()).toMatchObject({ kind: 'refused', code: 'unauthorized', httpStatus: 401 });
    expect(await stranger.purchase({ choice: LITE_10GB, reference: 'order_wrong_key' })).toMatchObject({
      kind: 'refused',
      code: 'unauthorized',
    });
    expect(sim.purchaseCount()).toBe(0);
  });

  it('refuses with insufficient_upstream_balance and takes no money', async () => {
    const { sim, provider } = await startFlashProxy({ balanceCents: 300 });
    const outcome = await provider.purchase({ choice: LITE_10GB, reference: 'order_low_balance' });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'insufficient_upstream_balance', httpStatus: 402 });
    expect(outcome.kind === 'refused' && outcome.message).toContain('required 500 cents, available 300 cents');
    expect(sim.balanceCents()).toBe(300);
    expect(sim.purchaseCount()).toBe(0);
  });

  it('refuses with out_of_stock for a product or a pool without stock', async () => {
    const { sim, provider } = await startFlashProxy();
    sim.setOutOfStock(true, 'residential-lite');
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_no_stock_1' })).toMatchObject({
      kind: 'refused',
      code: 'out_of_stock',
      httpStatus: 409,
    });
    sim.setPoolStock('ISP_US_TICKETS', 2);
    const pool = await provider.purchase({ choice: dedicated('ISP_US_TICKETS', 3), reference: 'order_no_stock_2' });
    expect(pool).toMatchObject({ kind: 'refused', code: 'out_of_stock' });
    expect(pool.kind === 'refused' && pool.message).toContain('Available: 2, Requested: 3');
    expect(sim.purchaseCount()).toBe(0);
  });

  it('refuses with invalid_option for an unknown pool, a bad reference or a quantity FlashProxy cannot sell', async () => {
    const { sim, provider } = await startFlashProxy();
    expect(await provider.purchase({ choice: dedicated('ISP_XX_NOWHERE', 1), reference: 'order_bad_pool' })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
      httpStatus: 400,
    });
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'short' })).toMatchObject({ code: 'invalid_option' });
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'has spaces in it' })).toMatchObject({ code: 'invalid_option' });
    expect(await provider.purchase({ choice: { ...LITE_10GB, quantity: 2 }, reference: 'order_two_plans' })).toMatchObject({
      code: 'invalid_option',
    });
    expect(await provider.quote({ ...DATACENTER_WEEK, termId: '10gb' })).toMatchObject({ code: 'invalid_option' });
    expect(sim.purchaseCount()).toBe(0);
  });

  it('refuses with forbidden when a product is disabled or the account suspended', async () => {
    const { sim, provider } = await startFlashProxy();
    sim.setProductEnabled('mobile', false);
    const mobile: OrderChoice = { productId: 'mobile', termId: '5gb', quantity: 1 };
    expect(await provider.purchase({ choice: mobile, reference: 'order_disabled' })).toMatchObject({
      kind: 'refused',
      code: 'forbidden',
      httpStatus: 403,
    });
    const catalog = expectOk(await provider.getCatalog());
    expect(catalog.products.map((p) => p.id)).not.toContain('mobile');

    sim.setSuspended(true);
    expect(await provider.balance!()).toMatchObject({ kind: 'refused', code: 'forbidden' });
  });

  it('refuses with not_found, invalid_option and rejected on renewals FlashProxy cannot do', async () => {
    const { sim, provider } = await startFlashProxy();
    expect(
      await provider.renew!({ upstreamId: '00000000-0000-4000-8000-000000000000', termId: '7_days', reference: 'renew_missing' }),
    ).toMatchObject({ kind: 'refused', code: 'not_found', httpStatus: 404 });

    const bought = expectOk(await provider.purchase({ choice: DATACENTER_WEEK, reference: 'order_for_renew_errors' }));
    const balance = sim.balanceCents();
    // Adding GB to a time-billed plan: FlashProxy's VALIDATION_ERROR.
    expect(await provider.renew!({ upstreamId: bought.upstreamOrderId, termId: '5gb', reference: 'renew_wrong_kind' })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
    sim.expirePlan(bought.upstreamOrderId);
    expect(await provider.renew!({ upstreamId: bought.upstreamOrderId, termId: '7_days', reference: 'renew_expired' })).toMatchObject({
      kind: 'refused',
      code: 'rejected',
    });
    expect(sim.balanceCents()).toBe(balance);
  });

  it('refuses with rate_limited when the per-minute budget of the key is spent', async () => {
    const { sim, provider } = await startFlashProxy({ rateLimitPerMinute: 2 });
    expectOk(await provider.balance!());
    expectOk(await provider.balance!());
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_rate_limited' })).toMatchObject({
      kind: 'refused',
      code: 'rate_limited',
      httpStatus: 429,
    });
    expect(sim.purchaseCount()).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// (3) Round trips
// ---------------------------------------------------------------------------

describe('FlashProxy round trip', () => {
  it('offers bandwidth, time-billed and Dedicated ISP products at the account prices', async () => {
    const { provider } = await startFlashProxy();
    const catalog = expectOk(await provider.getCatalog());
    expect(catalog.products.map((p) => p.id)).toEqual([
      'residential-lite',
      'residential',
      'mobile',
      'datacenter-time',
      'shared-isp-time',
      'dedicated-isp',
    ]);
    const lite = catalog.products.find((p) => p.id === 'residential-lite')!;
    expect(lite).toMatchObject({ kind: 'rotating', billing: 'traffic', countries: [], maxQuantity: 1 });
    expect(lite.terms.find((t) => t.id === '10gb')).toEqual({ id: '10gb', label: '10 GB', trafficGb: 10, unitCostCents: 500 });

    const datacenter = catalog.products.find((p) => p.id === 'datacenter-time')!;
    expect(datacenter).toMatchObject({ billing: 'period', maxQuantity: 1 });
    expect(datacenter.terms.map((t) => t.days)).toEqual([1, 7, 14, 30, 60, 90]);

    const isp = catalog.products.find((p) => p.id === 'dedicated-isp')!;
    expect(isp).toMatchObject({ kind: 'static', billing: 'period', maxQuantity: 100, available: true });
    // No catalog price: `price_per_ip_30_days` has no documented unit; check-price gives the figure.
    expect(isp.terms).toEqual([{ id: '30_days_per_ip', label: '30 days', days: 30 }]);
    expect(isp.countries).toContainEqual({ code: 'ISP_US_SNEAKERS', name: 'USA Sneaker Proxies (ISP)', available: true });
    expect(isp.countries).toContainEqual({ code: 'ISP_AU_GENERAL', name: 'Australia General Proxies (ISP)', available: false });
    // /24 subnet pools are not sold through the shop.
    expect(isp.countries.map((c) => c.code)).not.toContain('SN_US_GENERAL');
  });

  it('quotes exactly with check-price', async () => {
    const { provider } = await startFlashProxy();
    expect(expectOk(await provider.quote(DATACENTER_WEEK))).toEqual({ totalCostCents: 1400, unitCostCents: 1400, exact: true });
    expect(expectOk(await provider.quote(dedicated('ISP_US_SNEAKERS', 3)))).toEqual({
      totalCostCents: 4500,
      unitCostCents: 1500,
      exact: true,
    });
  });

  it('falls back to the price list, marked not exact, when check-price does not exist', async () => {
    const { sim, provider } = await startFlashProxy();
    sim.faults.inject({ kind: 'error_before', status: 404 }, { path: '/api/v1/plans/check-price' });
    expect(expectOk(await provider.quote(LITE_10GB))).toEqual({ totalCostCents: 500, unitCostCents: 500, exact: false });
  });

  it('buys a time-billed plan, lists it, renews it, changes its password and finds it by reference', async () => {
    const { sim, provider } = await startFlashProxy();
    const reference = 'order_roundtrip_01';
    const bought = expectOk(await provider.purchase({ choice: DATACENTER_WEEK, reference }));
    const plan = sim.plan(bought.upstreamOrderId)!;
    expect(plan.endUserReference).toBe(reference);
    expect(bought.costCents).toBe(1400);
    expect(sim.balanceCents()).toBe(500_000 - 1400);
    expect(bought.proxies).toEqual([
      {
        upstreamId: plan.planId,
        host: 'v3-dc.proxyserver.bot',
        httpPort: 777,
        socks5Port: 666,
        login: plan.username,
        password: plan.password,
        expiresAt: plan.expiresAt,
        status: 'active',
      },
    ]);

    const listed = expectOk(await provider.listProxies());
    expect(listed).toEqual(bought.proxies);

    const terms = expectOk(await provider.renewalTerms!(plan.planId));
    expect(terms.map((t) => t.id)).toContain('7_days');
    const renewed = expectOk(await provider.renew!({ upstreamId: plan.planId, termId: '7_days', reference: 'renew_roundtrip_01' }));
    expect(renewed.costCents).toBe(1400);
    expect(Date.parse(renewed.newExpiresAt!) - Date.parse(plan.expiresAt!)).toBe(7 * DAY_MS);
    expect(sim.plan(plan.planId)!.expiresAt).toBe(renewed.newExpiresAt);

    const credentials = expectOk(await provider.changeCredentials!(plan.planId));
    expect(credentials.login).toBe(plan.username);
    expect(credentials.password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(sim.plan(plan.planId)!.password).toBe(credentials.password);
    expect(expectOk(await provider.listProxies())[0]).toMatchObject({
      password: credentials.password,
      expiresAt: renewed.newExpiresAt,
    });

    const found = expectOk(await provider.findPurchase(lookup(reference, DATACENTER_WEEK)));
    expect(found).toMatchObject({ upstreamOrderId: plan.planId, costCents: 1400 });
    expect(found!.proxies[0]).toMatchObject({ login: plan.username, password: credentials.password });
    expect(expectOk(await provider.findPurchase(lookup('order_never_sent', DATACENTER_WEEK)))).toBeNull();
    // A partial match of the search is not our order.
    expect(expectOk(await provider.findPurchase(lookup('order_roundtrip', DATACENTER_WEEK)))).toBeNull();

    expect(expectOk(await provider.balance!())).toEqual({ balanceCents: sim.balanceCents() });
  });

  it('buys traffic, adds GB on renewal and reports usage in GB', async () => {
    const { sim, provider } = await startFlashProxy();
    const bought = expectOk(await provider.purchase({ choice: LITE_10GB, reference: 'order_traffic_01' }));
    const planId = bought.upstreamOrderId;
    expect(bought.proxies[0]).toMatchObject({ host: 'lite.proxyserver.bot', httpPort: 6969, socks5Port: 9696, trafficLimitGb: 10 });
    expect(bought.proxies[0]!.expiresAt).toBeUndefined();

    sim.recordUsage(planId, 2_500_000_000);
    expect(expectOk(await provider.usage!(planId))).toEqual({ usedGb: 2.5, remainingGb: 7.5, totalGb: 10 });

    const terms = expectOk(await provider.renewalTerms!(planId));
    expect(terms.find((t) => t.id === '5gb')).toMatchObject({ trafficGb: 5, unitCostCents: 250 });
    const renewed = expectOk(await provider.renew!({ upstreamId: planId, termId: '5gb', reference: 'renew_traffic_01' }));
    expect(renewed).toEqual({ costCents: 250 });
    expect(expectOk(await provider.listProxies())[0]).toMatchObject({ trafficLimitGb: 15 });
    expect(sim.balanceCents()).toBe(500_000 - 500 - 250);
  });

  it('buys Dedicated ISP IPs as one proxy each; renew and password act on the whole plan', async () => {
    const { sim, provider } = await startFlashProxy();
    const choice = dedicated('ISP_UK_SNEAKERS', 3);
    const bought = expectOk(await provider.purchase({ choice, reference: 'order_isp_01' }));
    const plan = sim.plan(bought.upstreamOrderId)!;
    expect(bought.costCents).toBe(4500);
    expect(sim.poolStock('ISP_UK_SNEAKERS')).toBe(42);
    expect(bought.proxies).toHaveLength(3);
    expect(bought.proxies.map((p) => p.host)).toEqual(plan.ips);
    for (const proxy of bought.proxies) {
      expect(proxy).toMatchObject({
        upstreamId: `${plan.planId}#${proxy.host}:61234`,
        httpPort: 61234,
        login: plan.username,
        password: plan.password,
        countryCode: 'UK',
        expiresAt: plan.expiresAt,
        status: 'active',
      });
    }
    expect(expectOk(await provider.listProxies())).toEqual(bought.proxies);

    const oneIp = bought.proxies[1]!.upstreamId;
    expect(expectOk(await provider.renewalTerms!(oneIp))).toEqual([
      { id: '30_days_per_ip', label: '30 days (all 3 IPs of the plan)', days: 30, unitCostCents: 4500, renewsProxies: 3 },
    ]);
    const renewed = expectOk(await provider.renew!({ upstreamId: oneIp, termId: '30_days_per_ip', reference: 'renew_isp_01' }));
    expect(renewed.costCents).toBe(4500);
    expect(Date.parse(renewed.newExpiresAt!) - Date.parse(plan.expiresAt!)).toBe(30 * DAY_MS);

    const credentials = expectOk(await provider.changeCredentials!(oneIp));
    const after = expectOk(await provider.listProxies());
    expect(after.map((p) => p.password)).toEqual([credentials.password, credentials.password, credentials.password]);
    expect(after.every((p) => p.expiresAt === renewed.newExpiresAt)).toBe(true);

    const found = expectOk(await provider.findPurchase(lookup('order_isp_01', choice)));
    expect(found?.proxies.map((p) => p.upstreamId)).toEqual(bought.proxies.map((p) => p.upstreamId));
  });

  it('charges once when the same purchase is sent twice with the same reference', async () => {
    const { sim, provider } = await startFlashProxy();
    const first = expectOk(await provider.purchase({ choice: LITE_10GB, reference: 'order_twice_01' }));
    const second = expectOk(await provider.purchase({ choice: LITE_10GB, reference: 'order_twice_01' }));
    expect(second).toEqual(first);
    expect(sim.purchaseCount()).toBe(1);
    expect(sim.balanceCents()).toBe(500_000 - 500);

    // The same reference with another order is FlashProxy's IDEMPOTENCY_KEY_CONFLICT: a plan under the
    // key exists, so it is no refusal; it is another product than this choice, so a person decides.
    expect(await provider.purchase({ choice: DATACENTER_WEEK, reference: 'order_twice_01' })).toMatchObject({
      kind: 'ambiguous',
      reason: 'needs_operator',
    });
    expect(sim.purchaseCount()).toBe(1);
  });

  it('lists every plan across pages and shows expired and cancelled ones as such', async () => {
    const { sim, provider } = await startFlashProxy({ maxPlansPerPage: 2 });
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      ids.push(expectOk(await provider.purchase({ choice: LITE_10GB, reference: `order_page_${i}x` })).upstreamOrderId);
    }
    sim.expirePlan(ids[0]!);
    sim.cancelPlanElsewhere(ids[1]!);
    sim.changePasswordElsewhere(ids[2]!, 'ChangedInDashboard1');
    const listed = expectOk(await provider.listProxies());
    expect(listed.map((p) => p.upstreamId).sort()).toEqual([...ids].sort());
    const byId = new Map(listed.map((p) => [p.upstreamId, p]));
    expect(byId.get(ids[0]!)?.status).toBe('expired');
    expect(byId.get(ids[1]!)?.status).toBe('cancelled');
    expect(byId.get(ids[2]!)?.password).toBe('ChangedInDashboard1');
  });

  it('drops Dedicated ISP from the catalog when the account may not buy it', async () => {
    const { sim, provider } = await startFlashProxy();
    sim.setProductEnabled('dedicated_isp', false);
    const catalog = expectOk(await provider.getCatalog());
    expect(catalog.products.map((p) => p.id)).not.toContain('dedicated-isp');
    expect(catalog.products.length).toBe(5);
  });
});

// ---------------------------------------------------------------------------
// (4) Faults
// ---------------------------------------------------------------------------

describe('FlashProxy faults on purchase', () => {
  const PLANS = { method: 'POST', path: '/api/v1/plans' };

  it('hang before processing: ambiguous timeout, nothing bought, nothing found', async () => {
    const { sim, provider } = await startFlashProxy();
    sim.faults.inject({ kind: 'hang_before' }, PLANS);
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_hang_before' })).toMatchObject({
      kind: 'ambiguous',
      reason: 'timeout',
    });
    expect(sim.purchaseCount()).toBe(0);
    expect(expectOk(await provider.findPurchase(lookup('order_hang_before', LITE_10GB)))).toBeNull();
  });

  it('hang after processing: ambiguous, bought exactly once, found by reference, a retry is not charged', async () => {
    const { sim, provider } = await startFlashProxy();
    sim.faults.inject({ kind: 'hang_after' }, PLANS);
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_hang_after' })).toMatchObject({
      kind: 'ambiguous',
      reason: 'timeout',
    });
    await waitFor(() => sim.purchaseCount() === 1, { what: 'the simulated purchase' });
    const plan = sim.findPlanByReference('order_hang_after')!;
    const found = expectOk(await provider.findPurchase(lookup('order_hang_after', LITE_10GB)));
    expect(found).toMatchObject({ upstreamOrderId: plan.planId, costCents: 500 });
    expect(found!.proxies[0]).toMatchObject({ login: plan.username, password: plan.password });

    const retried = expectOk(await provider.purchase({ choice: LITE_10GB, reference: 'order_hang_after' }));
    expect(retried.upstreamOrderId).toBe(plan.planId);
    expect(sim.purchaseCount()).toBe(1);
    expect(sim.balanceCents()).toBe(500_000 - 500);
  });

  it('5xx after processing: ambiguous server_error', async () => {
    const { sim, provider } = await startFlashProxy();
    sim.faults.inject({ kind: 'error_after', status: 500 }, PLANS);
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_error_after' })).toMatchObject({
      kind: 'ambiguous',
      reason: 'server_error',
      httpStatus: 500,
    });
    expect(sim.purchaseCount()).toBe(1);
  });

  it('malformed 2xx after processing: ambiguous malformed', async () => {
    const { sim, provider } = await startFlashProxy();
    sim.faults.inject({ kind: 'malformed_after' }, PLANS);
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_malformed' })).toMatchObject({
      kind: 'ambiguous',
      reason: 'malformed',
    });
    expect(sim.purchaseCount()).toBe(1);
  });

  it('connection dropped after processing: ambiguous network', async () => {
    const { sim, provider } = await startFlashProxy();
    sim.faults.inject({ kind: 'reset_after' }, PLANS);
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_reset_after' })).toMatchObject({
      kind: 'ambiguous',
      reason: 'network',
    });
    expect(sim.purchaseCount()).toBe(1);
  });

  it('429 before processing: refused rate_limited, nothing bought', async () => {
    const { sim, provider } = await startFlashProxy();
    sim.faults.inject({ kind: 'rate_limited' }, PLANS);
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_rate_fault' })).toMatchObject({
      kind: 'refused',
      code: 'rate_limited',
    });
    expect(sim.purchaseCount()).toBe(0);
  });

  it('a lost Dedicated ISP purchase stays ambiguous while its IPs cannot be read, then is found', async () => {
    const { sim, provider } = await startFlashProxy();
    const choice = dedicated('ISP_DE_GENERAL', 2);
    sim.faults.inject({ kind: 'malformed_after' }, PLANS);
    expect((await provider.purchase({ choice, reference: 'order_isp_later' })).kind).toBe('ambiguous');
    expect(sim.purchaseCount()).toBe(1);

    sim.faults.inject({ kind: 'error_after' }, { method: 'GET', path: /\/proxies$/, times: Infinity });
    expect(await provider.findPurchase(lookup('order_isp_later', choice))).toMatchObject({
      kind: 'ambiguous',
      reason: 'server_error',
    });
    sim.faults.clear();
    const found = expectOk(await provider.findPurchase(lookup('order_isp_later', choice)));
    expect(found?.proxies.map((p) => p.host)).toEqual(sim.findPlanByReference('order_isp_later')!.ips);
  });
});

describe('FlashProxy secrets', () => {
  it('never puts the API key in an outcome message', async () => {
    const { sim, server, provider } = await startFlashProxy({ balanceCents: 100 });
    const outcomes: Array<Outcome<unknown>> = [];
    outcomes.push(await provider.purchase({ choice: LITE_10GB, reference: 'order_secret_1' }));
    sim.faults.inject({ kind: 'hang_before' }, { method: 'POST' });
    outcomes.push(await provider.purchase({ choice: LITE_10GB, reference: 'order_secret_2' }));
    sim.faults.inject({ kind: 'error_after' }, { method: 'POST' });
    outcomes.push(await provider.purchase({ choice: LITE_10GB, reference: 'order_secret_3' }));
    sim.faults.inject({ kind: 'malformed_after' }, { method: 'POST' });
    outcomes.push(await provider.purchase({ choice: LITE_10GB, reference: 'order_secret_4' }));
    outcomes.push(await providerAt(server.url, `${sim.apiKey}x`).balance!());
    for (const outcome of outcomes) {
      expect(outcome.kind).not.toBe('ok');
      if (outcome.kind !== 'ok') expect(outcome.message).not.toContain(sim.apiKey);
    }
  });

  it('masks the key when an upstream echoes it back in an error', async () => {
    // An upstream (or a proxy in front of it) that repeats the Authorization header in its errors.
    let status = 400;
    const echo: Server = createServer((req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      const code = status === 400 ? 'VALIDATION_ERROR' : 'SOMETHING_ODD';
      res.end(JSON.stringify({ success: false, error: { code, message: `bad request from ${req.headers.authorization}` } }));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: () =>
        new Promise<void>((resolve) => {
          echo.closeAllConnections();
          echo.close(() => resolve());
        }),
    });
    const apiKey = 'fp_live_echoedsecret1234567890abcdef';
    const provider = providerAt(`http://127.0.0.1:${(echo.address() as AddressInfo).port}`, apiKey);

    const refusedOutcome = await provider.purchase({ choice: LITE_10GB, reference: 'order_echo_1' });
    expect(refusedOutcome).toMatchObject({ kind: 'refused', code: 'invalid_option' });
    expect(refusedOutcome.kind !== 'ok' && refusedOutcome.message).toContain('Bearer ***');
    expect(JSON.stringify(refusedOutcome)).not.toContain(apiKey);

    status = 200;
    const ambiguousOutcome = await provider.purchase({ choice: LITE_10GB, reference: 'order_echo_2' });
    expect(ambiguousOutcome).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
    expect(JSON.stringify(ambiguousOutcome)).not.toContain(apiKey);
  });
});

// ---------------------------------------------------------------------------
// (5) Capabilities
// ---------------------------------------------------------------------------

describe('FlashProxy capabilities', () => {
  it('declares exactly the optional methods it has', () => {
    const provider = createFlashProxyProvider({ apiKey: 'fp_test_x', baseUrl: 'http://127.0.0.1:9/api/v1' });
    const methodFor = {
      quote: 'quote',
      renew: 'renew',
      changeCredentials: 'changeCredentials',
      rotateIp: 'rotateIp',
      switchLocation: 'switchLocation',
      usage: 'usage',
      balance: 'balance',
      findPurchase: 'findPurchase',
      targeting: 'targetingOptions',
    } as const;
    for (const [capability, method] of Object.entries(methodFor)) {
      const declared = provider.capabilities[capability as keyof typeof methodFor];
      expect(typeof provider[method] === 'function', `${capability}`).toBe(declared);
    }
    expect(provider.capabilities).toMatchObject({ rotateIp: false, switchLocation: false, renew: true, findPurchase: true });
    expect(provider.locations).toBeUndefined();
    expect(typeof provider.renewalTerms).toBe('function');
    expect(typeof provider.targetedCredentials).toBe('function');
  });
});
