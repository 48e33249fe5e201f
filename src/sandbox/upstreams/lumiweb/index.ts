/**
 * A stateful stand-in for the LumiWeb proxy-bot REST API (static ISP and
 * datacenter IPs, monthly subscriptions, USD balance), for tests and the
 * sandbox. See `routes.ts` for the wire format and `state.ts` for the rules.
 */
import { startSimProxy } from '../proxy-server.js';
import {
  FaultPlan,
  startSimServer,
  type RunningSimulator,
  type SimRequest,
  type StartOptions,
  type UpstreamSimulator,
} from '../sim-server.js';
import type { SimCountry } from './catalog.js';
import { API_PREFIX, createLumiWebHandler, errorEnvelope } from './routes.js';
import { DEFAULT_USER_ID, LumiWebState, defaultStateOptions, type Scope, type SimStaticProxy } from './state.js';

export { API_PREFIX as LUMIWEB_API_PREFIX } from './routes.js';
export { DEFAULT_CATEGORIES as LUMIWEB_CATEGORIES, DEFAULT_COUNTRIES as LUMIWEB_COUNTRIES } from './catalog.js';

export interface LumiWebSimulatorOptions {
  /** The reseller key bound to the shop's account; random when omitted. */
  apiKey?: string;
  /** An operator key that must pass `user_id`; random when omitted. */
  operatorApiKey?: string;
  /** The shop account's starting balance, in cents (default $500.00). */
  balanceCents?: number;
  /** Countries accepted by `country_name` (name or ISO code). */
  countries?: readonly SimCountry[];
  /** The simulator's clock; tests move it to make subscriptions lapse. */
  now?: () => Date;
  /** Turns on `X-Signature` checking of money requests with this verifier. */
  verifySignature?: (rawBody: string, signature: string | undefined) => boolean;
  /** Largest `per_page` the list endpoints honour (default 100). */
  maxPageSize?: number;
}

/** A read-only copy of one subscription, as the panel holds it. */
export interface LumiWebSubscriptionView {
  subscriptionId: number;
  orderId: number;
  userId: number;
  category: string;
  country: string;
  quantity: number;
  status: 'provisioning' | 'active' | 'expired';
  autoRenew: boolean;
  expiresAt: string;
  proxies: SimStaticProxy[];
}

export interface LumiWebSimulator extends UpstreamSimulator {
  readonly operatorApiKey: string;
  /** The account the reseller key is bound to. */
  readonly userId: number;
  /** Resolves with the running server; `apiBaseUrl` is what an adapter's `baseUrl` should be. */
  start(options?: StartOptions): Promise<RunningSimulator & { apiBaseUrl: string }>;
  subscriptions(): LumiWebSubscriptionView[];
  subscription(id: number): LumiWebSubscriptionView | undefined;
  /** Moves a subscription's expiry into the past, as if its month had run out. */
  expireSubscription(id: number): void;
  /** `provisioning`: purchases answer `status: "provisioning"` until `finishProvisioning`. */
  setDeliveryMode(mode: 'instant' | 'provisioning'): void;
  finishProvisioning(subscriptionId: number): void;
  /** The panel-wide `API_MONEY_ENABLED` switch. */
  setMoneyEnabled(enabled: boolean): void;
  /** Replaces the scopes of the reseller key (to provoke `forbidden_scope`). */
  setKeyScopes(scopes: Scope[]): void;
  /** Switches a category off (`live: false`, purchases answer `bad_request`). */
  setCategoryLive(category: string, live: boolean): void;
  /** Purchases answer 503 `provider_misconfig` (and charge nothing) while set. */
  setProviderMisconfigured(broken: boolean): void;
  /**
   * Stores refused money answers by `Idempotency-Key` too, so a repeat of the
   * key replays the stored failure (e.g. the same 503 `provider_misconfig`)
   * rather than trying again. Off by default: only successes are replayed.
   */
  setReplayStoredFailures(on: boolean): void;
  /**
   * The next `times` purchases are carried out (charged, subscription created,
   * the answer stored for replay) and then answered `status` with LumiWeb's
   * error envelope carrying `code`, e.g. 500 `internal_error`, a code the docs
   * do not list.
   */
  failPurchasesAfterWork(failure: { status: number; code: string; times?: number }): void;
  /** Like `failPurchasesAfterWork`, but the purchase is answered before anything is done. */
  failPurchasesBeforeWork(failure: { status: number; code: string; times?: number }): void;
  /** How many money requests were answered from the idempotency store. */
  replayCount(): number;
  /** The `Idempotency-Key` and `X-Signature` headers of every money request, in order. */
  moneyRequests(): Array<{ path: string; idempotencyKey?: string; signature?: string }>;
}

const BUY_PATH = `${API_PREFIX}/proxy/static`;

