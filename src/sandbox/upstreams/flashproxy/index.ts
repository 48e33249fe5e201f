/**
 * A stateful FlashProxy Reseller API (v2.1.0) for the sandbox and the tests:
 * Bearer `fp_live_`/`fp_test_` auth, balance in cents, price list, Dedicated
 * ISP pools with stock, plans with credentials/expiry/usage, extend, password
 * change, search by `end_user_reference`, `X-Idempotency-Key` replay, and the
 * 100 requests/minute limit (configurable). Serve it under `<url>/api/v1`.
 */
import {
  FaultPlan,
  startSimServer,
  type RunningSimulator,
  type SimRequest,
  type StartOptions,
  type UpstreamSimulator,
} from '../sim-server.js';
import { startSimProxy, type RunningSimProxy } from '../proxy-server.js';
import { createFlashProxyRouter, type KeyedRoute } from './routes.js';
import { FlashProxyAccount, type SimPlan } from './state.js';

export const DEFAULT_FLASHPROXY_API_KEY = 'fp_test_sandbox5f3c9a7d2e8b4f1a6c0d9e7b';
export const DEFAULT_FLASHPROXY_BALANCE_CENTS = 500_000;
/** The largest Dedicated ISP purchase that gets live endpoints; the sandbox's pools hold fewer IPs than this. */
const MAX_LIVE_ENDPOINTS_PER_PURCHASE = 256;

export interface FlashProxySimulatorOptions {
  apiKey?: string;
  balanceCents?: number;
  /** Requests per minute before `429 RATE_LIMITED` (FlashProxy: 100). */
  rateLimitPerMinute?: number;
  /** Clock in epoch ms, so tests can move time. */
  now?: () => number;
  /** Largest page `GET /plans` serves (FlashProxy: 100); lower it to exercise pagination cheaply. */
  maxPlansPerPage?: number;
}

/** What tests and the sandbox can see of one plan. */
export interface FlashProxyPlanView {
  planId: string;
  product: string;
  billingType: 'bandwidth' | 'time' | 'per_ip';
  username: string;
  password: string;
  /** Gateway host, or the first static IP for Dedicated ISP. */
  hostname: string;
  httpPort: number;
  socksPort?: number;
  ips: string[];
  maxGb: number | null;
  bytesUsed: number;
  expiresAt: string | null;
  status: 'active' | 'expired' | 'cancelled';
  endUserReference: string | null;
  costCents: number;
  pool: string | null;
  allowedIps: string[];
}

export interface FlashProxySimulator extends UpstreamSimulator {
  /**
   * Starts a real HTTP + SOCKS5 proxy on 127.0.0.1 that admits the logins of
   * active plans from the addresses their allowlists permit, and points the
   * gateway products at it; each Dedicated ISP address bought from then on
   * is an endpoint of its own there.
   */
  startProxyServer(): Promise<RunningSimProxy>;
  /** Every plan, oldest first. */
  plans(): FlashProxyPlanView[];
  plan(planId: string): FlashProxyPlanView | undefined;
  findPlanByReference(reference: string): FlashProxyPlanView | undefined;
  /** Moves a plan's expiry into the past. */
  expirePlan(planId: string): void;
  /** Adds traffic to a plan's counter, as if the customer used the proxy. */
  recordUsage(planId: string, bytes: number): void;
  /** Changes a password as the reseller dashboard would, behind the shop's back. */
  changePasswordElsewhere(planId: string, password: string): void;
  /** Cancels a plan as the reseller dashboard would. */
  cancelPlanElsewhere(planId: string): void;
  poolStock(pool: string): number;
  setPoolStock(pool: string, stock: number): void;
  /** A disabled product disappears from the price list and answers 403 PRODUCT_DISABLED. */
  setProductEnabled(product: string, enabled: boolean): void;
  /** A suspended account answers 403 FORBIDDEN to everything. */
  setSuspended(suspended: boolean): void;
  setRateLimitPerMinute(limit: number): void;
  /** Requests that reached the API, faults aside. */
  requestCount(): number;
  /**
   * Key conflict after a lost answer: the next `POST /plans` ('create') or
   * `POST /plans/{id}/extend` ('extend') carrying `X-Idempotency-Key` is
   * processed as the first request under that key would be, and answered
   * `409 IDEMPOTENCY_KEY_CONFLICT` as a retry with a different body is.
   */
  keyConflictAfterLostAnswer(route: KeyedRoute): void;
  /**
   * The next request on `route` does its work, then answers `status` with
   * FlashProxy's error envelope and a code its document does not list.
   */
  undocumentedErrorAfterWork(route: KeyedRoute, answer?: { status?: number; code?: string }): void;
  /** `GET /plans` items leave these fields out (all are optional in the openapi's Plan). */
  omitFromListItems(fields: string[]): void;
  /** Sends `price_per_ip_30_days` in dollars or cents (the openapi states no unit). */
  setDedicatedPriceListUnit(unit: 'cents' | 'dollars'): void;
  /** Lets the account buy unlimited residential trials (`duration: "trial"`), each lasting `minutes`. */
  sellUnlimitedTrials(on: boolean, minutes?: number): void;
}

