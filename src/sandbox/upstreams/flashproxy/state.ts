/**
 * The simulated FlashProxy reseller account: balance, plans, Dedicated ISP
 * pool stock. Each method is one documented endpoint and answers the exact
 * envelope FlashProxy would; the HTTP concerns (auth, rate limit,
 * idempotency) live in routes.ts.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { countryExitAddress } from '../exit-countries.js';
import type { Admission, RunningSimProxy } from '../proxy-server.js';
import type { SimResponse } from '../sim-server.js';
import { randomId } from '../sim-server.js';
import {
  bandwidthCostCents,
  DEFAULT_UNLIMITED_TRIAL_MINUTES,
  UNLIMITED_TRIAL,
  DEDICATED_PORT,
  DEFAULT_POOLS,
  DEFAULT_PRICES,
  formatUsd,
  GATEWAYS,
  timePlanCostCents,
  type SimPoolSeed,
  type SimProductPrice,
} from './catalog.js';
import { familyOf, numeric, parseOrder, type NormalizedOrder } from './orders.js';
import { failure, planNotFound, success, validationError } from './responses.js';
import { SubUsers } from './sub-users.js';
import { routeTargetedUsername, splitTargetedUsername } from './username-targeting.js';

const HOUR_MS = 3_600_000;
/** `UpdateAllowedIpsRequest.allowed_ips.maxItems`. */
const MAX_ALLOWED_IPS = 10;
const DAY_MS = 24 * HOUR_MS;
const BYTES_PER_GB = 1_000_000_000;
const LETTERS_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface SimPlan {
  planId: string;
  /** Creation order; breaks ties between plans created in the same millisecond. */
  sequence: number;
  product: string;
  billingType: 'bandwidth' | 'time' | 'per_ip';
  username: string;
  password: string;
  maxGb: number | null;
  bytesUsed: number;
  mbps: number | null;
  expiresAt: number | null;
  cancelled: boolean;
  createdAt: number;
  updatedAt: number;
  costCents: number;
  balanceBefore: number;
  balanceAfter: number;
  endUserReference: string | null;
  pool: string | null;
  ips: string[];
  /** Source IPs allowed to use the credentials; empty: any. */
  allowedIps: string[];
  /**
   * Dedicated ISP under a live proxy: where each of `ips` really listens
   * (same order), a port of its own on loopback. Empty otherwise.
   */
  liveEndpoints: Array<{ host: string; port: number }>;
  /** An unlimited residential trial: its `billing.trial_info` as created. */
  trialInfo?: TrialInfo;
}

/** CheckPriceResponse / created trial `billing.trial_info` (openapi). */
export interface TrialInfo {
  trials_used_today: number;
  discounted_trials_remaining: number;
  price_applied: 'discounted' | 'full';
  discounted_price_cents: number;
  full_price_cents: number;
  daily_discount_limit: number;
}

interface PoolState extends SimPoolSeed {
  /** How many addresses this pool has handed out (gives the next one's last octet). */
  nextHost: number;
}

export interface AccountOptions {
  balanceCents: number;
  now: () => number;
  /** Largest `per_page` honoured by `GET /plans` (FlashProxy: 100). */
  maxPerPage: number;
}

