/**
 * Everything the LumiWeb simulator remembers: accounts and their balances,
 * API keys with scopes, static subscriptions with their IPs, the money
 * journal, and stored answers of money requests for `Idempotency-Key` replay.
 *
 * Operations answer either a value or a `SimFailure` carrying the documented
 * `status` code; turning those into HTTP answers is the routes' job.
 */
import type { RunningSimProxy } from '../proxy-server.js';
import { randomId } from '../sim-server.js';
import {
  DEFAULT_CATEGORIES,
  DEFAULT_COUNTRIES,
  MAX_STATIC_QUANTITY,
  MIN_STATIC_QUANTITY,
  STATIC_TERM_DAYS,
  findCountry,
  totalPriceCents,
  type SimCategory,
  type SimCountry,
} from './catalog.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export type Scope = 'proxy:read' | 'proxy:write' | 'proxy:buy' | 'deposits:write' | 'admin:*';

export interface SimAccount {
  userId: number;
  username: string;
  balanceCents: number;
}

export interface SimApiKey {
  token: string;
  /** `reseller` keys act for their own account; `operator` keys must name a `user_id`. */
  kind: 'reseller' | 'operator';
  /** The account a reseller key is bound to. */
  userId?: number;
  scopes: Set<Scope>;
}

export interface SimStaticProxy {
  ip: string;
  port_http: number;
  port_socks: number;
  login: string;
  password: string;
}

export interface SimSubscription {
  id: number;
  orderId: number;
  userId: number;
  category: string;
  country: string;
  quantity: number;
  autoRenew: boolean;
  createdAt: Date;
  expiresAt: Date;
  /** True until the IPs are handed out (see `deliveryMode`). */
  provisioning: boolean;
  proxies: SimStaticProxy[];
  /** What the last term cost, in cents. */
  lastPriceCents: number;
}

export interface SimTransaction {
  id: number;
  userId: number;
  type: 'purchase' | 'renewal';
  /** Negative: money leaving the account. */
  amountCents: number;
  subscriptionId: number;
  createdAt: Date;
}

/** A documented refusal: HTTP status plus the `status` code the API puts in its body. */
export interface SimFailure {
  failure: true;
  httpStatus: number;
  code: string;
  message: string;
}

export const fail = (httpStatus: number, code: string, message: string): SimFailure => ({
  failure: true,
  httpStatus,
  code,
  message,
});

export const isFailure = (value: unknown): value is SimFailure =>
  typeof value === 'object' && value !== null && (value as { failure?: unknown }).failure === true;

export interface StoredAnswer {
  /** Method, path and body of the first request, to refuse a key reused for something else. */
  fingerprint: string;
  httpStatus: number;
  body: unknown;
}

export interface LumiWebStateOptions {
  apiKey: string;
  operatorApiKey: string;
  balanceCents: number;
  countries: readonly SimCountry[];
  now: () => Date;
}

export const DEFAULT_USER_ID = 4242;

export class LumiWebState {
  readonly categories: SimCategory[] = DEFAULT_CATEGORIES.map((c) => ({ ...c, tiers: [...c.tiers] }));
  readonly countries: readonly SimCountry[];
  readonly accounts = new Map<number, SimAccount>();
  readonly keys = new Map<string, SimApiKey>();
  readonly subscriptions = new Map<number, SimSubscription>();
  readonly transactions: SimTransaction[] = [];
  readonly idempotency = new Map<string, StoredAnswer>();
  readonly outOfStock = new Set<string>();
  /** Categories switched off by the operator (`live: false` in the catalog). */
  readonly disabled = new Set<string>();
  moneyEnabled = true;
  /** LumiWeb's own supplier is broken: purchases answer 503 `provider_misconfig`, nothing is charged. */
  providerMisconfigured = false;
  /**
   * Money answers that refused under a key are stored and replayed for a repeat
   * of that key (as successes always are), instead of the repeat being tried anew.
   */
  replayFailures = false;
  /** `provisioning`: new subscriptions wait for `finishProvisioning` before they get IPs. */
  deliveryMode: 'instant' | 'provisioning' = 'instant';
  purchases = 0;
  readonly now: () => Date;

