/**
 * A stateful simulator of the white-label proxy panel (`/api/proxy` with an
 * `op`), for the contract tests and the sandbox. It keeps a balance in cents,
 * sells plans of several networks, and keeps subscriptions with credentials,
 * expiry, renewal plans, network switching and rotate links. Faults from the
 * shared `FaultPlan` change only how an answer is delivered, never the state
 * logic itself.
 */
import { FaultPlan, startSimServer, type RunningSimulator, type StartOptions, type UpstreamSimulator } from '../sim-server.js';
import { startSimProxy } from '../proxy-server.js';
import type { SimNetwork, SimPlan } from './catalog.js';
import { createPanelHandler, subscriptionToWire, type ListingShape, type LoggedRequest, type PurchaseAnswerShape } from './routes.js';
import { PanelState, type SimSubscription } from './state.js';

export { DAY_MS, NETWORK_IDS, PLAN_IDS, SEED_NETWORK_ID, SEED_PLAN_ID } from './catalog.js';
export type { SimNetwork, SimPlan } from './catalog.js';
export type { SimSubscription } from './state.js';
export type { ListingShape, LoggedRequest, PurchaseAnswerShape } from './routes.js';

export interface ProxyPanelSimulatorOptions {
  apiKey?: string;
  /** Starting balance of the account, in cents. Default $1,000. */
  balanceCents?: number;
  /** Host name put into the proxy URLs. */
  proxyHost?: string;
  networks?: SimNetwork[];
  plans?: SimPlan[];
  /** Coupon code → percent off. */
  coupons?: Record<string, number>;
  trialAllowed?: boolean;
  /** Makes 401 answers quote the presented key, to prove adapters redact it. */
  echoKeyOnAuthError?: boolean;
  /** The panel's clock (epoch ms), before `setClockOffsetMs`. */
  now?: () => number;
  /** Default `full`: the items carry credentials, as "the same shape as op=subscriptions" says. */
  purchaseAnswer?: PurchaseAnswerShape;
  listing?: ListingShape;
}

export interface ProxyPanelSimulator extends UpstreamSimulator {
  /** The account's own subscriptions, as the panel stores them (copies). */
  subscriptions(): SimSubscription[];
  subscription(subscriptionId: string): SimSubscription | undefined;
  /** The subscription exactly as `op=subscriptions` would show it. */
  subscriptionWire(subscriptionId: string): ReturnType<typeof subscriptionToWire> | undefined;
  plans(): SimPlan[];
  networks(): SimNetwork[];
  /** Every request received (after fault handling decided to let it through or not). */
  requests(): LoggedRequest[];
  /** Ends a subscription now, as time passing would. */
  expireSubscription(subscriptionId: string): void;
  /** Regenerates a password from the panel's dashboard, outside our API calls. */
  changePasswordElsewhere(subscriptionId: string): string;
  /** A subscription bought outside our API calls (the dashboard), optionally in the past. */
  createSubscriptionElsewhere(planId: string, options?: { repeatCount?: number; createdAt?: number }): SimSubscription;
  /** A subscription that belongs to another account (the panel answers 403 for it). */
  createForeignSubscription(planId: string): SimSubscription;
  setPlanActive(planId: string, active: boolean): void;
  setPlanPrice(planId: string, priceAmountCents: number): void;
  setPlanStock(planId: string, stock: number | undefined): void;
  setNetworkActive(networkId: string, active: boolean): void;
  setTrialAllowed(allowed: boolean): void;
  /** Whether purchase answers carry full subscription items or the example's brief ones. */
  setPurchaseAnswer(shape: PurchaseAnswerShape): void;
  /** Whether subscriptions are listed as in the reference or with only what a panel must show. */
  setListing(shape: ListingShape): void;
  /**
   * After the next purchase (or trial) succeeds, the next `reads` `op=subscriptions`
   * requests answer `500 Internal error` (the credentials re-read fails).
   */
  failSubscriptionReadsAfterNextPurchase(reads: number): void;
  /**
   * The next purchase is carried out, then answered with an error the
   * reference does not list (default `500 {ok:false, error:"upstream_timeout"}`).
   */
  undocumentedErrorAfterNextPurchase(status?: number, body?: unknown): void;
  /** Moves the panel's clock: timestamps it writes (`activeUntil`) are this far from ours. */
  setClockOffsetMs(offsetMs: number): void;
}

export const DEFAULT_PROXY_PANEL_API_KEY = 'rk_sandbox_proxy_panel_0123456789abcdef';

