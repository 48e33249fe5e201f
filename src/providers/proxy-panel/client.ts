/**
 * HTTP client of the white-label proxy panel: one endpoint `/api/proxy`, the
 * operation named by `op` (query string for reads, JSON body for writes), the
 * key in `x-api-key`, answers wrapped in `{ok:true, …}`.
 *
 * Each function returns an `Outcome` of the parsed wire shape. Reads may be
 * retried by the HTTP layer; writes never are, because the panel has no
 * idempotency and a repeated purchase would buy twice.
 */
import { z } from 'zod';
import { createHttpClient, type HttpClient, type HttpExchange } from '../../lib/http.js';
import { outcomeFromExchange, parseBody, refusalFromStatus } from '../http.js';
import { ambiguous, ok, refused, type Outcome, type ProviderSettings, type RefusalCode } from '../types.js';
import { classifyPanelMoneyError } from './refusals.js';

export const PANEL_ENDPOINT = '/api/proxy';

// ---------------------------------------------------------------------------
// Wire schemas. Objects stay non-strict so new upstream fields do not break us.
// ---------------------------------------------------------------------------

export const panelNetworkSchema = z.object({
  name: z.string(),
  city: z.string().nullish(),
  country: z.string(),
  networkType: z.string(),
});

export const panelPlanSchema = z.object({
  id: z.string().min(1),
  connectionType: z.string(),
  durationMs: z.number().positive(),
  priceAmountCents: z.number().nonnegative(),
  popular: z.boolean().nullish(),
  network: panelNetworkSchema,
});

/** Renewal plans are plans without the network (it is the subscription's). */
export const panelRenewalPlanSchema = z.object({
  id: z.string().min(1),
  connectionType: z.string().nullish(),
  durationMs: z.number().positive(),
  priceAmountCents: z.number().nonnegative(),
});

export const panelSubscriptionSchema = z.object({
  subscriptionId: z.string().min(1),
  status: z.string(),
  /** Epoch milliseconds. */
  activeUntil: z.number(),
  userNote: z.string().nullish(),
  /** Looks like the automatic rotation interval in minutes (mobile only). */
  rotationPolicy: z.number().nullish(),
  label: z.string().nullish(),
  networkLabel: z.string().nullish(),
  credentials: z.object({ username: z.string(), password: z.string() }).nullish(),
  protocols: z
    .object({
      http: z.string().nullish(),
      socks5: z.string().nullish(),
      vless: z.string().nullish(),
      shadowsocks: z.string().nullish(),
    })
    .nullish(),
  rotate: z.object({ rotatePath: z.string(), available: z.boolean().nullish() }).nullish(),
});

/**
 * "Items in subscription/subscriptions use the same shape as GET
 * /api/proxy?op=subscriptions" (seed 001), though the example shows only the
 * id, status, end and labels. Every field but the id is optional here: an item
 * without credentials is still a sale, and must never make the answer
 * unreadable.
 */
export const purchasedItemSchema = panelSubscriptionSchema.partial().extend({ subscriptionId: z.string().min(1) });

export const panelNetworkOptionSchema = z.object({
  id: z.string().min(1),
  networkLabel: z.string().nullish(),
  country: z.string().nullish(),
});

/** `ok` is checked before parsing (an `ok:false` is an error answer), so it is optional here. */
const envelope = <T extends z.ZodRawShape>(shape: T) => z.object({ ok: z.literal(true).optional(), ...shape });

export const plansAnswerSchema = envelope({ plans: z.array(panelPlanSchema) });
export const subscriptionsAnswerSchema = envelope({ subscriptions: z.array(panelSubscriptionSchema) });
export const renewalPlansAnswerSchema = envelope({ renewalPlans: z.array(panelRenewalPlanSchema) });
export const availableNetworksAnswerSchema = envelope({ networks: z.array(panelNetworkOptionSchema) });
/** Several subscriptions come as `subscriptionIds`/`subscriptions`, a single one may come as `subscription`. */
export const purchaseAnswerSchema = envelope({
  subscriptionId: z.string().min(1).nullish(),
  subscriptionIds: z.array(z.string().min(1)).nullish(),
  subscriptions: z.array(purchasedItemSchema).nullish(),
  subscription: purchasedItemSchema.nullish(),
});
export const renewAnswerSchema = envelope({
  subscriptionId: z.string().nullish(),
  /** The new end of the subscription, epoch milliseconds. */
  endAt: z.number().nullish(),
});
export const changeCredentialsAnswerSchema = envelope({ password: z.string().min(1), vpn: z.string().nullish() });
export const switchNetworkAnswerSchema = envelope({ subscription: panelSubscriptionSchema });

