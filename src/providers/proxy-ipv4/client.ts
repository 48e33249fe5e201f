/**
 * The proxy-ipv4.com client API on the wire: one function per endpoint, zod
 * schemas of what comes back, and the reading of its errors.
 *
 * The API key is a path segment (`/client-api/v1/<apiKey>/get/balance`), so
 * every URL is a secret: the key is registered with the HTTP layer and any
 * message built from upstream text goes through `redact`.
 *
 * Errors arrive as HTTP 200 with `success:false`, sometimes with
 * `error:{code,message}`. Codes such as INSUFFICIENT_FUNDS are not published;
 * they are recognized when present, and the message text is read as well.
 */
import { z } from 'zod';
import { createHttpClient, type HttpExchange } from '../../lib/http.js';
import { outcomeFromExchange, parseBody, refusalFromStatus } from '../http.js';
import { ambiguous, ok, refused, type Outcome, type RefusalCode } from '../types.js';
import { classifyIpv4MoneyError } from './refusals.js';

export const PROXY_TYPES = ['ipv4', 'ipv6', 'isp', 'mobile'] as const;
export type ProxyType = (typeof PROXY_TYPES)[number];

export function isProxyType(value: unknown): value is ProxyType {
  return typeof value === 'string' && (PROXY_TYPES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------
// Wire schemas (non-strict: unknown fields are ignored, never rejected)
// ---------------------------------------------------------------------------

/** USD amounts come as floats; a decimal string is accepted too. */
const usdAmount = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/),
]);
const wireId = z.union([z.string().min(1), z.number()]);
/** Ports are strings on the wire ("49162"); numbers are accepted as well. */
const wirePort = z.union([z.string(), z.number()]).nullish();
const authInfoSchema = z.object({ login: z.string().nullish(), password: z.string().nullish() }).nullish();
const rentWindow = { country: z.string().nullish(), dateStart: z.string().nullish(), dateEnd: z.string().nullish() };

export const balanceSchema = z.object({
  balance: usdAmount,
  currency: z.string().nullish(),
  user: z.string().nullish(),
});

/** IPv4, ISP and mobile proxies share one shape; mobile adds the rotation fields. */
export const portProxySchema = z.object({
  id: wireId,
  ip: z.string().min(1),
  ...rentWindow,
  httpsPort: wirePort,
  socks5Port: wirePort,
  authInfo: authInfoSchema,
  mobileOperator: z.string().nullish(),
  rotationTime: z.union([z.number(), z.string()]).nullish(),
  rebootLink: z.string().nullish(),
});

/** IPv6 as the seed shows it: one entry per proxy, identified for extension by its order. */
export const ipv6FlatSchema = z.object({
  orderId: wireId,
  ip: z.string().min(1),
  ...rentWindow,
  port: wirePort,
  protocol: z.string().nullish(),
  authInfo: authInfoSchema,
});

/** IPv6 as older docs show it: one entry per order, proxies as `host:port` strings. */
export const ipv6GroupSchema = z.object({
  orderId: wireId,
  ...rentWindow,
  protocol: z.string().nullish(),
  authInfo: authInfoSchema,
  ips: z.array(
    z.object({
      id: wireId.nullish(),
      ip: z.string().min(1),
      port: wirePort,
      protocol: z.string().nullish(),
      ...rentWindow,
      authInfo: authInfoSchema,
    }),
  ),
});

const ipv6EntrySchema = z.union([ipv6GroupSchema, ipv6FlatSchema]);

export const allProxiesSchema = z.object({
  ipv4: z.array(portProxySchema).nullish(),
  ipv6: z.array(ipv6EntrySchema).nullish(),
  isp: z.array(portProxySchema).nullish(),
  mobile: z.array(portProxySchema).nullish(),
});

export const daysSchema = z.object({ days: z.array(z.union([z.number(), z.string()])) });

export const countriesSchema = z.object({
  countries: z.array(z.object({ name: z.string().nullish(), alpha3code: z.string().min(1) })),
});

export const orderPriceSchema = z.object({
  /** Total for the whole choice. */
  amount: usdAmount,
  /** Per proxy. */
  price: usdAmount.nullish(),
});

/** Orders and extensions answer only with the account envelope. */
export const writeAnswerSchema = z.object({ balance: usdAmount.nullish() });

export type PortProxyWire = z.infer<typeof portProxySchema>;
type AuthInfoWire = z.infer<typeof authInfoSchema>;

/** One IPv6 proxy, whichever of the two listing shapes it came in. */
export interface Ipv6ProxyWire {
  orderId: string;
  host: string;
  port?: string | number | null;
  protocol?: string | null;
  country?: string | null;
  dateStart?: string | null;
  dateEnd?: string | null;
  authInfo?: AuthInfoWire;
}