export function createProxyPanelSimulator(options: ProxyPanelSimulatorOptions = {}): ProxyPanelSimulator {
  const apiKey = options.apiKey ?? DEFAULT_PROXY_PANEL_API_KEY;
  const baseClock = options.now ?? Date.now;
  let clockOffsetMs = 0;
  let purchaseAnswer: PurchaseAnswerShape = options.purchaseAnswer ?? 'full';
  let listing: ListingShape = options.listing ?? 'reference';
  let readFailuresToArm = 0;
  let subscriptionReadsToFail = 0;
  const state = new PanelState({
    balanceCents: options.balanceCents ?? 100_000,
    proxyHost: options.proxyHost ?? 'proxy.example.com',
    now: () => baseClock() + clockOffsetMs,
    networks: options.networks,
    plans: options.plans,
    coupons: options.coupons,
    trialAllowed: options.trialAllowed ?? false,
  });
  const faults = new FaultPlan();
  const log: LoggedRequest[] = [];
  const handler = createPanelHandler(state, {
    apiKey,
    echoKeyOnAuthError: options.echoKeyOnAuthError ?? false,
    log,
    purchaseAnswer: () => purchaseAnswer,
    listing: () => listing,
    afterPurchase: () => {
      subscriptionReadsToFail += readFailuresToArm;
      readFailuresToArm = 0;
    },
    failSubscriptionRead: () => {
      if (subscriptionReadsToFail === 0) return false;
      subscriptionReadsToFail--;
      return true;
    },
  });

  const planOrThrow = (planId: string): SimPlan => {
    const plan = state.plans.get(planId);
    if (!plan) throw new Error(`no plan ${planId} in the simulator`);
    return plan;
  };
  const subscriptionOrThrow = (subscriptionId: string): SimSubscription => {
    const subscription = state.subscriptions.get(subscriptionId);
    if (!subscription) throw new Error(`no subscription ${subscriptionId} in the simulator`);
    return subscription;
  };

  /**
   * `productId` may name a plan id, a network (`NL-AMS` or its id), or a
   * group of plans as the adapter names its products (`mobile-private`).
   */
  const plansMatching = (productId: string | undefined): SimPlan[] =>
    [...state.plans.values()].filter((plan) => {
      if (productId === undefined) return true;
      const network = state.networkOf(plan);
      return (
        plan.id === productId ||
        network.id === productId ||
        network.name === productId ||
        `${network.networkType}-${plan.connectionType}` === productId
      );
    });

  return {
    faults,
    apiKey,
    start(startOptions?: StartOptions): Promise<RunningSimulator> {
      return startSimServer(handler, faults, startOptions);
    },
    balanceCents: () => state.balanceCents,
    setBalanceCents(cents) {
      state.balanceCents = cents;
    },
    setOutOfStock(outOfStock, productId) {
      const matching = plansMatching(productId);
      if (matching.length === 0) throw new Error(`nothing in the simulator matches ${productId}`);
      for (const plan of matching) plan.soldOut = outOfStock;
    },
    purchaseCount: () => state.purchases,
    startProxyServer: async () => {
      const proxy = await startSimProxy({ accepts: (login, password) => state.admitsLogin(login, password) });
      state.proxyHost = proxy.host;
      state.livePort = proxy.httpPort;
      return proxy;
    },

    subscriptions: () => state.ownSubscriptions().map((s) => ({ ...s })),
    subscription(subscriptionId) {
      const found = state.subscriptions.get(subscriptionId);
      return found ? { ...found } : undefined;
    },
    subscriptionWire(subscriptionId) {
      const found = state.subscriptions.get(subscriptionId);
      return found ? subscriptionToWire(state, found) : undefined;
    },
    plans: () => [...state.plans.values()].map((plan) => ({ ...plan })),
    networks: () => [...state.networks.values()].map((network) => ({ ...network })),
    requests: () => [...log],
    expireSubscription(subscriptionId) {
      subscriptionOrThrow(subscriptionId).activeUntil = state.now() - 1;
    },
    changePasswordElsewhere(subscriptionId) {
      return state.changeCredentials(subscriptionOrThrow(subscriptionId).subscriptionId).password;
    },
    createSubscriptionElsewhere(planId, extra = {}) {
      const plan = planOrThrow(planId);
      const created = state.createSubscription(plan, plan.durationMs * (extra.repeatCount ?? 1), 'self', extra.createdAt ?? state.now());
      return { ...created };
    },
    createForeignSubscription(planId) {
      const plan = planOrThrow(planId);
      return { ...state.createSubscription(plan, plan.durationMs, 'other') };
    },
    setPlanActive(planId, active) {
      planOrThrow(planId).active = active;
    },
    setPlanPrice(planId, priceAmountCents) {
      planOrThrow(planId).priceAmountCents = priceAmountCents;
    },
    setPlanStock(planId, stock) {
      planOrThrow(planId).stock = stock;
    },
    setNetworkActive(networkId, active) {
      const network = state.networks.get(networkId);
      if (!network) throw new Error(`no network ${networkId} in the simulator`);
      network.active = active;
    },
    setTrialAllowed(allowed) {
      state.trialAllowed = allowed;
    },
    setPurchaseAnswer(shape) {
      purchaseAnswer = shape;
    },
    setListing(shape) {
      listing = shape;
    },
    failSubscriptionReadsAfterNextPurchase(reads) {
      readFailuresToArm = reads;
    },
    undocumentedErrorAfterNextPurchase(status = 500, body = { ok: false, error: 'upstream_timeout' }) {
      faults.inject({ kind: 'error_after', status, body }, { method: 'POST', op: 'purchase' });
    },
    setClockOffsetMs(offsetMs) {
      clockOffsetMs = offsetMs;
    },
  };
}