export class FlashProxyAccount {
  balanceCents: number;
  totalSpentCents = 0;
  purchases = 0;
  suspended = false;
  readonly plans = new Map<string, SimPlan>();
  readonly prices = new Map<string, SimProductPrice>(Object.entries(DEFAULT_PRICES));
  readonly disabledProducts = new Set<string>();
  /**
   * Whether the account may buy unlimited residential trials (the simulated
   * account sells no full unlimited plan); off by default, as the openapi's
   * tags call it a dedicated product some accounts have.
   */
  unlimitedTrials = false;
  /** How long a trial lasts; see DEFAULT_UNLIMITED_TRIAL_MINUTES. */
  unlimitedTrialMinutes: number = DEFAULT_UNLIMITED_TRIAL_MINUTES;
  /** Trials bought per UTC day ("resets daily at midnight UTC"). */
  private readonly trialsByDay = new Map<string, number>();
  readonly outOfStockProducts = new Set<string>();
  everythingOutOfStock = false;
  /**
   * Fields left out of `GET /plans` items. The openapi's Plan marks none
   * required and its list example shows no `end_user_reference`, `billing`,
   * `pool` or `quantity`, so FlashProxy may send items without them.
   */
  readonly omittedListFields = new Set<string>();
  /**
   * The unit of `price_per_ip_30_days` in the price list. The openapi never
   * states it; 'dollars' shows what a reader that assumed cents would get wrong.
   * What a plan or an extension costs does not change.
   */
  dedicatedPriceListUnit: 'cents' | 'dollars' = 'cents';
  /**
   * When the simulator runs a real proxy (`startProxyServer`), the gateway
   * products' connection points at it instead of the catalog's gateway host,
   * so what is sold can be used and checked on 127.0.0.1. Dedicated ISP
   * addresses are each their own proxy: each gets a port of its own on the
   * live proxy (`liveProxy`, `bindLiveEndpoints`).
   */
  liveGateway: { hostname: string; portHttp: number; portSocks: number } | undefined;
  /** The live proxy itself, which hands each Dedicated ISP address a port of its own. */
  liveProxy: RunningSimProxy | undefined;

  /** The gateway a plan's credentials work on: the live proxy when there is one. */
  gatewayOf(product: string): { hostname: string; portHttp: number; portSocks: number } | undefined {
    const gateway = GATEWAYS[product];
    return gateway && this.liveGateway ? this.liveGateway : gateway;
  }

  /**
   * Whether a gateway login is one this account issued to a plan still in
   * use, from an address the plan allows: what the live gateway admits. The
   * login may carry the documented targeting parameters after the plan's
   * username (username-targeting.ts); a targeted country exits from that
   * country's address, and parameters the product does not take are refused.
   */
  admitsGatewayLogin(username: string, password: string, from: string): Admission {
    const split = splitTargetedUsername(username);
    if (!split) return false;
    for (const plan of this.plans.values()) {
      if (!GATEWAYS[plan.product] || !this.admitsPlanLogin(plan, split.base, password, from)) continue;
      const route = routeTargetedUsername(plan.product, split.base, split.pairs);
      if (!route.ok) return false;
      return route.countryCode === undefined ? true : { exitAddress: countryExitAddress(route.countryCode) };
    }
    return false;
  }

  /**
   * The openapi on `allowed_ips` (Plan, CreatePlanRequest and
   * `PUT /plans/{planId}/allowed-ips`): "When non-empty, only those source IPs
   * can authenticate to the proxy with this plan's credentials", and "Empty
   * list means no IP restriction (creds are sufficient)". So the allowlist is
   * a second condition, not a replacement: a listed address still needs the
   * login and password, and an unlisted one is refused even with them.
   */
  admitsPlanLogin(plan: SimPlan, username: string, password: string, from: string): boolean {
    if (plan.username !== username || plan.password !== password || this.statusOf(plan) !== 'active') return false;
    return plan.allowedIps.length === 0 || plan.allowedIps.includes(foldIp(from) ?? from);
  }
  readonly pools = new Map<string, PoolState>(DEFAULT_POOLS.map((p) => [p.pool, { ...p, nextHost: 0 }]));
  private sequence = 0;
  readonly now: () => number;
  readonly maxPerPage: number;

  /** Sub-users draw their balance from this account's. */
  readonly subUsers: SubUsers;

  constructor(options: AccountOptions) {
    this.balanceCents = options.balanceCents;
    this.now = options.now;
    this.maxPerPage = options.maxPerPage;
    this.subUsers = new SubUsers(this, options.now);
  }

  // -------------------------------------------------------------------------
  // Balance and catalog
  // -------------------------------------------------------------------------

  balance(): SimResponse {
    return success({
      balance_cents: this.balanceCents,
      balance_formatted: formatUsd(this.balanceCents),
      allocations: {},
      total_spent_cents: this.totalSpentCents,
      total_spent_formatted: formatUsd(this.totalSpentCents),
    });
  }

