/**
 * GateProxy's HTTP API over the simulated account: paths, auth, envelopes
 * and error codes as the API reference documents them.
 */
import { INVALID_JSON, type SimRequest, type SimResponse } from '../sim-server.js';
import { microToDollars, type GateProxyAccount, type SimOrder } from './state.js';

export interface RouteSettings {
  apiKey: string;
  /** How long an order stays "running" before it completes (milliseconds). */
  orderProcessingMs(): number;
  /** Repeat a rejected token in the 401 message, as careless upstreams do (tests prove we mask it). */
  echoTokenInErrors: boolean;
  /** Which fields an order carries in `GET /orders` and `GET /orders/{id}`. */
  orderFields(): OrderFields;
}

/**
 * `all`: provider, plan, traffic, price and created_at besides the rest.
 * `documented`: only what seed 004 documents for an order (the fields of the
 * `POST /orders` answer: order_id, status, proxy) — no timestamps; the
 * reference shows no example of either read.
 */
export type OrderFields = 'all' | 'documented';

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const success = (body: Record<string, unknown>, status = 200): SimResponse => ({
  status,
  body: { success: true, ...body },
});

const failure = (status: number, code: string, message: string): SimResponse => ({
  status,
  body: { success: false, error: { code, message } },
});

export function createGateProxyRoutes(account: GateProxyAccount, settings: RouteSettings) {
  return async function handle(request: SimRequest): Promise<SimResponse> {
    if (request.method === 'GET' && request.path === '/health') return success({ status: 'ok' });

    const token = presentedToken(request);
    if (token !== settings.apiKey) {
      const detail = settings.echoTokenInErrors && token ? ` (${token})` : '';
      return failure(401, 'unauthorized', `Missing, invalid, or revoked token.${detail}`);
    }

    const parts = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    const is = (method: string, ...pattern: string[]) =>
      request.method === method &&
      parts.length === pattern.length &&
      pattern.every((expected, i) => expected === '*' || expected === parts[i]);

    if (is('GET', 'providers')) {
      return success({
        providers: account.activeProviders().map((p) => ({ id: p.id, name: p.name, status: 'active' })),
      });
    }
    if (is('GET', 'providers', '*', 'pricing')) return providerPricing(parts[1]!);
    if (is('GET', 'pricing')) {
      return success({
        currency: 'USDT',
        providers: account.activeProviders().map((p) => ({
          provider: p.id,
          name: p.name,
          currency: 'USDT',
          plans: p.plans.map(planJson),
        })),
      });
    }
    if (is('GET', 'account', 'balance')) return success({ balance: account.balanceDollars(), currency: 'USD' });
    if (is('POST', 'orders')) return createOrder(request);
    if (is('GET', 'orders')) return listOrders(request.query);
    if (is('GET', 'orders', '*')) {
      const order = account.order(parts[1]!);
      return order
        ? success(orderJson(order, settings.orderFields()))
        : failure(404, 'order_not_found', 'Order ID not found for this token.');
    }
    if (is('GET', 'proxies', '*', '*', 'usage')) return usage(parts[1]!, parts[2]!);
    return failure(404, 'not_found', 'Route not found.');
  };

  function providerPricing(providerId: string): SimResponse {
    const provider = account.activeProvider(providerId);
    if (!provider) return failure(404, 'provider_not_found', 'Provider ID is invalid.');
    return success({ provider: provider.id, currency: 'USDT', plans: provider.plans.map(planJson) });
  }

  async function createOrder(request: SimRequest): Promise<SimResponse> {
    const body = request.body;
    if (body === undefined || body === INVALID_JSON || typeof body !== 'object' || body === null) {
      return failure(400, 'invalid_json', 'Request body is not valid JSON.');
    }
    const { provider: providerId, plan: planValue } = body as Record<string, unknown>;
    const attempt = account.checkOrder(providerId, planValue);
    if (attempt.kind === 'provider_not_found') return failure(404, 'provider_not_found', 'Provider ID is invalid.');
    if (attempt.kind === 'invalid_plan') return failure(400, 'invalid_plan', 'Plan does not exist.');

    if (account.ordersInProgress > 0) {
      account.busyRejections++;
      return failure(409, 'order_processing', 'Another order is running.');
    }
    account.ordersInProgress++;
    try {
      if (!account.canAfford(attempt.plan)) return failure(402, 'insufficient_balance', 'Not enough balance.');
      const processingMs = settings.orderProcessingMs();
      if (processingMs > 0) await new Promise((resolve) => setTimeout(resolve, processingMs));
      if (account.isOutOfStock(attempt.provider.id)) {
        return failure(502, 'provider_error', 'Provider or stock issue.');
      }
      const order = account.completeOrder(attempt.provider, attempt.plan);
      return success({ order_id: order.orderId, status: order.status, proxy: { ...order.proxy } });
    } finally {
      account.ordersInProgress--;
    }
  }

  function listOrders(query: URLSearchParams): SimResponse {
    const limit = clampInt(query.get('limit'), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const page = clampInt(query.get('page'), 1, 1, Number.MAX_SAFE_INTEGER);
    const all = account.orders();
    const slice = all.slice((page - 1) * limit, page * limit);
    return success({ orders: slice.map((order) => orderJson(order, settings.orderFields())), page, limit, total: all.length });
  }

  /** `/proxies/{order_id}/auto/usage` or `/proxies/{provider}/{username}/usage`. */
  function usage(first: string, second: string): SimResponse {
    const order = second === 'auto' ? account.order(first) : account.orderByUsername(first, second);
    if (!order) return failure(404, 'proxy_not_found', 'Usage check target not found.');
    if (!account.usageAvailable(order)) {
      return failure(400, 'usage_not_available', 'Provider has no API usage checker.');
    }
    return success({
      provider: order.provider,
      proxy_username: order.proxy.username,
      used: formatTraffic(order.usedMb),
      remaining: formatTraffic(order.trafficMb - order.usedMb),
      total: formatTraffic(order.trafficMb),
      order_id: order.orderId,
    });
  }
}

function presentedToken(request: SimRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length).trim();
  const header = request.headers['x-api-token'];
  if (typeof header === 'string' && header.length > 0) return header;
  return request.query.get('api_token') ?? undefined;
}

function planJson(plan: { traffic: string; plan: string; price: number }) {
  return { traffic: plan.traffic, plan: plan.plan, price: plan.price };
}

/** The shape of one order in `GET /orders` and `GET /orders/{id}`. */
function orderJson(order: SimOrder, fields: OrderFields) {
  if (fields === 'documented') return { order_id: order.orderId, status: order.status, proxy: { ...order.proxy } };
  return {
    order_id: order.orderId,
    status: order.status,
    provider: order.provider,
    plan: order.plan,
    traffic: order.traffic,
    price: microToDollars(order.priceMicro),
    created_at: order.createdAt.toISOString(),
    proxy: { ...order.proxy },
  };
}

/** "1.2GB" from a gigabyte up, "120 MB" below, as the API reference writes them. */
export function formatTraffic(mb: number): string {
  if (mb >= 1000) return `${Number((mb / 1000).toFixed(2))}GB`;
  return `${Number(mb.toFixed(1))} MB`;
}

function clampInt(text: string | null, fallback: number, min: number, max: number): number {
  const value = Number(text);
  if (text === null || !Number.isInteger(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}
