/**
 * The simulated GateProxy account: balance, catalog, stock, orders with
 * credentials and traffic counters. Pure state with no HTTP, so the routes
 * stay a thin translation of the API reference.
 */
import { randomId } from '../sim-server.js';
import { defaultGateProxyCatalog, type SimPlan, type SimProvider } from './catalog.js';

/** Balances and prices are kept in millionths of a dollar: USDT prices like 0.675 stay exact. */
const MICRO_PER_DOLLAR = 1_000_000;
const MICRO_PER_CENT = 10_000;

export const toMicro = (dollars: number): number => Math.round(dollars * MICRO_PER_DOLLAR);
export const microToDollars = (micro: number): number => micro / MICRO_PER_DOLLAR;

export type DeliveredProtocol = 'HTTP' | 'SOCKS5';

export interface SimOrder {
  orderId: string;
  provider: string;
  plan: string;
  traffic: string;
  trafficMb: number;
  priceMicro: number;
  createdAt: Date;
  status: 'completed';
  proxy: { host: string; port: number; username: string; password: string; protocol: DeliveredProtocol };
  usedMb: number;
}

export type OrderAttempt =
  | { kind: 'provider_not_found' }
  | { kind: 'invalid_plan' }
  | { kind: 'ready'; provider: SimProvider; plan: SimPlan };

export class GateProxyAccount {
  readonly catalog: SimProvider[] = defaultGateProxyCatalog();
  private balanceMicro: number;
  private readonly orderList: SimOrder[] = [];
  private readonly inactive = new Set<string>();
  private readonly outOfStock = new Set<string>();
  private everythingOutOfStock = false;
  private readonly protocols = new Map<string, DeliveredProtocol>();
  private purchases = 0;
  /** Orders between "accepted" and "done"; GateProxy allows one per account. */
  ordersInProgress = 0;
  /**
   * When the simulator runs a real proxy (`startProxyServer`), orders from
   * then on are delivered on it (its HTTP or SOCKS5 port, by the delivered
   * protocol) instead of the catalog's gateway, so they can be used and checked.
   */
  liveProxy: { host: string; httpPort: number; socks5Port: number } | undefined;

  /** Whether a login is one this account delivered on a completed order: what the live proxy admits. */
  admitsLogin(username: string, password: string): boolean {
    return this.orderList.some((o) => o.status === 'completed' && o.proxy.username === username && o.proxy.password === password);
  }
  /** How many orders were turned away with 409 order_processing. */
  busyRejections = 0;

  constructor(
    balanceDollars: number,
    private readonly now: () => Date,
  ) {
    this.balanceMicro = toMicro(balanceDollars);
  }

  // --- balance -------------------------------------------------------------

  balanceDollars(): number {
    return microToDollars(this.balanceMicro);
  }

  balanceCents(): number {
    return Math.floor(this.balanceMicro / MICRO_PER_CENT);
  }

  setBalanceCents(cents: number): void {
    this.balanceMicro = cents * MICRO_PER_CENT;
  }

  canAfford(plan: SimPlan): boolean {
    return this.balanceMicro >= toMicro(plan.price);
  }

  // --- catalog and stock ---------------------------------------------------

  activeProviders(): SimProvider[] {
    return this.catalog.filter((p) => !this.inactive.has(p.id));
  }

  activeProvider(id: string): SimProvider | undefined {
    return this.activeProviders().find((p) => p.id === id);
  }

  setProviderActive(id: string, active: boolean): void {
    if (active) this.inactive.delete(id);
    else this.inactive.add(id);
  }

  setPrice(providerId: string, planValue: string, price: number): void {
    const plan = this.requirePlan(providerId, planValue);
    plan.price = price;
  }

  setOutOfStock(outOfStock: boolean, providerId?: string): void {
    if (providerId === undefined) {
      this.everythingOutOfStock = outOfStock;
      if (!outOfStock) this.outOfStock.clear();
    } else if (outOfStock) this.outOfStock.add(providerId);
    else this.outOfStock.delete(providerId);
  }

