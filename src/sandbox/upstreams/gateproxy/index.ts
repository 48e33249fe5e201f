/**
 * A stateful GateProxy (api.gateproxy.store) for the sandbox and the tests:
 * the documented endpoints over a simulated account, plus knobs for the
 * situations the shop must survive (busy account, stock-out, low balance).
 */
import { FaultPlan, startSimServer, type RunningSimulator, type StartOptions, type UpstreamSimulator } from '../sim-server.js';
import { startSimProxy } from '../proxy-server.js';
import type { SimProvider } from './catalog.js';
import { createGateProxyRoutes, type OrderFields } from './routes.js';
import { GateProxyAccount, type DeliveredProtocol, type SimOrder } from './state.js';

export type { SimOrder, DeliveredProtocol } from './state.js';
export type { SimPlan, SimProvider } from './catalog.js';
export type { OrderFields } from './routes.js';

export interface GateProxySimulatorOptions {
  apiKey?: string;
  /** Starting balance in USD; default 50. */
  balanceUsd?: number;
  /** How long each order takes upstream; another order in that window gets 409. Default 0. */
  orderProcessingMs?: number;
  /** The simulator's clock, for order timestamps. */
  now?: () => Date;
  /** Repeat a rejected token in 401 messages (to prove the adapter masks it). */
  echoTokenInErrors?: boolean;
  /** Fields of an order in `GET /orders` and `GET /orders/{id}`; default `all`. */
  orderFields?: OrderFields;
}

/** An answer to `POST /orders` in GateProxy's own error envelope. */
export interface OrderErrorAnswer {
  status: number;
  code: string;
  message?: string;
  /** `after`: the order is made (balance debited, proxy delivered) and then the error is answered. */
  when: 'before' | 'after';
}

export interface GateProxySimulator extends UpstreamSimulator {
  /** The catalog as served (providers and their USDT plans). */
  readonly catalog: SimProvider[];
  /** Every order of the account, newest first (including orders placed elsewhere). */
  orders(): SimOrder[];
  order(orderId: string): SimOrder | undefined;
  /** Balance as GateProxy reports it, in USD. */
  balanceUsd(): number;
  /** Counts traffic used through an order's proxy. */
  addUsageGb(orderId: string, gb: number): void;
  /** Takes a provider off (or back on) the `/providers` list. */
  setProviderActive(providerId: string, active: boolean): void;
  setPrice(providerId: string, plan: string, priceUsdt: number): void;
  /** What protocol new orders of a provider are delivered with (default HTTP). */
  setDeliveredProtocol(providerId: string, protocol: DeliveredProtocol): void;
  setOrderProcessingMs(ms: number): void;
  /** Orders currently running (accepted, not yet answered). */
  ordersInProgress(): number;
  /** How many orders were refused with 409 order_processing. */
  busyRejections(): number;
  /** An order by someone else on the same account (e.g. GateProxy's own bot); not counted as a purchase. */
  placeOrderElsewhere(providerId: string, plan: string, createdAt?: Date): SimOrder;
  /** Only the documented order fields (no created_at, provider, plan, price) in order reads, or all of them. */
  setOrderFields(fields: OrderFields): void;
  /** The next `POST /orders` answers this error envelope, before or after doing the work. */
  answerNextOrderWithError(answer: OrderErrorAnswer): void;
}

export const DEFAULT_GATEPROXY_API_KEY = 'gpk_live_sim7f3a9c2e4b1d8a6f';

export function createGateProxySimulator(options: GateProxySimulatorOptions = {}): GateProxySimulator {
  const apiKey = options.apiKey ?? DEFAULT_GATEPROXY_API_KEY;
  const now = options.now ?? (() => new Date());
  const account = new GateProxyAccount(options.balanceUsd ?? 50, now);
  const faults = new FaultPlan();
  let orderProcessingMs = options.orderProcessingMs ?? 0;
  let orderFields: OrderFields = options.orderFields ?? 'all';
  const handle = createGateProxyRoutes(account, {
    apiKey,
    orderProcessingMs: () => orderProcessingMs,
    echoTokenInErrors: options.echoTokenInErrors ?? false,
    orderFields: () => orderFields,
  });

  return {
    faults,
    apiKey,
    catalog: account.catalog,
    start: (startOptions?: StartOptions): Promise<RunningSimulator> => startSimServer(handle, faults, startOptions),
    balanceCents: () => account.balanceCents(),
    setBalanceCents: (cents) => account.setBalanceCents(cents),
    setOutOfStock: (outOfStock, productId) => account.setOutOfStock(outOfStock, productId),
    purchaseCount: () => account.purchaseCount(),
    startProxyServer: async () => {
      const proxy = await startSimProxy({ accepts: (login, password) => account.admitsLogin(login, password) });
      account.liveProxy = { host: proxy.host, httpPort: proxy.httpPort, socks5Port: proxy.socks5Port };
      return proxy;
    },
    orders: () => account.orders(),
    order: (orderId) => account.order(orderId),
    balanceUsd: () => account.balanceDollars(),
    addUsageGb: (orderId, gb) => account.addUsageGb(orderId, gb),
    setProviderActive: (providerId, active) => account.setProviderActive(providerId, active),
    setPrice: (providerId, plan, priceUsdt) => account.setPrice(providerId, plan, priceUsdt),
    setDeliveredProtocol: (providerId, protocol) => account.setDeliveredProtocol(providerId, protocol),
    setOrderProcessingMs: (ms) => {
      orderProcessingMs = ms;
    },
    ordersInProgress: () => account.ordersInProgress,
    busyRejections: () => account.busyRejections,
    placeOrderElsewhere: (providerId, plan, createdAt) => account.placeOrderElsewhere(providerId, plan, createdAt),
    setOrderFields: (fields) => {
      orderFields = fields;
    },
    answerNextOrderWithError: ({ status, code, message, when }) => {
      const body = { success: false, error: { code, message: message ?? `GateProxy ${code}` } };
      faults.inject(when === 'after' ? { kind: 'error_after', status, body } : { kind: 'error_before', status, body }, {
        method: 'POST',
        path: '/orders',
      });
    },
  };
}
