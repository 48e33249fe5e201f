/**
 * The account state behind the simulated proxy-ipv4.com API: balance, stock,
 * orders and the proxies they created. The HTTP layer (routes.ts) only
 * translates requests into these operations and results into wire bodies.
 *
 * The error codes below are inferred (the public docs only say errors come as
 * HTTP 200 with `success:false`; a sister API sends `error:{code,message}`),
 * so the adapter must not depend on them alone: it also reads the messages.
 */
import type { RunningSimProxy } from '../proxy-server.js';
import { randomId } from '../sim-server.js';
import { daysOf, milliToUsd, type SimCatalog, type SimProxyType } from './catalog.js';

export type SimErrorCode =
  | 'INVALID_KEY'
  | 'INVALID_PARAMS'
  | 'NO_PROXIES_AVAILABLE'
  | 'INSUFFICIENT_FUNDS'
  | 'PROXY_NOT_FOUND'
  | 'NOT_FOUND';

export type SimResult<T> = { ok: true; value: T } | { ok: false; code: SimErrorCode; message: string };

const fail = (code: SimErrorCode, message: string): SimResult<never> => ({ ok: false, code, message });

export interface SimProxy {
  id: string;
  type: SimProxyType;
  /** Every proxy belongs to an order; IPv6 proxies are extended by it. */
  orderId: string;
  ip: string;
  country: string;
  dateStart: Date;
  dateEnd: Date;
  /** HTTP(S) port; the single `port` of an IPv6 proxy. */
  httpsPort: number;
  /** Absent for IPv6, which has one port. */
  socks5Port?: number;
  login: string;
  password: string;
  mobileOperator?: string;
  rotationTime?: number;
  /** Secret part of the mobile reboot link. */
  rebootToken?: string;
}

export interface SimOrder {
  orderId: string;
  type: SimProxyType;
  country: string;
  days: number;
  count: number;
  goal: string;
  costMilli: number;
  createdAt: Date;
  proxyIds: string[];
  /** 'api' for orders through the client API, 'elsewhere' for test-made purchases on the website. */
  via: 'api' | 'elsewhere';
}

export interface OrderParams {
  type: SimProxyType;
  days: number;
  country: string;
  count: number;
  goal: string;
}

const DAY_MS = 86_400_000;

export class ProxyIpv4State {
  private balanceMilli: number;
  private readonly active: SimProxy[] = [];
  /** Proxies of accepted orders not yet visible, while provisioning is held. */
  private readonly provisioning: SimProxy[] = [];
  private readonly orderLog: SimOrder[] = [];
  private readonly stockLeft = new Map<string, number>();
  private readonly soldOut = new Set<SimProxyType>();
  private readonly usedIps = new Set<string>();
  private nextPort = 49_162;
  holdProvisioning = false;

  constructor(
    readonly catalog: SimCatalog,
    balanceMilli: number,
    private readonly stockPerCountry: number,
    readonly now: () => Date,
    readonly user: string,
  ) {
    this.balanceMilli = balanceMilli;
  }

  // -------------------------------------------------------------------------
  // Balance and stock knobs
  // -------------------------------------------------------------------------

  balanceUsd(): number {
    return milliToUsd(this.balanceMilli);
  }

  getBalanceMilli(): number {
    return this.balanceMilli;
  }

  setBalanceMilli(milli: number): void {
    this.balanceMilli = milli;
  }

  stock(type: SimProxyType, country: string): number {
    if (this.soldOut.has(type)) return 0;
    return this.stockLeft.get(`${type}:${country}`) ?? this.stockPerCountry;
  }

  setStock(type: SimProxyType, country: string, count: number): void {
    this.stockLeft.set(`${type}:${country}`, count);
  }

  setSoldOut(type: SimProxyType, soldOut: boolean): void {
    if (soldOut) this.soldOut.add(type);
    else this.soldOut.delete(type);
  }

  // -------------------------------------------------------------------------
  // Reads
  // -------------------------------------------------------------------------

  /** The proxies `get/proxies` shows: only those whose rent has not ended. */
  activeProxies(type?: SimProxyType): SimProxy[] {
    const now = this.now().getTime();
    return this.active.filter((p) => p.dateEnd.getTime() > now && (type === undefined || p.type === type));
  }

  orders(): SimOrder[] {
    return [...this.orderLog];
  }

  /**
   * When the simulator runs a real proxy (`startProxyServer`), IPv4, ISP and
   * mobile proxies sold from then on listen there (its HTTP and SOCKS5 ports).
   * IPv6 proxies of one order share one login and are told apart by address
   * and port (the seed's `ip` and `port`, HTTP only), so each is an endpoint
   * of its own on the proxy, on `::1` where the machine has it; endpoints are
   * reserved before the order is handled (`reserveEndpoints`).
   */
  liveProxy: RunningSimProxy | undefined;

  /** Whether a login is one of the proxies whose rent runs: what the live proxy admits. */
  admitsLogin(login: string, password: string): boolean {
    return this.activeProxies().some((p) => p.login === login && p.password === password);
  }