  pricing(): SimResponse {
    const data: Record<string, unknown> = {};
    // The pricing example's entry, without its `trial_price_cents`, which contradicts the documented tiers.
    if (this.sellsUnlimitedTrials()) data.unlimited_residential = { billing: 'time' };
    for (const [product, price] of this.prices) {
      if (this.disabledProducts.has(product)) continue;
      if (price.family === 'dedicated') {
        data[product] = {
          billing: 'per_ip',
          price_per_ip_30_days: this.dedicatedPriceListUnit === 'cents' ? price.pricePerIpCents : (price.pricePerIpCents ?? 0) / 100,
          price_per_ip_30_days_formatted: formatUsd(price.pricePerIpCents ?? 0),
        };
      } else if (price.family === 'hybrid') {
        data[product] = {
          billing: 'hybrid',
          price_per_gb: price.pricePerGbCents,
          price_per_gb_formatted: formatUsd(price.pricePerGbCents ?? 0),
          price_per_day_cents: price.pricePerDayCents,
          price_per_day_formatted: formatUsd(price.pricePerDayCents ?? 0),
        };
      } else {
        data[product] = {
          billing: 'bandwidth',
          price_per_gb: price.pricePerGbCents,
          price_per_gb_formatted: formatUsd(price.pricePerGbCents ?? 0),
        };
      }
    }
    return success(data);
  }

  listPools(type: string | null, country: string | null): SimResponse {
    if (!this.sells('dedicated_isp')) {
      return failure(
        403,
        'PRODUCT_DISABLED',
        'Dedicated ISP is not enabled for your account. This endpoint is exclusive to the dedicated_isp product.',
      );
    }
    const pools = [...this.pools.values()]
      .filter((p) => (type === 'isp' ? !p.isSubnet : type === 'subnet' ? p.isSubnet : true))
      .filter((p) => (country ? p.pool.split('_')[1] === country.toUpperCase() : true))
      .map((p) => {
        const stock = this.poolStock(p.pool);
        return {
          pool: p.pool,
          inStock: stock > 0,
          stock,
          title: p.title,
          provider: p.isSubnet ? 'SN' : 'ISP',
          isSubnet: p.isSubnet,
        };
      });
    return success({
      pools,
      count: pools.length,
      note: 'This endpoint is exclusive to Dedicated ISP product. Use the pool value when creating a dedicated_isp plan.',
    });
  }

  poolStock(pool: string): number {
    if (this.isOutOfStock('dedicated_isp')) return 0;
    return this.pools.get(pool)?.stock ?? 0;
  }

  isOutOfStock(product: string): boolean {
    return this.everythingOutOfStock || this.outOfStockProducts.has(product);
  }

  // -------------------------------------------------------------------------
  // Plans
  // -------------------------------------------------------------------------

  checkPrice(body: unknown): SimResponse {
    const priced = this.priceOrder(body);
    if ('response' in priced) return priced.response;
    if (priced.order.family === 'trial') {
      return success({
        cost_cents: priced.cost,
        cost_usd: (priced.cost / 100).toFixed(2),
        mode: 'price_only',
        trial_info: this.trialInfo(),
      });
    }
    return success({ cost_cents: priced.cost, cost_usd: (priced.cost / 100).toFixed(2), mode: 'price' });
  }

  createPlan(body: unknown): SimResponse {
    const priced = this.priceOrder(body);
    if ('response' in priced) return priced.response;
    const { order, cost } = priced;
    // CreatePlanRequest.allowed_ips: "Optional IP allowlist for this plan (max 10) … Omit or pass [] for no restriction."
    const asked = (body as { allowed_ips?: unknown } | undefined)?.allowed_ips;
    const allowedIps = asked === undefined ? [] : allowedIpsOf(asked);
    if (!Array.isArray(allowedIps)) return allowedIps;
    if (order.family === 'dedicated') {
      const available = this.poolStock(order.pool);
      if (available < order.quantity) {
        return failure(
          409,
          'POOL_OUT_OF_STOCK',
          `Pool '${order.pool}' has insufficient stock. Available: ${available}, Requested: ${order.quantity}`,
        );
      }
    } else if (this.isOutOfStock(order.product)) {
      return failure(409, 'OUT_OF_STOCK', `${order.product} is out of stock`);
    }
    if (cost > this.balanceCents) {
      return failure(
        402,
        'INSUFFICIENT_BALANCE',
        `Insufficient balance. Required: ${formatUsd(cost)}, Available: ${formatUsd(this.balanceCents)}`,
        { required_cents: cost, available_cents: this.balanceCents },
      );
    }
    const trialInfo = order.family === 'trial' ? this.trialInfo() : undefined;
    const plan = this.issuePlan(order, cost);
    plan.allowedIps = allowedIps;
    if (trialInfo) {
      plan.trialInfo = trialInfo;
      const day = this.utcDay();
      this.trialsByDay.set(day, (this.trialsByDay.get(day) ?? 0) + 1);
    }
    return success(this.planToWire(plan, true), 201);
  }