export interface ProxyListWire {
  ipv4: PortProxyWire[];
  ipv6: Ipv6ProxyWire[];
  isp: PortProxyWire[];
  mobile: PortProxyWire[];
}

export interface CountryWire {
  name: string;
  alpha3code: string;
}

export interface OrderPriceWire {
  amount: number | string;
  price?: number | string | null;
}

// ---------------------------------------------------------------------------
// Parsing helpers (exported so fixtures from the docs can be checked directly)
// ---------------------------------------------------------------------------

/** Parses the all-types listing (`get/proxies`). At least one type's array must be there. */
export function parseAllProxies(body: unknown): Outcome<ProxyListWire> {
  if (!isRecord(body) || !PROXY_TYPES.some((type) => type in body)) {
    return ambiguous('malformed', 'unexpected upstream answer (no proxy lists in get/proxies)');
  }
  return parseBody(allProxiesSchema, body, (parsed) => ({
    ipv4: parsed.ipv4 ?? [],
    ipv6: flattenIpv6(parsed.ipv6 ?? []),
    isp: parsed.isp ?? [],
    mobile: parsed.mobile ?? [],
  }));
}

/**
 * Parses `get/proxies?proxyType=<type>`: documented as `proxies:[…]`; the
 * type's own key (as in the all-types answer) is accepted too. A body with
 * neither is malformed, never "no proxies": an empty list is a strong claim.
 */
export function parseProxiesOfType(body: unknown, type: ProxyType): Outcome<ProxyListWire> {
  if (!isRecord(body)) return ambiguous('malformed', 'unexpected upstream answer (not an object)');
  const items = body.proxies ?? body[type];
  if (!Array.isArray(items)) {
    return ambiguous('malformed', `unexpected upstream answer (no proxy list for ${type})`);
  }
  return parseAllProxies({ [type]: items });
}

function flattenIpv6(entries: Array<z.infer<typeof ipv6EntrySchema>>): Ipv6ProxyWire[] {
  const out: Ipv6ProxyWire[] = [];
  for (const entry of entries) {
    if (!('ips' in entry)) {
      const { orderId, ip, ...rest } = entry;
      out.push({ ...rest, orderId: String(orderId), host: ip });
      continue;
    }
    for (const item of entry.ips) {
      const endpoint = splitHostPort(item.ip);
      out.push({
        orderId: String(entry.orderId),
        host: endpoint.host,
        port: item.port ?? endpoint.port,
        protocol: item.protocol ?? entry.protocol,
        country: item.country ?? entry.country,
        dateStart: item.dateStart ?? entry.dateStart,
        dateEnd: item.dateEnd ?? entry.dateEnd,
        authInfo: item.authInfo ?? entry.authInfo,
      });
    }
  }
  return out;
}

/**
 * Splits "host:port" as the grouped IPv6 listing writes it. IPv6 hosts hold
 * colons themselves, so the port is what follows the last colon, and only
 * when it is all digits; "[v6]:port" is understood as well.
 */
export function splitHostPort(text: string): { host: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: bracketed[2] } : {}) };
  const colon = text.lastIndexOf(':');
  if (colon > 0 && /^\d{1,5}$/.test(text.slice(colon + 1))) {
    return { host: text.slice(0, colon), port: text.slice(colon + 1) };
  }
  return { host: text };
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

const errorBodySchema = z.object({
  error: z.union([z.object({ code: z.union([z.string(), z.number()]).nullish(), message: z.string().nullish() }), z.string()]).nullish(),
  message: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
});

/** Error codes we know by name (the simulator's, and the sister API's spelling). */
const KNOWN_CODES: Record<string, RefusalCode> = {
  INVALID_KEY: 'unauthorized',
  INVALID_API_KEY: 'unauthorized',
  UNAUTHORIZED: 'unauthorized',
  INSUFFICIENT_FUNDS: 'insufficient_upstream_balance',
  INSUFFICIENT_BALANCE: 'insufficient_upstream_balance',
  NO_PROXIES_AVAILABLE: 'out_of_stock',
  OUT_OF_STOCK: 'out_of_stock',
  INVALID_PARAMS: 'invalid_option',
  VALIDATION_ERROR: 'invalid_option',
  PROXY_NOT_FOUND: 'not_found',
  NOT_FOUND: 'not_found',
  TOO_MANY_REQUESTS: 'rate_limited',
  RATE_LIMITED: 'rate_limited',
};

/**
 * Unknown codes fall back to the message. Order matters: "invalid key" is
 * about the key, not a parameter; "country not available" reads as stock.
 */
