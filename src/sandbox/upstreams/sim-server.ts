/**
 * The HTTP scaffolding shared by every upstream simulator: a real node:http
 * server on 127.0.0.1, JSON in and out, and a fault plan that makes the next
 * matching request misbehave the way real upstreams do (time out after doing
 * the work, 5xx, malformed 2xx, 429, slowness, a dropped connection).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningSimProxy } from './proxy-server.js';

export interface SimRequest {
  method: string;
  /** Path without the query string, e.g. `/api/proxy`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawBody: string;
  /** Parsed JSON body; `undefined` when absent, `INVALID_JSON` when it did not parse. */
  body: unknown;
}

export const INVALID_JSON = Symbol('invalid-json');

export interface SimResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type SimHandler = (request: SimRequest) => SimResponse | Promise<SimResponse>;

export type Fault =
  /** Never answers and never processes: the client times out, nothing happened. */
  | { kind: 'hang_before' }
  /** Processes the request (state changes), then never answers. */
  | { kind: 'hang_after' }
  /**
   * Processes, then answers an error (5xx by default). `body` replaces the
   * generic one, e.g. the upstream's own error envelope with a code its
   * document does not list.
   */
  | { kind: 'error_after'; status?: number; body?: unknown }
  /** Answers an error (5xx by default) without processing. */
  | { kind: 'error_before'; status?: number; body?: unknown }
  /** Processes, then answers 200 with a body that is not the documented shape. */
  | { kind: 'malformed_after' }
  /** Answers 429 without processing. */
  | { kind: 'rate_limited'; retryAfterSeconds?: number }
  /** Processes, waits, then answers normally. */
  | { kind: 'slow'; delayMs: number }
  /** Processes, then drops the connection. */
  | { kind: 'reset_after' };

export interface FaultMatch {
  method?: string;
  /** Exact path or a pattern tested against the path. */
  path?: string | RegExp;
  /** Matches `op` in the query or JSON body (single-endpoint APIs). */
  op?: string;
  /** How many matching requests misbehave; default 1. `Infinity` for all. */
  times?: number;
}

interface PlannedFault {
  fault: Fault;
  match: FaultMatch;
  remaining: number;
}

/** The misbehaviours queued for a simulator; the first match is consumed. */
export class FaultPlan {
  private planned: PlannedFault[] = [];

  inject(fault: Fault, match: FaultMatch = {}): void {
    this.planned.push({ fault, match, remaining: match.times ?? 1 });
  }

  clear(): void {
    this.planned = [];
  }

  take(request: SimRequest): Fault | undefined {
    const entry = this.planned.find((p) => p.remaining > 0 && matches(p.match, request));
    if (!entry) return undefined;
    entry.remaining--;
    this.planned = this.planned.filter((p) => p.remaining > 0);
    return entry.fault;
  }
}

function matches(match: FaultMatch, request: SimRequest): boolean {
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  if (match.path !== undefined) {
    if (typeof match.path === 'string' ? match.path !== request.path : !match.path.test(request.path)) return false;
  }
  if (match.op !== undefined) {
    const bodyOp = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>).op : undefined;
    if ((request.query.get('op') ?? bodyOp) !== match.op) return false;
  }
  return true;
}

export interface RunningSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  host?: string;
}

/** Starts the server; `port: 0` (the default) picks a free port. */
export async function startSimServer(handler: SimHandler, faults: FaultPlan, options: StartOptions = {}): Promise<RunningSimulator> {
  const server: Server = createServer((req, res) => {
    void serve(req, res, handler, faults);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Hung requests keep sockets open; close them or close() never returns.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, handler: SimHandler, faults: FaultPlan) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://sim.local');
  let body: unknown;
  if (rawBody.length > 0) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = INVALID_JSON;
    }
  }
  const request: SimRequest = {
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    rawBody,
    body,
  };

  const fault = faults.take(request);
  switch (fault?.kind) {
    case 'hang_before':
      return; // the socket stays open until the client gives up or the server closes
    case 'error_before':
      return send(res, { status: fault.status ?? 503, body: fault.body ?? { error: 'service unavailable' } });
    case 'rate_limited':
      return send(res, {
        status: 429,
        body: { error: 'too many requests' },
        headers: { 'retry-after': String(fault.retryAfterSeconds ?? 1) },
      });
    default:
      break;
  }

  let response: SimResponse;
  try {
    response = await handler(request);
  } catch (error) {
    response = { status: 500, body: { error: error instanceof Error ? error.message : 'internal error' } };
  }

  switch (fault?.kind) {
    case 'hang_after':
      return;
    case 'error_after':
      return send(res, { status: fault.status ?? 502, body: fault.body ?? { error: 'bad gateway' } });
    case 'malformed_after':
      return sendRaw(res, 200, '{"success": tru', 'application/json');
    case 'reset_after':
      req.socket.destroy();
      return;
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      return send(res, response);
    default:
      return send(res, response);
  }
}

function send(res: ServerResponse, response: SimResponse) {
  sendRaw(res, response.status, JSON.stringify(response.body), 'application/json', response.headers);
}

function sendRaw(res: ServerResponse, status: number, text: string, contentType: string, headers: Record<string, string> = {}) {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(text);
}

/** Random lowercase alphanumerics, for ids and generated credentials. */
export function randomId(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

/**
 * What every upstream simulator offers to tests and to the sandbox, beside its
 * own richer state: the fault plan, start/stop, and the knobs for the money
 * and stock situations the shop must handle.
 */
export interface UpstreamSimulator {
  readonly faults: FaultPlan;
  /** The API key (or token) the simulator accepts. */
  readonly apiKey: string;
  start(options?: StartOptions): Promise<RunningSimulator>;
  /** Our account balance at this upstream, in cents. */
  balanceCents(): number;
  setBalanceCents(cents: number): void;
  /** Marks one product (or, without an id, everything) out of stock or back in stock. */
  setOutOfStock(outOfStock: boolean, productId?: string): void;
  /** How many purchases the simulator has carried out (to prove exactly-once). */
  purchaseCount(): number;
  /**
   * Where offered: starts a real HTTP + SOCKS5 proxy on 127.0.0.1 (proxy-server.ts)
   * that admits exactly the credentials the simulator issued, and makes the
   * proxies it sells from then on point at it.
   */
  startProxyServer?(): Promise<RunningSimProxy>;
}