  listPlans(query: URLSearchParams): SimResponse {
    const page = numeric(query.get('page') ?? '1');
    const askedPerPage = numeric(query.get('per_page') ?? '20');
    if (page === undefined || !Number.isInteger(page) || page < 1) {
      return validationError('Invalid request parameters', { page: ['Must be a whole number of at least 1'] });
    }
    if (askedPerPage === undefined || !Number.isInteger(askedPerPage) || askedPerPage < 1) {
      return validationError('Invalid request parameters', { per_page: ['Must be a whole number of at least 1'] });
    }
    // Larger pages than the documented maximum are cut down, and the pagination block says so.
    const perPage = Math.min(askedPerPage, this.maxPerPage);
    const status = query.get('status') ?? 'all';
    const product = query.get('product');
    const search = query.get('search')?.toLowerCase();
    const matching = [...this.plans.values()]
      .filter((p) => status === 'all' || this.statusOf(p) === status)
      .filter((p) => !product || p.product === product)
      .filter((p) => !search || [p.planId, p.username, p.endUserReference ?? ''].some((field) => field.toLowerCase().includes(search)))
      .sort((a, b) => b.createdAt - a.createdAt || b.sequence - a.sequence);
    const items = matching.slice((page - 1) * perPage, page * perPage).map((p) => {
      const wire = this.planToWire(p, false);
      for (const field of this.omittedListFields) delete wire[field];
      return wire;
    });
    return success({
      items,
      pagination: {
        page,
        per_page: perPage,
        total: matching.length,
        total_pages: Math.max(1, Math.ceil(matching.length / perPage)),
      },
    });
  }

  getPlan(planId: string): SimResponse {
    const plan = this.plans.get(planId);
    return plan ? success(this.planToWire(plan, true)) : planNotFound();
  }

  planProxies(planId: string): SimResponse {
    const plan = this.plans.get(planId);
    if (!plan) return planNotFound();
    if (plan.product !== 'dedicated_isp') {
      return failure(400, 'NOT_SUPPORTED', 'This endpoint is only for Dedicated ISP plans');
    }
    const proxies = this.proxyList(plan);
    return success({
      plan_id: plan.planId,
      count: proxies.length,
      proxies,
      pool: plan.pool,
      expires_at: iso(plan.expiresAt),
      source: 'provider',
    });
  }

