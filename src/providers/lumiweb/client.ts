/**
 * LumiWeb proxy-bot REST API (`…/proxy/api/v1`): the wire format as zod
 * schemas, and one function per endpoint answering an `Outcome` of the parsed
 * wire shape. Mapping to the shop's model happens in `adapter.ts`.
 *
 * Auth is `Authorization: Bearer <key>`. A `reseller` key acts for its own
 * account; an `operator` key must name the account with `user_id` (query on
 * reads, body on writes), which this client adds when given a `userId`.
 */
import { z } from 'zod';
import { createHttpClient, type HttpExchange, type HttpRequest } from '../../lib/http.js';
import { outcomeFromExchange, parseBody, refusalFromStatus } from '../http.js';
import { classifyMoneyError } from '../refusals.js';
import { ambiguous, refused, type Outcome, type RefusalCode } from '../types.js';
import { LUMIWEB_MONEY_REFUSAL_TABLE, lumiWebRefusalFor, type LumiWebRefusal } from './refusals.js';

// ---------------------------------------------------------------------------
// Wire schemas (objects stay non-strict: extra fields from newer API versions are ignored)
// ---------------------------------------------------------------------------

/** Dollars as the API states them: decimal strings in the docs; numbers accepted too. */
const usdAmount = z.union([z.string().regex(/^\d+(\.\d+)?$/), z.number().nonnegative()]);
/** Ids are numbers in the docs; strings are accepted and everything is kept as a string. */
const wireId = z.union([z.number().int(), z.string().min(1)]).transform(String);
const port = z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)]);
/**
 * Kept as text: the docs even show an elided "2026-07-09T...". The adapter
 * uses a time only when it parses, and never invents one.
 */
const timestamp = z.string();

export const catalogSchema = z.object({
  categories: z.array(
    z.object({
      category: z.string().min(1),
      label: z.string().optional(),
      unit: z.string().optional(),
      /** `static` (ISP, datacenter: buyable in v1) or `rotating` (residential, mobile: bot only). */
      kind: z.string(),
      live: z.boolean().optional(),
      /** The first volume tier's unit price. */
      sample_price_usd: usdAmount.optional(),
    }),
  ),
});
export type WireCatalog = z.infer<typeof catalogSchema>;

export const quoteSchema = z.object({
  category: z.string().optional(),
  quantity: z.number().optional(),
  unit: z.string().optional(),
  /** Total for the whole quantity. */
  price_usd: usdAmount,
  available: z.boolean().optional(),
});
export type WireQuote = z.infer<typeof quoteSchema>;

export const staticProxySchema = z.object({
  ip: z.string().min(1),
  port_http: port.nullish(),
  port_socks: port.nullish(),
  login: z.string(),
  password: z.string(),
});
export type WireStaticProxy = z.infer<typeof staticProxySchema>;

/** `kind: static` carries `static_proxies`; `kind: rotating` a gateway login. */
export const credentialsSchema = z.object({
  subscription_id: wireId.optional(),
  kind: z.string(),
  static_proxies: z.array(staticProxySchema).optional(),
  upstream_login: z.string().optional(),
  upstream_endpoint: z.string().optional(),
  upstream_password: z.string().optional(),
});
export type WireCredentials = z.infer<typeof credentialsSchema>;

/**
 * The subscription card. Its fields are not in the seed; this is what a card
 * needs to say for us to use it, under either `subscription_id` or `id`.
 */
export const subscriptionSchema = z
  .object({
    subscription_id: wireId.optional(),
    id: wireId.optional(),
    order_id: wireId.nullish(),
    category: z.string().optional(),
    kind: z.string().optional(),
    status: z.string().optional(),
    country: z.string().nullish(),
    quantity: z.number().int().optional(),
    auto_renew: z.boolean().optional(),
    expires_at: timestamp.nullish(),
    price_usd: usdAmount.nullish(),
  })
  .refine((card) => card.subscription_id !== undefined || card.id !== undefined, 'subscription without an id')
  .transform((card) => ({ ...card, subscriptionId: (card.subscription_id ?? card.id)! }));
