/**
 * GateProxy's HTTP API as it is on the wire: zod schemas of every documented
 * answer and one function per endpoint. Nothing here knows about the shop's
 * common model; `adapter.ts` does the mapping.
 *
 * Auth is `Authorization: Bearer gpk_live_…`; errors come as
 * `{success:false, error:{code, message}}` with the status codes of the table
 * in the API reference.
 */
import { z } from 'zod';
import { createHttpClient, type HttpExchange, type HttpRequest } from '../../lib/http.js';
import { outcomeFromExchange, parseBody, refusalFromStatus } from '../http.js';
import { classifyMoneyError } from '../refusals.js';
import { ambiguous, refused, type Outcome, type ProviderSettings, type RefusalCode } from '../types.js';
import { GATEPROXY_ORDER_REFUSALS } from './refusals.js';

// ---------------------------------------------------------------------------
// Wire schemas (non-strict: unknown extra fields are ignored)
// ---------------------------------------------------------------------------

/** Prices and balances: a JSON number (the docs) or a decimal string (tolerated). */
const moneySchema = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/)]);

const idSchema = z.union([z.string().min(1), z.number()]).transform(String);

/**
 * A plan value is handed back on purchase exactly as pricing returned it
 * ("1" and "1GB" both appear in the docs), so it stays a string.
 */
const planSchema = z.union([z.string().min(1), z.number()]).transform(String);

const portSchema = z.union([
  z.number().int().min(1).max(65_535),
  z
    .string()
    .regex(/^\d{1,5}$/)
    .transform(Number),
]);

/** ISO 8601 text or an epoch number (seconds or milliseconds); the order list shape is not documented. */
const timeSchema = z.union([z.string(), z.number()]);

export const errorEnvelopeSchema = z.object({
  success: z.literal(false),
  error: z.object({ code: z.string(), message: z.string().optional() }),
});

export const healthSchema = z.object({ success: z.boolean().optional(), status: z.string().optional() });

export const providersResponseSchema = z.object({
  success: z.boolean().optional(),
  providers: z.array(z.object({ id: z.string().min(1), name: z.string().optional(), status: z.string().optional() })),
});

export const pricingPlanSchema = z.object({
  traffic: z.string().optional(),
  plan: planSchema,
  price: moneySchema,
});

/** `GET /providers/{id}/pricing`. */
export const providerPricingSchema = z.object({
  success: z.boolean().optional(),
  provider: z.string().min(1),
  currency: z.string().optional(),
  plans: z.array(pricingPlanSchema),
});

const pricingEntrySchema = z
  .object({
    provider: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    currency: z.string().optional(),
    plans: z.array(pricingPlanSchema),
  })
  .refine((entry) => Boolean(entry.provider ?? entry.id), { message: 'pricing entry without a provider id' });

/**
 * `GET /pricing` has no documented example. Accepted: a list of per-provider
 * pricing objects under `providers` or `pricing`, or an object keyed by
 * provider id holding either a plan list or `{currency, plans}`.
 */
export const allPricingSchema = z
  .object({
    success: z.boolean().optional(),
    currency: z.string().optional(),
    providers: z.array(pricingEntrySchema).optional(),
    pricing: z
      .union([
        z.array(pricingEntrySchema),
        z.record(
          z.string(),
          z.union([z.array(pricingPlanSchema), z.object({ currency: z.string().optional(), plans: z.array(pricingPlanSchema) })]),
        ),
      ])
      .optional(),
  })
  .refine((body) => body.providers !== undefined || body.pricing !== undefined, {
    message: 'no providers or pricing field',
  })
  .transform((body): ProviderPricingWire[] => {
    const shared = body.currency;
    const fromList = (list: Array<z.infer<typeof pricingEntrySchema>>) =>
      list.map((entry) => ({
        provider: (entry.provider ?? entry.id)!,
        currency: entry.currency ?? shared,
        plans: entry.plans,
      }));
    if (body.providers) return fromList(body.providers);
    if (Array.isArray(body.pricing)) return fromList(body.pricing);
    return Object.entries(body.pricing ?? {}).map(([provider, value]) =>
      Array.isArray(value)
        ? { provider, currency: shared, plans: value }
        : { provider, currency: value.currency ?? shared, plans: value.plans },
    );
  });

export const balanceSchema = z.object({
  success: z.boolean().optional(),
  balance: moneySchema,
  currency: z.string().optional(),
});

export const proxyWireSchema = z.object({
  host: z.string().min(1),
  port: portSchema,
  username: z.string(),
  password: z.string(),
  protocol: z.string().optional(),
});

/**
 * One order: the documented `POST /orders` answer, and (undocumented, so every
 * field but the id is optional) the items of `GET /orders` and `GET /orders/{id}`.
 */