  extendPlan(planId: string, body: unknown): SimResponse {
    const plan = this.plans.get(planId);
    if (!plan) return planNotFound();
    if (plan.cancelled) return failure(400, 'PLAN_NOT_ACTIVE', 'Cannot extend an inactive plan');
    if (this.statusOf(plan) === 'expired') return failure(400, 'PLAN_EXPIRED', 'Cannot extend an expired plan');
    if (typeof body !== 'object' || body === null) return validationError('Invalid request parameters');
    const fields = body as Record<string, unknown>;
    const price = this.prices.get(plan.product);
    if (!price) return failure(403, 'PRODUCT_DISABLED', `${plan.product} is not enabled for your account`);

    if (plan.billingType === 'per_ip') {
      if (fields.extend_30_days !== true) {
        return validationError('Dedicated ISP plans are extended with extend_30_days: true');
      }
      const cost = (price.pricePerIpCents ?? 0) * plan.ips.length;
      return this.chargeExtension(plan, cost, () => {
        plan.expiresAt = Math.max(this.now(), plan.expiresAt ?? this.now()) + 30 * DAY_MS;
        return { days_added: 30, new_expires_at: iso(plan.expiresAt) };
      });
    }

    const addGb = fields.add_bandwidth_gb === undefined ? undefined : numeric(fields.add_bandwidth_gb);
    const addDays = fields.add_days === undefined ? undefined : numeric(fields.add_days);
    if (fields.add_bandwidth_gb !== undefined && (addGb === undefined || addGb < 0.1 || addGb > 10_000)) {
      return validationError('Invalid request parameters', { add_bandwidth_gb: ['Must be between 0.1 and 10000'] });
    }
    const badDays = addDays === undefined || !Number.isInteger(addDays) || addDays < 1 || addDays > 365;
    if (fields.add_days !== undefined && badDays) {
      return validationError('Invalid request parameters', { add_days: ['Must be a whole number between 1 and 365'] });
    }
    if (plan.billingType === 'time') {
      if (addGb !== undefined) {
        return validationError('Cannot add bandwidth to a time-billed plan. Use add_days instead.');
      }
      if (addDays === undefined) return validationError('add_days is required to extend a time-billed plan');
      const cost = timePlanCostCents(price.pricePerDayCents ?? 0, addDays * 24, plan.mbps ?? 100);
      return this.chargeExtension(plan, cost, () => {
        plan.expiresAt = Math.max(this.now(), plan.expiresAt ?? this.now()) + addDays * DAY_MS;
        return { days_added: addDays, new_expires_at: iso(plan.expiresAt) };
      });
    }
    if (addDays !== undefined) {
      return validationError('Cannot add days to a bandwidth-billed plan. Use add_bandwidth_gb instead.');
    }
    if (addGb === undefined) return validationError('add_bandwidth_gb is required to extend a bandwidth plan');
    const cost = bandwidthCostCents(price.pricePerGbCents ?? 0, addGb);
    return this.chargeExtension(plan, cost, () => {
      plan.maxGb = roundGb((plan.maxGb ?? 0) + addGb);
      return { gb_added: addGb, new_max_gb: plan.maxGb, new_max_bytes: Math.round(plan.maxGb * BYTES_PER_GB) };
    });
  }

  changePassword(planId: string, body: unknown): SimResponse {
    const plan = this.plans.get(planId);
    if (!plan) return planNotFound();
    const password = (body as { new_password?: unknown } | undefined)?.new_password;
    if (typeof password !== 'string' || !/^[a-zA-Z0-9]{6,32}$/.test(password)) {
      return validationError('Invalid request parameters', {
        new_password: ['New password must be 6-32 characters, letters and digits only'],
      });
    }
    plan.password = password;
    plan.updatedAt = this.now();
    return success({
      plan_id: plan.planId,
      proxy_username: plan.username,
      proxy_password: plan.password,
      message: 'Password updated successfully',
    });
  }

  usage(planId: string): SimResponse {
    const plan = this.plans.get(planId);
    if (!plan) return planNotFound();
    const maxBytes = plan.maxGb === null ? null : Math.round(plan.maxGb * BYTES_PER_GB);
    const remaining = maxBytes === null ? null : Math.max(0, maxBytes - plan.bytesUsed);
    return success({
      plan_id: plan.planId,
      product: plan.product,
      billing_type: plan.billingType,
      usage: {
        bytes_used: plan.bytesUsed,
        bytes_used_formatted: formatBytes(plan.bytesUsed),
        bytes_remaining: remaining,
        bytes_remaining_formatted: remaining === null ? null : formatBytes(remaining),
        max_bytes: maxBytes,
        usage_percent: maxBytes ? Math.round((plan.bytesUsed / maxBytes) * 100) : null,
      },
      period: { start: iso(plan.createdAt), end: iso(plan.expiresAt ?? this.now()) },
    });
  }

