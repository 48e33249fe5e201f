/**
 * A stateful stand-in for the proxy-ipv4.com client API, for tests and the
 * sandbox: balance in USD, per-type countries, rent periods and prices,
 * stock, orders, proxies with expiry, extension, and mobile reboot links.
 */
import {
  randomId,
  FaultPlan,
  startSimServer,
  type RunningSimulator,
  type SimRequest,
  type StartOptions,
  type UpstreamSimulator,
} from '../sim-server.js';
import { startSimProxy } from '../proxy-server.js';
import { DEFAULT_PROXY_IPV4_CATALOG, isSimProxyType, type SimCatalog, type SimProxyType } from './catalog.js';
import { createProxyIpv4Handler, type Ipv6ListingShape, type ListingDates } from './routes.js';
import { ProxyIpv4State, type SimOrder, type SimProxy } from './state.js';

export { DEFAULT_PROXY_IPV4_CATALOG, SIM_PROXY_TYPES, daysOf } from './catalog.js';
export type { SimCatalog, SimCountry, SimProxyType, SimTypeCatalog } from './catalog.js';
export type { Ipv6ListingShape, ListingDates } from './routes.js';
export type { SimOrder, SimProxy } from './state.js';

export interface ProxyIpv4SimulatorOptions {
  apiKey?: string;
  /** Starting account balance; default $100.00. */
  balanceCents?: number;
  /** The account email every answer carries as `user`. */
  user?: string;
  catalog?: SimCatalog;
  /** Proxies in stock per type and country until an order or `setStock` changes it; default 50. */
  stockPerCountry?: number;
  ipv6Shape?: Ipv6ListingShape;
  now?: () => Date;
}

/** One request as the simulator saw it, with the key in the path masked. */
export interface SeenRequest {
  method: string;
  path: string;
}

export interface ProxyIpv4Simulator extends UpstreamSimulator {
  /** Active proxies (rent not ended), optionally of one type. Copies: changing them changes nothing. */
  proxies(type?: SimProxyType): SimProxy[];
  /** Every order, through the API or made "elsewhere", oldest first. */
  orders(): SimOrder[];
  /** Ends a proxy's rent now; it disappears from `get/proxies`. */
  expireProxy(proxyId: string): void;
  stock(type: SimProxyType, country: string): number;
  setStock(type: SimProxyType, country: string, count: number): void;
  /** A purchase made on the upstream's website: proxies appear that the shop did not order. */
  purchaseElsewhere(params: { type: SimProxyType; country: string; count: number; days: number }): SimProxy[];
  /** While held, accepted orders debit the balance but their proxies stay invisible until released. */
  holdProvisioning(hold: boolean): void;
  releaseProvisioning(): SimProxy[];
  /** Switches how IPv6 proxies are listed (the seed's flat list or the older grouping by order). */
  setIpv6Shape(shape: Ipv6ListingShape): void;
  /** Price per proxy for a type and rent period, in thousandths of a USD. */
  priceMilli(type: SimProxyType, days: number): number;
  /** Requests received so far (after faults that answer without processing are taken). */
  requests(): SeenRequest[];
  /** Moves the upstream's clock: the `dateStart`/`dateEnd` it writes are this far from ours. */
  setClockOffsetMs(offsetMs: number): void;
  /**
   * The next order is carried out (charged, proxies created), then answered
   * HTTP 200 `success:false` with a code nobody documents.
   */
  undocumentedErrorAfterNextOrder(code?: string, message?: string): void;
  /** `undated` lists proxies without `dateStart`, as an upstream may when it has none to show. */
  setListingDates(dates: ListingDates): void;
}

/** The largest IPv6 order that gets live endpoints; beyond it the rest keep catalog addresses. */
const MAX_LIVE_IPV6_ENDPOINTS_PER_ORDER = 256;