const MESSAGE_PATTERNS: Array<[RegExp, RefusalCode]> = [
  [/too many requests|rate.?limit/i, 'rate_limited'],
  [/balance|funds|not enough money|insufficient|top.?up/i, 'insufficient_upstream_balance'],
  [/api.?key|\bkey\b|token|unauthori[sz]ed|not authori|authenticat/i, 'unauthorized'],
  [/stock|not available|unavailable|no (free )?proxies|sold out|out of/i, 'out_of_stock'],
  [/not found|no such|does not exist/i, 'not_found'],
  [/invalid|incorrect|wrong|param|required|country|days|period|proxy.?type|count|goal|quantity/i, 'invalid_option'],
];

/** Maps an upstream error (code and/or message) to our refusal vocabulary. */
export function refusalCodeFor(code: string | undefined, message: string | undefined): RefusalCode {
  const known = code ? KNOWN_CODES[code.toUpperCase()] : undefined;
  if (known) return known;
  const text = `${code ?? ''} ${message ?? ''}`;
  for (const [pattern, refusal] of MESSAGE_PATTERNS) if (pattern.test(text)) return refusal;
  return 'rejected';
}

/** The code and text of an error body, whatever its exact spelling. */
export function describeError(body: unknown): { code?: string; message?: string } {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return {};
  const { error, message, code } = parsed.data;
  if (typeof error === 'string') return { message: error, ...(code != null ? { code: String(code) } : {}) };
  const errorCode = error?.code ?? code;
  const errorMessage = error?.message ?? message;
  return {
    ...(errorCode != null ? { code: String(errorCode) } : {}),
    ...(errorMessage != null ? { message: errorMessage } : {}),
  };
}

function refusalFromBody(body: unknown, status: number, redact: (text: string) => string): Outcome<never> {
  const { code, message } = describeError(body);
  let refusal: RefusalCode = code || message ? refusalCodeFor(code, message) : 'rejected';
  // A 4xx whose text says nothing we recognize still says something through its status.
  if (refusal === 'rejected' && status >= 400) refusal = refusalFromStatus(status);
  const detail = [code, message].filter(Boolean).join(': ') || `HTTP ${status} without details`;
  return refused(refusal, redact(`proxy-ipv4 refused: ${detail.slice(0, 300)}`), status);
}

/**
 * Reads an exchange: `success:true` → the schema; any other explicit
 * `success` value → a refusal (the upstream said it did not act); a 2xx
 * without a success flag → ambiguous, because it did not say either way.
 */
function readAnswer<S extends z.ZodType, T>(
  exchange: HttpExchange,
  schema: S,
  map: (parsed: z.infer<S>) => T,
  redact: (text: string) => string,
): Outcome<T> {
  return outcomeFromExchange<T>(
    exchange,
    {
      onSuccess: (body, status) => {
        if (!isRecord(body) || !('success' in body)) {
          return ambiguous('malformed', `HTTP ${status} without a success flag`, status);
        }
        if (body.success !== true) return refusalFromBody(body, status, redact);
        return parseBody(schema, body, map);
      },
      onError: (body, status) => refusalFromBody(body, status, redact),
    },
    redact,
  );
}

/**
 * Reads the answer to a money POST (`order`, `extend`): `success:true` is
 * done; everything else — `success:false` whatever its code, any other
 * status, a 429, a body without a success flag — is ambiguous, because the
 * documents list no failure as "nothing was done" (see refusals.ts). The
 * upstream's own words are kept in the message for the reconciler and the
 * operators.
 */
