/**
 * The HTTP layer every provider client uses: a total timeout, a response size
 * cap, retries for safe reads only, per-provider concurrency and rate limits,
 * and error messages with the provider's secrets masked.
 *
 * It never throws for network trouble: it answers an `HttpExchange` that the
 * adapter turns into an `Outcome` with `outcomeFromExchange`.
 */
import { channel } from 'node:diagnostics_channel';
import type { z } from 'zod';
import { ambiguous, ok, refused, type Outcome, type RefusalCode } from '../providers/types.js';

export type HttpExchange =
  | {
      kind: 'response';
      status: number;
      headers: Headers;
      text: string;
      /** Parsed JSON, or `undefined` when the body was not JSON. */
      body: unknown;
    }
  | { kind: 'failure'; reason: 'timeout' | 'network' | 'too_large'; message: string };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Appended to the base URL as is (may contain a query string). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  headers?: Record<string, string>;
  /**
   * Reads may be retried on timeouts, resets, 5xx and 429. Writes never are by
   * this layer: a retried purchase could buy twice. The saga decides instead.
   */
  retry?: boolean;
}

export interface HttpClientOptions {
  providerId: string;
  baseUrl: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Headers on every request (auth goes here). */
  headers?: Record<string, string>;
  /** Values masked out of every error message (API keys, tokens). */
  secrets?: string[];
  maxConcurrent?: number;
  ratePerMinute?: number;
  /** How many extra attempts a retryable read gets. */
  readRetries?: number;
  fetchImpl?: typeof fetch;
}

/**
 * What became of one attempt at an upstream, for metrics and readiness:
 * the transport's own failures, or the class of the HTTP status.
 */
export type UpstreamCallClass = 'ok' | 'client_error' | 'rate_limited' | 'server_error' | 'timeout' | 'network' | 'too_large';

export interface UpstreamExchangeEvent {
  providerId: string;
  method: HttpRequest['method'];
  outcome: UpstreamCallClass;
  /** The HTTP status, when there was an answer. */
  status?: number;
  /** From the moment the attempt was admitted (after rate and concurrency limits) to the answer read in full. */
  seconds: number;
  /** When the attempt ended (ms since the epoch). */
  at: number;
}

/**
 * Every attempt is published here, after it ended. A diagnostics channel
 * rather than an option, so each adapter need not pass an observer down to
 * its client; with no subscriber, publishing costs nothing. The event never
 * carries a URL or a body: base URLs of some upstreams contain the API key.
 */
export const UPSTREAM_EXCHANGE_CHANNEL = 'proxy-storefront:upstream-exchange';
const exchanges = channel(UPSTREAM_EXCHANGE_CHANNEL);

export function upstreamCallClass(exchange: HttpExchange): UpstreamCallClass {
  if (exchange.kind === 'failure') return exchange.reason;
  if (exchange.status === 429) return 'rate_limited';
  if (exchange.status >= 500) return 'server_error';
  if (exchange.status >= 400) return 'client_error';
  return 'ok';
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

/** Admits at most `limit` tasks at a time; the rest wait in order. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A released slot is handed straight to the next waiter (it stays counted),
    // so a caller arriving in the same tick cannot slip in and exceed the limit.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** A sliding one-minute window: waits (rather than fails) when the budget is spent. */
export class MinuteRateLimiter {
  private readonly sent: number[] = [];

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.sent.length > 0 && t - this.sent[0]! >= 60_000) this.sent.shift();
      if (this.sent.length < this.perMinute) {
        this.sent.push(t);
        return;
      }
      const wait = 60_000 - (t - this.sent[0]!) + 1;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

export interface HttpClient {
  readonly providerId: string;
  send(request: HttpRequest): Promise<HttpExchange>;
  /** Masks this provider's secrets in any text (for messages built by adapters). */
  redact(text: string): string;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const readRetries = options.readRetries ?? 2;
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0);
  const limiter = new ConcurrencyLimiter(options.maxConcurrent ?? 10);
  const rate = options.ratePerMinute ? new MinuteRateLimiter(options.ratePerMinute) : undefined;
  const doFetch = options.fetchImpl ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');

  const redact = (text: string): string => {
    let out = text;
    for (const secret of secrets) {
      out = out.split(secret).join('***');
      out = out.split(encodeURIComponent(secret)).join('***');
    }
    return out;
  };

  const once = async (request: HttpRequest): Promise<HttpExchange> => {
    let url: URL;
    try {
      url = new URL(base + request.path);
    } catch {
      // Not sent at all; the URL itself may be a credential, so it is not quoted.
      return { kind: 'failure', reason: 'network', message: 'invalid request URL' };
    }
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...request.headers };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await doFetch(url, { method: request.method, headers, body, signal: controller.signal });
      const read = await readCapped(response, maxBytes);
      if (read.tooLarge) {
        controller.abort();
        return { kind: 'failure', reason: 'too_large', message: `response larger than ${maxBytes} bytes` };
      }
      let parsed: unknown;
      try {
        parsed = read.text.length > 0 ? JSON.parse(read.text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { kind: 'response', status: response.status, headers: response.headers, text: read.text, body: parsed };
    } catch (error) {
      if (controller.signal.aborted) {
        return { kind: 'failure', reason: 'timeout', message: `no complete answer within ${timeoutMs} ms` };
      }
      const message = error instanceof Error ? describeFetchError(error) : String(error);
      return { kind: 'failure', reason: 'network', message: redact(message) };
    } finally {
      clearTimeout(timer);
    }
  };

  const observed = async (request: HttpRequest): Promise<HttpExchange> => {
    if (!exchanges.hasSubscribers) return once(request);
    const started = performance.now();
    const exchange = await once(request);
    const event: UpstreamExchangeEvent = {
      providerId: options.providerId,
      method: request.method,
      outcome: upstreamCallClass(exchange),
      ...(exchange.kind === 'response' ? { status: exchange.status } : {}),
      seconds: (performance.now() - started) / 1000,
      at: Date.now(),
    };
    exchanges.publish(event);
    return exchange;
  };

  const send = async (request: HttpRequest): Promise<HttpExchange> => {
    const attempts = request.retry && request.method === 'GET' ? 1 + readRetries : 1;
    let last: HttpExchange | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (rate) await rate.acquire();
      last = await limiter.run(() => observed(request));
      if (!isRetryable(last) || attempt === attempts - 1) break;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(last!, attempt)));
    }
    return last!;
  };

  return { providerId: options.providerId, send, redact };
}