  private nextSubscriptionId = 1;
  private nextOrderId = 100;
  private nextTransactionId = 1;
  private nextIp = 1;

  constructor(options: LumiWebStateOptions) {
    this.now = options.now;
    this.countries = options.countries;
    this.accounts.set(DEFAULT_USER_ID, {
      userId: DEFAULT_USER_ID,
      username: 'storefront',
      balanceCents: options.balanceCents,
    });
    // A second customer of the panel, so operator keys have someone else to act for.
    this.accounts.set(5151, { userId: 5151, username: 'other-reseller', balanceCents: 10_000 });
    this.keys.set(options.apiKey, {
      token: options.apiKey,
      kind: 'reseller',
      userId: DEFAULT_USER_ID,
      scopes: new Set<Scope>(['proxy:read', 'proxy:write', 'proxy:buy']),
    });
    this.keys.set(options.operatorApiKey, {
      token: options.operatorApiKey,
      kind: 'operator',
      scopes: new Set<Scope>(['proxy:read', 'proxy:write', 'proxy:buy', 'deposits:write', 'admin:*']),
    });
  }

  category(id: string): SimCategory | undefined {
    return this.categories.find((c) => c.category === id);
  }

  isLive(category: SimCategory): boolean {
    return !this.disabled.has(category.category) && !this.outOfStock.has(category.category);
  }

  quote(categoryId: unknown, quantity: unknown): SimFailure | { category: SimCategory; quantity: number; priceCents: number } {
    const category = typeof categoryId === 'string' ? this.category(categoryId) : undefined;
    if (!category) return fail(400, 'bad_request', `unknown category ${JSON.stringify(categoryId)}`);
    if (!isWholeNumberIn(quantity, 1, 100_000)) return fail(400, 'bad_request', 'quantity must be a positive integer');
    return { category, quantity, priceCents: totalPriceCents(category, quantity) };
  }

  buyStatic(userId: number, body: Record<string, unknown>): SimFailure | SimSubscription {
    const category = typeof body.category === 'string' ? this.category(body.category) : undefined;
    if (category?.kind !== 'static') {
      return fail(400, 'bad_request', 'category must be isp or datacenter');
    }
    const countryName = body.country_name;
    if (typeof countryName !== 'string' || countryName.length < 1 || countryName.length > 64) {
      return fail(400, 'bad_request', 'country_name must be a string of 1-64 characters');
    }
    const country = findCountry(this.countries, countryName);
    if (!country) return fail(400, 'bad_request', `country ${JSON.stringify(countryName)} is not offered`);
    if (!isWholeNumberIn(body.quantity, MIN_STATIC_QUANTITY, MAX_STATIC_QUANTITY)) {
      return fail(400, 'bad_request', `quantity must be an integer ${MIN_STATIC_QUANTITY}-${MAX_STATIC_QUANTITY}`);
    }
    if (body.auto_renew !== undefined && typeof body.auto_renew !== 'boolean') {
      return fail(400, 'bad_request', 'auto_renew must be a boolean');
    }
    if (this.disabled.has(category.category)) return fail(400, 'bad_request', `${category.label} is not on sale`);
    if (this.outOfStock.has(category.category)) {
      return fail(409, 'out_of_stock', `no ${category.label} IPs left in ${country.name}`);
    }
    const account = this.accounts.get(userId)!;
    const priceCents = totalPriceCents(category, body.quantity);
    if (account.balanceCents < priceCents) {
      return fail(402, 'insufficient', `balance is too low for this order (needs ${priceCents} cents)`);
    }
    if (this.providerMisconfigured) {
      return fail(503, 'provider_misconfig', 'the proxy supplier for this category is misconfigured');
    }

    account.balanceCents -= priceCents;
    this.purchases++;
    const now = this.now();
    const subscription: SimSubscription = {
      id: this.nextSubscriptionId++,
      orderId: this.nextOrderId++,
      userId,
      category: category.category,
      country: country.code,
      quantity: body.quantity,
      autoRenew: body.auto_renew === true,
      createdAt: now,
      expiresAt: new Date(now.getTime() + STATIC_TERM_DAYS * DAY_MS),
      provisioning: this.deliveryMode === 'provisioning',
      proxies: [],
      lastPriceCents: priceCents,
    };
    if (!subscription.provisioning) subscription.proxies = this.allocateProxies(subscription);
    this.subscriptions.set(subscription.id, subscription);
    this.record(userId, 'purchase', -priceCents, subscription.id);
    return subscription;
  }