export const orderWireSchema = z
  .object({
    order_id: idSchema.optional(),
    id: idSchema.optional(),
    status: z.string().optional(),
    provider: z.string().optional(),
    plan: planSchema.optional(),
    traffic: z.string().optional(),
    price: moneySchema.optional(),
    created_at: timeSchema.optional(),
    proxy: proxyWireSchema.nullish(),
  })
  .refine((order) => Boolean(order.order_id ?? order.id), { message: 'order without an order_id' })
  .transform((order) => ({ ...order, orderId: (order.order_id ?? order.id)! }));

export const createOrderResponseSchema = orderWireSchema;

/** `GET /orders/{id}`: the order itself, or wrapped in `order`. */
export const orderResponseSchema = z.union([z.object({ order: orderWireSchema }).transform((body) => body.order), orderWireSchema]);

export const ordersPageSchema = z.object({
  success: z.boolean().optional(),
  orders: z.array(orderWireSchema),
  page: z.number().optional(),
  limit: z.number().optional(),
  total: z.number().optional(),
  has_more: z.boolean().optional(),
});

/** Traffic figures are strings like "1.2GB" or "120 MB" (numbers tolerated). */
const trafficAmountSchema = z.union([z.string(), z.number()]);

export const usageSchema = z.object({
  success: z.boolean().optional(),
  provider: z.string().optional(),
  proxy_username: z.string().optional(),
  used: trafficAmountSchema,
  remaining: trafficAmountSchema.optional(),
  total: trafficAmountSchema.optional(),
  order_id: idSchema.optional(),
});

export type ProvidersWire = z.infer<typeof providersResponseSchema>;
export type PricingPlanWire = z.infer<typeof pricingPlanSchema>;
export interface ProviderPricingWire {
  provider: string;
  currency?: string | undefined;
  plans: PricingPlanWire[];
}
export type BalanceWire = z.infer<typeof balanceSchema>;
export type OrderWire = z.infer<typeof orderWireSchema>;
export type OrdersPageWire = z.infer<typeof ordersPageSchema>;
export type UsageWire = z.infer<typeof usageSchema>;
export type HealthWire = z.infer<typeof healthSchema>;

// ---------------------------------------------------------------------------
// Error classification
// ---------------------------------------------------------------------------

/**
 * Error codes of read answers (catalog, balance, order history, usage). A
 * refused read moves no money; `POST /orders` has its own, narrower rule in
 * `classifyOrderAnswer`.
 */
const REFUSAL_BY_CODE: Record<string, RefusalCode> = {
  unauthorized: 'unauthorized',
  provider_not_found: 'invalid_option',
  invalid_plan: 'invalid_option',
  invalid_json: 'rejected',
  insufficient_balance: 'insufficient_upstream_balance',
  order_processing: 'busy',
  order_not_found: 'not_found',
  proxy_not_found: 'not_found',
  usage_not_available: 'unsupported',
};

/** For 4xx answers without a known code. GateProxy's only 409 means "another order is running". */
function refusalForStatus(status: number): RefusalCode {
  return refusalFromStatus(status, { 409: 'busy' });
}

function describeError(code: string, message: string | undefined, status: number): string {
  return `GateProxy ${code}${message ? `: ${message}` : ''} (HTTP ${status})`;
}

/**
 * 502 `provider_error` ("Provider or stock issue") is how GateProxy reports a
 * stock-out, yet it stays ambiguous: it is a gateway error, and a gateway
 * cannot prove its upstream did nothing. The saga keeps the hold, the
 * reconciler finds no new order and then releases the money.
 */
function outcomeFromErrorCode(code: string, message: string | undefined, status: number, redact: Redact): Outcome<never> {
  const text = redact(describeError(code, message, status));
  // A 5xx reports trouble on GateProxy's side, whatever its code says.
  if (status >= 500 || code === 'provider_error') return ambiguous('server_error', text, status);
  const mapped = REFUSAL_BY_CODE[code];
  if (mapped) return refused(mapped, text, status);
  // An unknown code on a 2xx says neither "done" nor "not done".
  if (status >= 200 && status < 300) return ambiguous('malformed', text, status);
  return refused(refusalForStatus(status), text, status);
}

type Redact = (text: string) => string;

/** Turns one exchange into an Outcome, reading GateProxy's error envelope wherever it appears. */
export function classifyExchange<T>(exchange: HttpExchange, onSuccess: (body: unknown) => Outcome<T>, redact: Redact): Outcome<T> {
  if (exchange.kind === 'response' && exchange.status >= 500) {
    const envelope = errorEnvelopeSchema.safeParse(exchange.body);
    if (envelope.success) {
      return outcomeFromErrorCode(envelope.data.error.code, envelope.data.error.message, exchange.status, redact);
    }
  }
  return outcomeFromExchange<T>(
    exchange,
    {
      onSuccess: (body, status) => {
        const envelope = errorEnvelopeSchema.safeParse(body);
        if (envelope.success) {
          return outcomeFromErrorCode(envelope.data.error.code, envelope.data.error.message, status, redact);
        }
        if (isObject(body) && body.success === false) {
          return ambiguous('malformed', `GateProxy answered success:false without an error code (HTTP ${status})`, status);
        }
        return onSuccess(body);
      },
      onError: (body, status) => {
        const envelope = errorEnvelopeSchema.safeParse(body);
        if (envelope.success) {
          return outcomeFromErrorCode(envelope.data.error.code, envelope.data.error.message, status, redact);
        }
        return refused(refusalForStatus(status), `GateProxy answered HTTP ${status}`, status);
      },
    },
    redact,
  );
}