  /** An IPv6 proxy's own live endpoint (HTTP, as the seed lists them): it admits that proxy's login alone, while its rent runs. */
  private liveIpv6Endpoint(proxy: () => SimProxy): { host: string; port: number } | undefined {
    const endpoint = this.liveProxy?.takeEndpoint('ipv6');
    if (!endpoint) return undefined;
    endpoint.assign({
      accepts: (login, password) => {
        const p = proxy();
        return p.login === login && p.password === password && this.activeProxies('ipv6').includes(p);
      },
    });
    return { host: endpoint.host, port: endpoint.httpPort };
  }

  findProxy(id: string): SimProxy | undefined {
    return this.active.find((p) => p.id === id);
  }

  // -------------------------------------------------------------------------
  // Validation shared by price and order
  // -------------------------------------------------------------------------

  validateOrder(input: { proxyType: unknown; days: unknown; country: unknown; count: unknown; goal: unknown }): SimResult<OrderParams> {
    const { proxyType } = input;
    if (typeof proxyType !== 'string' || !(proxyType in this.catalog)) {
      return fail('INVALID_PARAMS', `Unknown proxyType "${String(proxyType)}"`);
    }
    const type = proxyType as SimProxyType;
    const days = wholeNumber(input.days);
    if (days === undefined || !daysOf(this.catalog, type).includes(days)) {
      return fail('INVALID_PARAMS', `Rent period ${String(input.days)} days is not available for ${type}`);
    }
    const country = typeof input.country === 'string' ? input.country.toUpperCase() : '';
    if (!this.catalog[type].countries.some((c) => c.alpha3code === country)) {
      return fail('INVALID_PARAMS', `Country ${String(input.country)} is not available for ${type}`);
    }
    const count = wholeNumber(input.count);
    if (count === undefined || count < 1) {
      return fail('INVALID_PARAMS', `count must be a positive whole number, got ${String(input.count)}`);
    }
    // The real upstream insists on a goal but does not publish the list; any non-empty value passes here.
    if (typeof input.goal !== 'string' || input.goal.trim() === '') {
      return fail('INVALID_PARAMS', 'goal is required');
    }
    return { ok: true, value: { type, days, country, count, goal: input.goal } };
  }

  priceMilli(type: SimProxyType, days: number): number {
    const price = this.catalog[type].pricesMilli[days];
    if (price === undefined) throw new Error(`no price for ${type} ${days} days`);
    return price;
  }

  // -------------------------------------------------------------------------
  // Writes
  // -------------------------------------------------------------------------

  placeOrder(params: OrderParams): SimResult<SimOrder> {
    const left = this.stock(params.type, params.country);
    if (left < params.count) {
      return fail(
        'NO_PROXIES_AVAILABLE',
        left === 0
          ? `No ${params.type} proxies available in ${params.country}`
          : `Only ${left} ${params.type} proxies available in ${params.country}`,
      );
    }
    const costMilli = this.priceMilli(params.type, params.days) * params.count;
    if (costMilli > this.balanceMilli) {
      return fail(
        'INSUFFICIENT_FUNDS',
        `Insufficient funds: the order costs ${milliToUsd(costMilli)} USD, the balance is ${this.balanceUsd()} USD`,
      );
    }
    this.balanceMilli -= costMilli;
    this.setStock(params.type, params.country, left - params.count);
    const order = this.createOrder(params, costMilli, 'api');
    return { ok: true, value: order };
  }

  /** A purchase made outside the client API (the website); no balance or stock bookkeeping. */
  purchaseElsewhere(params: Omit<OrderParams, 'goal'>): SimOrder {
    return this.createOrder({ ...params, goal: 'website' }, 0, 'elsewhere');
  }

  /** Makes proxies of held orders visible, as when the upstream finishes provisioning. */
  releaseProvisioning(): SimProxy[] {
    const released = this.provisioning.splice(0);
    this.active.push(...released);
    return released;
  }

  /**
   * Extends proxies by `days`. IPv6 is extended by whole order, so for IPv6
   * the ids are order ids; for the other types they are proxy ids.
   */
  extend(input: { proxyType: unknown; days: unknown; ids: unknown }): SimResult<{ proxies: SimProxy[]; costMilli: number }> {
    const { proxyType } = input;
    if (typeof proxyType !== 'string' || !(proxyType in this.catalog)) {
      return fail('INVALID_PARAMS', `Unknown proxyType "${String(proxyType)}"`);
    }
    const type = proxyType as SimProxyType;
    const days = wholeNumber(input.days);
    if (days === undefined || !daysOf(this.catalog, type).includes(days)) {
      return fail('INVALID_PARAMS', `Rent period ${String(input.days)} days is not available for ${type}`);
    }
    if (!Array.isArray(input.ids) || input.ids.length === 0) {
      return fail('INVALID_PARAMS', 'IpId must be a non-empty list of ids');
    }
    const targets: SimProxy[] = [];
    for (const raw of input.ids) {
      const id = String(raw);
      const found = this.activeProxies(type).filter((p) => (type === 'ipv6' ? p.orderId === id : p.id === id));
      if (found.length === 0) return fail('PROXY_NOT_FOUND', `${type} ${type === 'ipv6' ? 'order' : 'proxy'} ${id} not found`);
      for (const proxy of found) if (!targets.includes(proxy)) targets.push(proxy);
    }
    const costMilli = this.priceMilli(type, days) * targets.length;
    if (costMilli > this.balanceMilli) {
      return fail(
        'INSUFFICIENT_FUNDS',
        `Insufficient funds: extending costs ${milliToUsd(costMilli)} USD, the balance is ${this.balanceUsd()} USD`,
      );
    }
    this.balanceMilli -= costMilli;
    const now = this.now().getTime();
    for (const proxy of targets) {
      proxy.dateEnd = new Date(Math.max(proxy.dateEnd.getTime(), now) + days * DAY_MS);
    }
    return { ok: true, value: { proxies: targets, costMilli } };
  }

