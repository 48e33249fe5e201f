/**
 * The REST API over real parts: the shop's services on a fresh in-memory
 * database with upstream simulators, the real Hono app served as the shop
 * serves it (@hono/node-server with `withAnswerResponses`) on 127.0.0.1
 * (port 0), and a client that speaks HTTP to
 * it exactly as a customer's script would.
 */
import type { ProxyCheckSettings } from '../../src/services/proxy-checker.js';
import { expect } from 'vitest';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi } from '../../src/api/app.js';
import type { ApiV1Options } from '../../src/api/v1.js';
import { withAnswerResponses } from '../../src/lib/http-headers.js';
import { createLogger } from '../../src/logger.js';
import type { ProviderId } from '../../src/providers/types.js';
import type { TokenScope } from '../../src/services/tokens.js';
import { startShop, type TestShop } from '../helpers/shop.js';
import { checkedAfterEachTest } from '../helpers/per-test.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  json: any;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is, not serialised: for malformed bodies. */
  rawBody?: string | ReadableStream;
  headers?: Record<string, string>;
  idempotencyKey?: string;
}

export interface ApiHarness {
  shop: TestShop;
  /** The API itself, for calls that bypass the network. */
  app: Hono;
  url: string;
  /** Every log line the API wrote (debug and up). */
  logs: string[];
  /** Moves the services' clock forward (quotes expire, tokens expire) without waiting. */
  advanceClock(ms: number): void;
  /** A new API token for the user; the plain secret, as the bot shows it once. */
  token(userId: number, scopes: TokenScope[], options?: { expiresAt?: number }): string;
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export async function startApi(
  options: {
    providers?: ProviderId[];
    upstreamTimeoutMs?: number;
    v1?: Partial<Omit<ApiV1Options, 'services'>>;
    referralPercent?: number;
    /** The FlashProxy simulator (and any other that offers it) runs a real proxy for what it sells. */
    liveProxies?: boolean;
    proxyCheck?: ProxyCheckSettings;
  } = {},
): Promise<ApiHarness> {
  let skew = 0;
  const shop = await startShop(options.providers ?? ['proxy-ipv4'], {
    now: () => Date.now() + skew,
    ...(options.upstreamTimeoutMs === undefined ? {} : { upstreamTimeoutMs: options.upstreamTimeoutMs }),
    ...(options.referralPercent === undefined ? {} : { referralPercent: options.referralPercent }),
    ...(options.liveProxies ? { liveProxies: true } : {}),
    ...(options.proxyCheck ? { proxyCheck: options.proxyCheck } : {}),
  });
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const app = createApi({ sqlite: shop.database.sqlite, startedAt: Date.now() }, { v1: { services: shop, logger, ...options.v1 } });
  const server = await new Promise<Server>((resolve) => {
    // Served as the shop serves it.
    const started = serve(withAnswerResponses({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }), () => resolve(started as Server));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let tokenCount = 0;

  return {
    shop,
    app,
    url,
    logs,
    advanceClock(ms) {
      skew += ms;
    },
    token(userId, scopes, tokenOptions = {}) {
      return shop.tokens.create({ userId, name: `script ${++tokenCount}`, scopes, ...tokenOptions }).token;
    },
    async call(method, path, call = {}) {
      const headers: Record<string, string> = { ...call.headers };
      if (call.token) headers.authorization = `Bearer ${call.token}`;
      if (call.idempotencyKey) headers['idempotency-key'] = call.idempotencyKey;
      let body: string | ReadableStream | undefined = call.rawBody;
      if (call.body !== undefined) {
        body = JSON.stringify(call.body);
        headers['content-type'] = 'application/json';
      }
      const init: RequestInit & { duplex?: 'half' } = { method, headers, ...(body === undefined ? {} : { body }) };
      if (body instanceof ReadableStream) init.duplex = 'half';
      const response = await fetch(`${url}/api/v1${path}`, init);
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await shop.close();
    },
  };
}

/** GET /catalog → the first available product, country and term of a provider, as POST /quotes takes it. */
export async function firstOffer(api: ApiHarness, token: string, provider: ProviderId, quantity = 1) {
  const catalog = await api.call('GET', '/catalog', { token });
  if (catalog.status !== 200) throw new Error(`catalog answered ${catalog.status}`);
  const entry = catalog.json.providers.find((p: { id: string }) => p.id === provider);
  const product = entry.products.find((p: any) => p.available && p.quantity.max >= quantity);
  const country = product.countries.find((c: any) => c.available);
  return { provider, product: product.id, ...(country ? { country: country.code } : {}), term: product.terms[0].id, quantity };
}

/** POST /quotes for the first offer; the quote from the answer. */
export async function quoteFirst(api: ApiHarness, token: string, provider: ProviderId = 'proxy-ipv4', quantity = 1) {
  const quoted = await api.call('POST', '/quotes', { token, body: await firstOffer(api, token, provider, quantity) });
  if (quoted.status !== 201) throw new Error(`quote answered ${quoted.status}: ${quoted.text}`);
  return quoted.json.quote as { id: string; price_cents: number; expires_at: string };
}

/** `startApi` for a test file: each API is checked (invariants) and closed after its test. */
export function eachTestApi() {
  return checkedAfterEachTest(startApi, (api) => api.shop.orders.checkInvariants());
}

/** A proxy as POST /orders answers it. */
export interface BoughtProxy {
  id: string;
  host: string;
  http_port: number | null;
  socks5_port: number | null;
  login: string;
  password: string;
}

/** One protocol's result in a POST /proxies/{id}/check answer. */
export interface CheckAnswer {
  protocol: string;
  reachable: boolean;
  exit_ip: string | null;
  country: string | null;
  failure: string | null;
}

/** POST /quotes for `offer` (quantity 1 unless it says), then POST /orders for that quote: the proxies delivered. */
export async function buyOverApi(
  api: ApiHarness,
  token: string,
  offer: Record<string, unknown>,
  idempotencyKey: string,
): Promise<BoughtProxy[]> {
  const quoted = await api.call('POST', '/quotes', { token, body: { quantity: 1, ...offer } });
  expect(quoted.status, `${String(offer.product)}: ${quoted.text}`).toBe(201);
  const bought = await api.call('POST', '/orders', { token, idempotencyKey, body: { quote_id: quoted.json.quote.id } });
  expect(bought.status, `${String(offer.product)}: ${bought.text}`).toBe(201);
  return bought.json.proxies;
}