  renew(userId: number, subscriptionId: number): SimFailure | SimSubscription {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription || subscription.userId !== userId) return fail(404, 'not_found', 'subscription not found');
    if (subscription.provisioning) return fail(400, 'bad_request', 'subscription is still being provisioned');
    const category = this.category(subscription.category)!;
    const priceCents = totalPriceCents(category, subscription.quantity);
    const account = this.accounts.get(userId)!;
    if (account.balanceCents < priceCents) {
      return fail(402, 'insufficient', `balance is too low for this renewal (needs ${priceCents} cents)`);
    }
    account.balanceCents -= priceCents;
    // A lapsed subscription restarts from today; an active one keeps its remaining days.
    const from = Math.max(this.now().getTime(), subscription.expiresAt.getTime());
    subscription.expiresAt = new Date(from + STATIC_TERM_DAYS * DAY_MS);
    subscription.lastPriceCents = priceCents;
    this.record(userId, 'renewal', -priceCents, subscription.id);
    return subscription;
  }

  /** Hands out the IPs of a subscription bought in `provisioning` mode. */
  finishProvisioning(subscriptionId: number): void {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) throw new Error(`no subscription ${subscriptionId}`);
    if (!subscription.provisioning) return;
    subscription.provisioning = false;
    subscription.proxies = this.allocateProxies(subscription);
  }

  statusOf(subscription: SimSubscription): 'provisioning' | 'active' | 'expired' {
    if (subscription.provisioning) return 'provisioning';
    return subscription.expiresAt.getTime() <= this.now().getTime() ? 'expired' : 'active';
  }

  /**
   * When the simulator runs a real proxy (`startProxyServer`), each static IP
   * handed out from then on is an endpoint of its own there: the seed's `ip`,
   * `port_http` and `port_socks` (`GET /proxy/subscriptions/{id}/credentials`)
   * become its own loopback address and its HTTP and SOCKS5 ports, so what is
   * sold can be used and checked on 127.0.0.1. Endpoints are reserved before
   * the purchase is handled (`reserveEndpoints`); without one, an IP keeps a
   * made-up public address.
   */
  liveProxy: RunningSimProxy | undefined;

  private allocateProxies(subscription: SimSubscription): SimStaticProxy[] {
    const proxies: SimStaticProxy[] = [];
    for (let i = 0; i < subscription.quantity; i++) {
      const n = this.nextIp++;
      const endpoint = this.liveProxy?.takeEndpoint();
      const proxy: SimStaticProxy = {
        // 45.x.y.z, walking up from 45.0.0.1: plausible public-looking, unique per simulator.
        ip: endpoint ? endpoint.host : `45.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
        port_http: endpoint ? endpoint.httpPort : 8080,
        port_socks: endpoint ? endpoint.socks5Port : 1080,
        login: `lw${randomId(8)}`,
        password: randomId(14, 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'),
      };
      // Its own login, while the subscription runs.
      endpoint?.assign({
        accepts: (login, password) => proxy.login === login && proxy.password === password && this.statusOf(subscription) === 'active',
      });
      proxies.push(proxy);
    }
    return proxies;
  }

  private record(userId: number, type: SimTransaction['type'], amountCents: number, subscriptionId: number) {
    this.transactions.push({
      id: this.nextTransactionId++,
      userId,
      type,
      amountCents,
      subscriptionId,
      createdAt: this.now(),
    });
  }
}

function isWholeNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

export function defaultStateOptions(overrides: Partial<LumiWebStateOptions>): LumiWebStateOptions {
  return {
    apiKey: overrides.apiKey ?? `lw_${randomId(40)}`,
    operatorApiKey: overrides.operatorApiKey ?? `lw_op_${randomId(40)}`,
    balanceCents: overrides.balanceCents ?? 50_000,
    countries: overrides.countries ?? DEFAULT_COUNTRIES,
    now: overrides.now ?? (() => new Date()),
  };
}