export type WireSubscription = z.infer<typeof subscriptionSchema>;

const UNKNOWN_PAGING: { total?: number; hasMore?: boolean; nextPage?: number | null } = {};

/** A list page: `{items|subscriptions|data, page, per_page, total, has_more, next_page}` or a bare array. */
export const subscriptionPageSchema = z.union([
  z.array(subscriptionSchema).transform((items) => ({ items, ...UNKNOWN_PAGING })),
  z
    .object({
      items: z.array(subscriptionSchema).optional(),
      subscriptions: z.array(subscriptionSchema).optional(),
      data: z.array(subscriptionSchema).optional(),
      page: z.number().int().optional(),
      per_page: z.number().int().optional(),
      total: z.number().int().optional(),
      has_more: z.boolean().optional(),
      next_page: z.number().int().nullish(),
    })
    .refine((p) => (p.items ?? p.subscriptions ?? p.data) !== undefined, 'page without a list of subscriptions')
    .transform((p) => ({
      items: (p.items ?? p.subscriptions ?? p.data)!,
      total: p.total,
      hasMore: p.has_more,
      nextPage: p.next_page,
    })),
]);
export type WireSubscriptionPage = z.infer<typeof subscriptionPageSchema>;

/** Answer of `POST /proxy/static`; `status`: ok | provisioning | insufficient | provider_misconfig | bad_request. */
export const purchaseAnswerSchema = z.object({
  status: z.string(),
  subscription_id: wireId.optional(),
  order_id: wireId.nullish(),
  price_usd: usdAmount.nullish(),
  quantity: z.number().int().optional(),
  country: z.string().nullish(),
});
export type WirePurchaseAnswer = z.infer<typeof purchaseAnswerSchema>;

export const renewAnswerSchema = z.object({
  subscription_id: wireId.optional(),
  status: z.string(),
  price_usd: usdAmount.nullish(),
  new_expires_at: timestamp.nullish(),
});
export type WireRenewAnswer = z.infer<typeof renewAnswerSchema>;

/** `GET /users/me`: the key's own account under `user_id` (or `id`, or `user.id`); null for operator keys. */
export const meSchema = z
  .object({
    user_id: wireId.nullish(),
    id: wireId.nullish(),
    user: z.object({ id: wireId }).partial().nullish(),
    key: z.object({ kind: z.string().optional(), scopes: z.array(z.string()).optional() }).optional(),
  })
  .transform((me) => ({ userId: me.user_id ?? me.id ?? me.user?.id ?? null, keyKind: me.key?.kind }));
export type WireMe = z.infer<typeof meSchema>;

/**
 * `GET /users/{id}/balance`: not shown in the seed. Accepted: dollars in
 * `balance_usd` or `balance` (string or number), or integer `balance_cents`.
 */
export const balanceSchema = z
  .object({
    balance_usd: usdAmount.optional(),
    balance: usdAmount.optional(),
    balance_cents: z.number().int().optional(),
    currency: z.string().optional(),
  })
  .refine((b) => b.balance_usd !== undefined || b.balance !== undefined || b.balance_cents !== undefined, 'no balance field');
export type WireBalance = z.infer<typeof balanceSchema>;

/**
 * Error bodies. The shared format is documented on a page we do not have, so
 * every common shape is read: `{status:"<code>"}` (like the purchase answer),
 * `{error:"<code>"}`, `{error:{code,message}}`, `{code, message}`.
 */
const errorBodySchema = z.object({
  status: z.union([z.string(), z.number()]).optional(),
  error: z.union([z.string(), z.object({ code: z.string().optional(), message: z.string().optional() })]).optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  detail: z.string().optional(),
});