  /**
   * `PUT /plans/{planId}/allowed-ips`: "Replace the plan's IP allowlist (max
   * 10 entries) … Each entry must be a valid IPv4 or IPv6 address. CIDR ranges
   * are not supported. Duplicates and IPv4-mapped IPv6 addresses
   * (`::ffff:1.2.3.4`) are folded server-side." 400 for "too many entries,
   * malformed IP, or non-array body"; nothing changes then.
   */
  setAllowedIps(planId: string, body: unknown): SimResponse {
    const plan = this.plans.get(planId);
    if (!plan) return failure(404, 'NOT_FOUND', 'Resource not found');
    const folded = allowedIpsOf((body as { allowed_ips?: unknown } | undefined)?.allowed_ips);
    if (!Array.isArray(folded)) return folded;
    plan.allowedIps = folded;
    plan.updatedAt = this.now();
    return success({ plan_id: plan.planId, allowed_ips: [...folded], updated_at: iso(plan.updatedAt) });
  }

  cancelPlan(planId: string): SimResponse {
    const plan = this.plans.get(planId);
    if (!plan) return failure(404, 'NOT_FOUND', 'Resource not found');
    if (plan.cancelled) return failure(400, 'ALREADY_CANCELLED', 'Plan was already cancelled');
    plan.cancelled = true;
    plan.updatedAt = this.now();
    return success({
      plan_id: plan.planId,
      status: 'cancelled',
      message: 'Plan cancelled successfully. No refund will be issued.',
      cancelled_at: iso(plan.updatedAt),
    });
  }

  statusOf(plan: SimPlan): 'active' | 'expired' | 'cancelled' {
    if (plan.cancelled) return 'cancelled';
    if (plan.expiresAt !== null && plan.expiresAt <= this.now()) return 'expired';
    return 'active';
  }

  sellsUnlimitedTrials(): boolean {
    return this.unlimitedTrials && !this.disabledProducts.has('unlimited_residential');
  }

  private utcDay(): string {
    return new Date(this.now()).toISOString().slice(0, 10);
  }

  /** What the next trial of today costs, as `trial_info` tells it. */
  private trialInfo(): TrialInfo {
    const used = this.trialsByDay.get(this.utcDay()) ?? 0;
    const discounted = used < UNLIMITED_TRIAL.dailyDiscountLimit;
    return {
      trials_used_today: used,
      discounted_trials_remaining: Math.max(0, UNLIMITED_TRIAL.dailyDiscountLimit - used),
      price_applied: discounted ? 'discounted' : 'full',
      discounted_price_cents: UNLIMITED_TRIAL.discountedCents,
      full_price_cents: UNLIMITED_TRIAL.fullCents,
      daily_discount_limit: UNLIMITED_TRIAL.dailyDiscountLimit,
    };
  }

  sells(product: string): boolean {
    return this.prices.has(product) && !this.disabledProducts.has(product);
  }

  // -------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------

  /** Validates, checks the product is sold, and prices an order (shared by check-price and create). */
  private priceOrder(body: unknown): { order: NormalizedOrder; cost: number } | { response: SimResponse } {
    const parsed = parseOrder(body);
    if (!parsed.ok) return { response: parsed.response };
    const { order } = parsed;
    if (order.family === 'trial') {
      if (!this.sellsUnlimitedTrials()) {
        return { response: failure(403, 'PRODUCT_DISABLED', `Product ${order.product} is not enabled for your account`) };
      }
      const info = this.trialInfo();
      return { order, cost: info.price_applied === 'discounted' ? info.discounted_price_cents : info.full_price_cents };
    }
    const price = this.prices.get(order.product);
    if (!price || this.disabledProducts.has(order.product) || familyOf(order.product) === 'unlimited') {
      return { response: failure(403, 'PRODUCT_DISABLED', `Product ${order.product} is not enabled for your account`) };
    }
    switch (order.family) {
      case 'dedicated': {
        const pool = this.pools.get(order.pool);
        if (!pool) {
          const valid = [...this.pools.keys()];
          const examples = `${valid.slice(0, 2).join(', ')} (+${Math.max(0, valid.length - 2)} more)`;
          const message = `Invalid pool '${order.pool}'. Valid pools include: ${examples}. Use GET /proxies/pools for full list.`;
          return { response: failure(400, 'INVALID_POOL', message) };
        }
        return { order, cost: (price.pricePerIpCents ?? 0) * order.quantity };
      }
      case 'time':
        if (price.pricePerDayCents === undefined) {
          return { response: validationError(`${order.product} cannot be billed by time`) };
        }
        return { order, cost: timePlanCostCents(price.pricePerDayCents, order.hours, order.mbps) };
      case 'bandwidth':
        return { order, cost: bandwidthCostCents(price.pricePerGbCents ?? 0, order.gb) };
    }
  }

