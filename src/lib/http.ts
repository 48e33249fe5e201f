/**
 * The HTTP layer every upstream client uses (the proxy providers and Crypto
 * Pay): a total timeout, a response size cap, retries for safe reads only,
 * per-upstream concurrency and rate limits, and error messages with the
 * upstream's secrets masked.
 *
 * It never throws for network trouble: it answers an `HttpExchange` that the
 * caller classifies (providers with `outcomeFromExchange` in `providers/http.ts`).
 */
import { channel } from 'node:diagnostics_channel';
import { SlidingWindow } from './rate-limit.js';

/** Why an exchange got no answer we could read. */
export type TransportFailure =
  | 'timeout'
  | 'network' // connection reset/refused mid-flight
  | 'too_large'; // response exceeded the size cap

/**
 * Why an exchange leaves us unable to tell whether the upstream did what we
 * asked; upstream-specific layers add their own reasons to these.
 */
export type ExchangeAmbiguity =
  | TransportFailure
  | 'server_error' // 5xx
  | 'malformed'; // 2xx we could not parse

export type HttpExchange =
  | {
      kind: 'response';
      status: number;
      headers: Headers;
      text: string;
      /** Parsed JSON, or `undefined` when the body was not JSON. */
      body: unknown;
    }
  | { kind: 'failure'; reason: TransportFailure; message: string };

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

const RATE_KEY = 'all';

/** At most `perMinute` requests in any minute: waits (rather than fails) when the budget is spent. */
export class MinuteRateLimiter {
  private readonly window: SlidingWindow<typeof RATE_KEY>;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.window = new SlidingWindow(perMinute, 60_000);
  }

  async acquire(): Promise<void> {
    for (;;) {
      const t = this.now();
      const allowedAt = this.window.nextAllowedAt(RATE_KEY, t);
      if (allowedAt <= t) {
        this.window.record(RATE_KEY, t);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, allowedAt - t + 1));
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