// ---------------------------------------------------------------------------
// Error codes
// ---------------------------------------------------------------------------

/**
 * Reads and the price question only: what a refused read means, for the
 * message shown and the capability checks. A refused read moves no money.
 * Money POSTs never use this map: they are classified by the documented rows
 * of `LUMIWEB_MONEY_REFUSALS` (see `classifyMoneyAnswer`).
 */
const REFUSAL_BY_CODE: Record<string, RefusalCode> = {
  unauthorized: 'unauthorized',
  invalid_api_key: 'unauthorized',
  invalid_key: 'unauthorized',
  invalid_token: 'unauthorized',
  invalid_signature: 'unauthorized',
  forbidden_scope: 'forbidden',
  money_disabled: 'forbidden',
  forbidden: 'forbidden',
  insufficient: 'insufficient_upstream_balance',
  insufficient_balance: 'insufficient_upstream_balance',
  insufficient_funds: 'insufficient_upstream_balance',
  bad_request: 'invalid_option',
  validation_error: 'invalid_option',
  not_found: 'not_found',
  out_of_stock: 'out_of_stock',
  sold_out: 'out_of_stock',
  unavailable: 'out_of_stock',
  rate_limited: 'rate_limited',
  too_many_requests: 'rate_limited',
  idempotency_conflict: 'rejected',
};

/** Codes that, on a read, say the panel is in trouble rather than "no". */
const AMBIGUOUS_CODES = new Set(['provider_misconfig', 'provisioning', 'internal_error']);

function refusalForStatus(status: number): RefusalCode {
  if (status === 400 || status === 422) return 'invalid_option';
  // 409 has no documented meaning here; an idempotency conflict is likelier than stock.
  if (status === 409) return 'rejected';
  return refusalFromStatus(status);
}

/** Maps an error answer to a read to an outcome. */
export function outcomeFromErrorBody(body: unknown, httpStatus: number, redact: (text: string) => string): Outcome<never> {
  const parsed = errorBodySchema.safeParse(body);
  const e = parsed.success ? parsed.data : {};
  const candidates = [
    typeof e.error === 'object' ? e.error.code : undefined,
    e.code,
    typeof e.status === 'string' ? e.status : undefined,
    typeof e.error === 'string' ? e.error : undefined,
  ].filter((c): c is string => typeof c === 'string' && c.length > 0);
  const known = candidates.find((c) => c in REFUSAL_BY_CODE || AMBIGUOUS_CODES.has(c));
  const code = known ?? candidates[0];
  const said = (typeof e.error === 'object' ? e.error.message : undefined) ?? e.message ?? e.detail;
  const message = redact(`LumiWeb answered HTTP ${httpStatus}${code ? ` ${code}` : ''}${said ? `: ${said.slice(0, 300)}` : ''}`);
  if (known && AMBIGUOUS_CODES.has(known)) return ambiguous('server_error', message, httpStatus);
  const refusal = known ? REFUSAL_BY_CODE[known]! : refusalForStatus(httpStatus);
  return refused(refusal, message, httpStatus);
}

/**
 * An outcome of a money POST. A refusal names the documented row it matched
 * (absent only when nothing was sent, e.g. signing failed), so the
 * lost-purchase lookup can tell an answer about the key from a gate.
 */
export type MoneyOutcome<T> = Outcome<T> & { documentedBy?: LumiWebRefusal };

/** The error code an error body gives, wherever it puts it; `several` when its fields disagree. */
export function errorCodeOf(body: unknown): { code?: string; several: boolean; said?: string } {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return { several: false };
  const e = parsed.data;
  const codes = new Set(
    [
      typeof e.status === 'string' ? e.status : undefined,
      typeof e.error === 'string' ? e.error : undefined,
      typeof e.error === 'object' ? e.error.code : undefined,
      e.code,
    ].filter((c): c is string => typeof c === 'string' && c.length > 0),
  );
  const said = (typeof e.error === 'object' ? e.error.message : undefined) ?? e.message ?? e.detail;
  const [code] = codes;
  return { ...(code === undefined ? {} : { code }), several: codes.size > 1, ...(said === undefined ? {} : { said }) };
}