  private issuePlan(order: NormalizedOrder, cost: number): SimPlan {
    const now = this.now();
    const balanceBefore = this.balanceCents;
    this.balanceCents -= cost;
    this.totalSpentCents += cost;
    this.purchases++;
    const dedicated = order.family === 'dedicated';
    const plan: SimPlan = {
      planId: randomUUID(),
      sequence: ++this.sequence,
      product: order.product,
      billingType: order.billingType,
      username: dedicated ? `user_${randomId(12, '0123456789abcdef')}` : randomId(8, LETTERS_AND_DIGITS),
      password: randomId(8, LETTERS_AND_DIGITS),
      maxGb: order.family === 'bandwidth' ? order.gb : null,
      bytesUsed: 0,
      mbps: order.family === 'time' ? order.mbps : order.family === 'trial' ? UNLIMITED_TRIAL.mbps : null,
      expiresAt: order.family === 'trial' ? now + this.unlimitedTrialMinutes * 60_000 : expiryOf(order, now),
      cancelled: false,
      createdAt: now,
      updatedAt: now,
      costCents: cost,
      balanceBefore,
      balanceAfter: this.balanceCents,
      endUserReference: order.reference ?? null,
      pool: dedicated ? order.pool : null,
      ips: dedicated ? this.takeAddresses(order.pool, order.quantity) : [],
      allowedIps: [],
      liveEndpoints: [],
    };
    if (dedicated) this.bindLiveEndpoints(plan);
    this.plans.set(plan.planId, plan);
    return plan;
  }

  /**
   * Under a live proxy each static IP of the plan is an endpoint of its own
   * (reserved before the purchase was handled) that admits only this plan's
   * login. HTTP only, as the openapi's ProxyItem gives one `port`. Without
   * enough reserved endpoints the IPs keep their catalog addresses.
   */
  private bindLiveEndpoints(plan: SimPlan): void {
    if (!this.liveProxy) return;
    for (const _ of plan.ips) {
      const endpoint = this.liveProxy.takeEndpoint();
      if (!endpoint) break;
      endpoint.assign({ accepts: (username, password, from) => this.admitsPlanLogin(plan, username, password, from) });
      plan.liveEndpoints.push({ host: endpoint.host, port: endpoint.httpPort });
    }
  }

  /** Where the plan's `index`-th static IP is reached: its live port, or the catalog's address. */
  dedicatedEndpoint(plan: SimPlan, index: number): { host: string; port: number } {
    return plan.liveEndpoints[index] ?? { host: plan.ips[index] ?? '', port: DEDICATED_PORT };
  }

  private takeAddresses(poolName: string, quantity: number): string[] {
    const pool = this.pools.get(poolName)!;
    pool.stock -= quantity;
    const addresses: string[] = [];
    for (let i = 0; i < quantity; i++) addresses.push(`${pool.subnet}.${10 + (pool.nextHost++ % 240)}`);
    return addresses;
  }

  private chargeExtension(plan: SimPlan, cost: number, apply: () => Record<string, unknown>): SimResponse {
    if (cost > this.balanceCents) {
      return failure(
        402,
        'INSUFFICIENT_BALANCE',
        `Insufficient balance. Required: ${formatUsd(cost)}, Available: ${formatUsd(this.balanceCents)}`,
        { required_cents: cost, available_cents: this.balanceCents },
      );
    }
    this.balanceCents -= cost;
    this.totalSpentCents += cost;
    const changes = apply();
    plan.updatedAt = this.now();
    return success({ plan_id: plan.planId, cost_cents: cost, cost_formatted: formatUsd(cost), ...changes });
  }

  proxyList(plan: SimPlan) {
    return plan.ips.map((_, index) => {
      const { host, port } = this.dedicatedEndpoint(plan, index);
      return { host, port, username: plan.username, password: plan.password, full: `${host}:${port}:${plan.username}:${plan.password}` };
    });
  }