export type PanelPlan = z.infer<typeof panelPlanSchema>;
export type PanelRenewalPlan = z.infer<typeof panelRenewalPlanSchema>;
export type PanelSubscription = z.infer<typeof panelSubscriptionSchema>;
export type PanelNetworkOption = z.infer<typeof panelNetworkOptionSchema>;
export type PanelPurchaseAnswer = z.infer<typeof purchaseAnswerSchema>;
export type PanelPurchasedItem = z.infer<typeof purchasedItemSchema>;
export type PanelRenewAnswer = z.infer<typeof renewAnswerSchema>;
export type PanelChangeCredentialsAnswer = z.infer<typeof changeCredentialsAnswerSchema>;

export interface PanelPurchaseInput {
  planId: string;
  repeatCount: number;
  quantity: number;
  couponCode?: string;
}

export interface PanelRenewInput {
  subscriptionId: string;
  planId: string;
  repeatCount: number;
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

export interface ProxyPanelClient {
  readonly http: HttpClient;
  listPlans(): Promise<Outcome<PanelPlan[]>>;
  listSubscriptions(): Promise<Outcome<PanelSubscription[]>>;
  listRenewalPlans(subscriptionId: string): Promise<Outcome<PanelRenewalPlan[]>>;
  listAvailableNetworks(subscriptionId: string): Promise<Outcome<PanelNetworkOption[]>>;
  purchase(input: PanelPurchaseInput): Promise<Outcome<PanelPurchaseAnswer>>;
  /**
   * `op trial` (listed on the docs page for selected keys only): one free
   * subscription of a plan. Its answer is taken to have the purchase answer's
   * shape; its errors go through the same money refusal table.
   */
  trial(planId: string): Promise<Outcome<PanelPurchaseAnswer>>;
  renew(input: PanelRenewInput): Promise<Outcome<PanelRenewAnswer>>;
  changeCredentials(subscriptionId: string): Promise<Outcome<PanelChangeCredentialsAnswer>>;
  switchNetwork(subscriptionId: string, targetNetwork: string): Promise<Outcome<PanelSubscription>>;
  /** Fetches a subscription's rotate link (`rotate.rotatePath`, relative to the base URL). */
  rotate(rotatePath: string): Promise<Outcome<{ rotated: true }>>;
  /** Posts any body to the endpoint; for operations the adapter does not model (and for tests). */
  postRaw(body: unknown): Promise<Outcome<unknown>>;
}

export function createProxyPanelClient(settings: ProviderSettings): ProxyPanelClient {
  const http = createHttpClient({
    providerId: 'proxy-panel',
    baseUrl: settings.baseUrl,
    timeoutMs: settings.timeoutMs,
    headers: { 'x-api-key': settings.apiKey },
    secrets: [settings.apiKey],
  });

  const read = async <S extends z.ZodType>(op: string, query: Record<string, string>, schema: S) => {
    const exchange = await http.send({ method: 'GET', path: PANEL_ENDPOINT, query: { op, ...query }, retry: true });
    return panelOutcome(exchange, op, 'read', schema, http.redact);
  };
  const write = async <S extends z.ZodType>(op: string, fields: Record<string, unknown>, schema: S) => {
    const exchange = await http.send({ method: 'POST', path: PANEL_ENDPOINT, json: { op, ...fields } });
    return panelOutcome(exchange, op, MONEY_OPS.has(op) ? 'money' : 'write', schema, http.redact);
  };

  return {
    http,
    listPlans: async () => mapOk(await read('plans', {}, plansAnswerSchema), (a) => a.plans),
    listSubscriptions: async () => mapOk(await read('subscriptions', {}, subscriptionsAnswerSchema), (a) => a.subscriptions),
    listRenewalPlans: async (subscriptionId) =>
      mapOk(await read('renewal-plans', { subscriptionId }, renewalPlansAnswerSchema), (a) => a.renewalPlans),
    listAvailableNetworks: async (subscriptionId) =>
      mapOk(await read('available-networks', { subscriptionId }, availableNetworksAnswerSchema), (a) => a.networks),
    purchase: (input) => write('purchase', { ...input }, purchaseAnswerSchema),
    trial: (planId) => write('trial', { planId }, purchaseAnswerSchema),
    renew: (input) => write('renew', { ...input }, renewAnswerSchema),
    changeCredentials: (subscriptionId) => write('change-credentials', { subscriptionId }, changeCredentialsAnswerSchema),
    switchNetwork: async (subscriptionId, targetNetwork) =>
      mapOk(await write('switch-network', { subscriptionId, targetNetwork }, switchNetworkAnswerSchema), (a) => a.subscription),
    rotate: async (rotatePath) => {
      // A rotate link is a plain URL; any 2xx means it was accepted, whatever the body says.
      const exchange = await http.send({ method: 'GET', path: rotatePath });
      if (exchange.kind === 'response' && exchange.status >= 200 && exchange.status < 300) return ok({ rotated: true });
      const failure = panelOutcome(exchange, 'rotate', 'write', z.unknown(), http.redact);
      return failure.kind === 'ok' ? ok({ rotated: true }) : failure;
    },
    postRaw: async (body) => {
      const exchange = await http.send({ method: 'POST', path: PANEL_ENDPOINT, json: body });
      const op = body && typeof body === 'object' ? String((body as { op?: unknown }).op) : 'unknown';
      return panelOutcome(exchange, op, MONEY_OPS.has(op) ? 'money' : 'write', z.unknown(), http.redact);
    },
  };
}

// ---------------------------------------------------------------------------
// Classification of answers
// ---------------------------------------------------------------------------

/** The operations that spend our balance: their error answers go through the refusal table. */
const MONEY_OPS: ReadonlySet<string> = new Set(['purchase', 'renew', 'trial']);

/**
 * What a request was, for classifying its answer: a read cannot have changed
 * anything; a write might have; a money write might have spent our balance,
 * so only the reference's documented "nothing was done" answers refuse it.
 */
export type PanelRequestKind = 'read' | 'write' | 'money';

/**
 * Turns one exchange into an outcome. Transport trouble, 5xx and unparseable
 * 2xx are ambiguous (shared rules); documented 4xx answers are refusals.
 * A 2xx with `ok:false` is not documented: for a read nothing could have
 * happened, so it is a refusal; for a write we cannot tell, so it is ambiguous.
 * A money write's error answer is a refusal only when `PANEL_MONEY_REFUSALS`
 * lists it (a 429 included: the reference does not list it).
 */
export function panelOutcome<S extends z.ZodType>(
  exchange: HttpExchange,
  op: string,
  kind: PanelRequestKind,
  schema: S,
  redact: (text: string) => string,
): Outcome<z.infer<S>> {
  if (kind === 'money' && exchange.kind === 'response' && (exchange.status < 200 || exchange.status >= 300)) {
    const text = errorText(exchange.body) ?? (exchange.body === undefined ? exchange.text : undefined);
    const outcome = classifyPanelMoneyError({
      status: exchange.status,
      message: `HTTP ${exchange.status}${describe(text)}`,
      ...(text === undefined ? {} : { text }),
    });
    return outcome.kind === 'ok' ? outcome : { ...outcome, message: redact(`proxy-panel ${op}: ${outcome.message}`) };
  }
  const outcome = outcomeFromExchange<z.infer<S>>(
    exchange,
    {
      onSuccess: (body, status) => {
        if (isRecord(body) && body.ok === false) {
          const message = `HTTP ${status} with ok:false${describe(errorText(body))}`;
          return kind === 'read' ? refused('rejected', message, status) : ambiguous('undocumented', message, status);
        }
        return parseBody(schema, body, (parsed) => parsed);
      },
      onError: (body, status) => {
        const text = errorText(body);
        return refused(refusalCodeFor(op, status, text), `HTTP ${status}${describe(text)}`, status);
      },
    },
    redact,
  );
  return outcome.kind === 'ok' ? outcome : { ...outcome, message: redact(`proxy-panel ${op}: ${outcome.message}`) };
}

/**
 * Statuses per the gateway's error list. 409 covers three situations the
 * message tells apart: sold out, an inactive plan or network, and a
 * subscription in the wrong state.
 */
export function refusalCodeFor(op: string, status: number, text: string | undefined): RefusalCode {
  if (status === 400) return 'invalid_option';
  if (status !== 409) return refusalFromStatus(status);
  const message = text ?? '';
  if (/sold\s*out|out of stock|no stock/i.test(message)) return 'out_of_stock';
  if (op === 'rotate') return 'unsupported';
  if (/inactive|not available|unavailable/i.test(message)) return 'invalid_option';
  if (/state/i.test(message)) return 'rejected';
  // An unexplained 409 on a purchase is most likely stock; elsewhere it is a plain "no".
  return op === 'purchase' ? 'out_of_stock' : 'rejected';
}

/** The error text of any body shape: `{error:"…"}`, `{error:{message}}`, `{message}`. */
export function errorText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (!isRecord(body)) return undefined;
  const { error, message } = body;
  if (typeof error === 'string') return error;
  if (isRecord(error) && typeof error.message === 'string') return error.message;
  if (typeof message === 'string') return message;
  return undefined;
}

function describe(text: string | undefined): string {
  if (!text) return '';
  const trimmed = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return ` (${trimmed})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapOk<A, B>(outcome: Outcome<A>, map: (value: A) => B): Outcome<B> {
  return outcome.kind === 'ok' ? ok(map(outcome.value)) : outcome;
}
