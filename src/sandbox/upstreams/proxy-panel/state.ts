/**
 * The account state behind the simulated proxy panel: plans, networks, the
 * balance, and the subscriptions bought with it. Pure in-memory logic with no
 * HTTP; the routes translate requests into these calls and `PanelError`s into
 * the gateway's documented error answers.
 */
import { randomUUID } from 'node:crypto';
import { randomId } from '../sim-server.js';
import { defaultCoupons, defaultNetworks, defaultPlans, type ConnectionType, type SimNetwork, type SimPlan } from './catalog.js';

/** A refusal with the HTTP status and message the gateway documents for it. */
export class PanelError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PanelError';
  }
}

export interface SimSubscription {
  subscriptionId: string;
  /** Subscriptions of another account exist so that 403 can be exercised. */
  owner: 'self' | 'other';
  /** The plan it was bought with (renewals may use another eligible plan). */
  planId: string;
  networkId: string;
  connectionType: ConnectionType;
  port: number;
  username: string;
  password: string;
  /** The VLESS/VPN id, regenerated together with the password. */
  vpnId: string;
  rotateToken: string;
  /** The address traffic leaves from; mobile rotation changes it. */
  exitIp: string;
  rotations: number;
  createdAt: number;
  activeUntil: number;
  userNote?: string;
  trial: boolean;
}

export interface PurchaseInput {
  planId: string;
  repeatCount: number;
  quantity: number;
  couponCode?: string;
}

export interface StateOptions {
  balanceCents: number;
  proxyHost: string;
  now: () => number;
  networks?: SimNetwork[];
  plans?: SimPlan[];
  coupons?: Record<string, number>;
  /** Keys allowed to use the `trial` op (the docs say "selected keys only"). */
  trialAllowed: boolean;
}

const FIRST_PORT = 12001;

export class PanelState {
  readonly networks = new Map<string, SimNetwork>();
  readonly plans = new Map<string, SimPlan>();
  readonly subscriptions = new Map<string, SimSubscription>();
  readonly coupons: Record<string, number>;
  balanceCents: number;
  purchases = 0;
  /** Where the sold proxies listen; the live proxy's address once `startProxyServer` ran. */
  proxyHost: string;
  /**
   * The live proxy's port (it speaks HTTP and SOCKS5 on one port, like the
   * panel's): subscriptions made from then on listen there instead of a port of their own.
   */
  livePort: number | undefined;

  /** Whether a login is one of this account's active subscriptions: what the live proxy admits. */
  admitsLogin(username: string, password: string): boolean {
    for (const s of this.subscriptions.values()) {
      if (s.owner === 'self' && s.username === username && s.password === password && this.isActive(s)) return true;
    }
    return false;
  }
  readonly now: () => number;
  trialAllowed: boolean;
  private nextPort = FIRST_PORT;
  private readonly trialsUsed = new Set<string>();

  constructor(options: StateOptions) {
    for (const network of options.networks ?? defaultNetworks()) this.networks.set(network.id, { ...network });
    for (const plan of options.plans ?? defaultPlans()) this.plans.set(plan.id, { ...plan });
    this.coupons = { ...(options.coupons ?? defaultCoupons()) };
    this.balanceCents = options.balanceCents;
    this.proxyHost = options.proxyHost;
    this.now = options.now;
    this.trialAllowed = options.trialAllowed;
  }

  // -------------------------------------------------------------------------
  // Reads
  // -------------------------------------------------------------------------

  /** Plans the panel offers: active plans on active networks (sold-out ones are still listed). */
  activePlans(): SimPlan[] {
    return [...this.plans.values()].filter((plan) => plan.active && this.networkOf(plan).active);
  }

  networkOf(plan: SimPlan): SimNetwork {
    const network = this.networks.get(plan.networkId);
    if (!network) throw new Error(`plan ${plan.id} points at unknown network ${plan.networkId}`);
    return network;
  }

  ownSubscriptions(): SimSubscription[] {
    return [...this.subscriptions.values()].filter((s) => s.owner === 'self');
  }

  isActive(subscription: SimSubscription): boolean {
    return subscription.activeUntil > this.now();
  }

  /** Plans of the subscription's current network and connection type. */
  renewalPlans(subscription: SimSubscription): SimPlan[] {
    return this.activePlans().filter(
      (plan) => plan.networkId === subscription.networkId && plan.connectionType === subscription.connectionType,
    );
  }

  /** Other networks of the same type that sell the subscription's connection type. */
  availableNetworks(subscription: SimSubscription): SimNetwork[] {
    const current = this.networks.get(subscription.networkId);
    const reachable = new Set(
      this.activePlans()
        .filter((plan) => plan.connectionType === subscription.connectionType)
        .map((plan) => plan.networkId),
    );
    return [...this.networks.values()].filter(
      (network) =>
        network.active &&
        network.id !== subscription.networkId &&
        network.networkType === current?.networkType &&
        reachable.has(network.id),
    );
  }