  /** What the mobile reboot link does: the proxy gets a new exit IP. */
  rotate(token: string): SimResult<SimProxy> {
    const proxy = this.activeProxies('mobile').find((p) => p.rebootToken === token);
    if (!proxy) return fail('NOT_FOUND', 'Unknown reboot link');
    // A proxy on the live proxy keeps pointing at it: its address there is where it is reached,
    // not the exit a reboot changes, and moving it elsewhere would break every check after a rotation.
    if (this.liveProxy && proxy.ip === this.liveProxy.host) return { ok: true, value: proxy };
    this.usedIps.delete(proxy.ip);
    proxy.ip = this.freshIp('mobile');
    return { ok: true, value: proxy };
  }

  /** Ends a proxy's rent now, as if its period ran out. */
  expire(id: string): boolean {
    const proxy = this.active.find((p) => p.id === id);
    if (!proxy) return false;
    proxy.dateEnd = new Date(this.now().getTime() - 1_000);
    return true;
  }

  // -------------------------------------------------------------------------
  // Generation of proxies
  // -------------------------------------------------------------------------

  private createOrder(params: OrderParams, costMilli: number, via: SimOrder['via']): SimOrder {
    const createdAt = this.now();
    const orderId = randomId(10);
    // IPv6 proxies of one order share credentials: the older grouped listing shows them once per order.
    const orderLogin = `u${randomId(9)}`;
    const orderPassword = randomId(12);
    const operator = this.catalog[params.type].countries.find((c) => c.alpha3code === params.country)?.mobileOperator;
    const proxies: SimProxy[] = [];
    for (let i = 0; i < params.count; i++) {
      const isIpv6 = params.type === 'ipv6';
      const live = isIpv6 ? undefined : this.liveProxy;
      // Without a reserved port (none left) an IPv6 proxy keeps a catalog address, as without a live proxy.
      const liveIpv6 = isIpv6 ? this.liveIpv6Endpoint(() => proxy) : undefined;
      const proxy: SimProxy = {
        id: randomId(12),
        type: params.type,
        orderId,
        ip: live ? live.host : (liveIpv6?.host ?? this.freshIp(params.type)),
        country: params.country,
        dateStart: createdAt,
        dateEnd: new Date(createdAt.getTime() + params.days * DAY_MS),
        httpsPort: live ? live.httpPort : (liveIpv6?.port ?? this.takePort()),
        login: isIpv6 ? orderLogin : `u${randomId(9)}`,
        password: isIpv6 ? orderPassword : randomId(12),
      };
      if (!isIpv6) proxy.socks5Port = live ? live.socks5Port : this.takePort();
      if (params.type === 'mobile') {
        proxy.mobileOperator = operator ?? 'mobile';
        proxy.rotationTime = 5;
        proxy.rebootToken = randomId(20);
      }
      proxies.push(proxy);
    }
    if (this.holdProvisioning) this.provisioning.push(...proxies);
    else this.active.push(...proxies);
    const order: SimOrder = {
      orderId,
      type: params.type,
      country: params.country,
      days: params.days,
      count: params.count,
      goal: params.goal,
      costMilli,
      createdAt,
      proxyIds: proxies.map((p) => p.id),
      via,
    };
    this.orderLog.push(order);
    return order;
  }

  private takePort(): number {
    const port = this.nextPort;
    this.nextPort = this.nextPort >= 65_000 ? 10_000 : this.nextPort + 1;
    return port;
  }

  private freshIp(type: SimProxyType): string {
    for (;;) {
      const ip = type === 'ipv6' ? randomIpv6() : randomIpv4(type === 'mobile' ? 46 : type === 'isp' ? 104 : 185);
      if (!this.usedIps.has(ip)) {
        this.usedIps.add(ip);
        return ip;
      }
    }
  }
}

function wholeNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

const octet = () => 1 + Math.floor(Math.random() * 254);
const hex4 = () => Math.floor(Math.random() * 0xffff).toString(16);

function randomIpv4(firstOctet: number): string {
  return `${firstOctet}.${octet()}.${octet()}.${octet()}`;
}

/** Addresses from the documentation range 2001:db8::/32, like the seed's example. */
function randomIpv6(): string {
  return `2001:db8:${hex4()}:${hex4()}::${hex4()}`;
}