/** The paths of the keyed money POSTs, for fault matching. */
const KEYED_ROUTE_PATH: Record<KeyedRoute, { method: string; path: RegExp }> = {
  create: { method: 'POST', path: /\/plans$/ },
  extend: { method: 'POST', path: /\/plans\/[^/]+\/extend$/ },
  'allowed-ips': { method: 'PUT', path: /\/plans\/[^/]+\/allowed-ips$/ },
};

export function createFlashProxySimulator(options: FlashProxySimulatorOptions = {}): FlashProxySimulator {
  const apiKey = options.apiKey ?? DEFAULT_FLASHPROXY_API_KEY;
  const now = options.now ?? Date.now;
  let rateLimitPerMinute = options.rateLimitPerMinute ?? 100;
  const faults = new FaultPlan();
  const account = new FlashProxyAccount({
    balanceCents: options.balanceCents ?? DEFAULT_FLASHPROXY_BALANCE_CENTS,
    now,
    maxPerPage: options.maxPlansPerPage ?? 100,
  });
  const router = createFlashProxyRouter({ apiKey, account, now, rateLimitPerMinute: () => rateLimitPerMinute });

  const view = (plan: SimPlan): FlashProxyPlanView => {
    const gateway = account.gatewayOf(plan.product);
    return {
      planId: plan.planId,
      product: plan.product,
      billingType: plan.billingType,
      username: plan.username,
      password: plan.password,
      hostname: gateway?.hostname ?? account.dedicatedEndpoint(plan, 0).host,
      httpPort: gateway?.portHttp ?? account.dedicatedEndpoint(plan, 0).port,
      ...(gateway ? { socksPort: gateway.portSocks } : {}),
      ips: [...plan.ips],
      maxGb: plan.maxGb,
      bytesUsed: plan.bytesUsed,
      expiresAt: plan.expiresAt === null ? null : new Date(plan.expiresAt).toISOString(),
      status: account.statusOf(plan),
      endUserReference: plan.endUserReference,
      costCents: plan.costCents,
      pool: plan.pool,
      allowedIps: [...plan.allowedIps],
    };
  };

  /**
   * A Dedicated ISP purchase under a live proxy needs an endpoint per IP, and
   * opening one is asynchronous while the purchase is not: the endpoints are
   * opened before the request is handled (a refused purchase leaves them
   * spare for the next).
   */
  const reserveDedicatedEndpoints = async (request: SimRequest): Promise<void> => {
    const proxy = account.liveProxy;
    if (!proxy || request.method !== 'POST' || !/\/plans$/.test(request.path)) return;
    const body = request.body as { product?: unknown; quantity?: unknown } | undefined;
    if (body?.product !== 'dedicated_isp') return;
    const quantity = Number(body.quantity);
    if (Number.isInteger(quantity) && quantity > 0) await proxy.reserveEndpoints(Math.min(quantity, MAX_LIVE_ENDPOINTS_PER_PURCHASE));
  };

  const mustFind = (planId: string): SimPlan => {
    const plan = account.plans.get(planId);
    if (!plan) throw new Error(`no FlashProxy plan ${planId}`);
    return plan;
  };

  return {
    faults,
    apiKey,
    start: (startOptions?: StartOptions): Promise<RunningSimulator> =>
      startSimServer(
        async (request) => {
          await reserveDedicatedEndpoints(request);
          return router.handle(request);
        },
        faults,
        startOptions,
      ),
    balanceCents: () => account.balanceCents,
    setBalanceCents: (cents) => {
      account.balanceCents = cents;
    },
    setOutOfStock: (outOfStock, productId) => {
      if (productId === undefined) {
        account.everythingOutOfStock = outOfStock;
        if (!outOfStock) account.outOfStockProducts.clear();
      } else if (outOfStock) {
        account.outOfStockProducts.add(productId);
      } else {
        account.outOfStockProducts.delete(productId);
      }
    },
    purchaseCount: () => account.purchases,
    startProxyServer: async () => {
      const proxy = await startSimProxy({ accepts: (login, password, from) => account.admitsGatewayLogin(login, password, from) });
      account.liveGateway = { hostname: proxy.host, portHttp: proxy.httpPort, portSocks: proxy.socks5Port };
      account.liveProxy = proxy;
      return proxy;
    },

    plans: () => [...account.plans.values()].sort((a, b) => a.sequence - b.sequence).map(view),
    plan: (planId) => {
      const plan = account.plans.get(planId);
      return plan ? view(plan) : undefined;
    },
    findPlanByReference: (reference) => {
      const plan = [...account.plans.values()].find((p) => p.endUserReference === reference);
      return plan ? view(plan) : undefined;
    },
    expirePlan: (planId) => {
      mustFind(planId).expiresAt = now() - 1_000;
    },
    recordUsage: (planId, bytes) => {
      mustFind(planId).bytesUsed += bytes;
    },
    changePasswordElsewhere: (planId, password) => {
      mustFind(planId).password = password;
    },
    cancelPlanElsewhere: (planId) => {
      mustFind(planId).cancelled = true;
    },
    poolStock: (pool) => account.poolStock(pool),
    setPoolStock: (pool, stock) => {
      const state = account.pools.get(pool);
      if (!state) throw new Error(`no FlashProxy pool ${pool}`);
      state.stock = stock;
    },
    setProductEnabled: (product, enabled) => {
      if (enabled) account.disabledProducts.delete(product);
      else account.disabledProducts.add(product);
    },
    setSuspended: (suspended) => {
      account.suspended = suspended;
    },
    setRateLimitPerMinute: (limit) => {
      rateLimitPerMinute = limit;
    },
    requestCount: () => router.requestCount(),
    keyConflictAfterLostAnswer: (route) => router.conflictOnNextKeyedRequest(route),
    undocumentedErrorAfterWork: (route, answer = {}) => {
      const status = answer.status ?? 400;
      const code = answer.code ?? 'PROVISIONING_INCOMPLETE';
      faults.inject(
        { kind: 'error_after', status, body: { success: false, error: { code, message: 'The request could not be completed' } } },
        KEYED_ROUTE_PATH[route],
      );
    },
    omitFromListItems: (fields) => {
      for (const field of fields) account.omittedListFields.add(field);
    },
    setDedicatedPriceListUnit: (unit) => {
      account.dedicatedPriceListUnit = unit;
    },
    sellUnlimitedTrials: (on, minutes) => {
      account.unlimitedTrials = on;
      if (minutes !== undefined) account.unlimitedTrialMinutes = minutes;
    },
  };
}