function moneyAnswer(exchange: HttpExchange, redact: (text: string) => string): Outcome<{ accepted: true }> {
  if (exchange.kind === 'failure') return ambiguous(exchange.reason, exchange.message);
  const { status, body } = exchange;
  const { code, message } = describeError(body);
  const said = [code, message].filter(Boolean).join(': ');
  const describeAnswer = (what: string) =>
    redact(`proxy-ipv4 ${what}${said ? ` (${said.slice(0, 300)})` : ''}; the order may have been carried out`);
  if (status >= 200 && status < 300) {
    if (!isRecord(body) || !('success' in body))
      return ambiguous('malformed', describeAnswer(`HTTP ${status} without a success flag`), status);
    if (body.success === true) return ok({ accepted: true });
    return classifyIpv4MoneyError({
      status,
      ...(code ? { code } : {}),
      message: describeAnswer(`answered success:${String(body.success)}`),
    });
  }
  return classifyIpv4MoneyError({ status, ...(code ? { code } : {}), message: describeAnswer(`answered HTTP ${status}`) });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------

export interface ProxyIpv4ClientOptions {
  apiKey: string;
  /** Host root, e.g. https://proxy-ipv4.com (a trailing /client-api/v1 is tolerated). */
  baseUrl: string;
  timeoutMs?: number;
}

export interface OrderRequest {
  proxyType: ProxyType;
  days: number;
  goal: string;
  /** ISO 3166-1 alpha-3. */
  country: string;
  count: number;
}

export interface ExtendRequest {
  proxyType: ProxyType;
  days: number;
  /** Proxy ids; for IPv6, order ids (IPv6 is extended by whole order). */
  ids: string[];
}

export interface ProxyIpv4Client {
  redact(text: string): string;
  getBalance(): Promise<Outcome<z.infer<typeof balanceSchema>>>;
  getProxies(): Promise<Outcome<ProxyListWire>>;
  getProxiesOfType(type: ProxyType): Promise<Outcome<ProxyListWire>>;
  getDays(type: ProxyType): Promise<Outcome<number[]>>;
  getCountries(type: ProxyType): Promise<Outcome<CountryWire[]>>;
  getOrderPrice(request: OrderRequest): Promise<Outcome<OrderPriceWire>>;
  /** A write: never retried here. The answer only says whether it worked. */
  placeOrder(request: OrderRequest): Promise<Outcome<{ accepted: true }>>;
  extend(request: ExtendRequest): Promise<Outcome<{ accepted: true }>>;
  /** Fetches a mobile proxy's reboot link, which rotates its IP. */
  openRebootLink(url: string): Promise<Outcome<{ rotated: true }>>;
}

export function createProxyIpv4Client(options: ProxyIpv4ClientOptions): ProxyIpv4Client {
  const root = options.baseUrl.replace(/\/+$/, '').replace(/\/client-api\/v1$/, '');
  const http = createHttpClient({
    providerId: 'proxy-ipv4',
    baseUrl: `${root}/client-api/v1/${encodeURIComponent(options.apiKey)}`,
    secrets: [options.apiKey],
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    maxConcurrent: 4,
  });
  const redact = http.redact;
  const read = async <S extends z.ZodType, T>(
    path: string,
    query: Record<string, string | number | undefined>,
    schema: S,
    map: (parsed: z.infer<S>) => T,
  ) => readAnswer(await http.send({ method: 'GET', path, query, retry: true }), schema, map, redact);
  const write = async (path: string, json: unknown) => moneyAnswer(await http.send({ method: 'POST', path, json }), redact);

  // The listings are parsed in two steps (envelope, then the lists) so both IPv6 shapes are understood.
  const listing = async (type?: ProxyType): Promise<Outcome<ProxyListWire>> => {
    const answer = await read('/get/proxies', { proxyType: type }, z.object({}).loose(), (body) => body);
    if (answer.kind !== 'ok') return answer;
    return type === undefined ? parseAllProxies(answer.value) : parseProxiesOfType(answer.value, type);
  };

  return {
    redact,
    getBalance: () => read('/get/balance', {}, balanceSchema, (body) => body),
    getProxies: () => listing(),
    getProxiesOfType: (type) => listing(type),
    getDays: (type) =>
      read('/get/days', { proxyType: type }, daysSchema, (body) =>
        body.days.map(Number).filter((days) => Number.isSafeInteger(days) && days > 0),
      ),
    getCountries: (type) =>
      read('/get/countries', { proxyType: type }, countriesSchema, (body) =>
        body.countries.map((c) => ({ name: c.name ?? c.alpha3code, alpha3code: c.alpha3code.toUpperCase() })),
      ),
    getOrderPrice: (request) =>
      read(
        '/get/order/price',
        { proxyType: request.proxyType, days: request.days, goal: request.goal, country: request.country, count: request.count },
        orderPriceSchema,
        (body) => body,
      ),
    placeOrder: (request) => write('/order', { ...request, authType: 'login' }),
    extend: (request) => write('/extend', { proxyType: request.proxyType, days: request.days, IpId: request.ids }),
    openRebootLink: (url) => openRebootLink(url, options, redact),
  };
}

async function openRebootLink(
  url: string,
  options: ProxyIpv4ClientOptions,
  redact: (text: string) => string,
): Promise<Outcome<{ rotated: true }>> {
  if (!/^https?:\/\//i.test(url)) return refused('unsupported', 'the reboot link is not an http(s) URL');
  // The link is a credential of its own: it is masked like the key.
  const linkClient = createHttpClient({
    providerId: 'proxy-ipv4',
    baseUrl: '',
    secrets: [options.apiKey, url],
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const mask = (text: string) => linkClient.redact(redact(text));
  const exchange = await linkClient.send({ method: 'GET', path: url });
  // A reboot link may answer plain text ("OK"); any 2xx that does not say failure counts.
  if (exchange.kind === 'response' && exchange.status >= 200 && exchange.status < 300) {
    const body = exchange.body;
    if (isRecord(body) && 'success' in body && body.success !== true) return refusalFromBody(body, exchange.status, mask);
    return ok({ rotated: true });
  }
  return outcomeFromExchange(
    exchange,
    { onSuccess: () => ok({ rotated: true as const }), onError: (body, status) => refusalFromBody(body, status, mask) },
    mask,
  );
}