/**
 * Classifies the answer to `POST /orders`, the one call that spends money.
 * Unlike reads, only the rows of `GATEPROXY_ORDER_REFUSALS` are refusals; any
 * other error — an undocumented code or status (429 included), any 5xx
 * whatever its envelope says — is ambiguous, and so is a 2xx that is not the
 * documented order (an error envelope on a 2xx is not documented either).
 */
export function classifyOrderAnswer(exchange: HttpExchange, redact: Redact): Outcome<OrderWire> {
  if (exchange.kind === 'failure') return ambiguous(exchange.reason, exchange.message);
  const { status, body } = exchange;
  const envelope = errorEnvelopeSchema.safeParse(body);
  if (status >= 200 && status < 300) {
    if (body === undefined) return ambiguous('malformed', `GateProxy answered HTTP ${status} with a body that is not JSON`, status);
    if (envelope.success) {
      const { code, message } = envelope.data.error;
      return ambiguous('undocumented', redact(describeError(code, message, status)), status);
    }
    if (isObject(body) && body.success === false) {
      return ambiguous('malformed', `GateProxy answered success:false without an error code (HTTP ${status})`, status);
    }
    const parsed = createOrderResponseSchema.safeParse(body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid';
      return ambiguous('malformed', `GateProxy order answer unreadable (${where})`, status);
    }
    return { kind: 'ok', value: parsed.data };
  }
  if (envelope.success) {
    const { code, message } = envelope.data.error;
    return classifyMoneyError(GATEPROXY_ORDER_REFUSALS, { status, code, message: redact(describeError(code, message, status)) });
  }
  return classifyMoneyError(GATEPROXY_ORDER_REFUSALS, { status, message: `GateProxy answered HTTP ${status} without an error envelope` });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

// ---------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------

export interface GateProxyClient {
  health(): Promise<Outcome<HealthWire>>;
  listProviders(): Promise<Outcome<ProvidersWire>>;
  providerPricing(providerId: string): Promise<Outcome<ProviderPricingWire>>;
  allPricing(): Promise<Outcome<ProviderPricingWire[]>>;
  balance(): Promise<Outcome<BalanceWire>>;
  /** A write: never retried here (a retry could buy twice); classified by `classifyOrderAnswer`. */
  createOrder(order: { provider: string; plan: string }): Promise<Outcome<OrderWire>>;
  getOrder(orderId: string): Promise<Outcome<OrderWire>>;
  listOrders(page: { limit: number; page: number }): Promise<Outcome<OrdersPageWire>>;
  usageByOrder(orderId: string): Promise<Outcome<UsageWire>>;
  usageByUsername(providerId: string, username: string): Promise<Outcome<UsageWire>>;
  redact(text: string): string;
}

export function createGateProxyClient(settings: ProviderSettings): GateProxyClient {
  const http = createHttpClient({
    providerId: 'gateproxy',
    baseUrl: settings.baseUrl,
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    headers: { authorization: `Bearer ${settings.apiKey}` },
    secrets: [settings.apiKey],
  });

  const call = async <S extends z.ZodType>(request: HttpRequest, schema: S): Promise<Outcome<z.infer<S>>> => {
    const exchange = await http.send(request);
    return classifyExchange(exchange, (body) => parseBody(schema, body, (parsed) => parsed), http.redact);
  };
  const read = <S extends z.ZodType>(path: string, schema: S, query?: HttpRequest['query']) =>
    call({ method: 'GET', path, retry: true, ...(query ? { query } : {}) }, schema);
  const segment = encodeURIComponent;

  return {
    health: () => read('/health', healthSchema),
    listProviders: () => read('/providers', providersResponseSchema),
    providerPricing: (providerId) => read(`/providers/${segment(providerId)}/pricing`, providerPricingSchema),
    allPricing: () => read('/pricing', allPricingSchema),
    balance: () => read('/account/balance', balanceSchema),
    createOrder: async (order) =>
      classifyOrderAnswer(await http.send({ method: 'POST', path: '/orders', json: order, retry: false }), http.redact),
    getOrder: (orderId) => read(`/orders/${segment(orderId)}`, orderResponseSchema),
    listOrders: ({ limit, page }) => read('/orders', ordersPageSchema, { limit, page }),
    usageByOrder: (orderId) => read(`/proxies/${segment(orderId)}/auto/usage`, usageSchema),
    usageByUsername: (providerId, username) => read(`/proxies/${segment(providerId)}/${segment(username)}/usage`, usageSchema),
    redact: http.redact,
  };
}