function isRetryable(exchange: HttpExchange): boolean {
  if (exchange.kind === 'failure') return exchange.reason !== 'too_large';
  return exchange.status >= 500 || exchange.status === 429;
}

function backoffMs(exchange: HttpExchange, attempt: number): number {
  if (exchange.kind === 'response') {
    const retryAfter = Number(exchange.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.min(retryAfter * 1000, 5_000);
  }
  return Math.min(100 * 2 ** attempt, 2_000);
}

function describeFetchError(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${error.message} (${cause.code})` : error.message;
}

async function readCapped(response: Response, maxBytes: number): Promise<{ text: string; tooLarge: boolean }> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) return { text: '', tooLarge: true };
  if (!response.body) return { text: '', tooLarge: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { text: '', tooLarge: true };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: false };
}

// ---------------------------------------------------------------------------
// Helpers adapters use to turn exchanges into outcomes
// ---------------------------------------------------------------------------

/**
 * The parts of classification that are the same for every upstream:
 * transport failures and 5xx are ambiguous; 429 is a refusal (nothing was
 * done); a 2xx is handed to `onSuccess`; other statuses to `onError`, which
 * maps the upstream's own error codes.
 */
export function outcomeFromExchange<T>(
  exchange: HttpExchange,
  handlers: {
    onSuccess: (body: unknown, status: number) => Outcome<T>;
    onError: (body: unknown, status: number) => Outcome<T>;
  },
  redact: (text: string) => string = (t) => t,
): Outcome<T> {
  if (exchange.kind === 'failure') return ambiguous(exchange.reason, exchange.message);
  const { status, body } = exchange;
  if (status === 429) return refused('rate_limited', 'upstream rate limit reached', status);
  if (status >= 500) return ambiguous('server_error', `upstream answered HTTP ${status}`, status);
  if (status >= 200 && status < 300) {
    if (body === undefined) return ambiguous('malformed', `HTTP ${status} with a body that is not JSON`, status);
    return onSafely(() => handlers.onSuccess(body, status), redact);
  }
  return onSafely(() => handlers.onError(body, status), redact);
}

function onSafely<T>(fn: () => Outcome<T>, redact: (text: string) => string): Outcome<T> {
  try {
    return fn();
  } catch (error) {
    // A mapper that trips over an unexpected shape must not crash the saga.
    const message = error instanceof Error ? error.message : String(error);
    return ambiguous('malformed', redact(`unexpected upstream answer: ${message}`));
  }
}

/** Validates a success body; a mismatch is an ambiguous 'malformed' outcome. */
export function parseBody<S extends z.ZodType, T>(
  schema: S,
  body: unknown,
  map: (parsed: z.infer<S>) => T,
): Outcome<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid';
    return ambiguous('malformed', `unexpected upstream answer (${where})`);
  }
  return ok(map(result.data));
}

/**
 * Default mapping of an HTTP status alone, for upstreams whose error bodies say
 * little; `overrides` holds an upstream's own meaning of a status (GateProxy's
 * 409 means "another order is running", not "sold out").
 */
export function refusalFromStatus(status: number, overrides: Partial<Record<number, RefusalCode>> = {}): RefusalCode {
  const own = overrides[status];
  if (own) return own;
  switch (status) {
    case 401:
      return 'unauthorized';
    case 402:
      return 'insufficient_upstream_balance';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'out_of_stock';
    default:
      return 'rejected';
  }
}