/**
 * Classifies the answer to a money POST. Only `ok` and `provisioning` (an
 * order exists) are successes, and only a row of `LUMIWEB_MONEY_REFUSALS`
 * is a refusal. Anything else — an undocumented status or code, a 5xx other
 * than `503 provider_misconfig`, a body whose code fields disagree, a 2xx we
 * cannot parse or whose `status` is not a success — is ambiguous.
 */
export function classifyMoneyAnswer<S extends z.ZodType<{ status: string }>>(
  exchange: HttpExchange,
  schema: S,
  redact: (text: string) => string,
): MoneyOutcome<z.infer<S>> {
  if (exchange.kind === 'failure') return ambiguous(exchange.reason, redact(exchange.message));
  const { status, body } = exchange;
  if (status >= 200 && status < 300) {
    if (body === undefined) return ambiguous('malformed', `LumiWeb answered HTTP ${status} with a body that is not JSON`, status);
    const parsed = parseBody(schema, body, (x): z.infer<S> => x);
    if (parsed.kind !== 'ok') return { ...parsed, httpStatus: status };
    if (parsed.value.status === 'ok' || parsed.value.status === 'provisioning') return parsed;
    return ambiguous(
      'undocumented',
      redact(`LumiWeb answered HTTP ${status} with status ${parsed.value.status.slice(0, 50)}, which is not a documented success`),
      status,
    );
  }
  const { code, several, said } = errorCodeOf(body);
  const message = redact(`LumiWeb answered HTTP ${status}${code ? ` ${code.slice(0, 50)}` : ''}${said ? `: ${said.slice(0, 300)}` : ''}`);
  if (several) {
    // `{status:"insufficient", error:{code:"internal_error"}}` says two things; neither is believed.
    return ambiguous(status >= 500 ? 'server_error' : 'undocumented', `${message} (its error fields name different codes)`, status);
  }
  const outcome = classifyMoneyError(LUMIWEB_MONEY_REFUSAL_TABLE, { status, ...(code === undefined ? {} : { code }), message });
  if (outcome.kind !== 'refused') return outcome;
  return { ...outcome, documentedBy: lumiWebRefusalFor(status, code)! };
}

// ---------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------

/**
 * Adds signature headers to a money request. `body` is exactly the JSON text
 * sent (the HTTP layer serialises with `JSON.stringify`, as done here).
 */
export type LumiWebSigner = (
  body: string,
  headers: Readonly<Record<string, string>>,
  target: { method: string; path: string },
) => Record<string, string> | Promise<Record<string, string>>;

export interface LumiWebClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  /** The account an `operator` key acts for; omit for a `reseller` key. */
  userId?: number;
  sign?: LumiWebSigner;
  fetchImpl?: typeof fetch;
}

export interface StaticPurchaseBody {
  category: string;
  country_name: string;
  quantity: number;
  auto_renew: boolean;
}

export interface LumiWebClient {
  redact(text: string): string;
  getMe(): Promise<Outcome<WireMe>>;
  getBalance(userId: string): Promise<Outcome<WireBalance>>;
  getCatalog(): Promise<Outcome<WireCatalog>>;
  quote(category: string, quantity: number): Promise<Outcome<WireQuote>>;
  listSubscriptions(page: number, perPage: number): Promise<Outcome<WireSubscriptionPage>>;
  getSubscription(id: string): Promise<Outcome<WireSubscription>>;
  /** Answers carry `Cache-Control: no-store`: never cache or log them. */
  getCredentials(id: string): Promise<Outcome<WireCredentials>>;
  /** Money. A repeat with the same key returns the original answer instead of buying again. */
  buyStatic(body: StaticPurchaseBody, idempotencyKey: string): Promise<MoneyOutcome<WirePurchaseAnswer>>;
  /** Money; idempotent per key like `buyStatic`. */
  renew(id: string, idempotencyKey: string): Promise<MoneyOutcome<WireRenewAnswer>>;
  setAutoRenew(id: string, autoRenew: boolean): Promise<Outcome<WireSubscription>>;
}