  /** Looks a subscription up for the API key owner: 404 when unknown, 403 when someone else's. */
  ownedSubscription(subscriptionId: string): SimSubscription {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) throw new PanelError(404, 'Subscription not found');
    if (subscription.owner !== 'self') throw new PanelError(403, 'Forbidden');
    return subscription;
  }

  // -------------------------------------------------------------------------
  // Writes
  // -------------------------------------------------------------------------

  purchase(input: PurchaseInput): SimSubscription[] {
    const plan = this.plans.get(input.planId);
    if (!plan) throw new PanelError(400, 'Missing or invalid planId');
    this.assertSellable(plan);
    if (plan.stock !== undefined && plan.stock < input.quantity) throw new PanelError(409, 'Sold out');
    const price = this.discounted(plan.priceAmountCents * input.repeatCount * input.quantity, input.couponCode);
    if (price > this.balanceCents) throw new PanelError(402, 'Insufficient balance');

    this.balanceCents -= price;
    if (plan.stock !== undefined) plan.stock -= input.quantity;
    this.purchases++;
    const created: SimSubscription[] = [];
    for (let i = 0; i < input.quantity; i++) {
      created.push(this.createSubscription(plan, plan.durationMs * input.repeatCount, 'self'));
    }
    return created;
  }

  /** A free subscription of one day, once per plan, for keys that may use trials. */
  trial(planId: string): SimSubscription {
    if (!this.trialAllowed) throw new PanelError(403, 'Forbidden');
    const plan = this.plans.get(planId);
    if (!plan) throw new PanelError(400, 'Missing or invalid planId');
    this.assertSellable(plan);
    if (this.trialsUsed.has(plan.id)) throw new PanelError(409, 'Trial already used for this plan');
    this.trialsUsed.add(plan.id);
    const subscription = this.createSubscription(plan, Math.min(plan.durationMs, 86_400_000), 'self');
    subscription.trial = true;
    return subscription;
  }

  renew(subscriptionId: string, planId: string, repeatCount: number, couponCode?: string): SimSubscription {
    const subscription = this.ownedSubscription(subscriptionId);
    const plan = this.plans.get(planId);
    if (!plan) throw new PanelError(400, 'Missing or invalid planId');
    if (!plan.active || !this.networkOf(plan).active) throw new PanelError(409, 'Plan is inactive');
    if (!this.renewalPlans(subscription).some((p) => p.id === plan.id)) {
      throw new PanelError(400, 'Missing or invalid planId: not a renewal plan of this subscription');
    }
    const price = this.discounted(plan.priceAmountCents * repeatCount, couponCode);
    if (price > this.balanceCents) throw new PanelError(402, 'Insufficient balance');
    this.balanceCents -= price;
    // An expired subscription restarts from now; an active one extends its end.
    subscription.activeUntil = Math.max(this.now(), subscription.activeUntil) + plan.durationMs * repeatCount;
    return subscription;
  }

  changeCredentials(subscriptionId: string): SimSubscription {
    const subscription = this.ownedSubscription(subscriptionId);
    if (!this.isActive(subscription)) throw new PanelError(409, 'Invalid subscription state');
    subscription.password = randomId(8, 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789');
    subscription.vpnId = randomUUID();
    return subscription;
  }

  switchNetwork(subscriptionId: string, targetNetwork: string): SimSubscription {
    const subscription = this.ownedSubscription(subscriptionId);
    const target = this.networks.get(targetNetwork);
    if (!target) throw new PanelError(400, 'Missing or invalid targetNetwork');
    if (!this.isActive(subscription)) throw new PanelError(409, 'Invalid subscription state');
    if (!this.availableNetworks(subscription).some((n) => n.id === target.id)) {
      throw new PanelError(409, 'Network is inactive or not available for this subscription');
    }
    subscription.networkId = target.id;
    subscription.exitIp = randomExitIp(subscription.exitIp);
    return subscription;
  }

  /** What fetching a rotate link does: a new exit address for an active mobile subscription. */
  rotate(token: string): SimSubscription {
    const subscription = [...this.subscriptions.values()].find((s) => s.rotateToken === token);
    if (!subscription) throw new PanelError(404, 'Not found');
    if (!this.canRotate(subscription)) throw new PanelError(409, 'Rotation is not available');
    subscription.exitIp = randomExitIp(subscription.exitIp);
    subscription.rotations++;
    return subscription;
  }

  canRotate(subscription: SimSubscription): boolean {
    return this.isActive(subscription) && this.networks.get(subscription.networkId)?.networkType === 'mobile';
  }

  /** Creates a subscription without charging (used by purchase, trial, and test helpers). */
  createSubscription(plan: SimPlan, durationMs: number, owner: SimSubscription['owner'], createdAt = this.now()): SimSubscription {
    const subscription: SimSubscription = {
      subscriptionId: randomId(24),
      owner,
      planId: plan.id,
      networkId: plan.networkId,
      connectionType: plan.connectionType,
      port: this.livePort ?? this.nextPort++,
      username: `u_${randomId(6)}`,
      password: `p_${randomId(6)}`,
      vpnId: randomUUID(),
      rotateToken: randomId(8),
      exitIp: randomExitIp(),
      rotations: 0,
      createdAt,
      activeUntil: createdAt + durationMs,
      trial: false,
    };
    this.subscriptions.set(subscription.subscriptionId, subscription);
    return subscription;
  }

  private assertSellable(plan: SimPlan): void {
    if (!plan.active) throw new PanelError(409, 'Plan is inactive');
    if (!this.networkOf(plan).active) throw new PanelError(409, 'Network is inactive');
    if (plan.soldOut || plan.stock === 0) throw new PanelError(409, 'Sold out');
  }

  private discounted(cents: number, couponCode: string | undefined): number {
    if (couponCode === undefined) return cents;
    const percent = this.coupons[couponCode];
    if (percent === undefined) throw new PanelError(400, 'Invalid couponCode');
    return cents - Math.floor((cents * percent) / 100);
  }
}

/** An address from the documentation ranges (never a real host), different from the current one. */
function randomExitIp(current?: string): string {
  const prefixes = ['192.0.2', '198.51.100', '203.0.113'];
  for (;;) {
    const prefix = prefixes[Math.floor(Math.random() * prefixes.length)]!;
    const ip = `${prefix}.${1 + Math.floor(Math.random() * 254)}`;
    if (ip !== current) return ip;
  }
}