export function createLumiWebSimulator(options: LumiWebSimulatorOptions = {}): LumiWebSimulator {
  const state = new LumiWebState(defaultStateOptions(options));
  const faults = new FaultPlan();
  const handler = createLumiWebHandler(state, {
    ...(options.verifySignature ? { verifySignature: options.verifySignature } : {}),
    ...(options.maxPageSize === undefined ? {} : { maxPageSize: options.maxPageSize }),
  });
  const keys = [...state.keys.values()];
  const resellerKey = keys.find((k) => k.kind === 'reseller')!;
  const operatorKey = keys.find((k) => k.kind === 'operator')!;
  const moneyLog: Array<{ path: string; idempotencyKey?: string; signature?: string }> = [];
  let replays = 0;

  const view = (id: number): LumiWebSubscriptionView | undefined => {
    const s = state.subscriptions.get(id);
    if (!s) return undefined;
    return {
      subscriptionId: s.id,
      orderId: s.orderId,
      userId: s.userId,
      category: s.category,
      country: s.country,
      quantity: s.quantity,
      status: state.statusOf(s),
      autoRenew: s.autoRenew,
      expiresAt: s.expiresAt.toISOString(),
      proxies: s.proxies.map((p) => ({ ...p })),
    };
  };

  /**
   * Each live static IP is an endpoint of its own, and opening one is
   * asynchronous while the purchase is not: the endpoints are opened before
   * a purchase is handled (`quantity` is 1–500 in the seed; a refused
   * purchase leaves them spare for the next).
   */
  const reserveEndpoints = async (request: SimRequest): Promise<void> => {
    const proxy = state.liveProxy;
    if (!proxy || request.method !== 'POST' || request.path !== BUY_PATH) return;
    const quantity = Number((request.body as { quantity?: unknown } | undefined)?.quantity);
    if (Number.isInteger(quantity) && quantity > 0) await proxy.reserveEndpoints(Math.min(quantity, 500));
  };

  return {
    faults,
    apiKey: resellerKey.token,
    operatorApiKey: operatorKey.token,
    userId: DEFAULT_USER_ID,

    async start(startOptions) {
      const running = await startSimServer(
        async (request) => {
          const isMoney = request.method === 'POST' && /\/(static|renew)$/.test(request.path);
          if (isMoney) {
            const one = (name: string) => {
              const value = request.headers[name];
              return Array.isArray(value) ? value[0] : value;
            };
            moneyLog.push({
              path: request.path,
              ...(one('idempotency-key') === undefined ? {} : { idempotencyKey: one('idempotency-key')! }),
              ...(one('x-signature') === undefined ? {} : { signature: one('x-signature')! }),
            });
          }
          await reserveEndpoints(request);
          const response = await handler(request);
          if (response.headers?.['idempotent-replayed']) replays++;
          return response;
        },
        faults,
        startOptions,
      );
      return { ...running, apiBaseUrl: running.url + API_PREFIX };
    },

    balanceCents: () => state.accounts.get(DEFAULT_USER_ID)!.balanceCents,
    setBalanceCents(cents) {
      state.accounts.get(DEFAULT_USER_ID)!.balanceCents = cents;
    },
    setOutOfStock(outOfStock, productId) {
      const ids = productId === undefined ? state.categories.map((c) => c.category) : [productId];
      for (const id of ids) {
        if (outOfStock) state.outOfStock.add(id);
        else state.outOfStock.delete(id);
      }
    },
    purchaseCount: () => state.purchases,
    startProxyServer: async () => {
      // The shared listeners are never sold here: every LumiWeb IP is an endpoint of its own.
      const proxy = await startSimProxy({ accepts: () => false });
      state.liveProxy = proxy;
      return proxy;
    },

    subscriptions: () => [...state.subscriptions.keys()].map((id) => view(id)!),
    subscription: view,
    expireSubscription(id) {
      const s = state.subscriptions.get(id);
      if (!s) throw new Error(`no subscription ${id}`);
      s.expiresAt = new Date(state.now().getTime() - 60_000);
    },
    setDeliveryMode(mode) {
      state.deliveryMode = mode;
    },
    finishProvisioning: (id) => state.finishProvisioning(id),
    setMoneyEnabled(enabled) {
      state.moneyEnabled = enabled;
    },
    setKeyScopes(scopes) {
      resellerKey.scopes = new Set(scopes);
    },
    setCategoryLive(category, live) {
      if (live) state.disabled.delete(category);
      else state.disabled.add(category);
    },
    setProviderMisconfigured(broken) {
      state.providerMisconfigured = broken;
    },
    setReplayStoredFailures(on) {
      state.replayFailures = on;
    },
    failPurchasesAfterWork({ status, code, times = 1 }) {
      faults.inject({ kind: 'error_after', status, body: errorEnvelope(code) }, { method: 'POST', path: BUY_PATH, times });
    },
    failPurchasesBeforeWork({ status, code, times = 1 }) {
      faults.inject({ kind: 'error_before', status, body: errorEnvelope(code) }, { method: 'POST', path: BUY_PATH, times });
    },
    replayCount: () => replays,
    moneyRequests: () => moneyLog.map((entry) => ({ ...entry })),
  };
}