  isOutOfStock(providerId: string): boolean {
    return this.everythingOutOfStock || this.outOfStock.has(providerId);
  }

  setDeliveredProtocol(providerId: string, protocol: DeliveredProtocol): void {
    this.protocols.set(providerId, protocol);
  }

  // --- orders --------------------------------------------------------------

  checkOrder(providerId: unknown, planValue: unknown): OrderAttempt {
    const provider = typeof providerId === 'string' ? this.activeProvider(providerId) : undefined;
    if (!provider) return { kind: 'provider_not_found' };
    const wanted = typeof planValue === 'number' ? String(planValue) : planValue;
    const plan = provider.plans.find((p) => p.plan === wanted);
    if (!plan) return { kind: 'invalid_plan' };
    return { kind: 'ready', provider, plan };
  }

  /** Debits the balance and delivers a proxy. Callers check stock and funds first. */
  completeOrder(provider: SimProvider, plan: SimPlan, createdAt: Date = this.now()): SimOrder {
    this.balanceMicro -= toMicro(plan.price);
    this.purchases++;
    return this.recordOrder(provider, plan, createdAt);
  }

  /**
   * An order placed outside our shop on the same account (e.g. from
   * GateProxy's own Telegram bot): it is in the history, but not a purchase
   * of ours, and it does not move `purchaseCount`.
   */
  placeOrderElsewhere(providerId: string, planValue: string, createdAt: Date = this.now()): SimOrder {
    const provider = this.catalog.find((p) => p.id === providerId);
    if (!provider) throw new Error(`unknown GateProxy provider ${providerId}`);
    const plan = this.requirePlan(providerId, planValue);
    this.balanceMicro -= toMicro(plan.price);
    return this.recordOrder(provider, plan, createdAt);
  }

  purchaseCount(): number {
    return this.purchases;
  }

  /** Newest first, as an order history reads. */
  orders(): SimOrder[] {
    return [...this.orderList].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  order(orderId: string): SimOrder | undefined {
    return this.orderList.find((o) => o.orderId === orderId);
  }

  orderByUsername(providerId: string, username: string): SimOrder | undefined {
    return this.orderList.find((o) => o.provider === providerId && o.proxy.username === username);
  }

  usageAvailable(order: SimOrder): boolean {
    return this.catalog.find((p) => p.id === order.provider)?.usageApi ?? false;
  }

  /** Traffic used through a proxy, as the proxy vendor would count it. */
  addUsageGb(orderId: string, gb: number): void {
    const order = this.order(orderId);
    if (!order) throw new Error(`unknown GateProxy order ${orderId}`);
    order.usedMb = Math.min(order.trafficMb, order.usedMb + Math.round(gb * 1000 * 1000) / 1000);
  }

  private recordOrder(provider: SimProvider, plan: SimPlan, createdAt: Date): SimOrder {
    const protocol = this.protocols.get(provider.id) ?? 'HTTP';
    const live = this.liveProxy;
    const order: SimOrder = {
      orderId: this.newOrderId(),
      provider: provider.id,
      plan: plan.plan,
      traffic: plan.traffic,
      trafficMb: plan.trafficMb,
      priceMicro: toMicro(plan.price),
      createdAt,
      status: 'completed',
      proxy: {
        host: live ? live.host : provider.gatewayHost,
        port: live ? (protocol === 'SOCKS5' ? live.socks5Port : live.httpPort) : provider.gatewayPort,
        username: `${provider.id}_${randomId(6)}`,
        password: randomId(12),
        protocol,
      },
      usedMb: 0,
    };
    this.orderList.push(order);
    return order;
  }

  private newOrderId(): string {
    for (;;) {
      const id = `ord_${randomId(6)}`;
      if (!this.order(id)) return id;
    }
  }

  private requirePlan(providerId: string, planValue: string): SimPlan {
    const plan = this.catalog.find((p) => p.id === providerId)?.plans.find((p) => p.plan === planValue);
    if (!plan) throw new Error(`unknown GateProxy plan ${providerId}/${planValue}`);
    return plan;
  }
}