export function createProxyIpv4Simulator(options: ProxyIpv4SimulatorOptions = {}): ProxyIpv4Simulator {
  const apiKey = options.apiKey ?? `sim${randomId(29)}`;
  const catalog = options.catalog ?? DEFAULT_PROXY_IPV4_CATALOG;
  const baseClock = options.now ?? (() => new Date());
  let clockOffsetMs = 0;
  let listingDates: ListingDates = 'seed';
  const state = new ProxyIpv4State(
    catalog,
    (options.balanceCents ?? 100_00) * 10,
    options.stockPerCountry ?? 50,
    () => new Date(baseClock().getTime() + clockOffsetMs),
    options.user ?? 'shop@example.com',
  );
  let ipv6Shape: Ipv6ListingShape = options.ipv6Shape ?? 'flat';
  const faults = new FaultPlan();
  const seen: SeenRequest[] = [];
  const routes = createProxyIpv4Handler(state, { apiKey, ipv6Shape: () => ipv6Shape, listingDates: () => listingDates });
  const copy = (proxy: SimProxy): SimProxy => ({
    ...proxy,
    dateStart: new Date(proxy.dateStart),
    dateEnd: new Date(proxy.dateEnd),
  });

  /**
   * Each live IPv6 proxy is an endpoint of its own, and opening one is
   * asynchronous while placing the order is not: the endpoints are opened
   * before an IPv6 order is handled (a refused order leaves them spare).
   */
  const reserveIpv6Endpoints = async (request: SimRequest): Promise<void> => {
    const proxy = state.liveProxy;
    if (!proxy || request.method !== 'POST' || !/\/order$/.test(request.path)) return;
    const body = request.body as { proxyType?: unknown; count?: unknown } | undefined;
    const count = Number(body?.count);
    if (body?.proxyType === 'ipv6' && Number.isInteger(count) && count > 0) {
      await proxy.reserveEndpoints(Math.min(count, MAX_LIVE_IPV6_ENDPOINTS_PER_ORDER), 'ipv6');
    }
  };

  return {
    faults,
    apiKey,
    start(startOptions?: StartOptions): Promise<RunningSimulator> {
      return startSimServer(
        async (request) => {
          seen.push({ method: request.method, path: request.path.replace(/^(\/client-api\/v1\/)[^/]*/, '$1:key') });
          await reserveIpv6Endpoints(request);
          return routes(request);
        },
        faults,
        startOptions,
      );
    },
    balanceCents: () => Math.floor(state.getBalanceMilli() / 10),
    setBalanceCents: (cents) => state.setBalanceMilli(cents * 10),
    setOutOfStock(outOfStock, productId) {
      if (productId !== undefined && !isSimProxyType(productId)) throw new Error(`unknown product ${productId}`);
      for (const type of productId === undefined ? (Object.keys(catalog) as SimProxyType[]) : [productId]) {
        state.setSoldOut(type, outOfStock);
      }
    },
    purchaseCount: () => state.orders().filter((o) => o.via === 'api').length,
    startProxyServer: async () => {
      const proxy = await startSimProxy({ accepts: (login, password) => state.admitsLogin(login, password) });
      state.liveProxy = proxy;
      return proxy;
    },

    proxies: (type) => state.activeProxies(type).map(copy),
    orders: () => state.orders().map((o) => ({ ...o, proxyIds: [...o.proxyIds] })),
    expireProxy(proxyId) {
      if (!state.expire(proxyId)) throw new Error(`no proxy ${proxyId}`);
    },
    stock: (type, country) => state.stock(type, country),
    setStock: (type, country, count) => state.setStock(type, country, count),
    purchaseElsewhere(params) {
      const order = state.purchaseElsewhere(params);
      return state
        .activeProxies(params.type)
        .filter((p) => order.proxyIds.includes(p.id))
        .map(copy);
    },
    holdProvisioning(hold) {
      state.holdProvisioning = hold;
    },
    releaseProvisioning: () => state.releaseProvisioning().map(copy),
    setIpv6Shape(shape) {
      ipv6Shape = shape;
    },
    priceMilli: (type, days) => state.priceMilli(type, days),
    requests: () => [...seen],
    setClockOffsetMs(offsetMs) {
      clockOffsetMs = offsetMs;
    },
    undocumentedErrorAfterNextOrder(code = 'ORDER_PROCESSING_ERROR', message = 'Order processing error') {
      faults.inject(
        { kind: 'error_after', status: 200, body: { success: false, error: { code, message } } },
        { method: 'POST', path: /\/order$/ },
      );
    },
    setListingDates(dates) {
      listingDates = dates;
    },
  };
}