  /** The documented Plan object; `detailed` adds the billing block and, for Dedicated ISP, the IP list. */
  planToWire(plan: SimPlan, detailed: boolean): Record<string, unknown> {
    const gateway = this.gatewayOf(plan.product);
    const dedicated = this.dedicatedEndpoint(plan, 0);
    const host = gateway?.hostname ?? dedicated.host;
    const port = gateway?.portHttp ?? dedicated.port;
    const maxBytes = plan.maxGb === null ? null : Math.round(plan.maxGb * BYTES_PER_GB);
    const wire: Record<string, unknown> = {
      plan_id: plan.planId,
      product: plan.product,
      billing_type: plan.billingType,
      proxy_username: plan.username,
      proxy_password: plan.password,
      connection: {
        hostname: host,
        port_http: port,
        ...(gateway ? { port_socks: gateway.portSocks } : {}),
        format: `${plan.username}:${plan.password}@${host}:${port}`,
      },
      limits: {
        max_gb: plan.maxGb,
        max_bytes: maxBytes,
        bytes_used: plan.bytesUsed,
        ...(plan.mbps === null ? {} : { max_mbps: plan.mbps }),
      },
      expires_at: iso(plan.expiresAt),
      status: this.statusOf(plan),
      created_at: iso(plan.createdAt),
      updated_at: iso(plan.updatedAt),
      purchase_price_cents: plan.costCents,
      end_user_reference: plan.endUserReference,
      allowed_ips: [...plan.allowedIps],
    };
    if (plan.product === 'dedicated_isp') {
      wire.pool = plan.pool;
      wire.quantity = plan.ips.length;
      if (detailed) wire.proxy_list = this.proxyList(plan);
    }
    if (detailed) {
      const price = this.prices.get(plan.product);
      wire.billing = {
        mode: plan.trialInfo ? 'price_only' : 'price',
        ...(plan.trialInfo ? { trial_info: plan.trialInfo } : {}),
        ...(plan.billingType === 'bandwidth' ? { price_per_gb: price?.pricePerGbCents, gb_purchased: plan.maxGb } : {}),
        cost_cents: plan.costCents,
        cost_formatted: formatUsd(plan.costCents),
        balance_before: plan.balanceBefore,
        balance_after: plan.balanceAfter,
      };
    }
    return wire;
  }
}

/** Dedicated ISP runs 30 days; time plans and bandwidth plans bought with a duration expire; others never. */
function expiryOf(order: NormalizedOrder, now: number): number | null {
  if (order.family === 'dedicated') return now + 30 * DAY_MS;
  // A trial's end is the account's trial length (issuePlan).
  if (order.family === 'trial') return null;
  return order.hours === undefined ? null : now + order.hours * HOUR_MS;
}

/** An `allowed_ips` list as FlashProxy stores it (folded, no duplicates), or the 400 it answers. */
function allowedIpsOf(list: unknown): string[] | SimResponse {
  if (!Array.isArray(list)) {
    return validationError('Invalid request parameters', { allowed_ips: ['Must be an array of IP addresses'] });
  }
  if (list.length > MAX_ALLOWED_IPS) {
    return validationError('Invalid request parameters', { allowed_ips: [`At most ${MAX_ALLOWED_IPS} entries`] });
  }
  const folded: string[] = [];
  for (const entry of list) {
    const ip = typeof entry === 'string' ? foldIp(entry) : undefined;
    if (ip === undefined) {
      return validationError('Invalid request parameters', {
        allowed_ips: [`Invalid IP address: ${String(entry)}. Each entry must be a valid IPv4 or IPv6 address`],
      });
    }
    if (!folded.includes(ip)) folded.push(ip);
  }
  return folded;
}

/** One address as FlashProxy stores it (IPv4-mapped IPv6 folded to IPv4), or undefined when it is not one address. */
function foldIp(entry: string): string | undefined {
  const trimmed = entry.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed);
  if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!;
  const family = isIP(trimmed);
  if (family === 4) return trimmed;
  return family === 6 ? trimmed.toLowerCase() : undefined;
}

function iso(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}

function roundGb(gb: number): number {
  return Math.round(gb * 1000) / 1000;
}

function formatBytes(bytes: number): string {
  return `${Math.round(bytes / 1e8) / 10} GB`;
}