export function createLumiWebClient(options: LumiWebClientOptions): LumiWebClient {
  const http = createHttpClient({
    providerId: 'lumiweb',
    baseUrl: options.baseUrl,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    headers: { authorization: `Bearer ${options.apiKey}` },
    secrets: [options.apiKey],
    ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
  });
  const redact = http.redact;
  const forUser = options.userId === undefined ? {} : { user_id: options.userId };

  const onError = (body: unknown, status: number) => outcomeFromErrorBody(body, status, redact);

  const read = async <S extends z.ZodType>(path: string, schema: S, query: HttpRequest['query'] = {}) => {
    const exchange = await http.send({ method: 'GET', path, query, retry: true });
    return outcomeFromExchange<z.infer<S>>(exchange, { onSuccess: (body) => parseBody(schema, body, (x) => x), onError }, redact);
  };

  const write = async <S extends z.ZodType>(path: string, schema: S, json: unknown, headers: Record<string, string> = {}) => {
    const exchange = await http.send({ method: 'POST', path, json, headers });
    return outcomeFromExchange<z.infer<S>>(exchange, { onSuccess: (body) => parseBody(schema, body, (x) => x), onError }, redact);
  };

  /** Money POSTs: Idempotency-Key, optional signature, never retried here, classified by the refusal table. */
  const money = async <S extends z.ZodType<{ status: string }>>(
    path: string,
    schema: S,
    json: Record<string, unknown>,
    idempotencyKey: string,
  ): Promise<MoneyOutcome<z.infer<S>>> => {
    const headers: Record<string, string> = { 'idempotency-key': idempotencyKey };
    if (options.sign) {
      try {
        Object.assign(headers, await options.sign(JSON.stringify(json), { ...headers }, { method: 'POST', path }));
      } catch (error) {
        // Nothing was sent, so this is a definite "no".
        const why = error instanceof Error ? error.message : String(error);
        return refused('rejected', redact(`could not sign the LumiWeb request: ${why}`));
      }
    }
    const exchange = await http.send({ method: 'POST', path, json, headers });
    return classifyMoneyAnswer(exchange, schema, redact);
  };

  const subscriptionPath = (id: string) => `/proxy/subscriptions/${encodeURIComponent(id)}`;

  return {
    redact,
    getMe: () => read('/users/me', meSchema),
    getBalance: (userId) => read(`/users/${encodeURIComponent(userId)}/balance`, balanceSchema),
    getCatalog: () => read('/proxy/catalog', catalogSchema),
    // A price question changes nothing upstream, but it is a POST: the HTTP layer will not retry it.
    quote: (category, quantity) => write('/proxy/quote', quoteSchema, { category, quantity }),
    listSubscriptions: (page, perPage) => read('/proxy/subscriptions', subscriptionPageSchema, { page, per_page: perPage, ...forUser }),
    getSubscription: (id) => read(subscriptionPath(id), subscriptionSchema, forUser),
    getCredentials: (id) => read(`${subscriptionPath(id)}/credentials`, credentialsSchema, forUser),
    buyStatic: (body, key) => money('/proxy/static', purchaseAnswerSchema, { ...body, ...forUser }, key),
    renew: (id, key) => money(`${subscriptionPath(id)}/renew`, renewAnswerSchema, { ...forUser }, key),
    setAutoRenew: (id, autoRenew) => write(`${subscriptionPath(id)}/auto-renew`, subscriptionSchema, { auto_renew: autoRenew, ...forUser }),
  };
}
