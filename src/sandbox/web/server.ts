/**
 * The sandbox web chat: one static page showing a user's private chat with
 * the bot, or a group as one of its members, plus a pass-through of the
 * emulator's /control routes, so the page talks to its own origin (the
 * emulator sends no CORS headers, and needs none). Beside the chat, the
 * sandbox's own controls: each upstream's condition and the shop's clock.
 * Local development tool: 127.0.0.1, unauthenticated, like the emulator's controls.
 *
 * GET  /sandbox/upstreams               each simulated upstream and its condition
 * POST /sandbox/upstreams/:id           {condition: healthy | down | slow | refusing | losing-answers}
 * GET  /sandbox/clock                   the shop's time and how far ahead of the machine it is
 * POST /sandbox/clock/advance           {hours | days} → the new time and what the jobs did
 * POST /sandbox/cryptopay/pay           {hash} → pays a Crypto Pay invoice at the simulator
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromPackageRoot } from '../../lib/package-root.js';
import type { ProviderId } from '../../providers/types.js';
import { describeClock, parseAdvance, type SandboxClock, type TimeMachine } from '../clock.js';
import { isUpstreamCondition, UPSTREAM_CONDITIONS, type UpstreamSwitches } from '../upstream-switches.js';

/** The sandbox's own knobs the page shows beside the chat. */
export interface SandboxControls {
  upstreams: UpstreamSwitches;
  clock: SandboxClock;
  timeMachine: TimeMachine;
}

export interface WebChatOptions {
  /** The emulator's base URL; only its /control routes are reachable through the page's server. */
  emulatorUrl: string;
  /** Whose private chat the page opens; `?user=<id>` picks another. */
  userId: number;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /**
   * Pays a Crypto Pay invoice at the simulator, standing in for the @CryptoBot
   * chat its pay link opens; `POST /sandbox/cryptopay/pay {hash}`.
   */
  payCryptoInvoice?: (hash: string) => { ok: true; invoiceId: number } | { ok: false; error: string };
  /** Upstream conditions and the clock; without them the page shows the chat alone. */
  controls?: SandboxControls;
}

export interface WebChat {
  url: string;
  port: number;
  close(): Promise<void>;
}

const PAGE_FILE = fromPackageRoot('src', 'sandbox', 'web', 'chat.html');
const MAX_BODY_BYTES = 1024 * 1024;

export async function startWebChat(options: WebChatOptions): Promise<WebChat> {
  // Read once at start: a missing page should fail the start, not the first visit.
  const page = readFileSync(PAGE_FILE, 'utf8').replace(
    '/*SANDBOX_CONFIG*/ null',
    // `<` escaped so no value can close the script element.
    JSON.stringify({ userId: options.userId }).replace(/</g, '\\u003c'),
  );
  const emulatorUrl = options.emulatorUrl.replace(/\/+$/, '');
  const host = options.host ?? '127.0.0.1';

  const server = createServer((req, res) => {
    void handle(req, res, page, emulatorUrl, options).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return res.destroy();
      send(res, 502, 'application/json', JSON.stringify({ error: `the emulator did not answer: ${(error as Error).message}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The page holds a long poll open; without this close() would wait for it.
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  page: string,
  emulatorUrl: string,
  { payCryptoInvoice, controls }: WebChatOptions,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://web-chat.local');
  const method = (req.method ?? 'GET').toUpperCase();

  if ((url.pathname === '/' || url.pathname === '/index.html') && (method === 'GET' || method === 'HEAD')) {
    return send(res, 200, 'text/html; charset=utf-8', method === 'HEAD' ? '' : page);
  }
  if (url.pathname === '/sandbox/cryptopay/pay' && method === 'POST' && payCryptoInvoice) {
    const body = await readBody(req);
    let hash: unknown;
    try {
      hash = (JSON.parse(body?.toString('utf8') || '{}') as { hash?: unknown }).hash;
    } catch {
      hash = undefined;
    }
    if (typeof hash !== 'string' || hash.length === 0)
      return send(res, 400, 'application/json', JSON.stringify({ error: 'hash is required' }));
    const paid = payCryptoInvoice(hash);
    return send(res, paid.ok ? 200 : 400, 'application/json', JSON.stringify(paid));
  }
  if (controls && url.pathname.startsWith('/sandbox/') && url.pathname !== '/sandbox/cryptopay/pay') {
    return handleControls(req, res, url.pathname, method, controls);
  }
  if (url.pathname !== '/control' && !url.pathname.startsWith('/control/')) {
    return send(res, 404, 'text/plain; charset=utf-8', 'Not found. The chat is at /.');
  }

  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
  if (body === null) return send(res, 413, 'application/json', JSON.stringify({ error: 'request body too large' }));
  // The visitor closing the tab must end the long poll it started at the emulator.
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const upstream = await fetch(`${emulatorUrl}${url.pathname}${url.search}`, {
    method,
    headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
    ...(body ? { body } : {}),
    signal: abort.signal,
  });
  const bytes = Buffer.from(await upstream.arrayBuffer());
  const headers: Record<string, string | number> = {
    'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
    'content-length': bytes.length,
  };
  const disposition = upstream.headers.get('content-disposition');
  if (disposition) headers['content-disposition'] = disposition;
  if (res.destroyed) return;
  res.writeHead(upstream.status, headers);
  res.end(bytes);
}

async function handleControls(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  method: string,
  controls: SandboxControls,
): Promise<void> {
  const json = (status: number, body: unknown) => send(res, status, 'application/json', JSON.stringify(body));
  if (path === '/sandbox/upstreams' && method === 'GET') return json(200, controls.upstreams.list());
  if (path === '/sandbox/clock' && method === 'GET') return json(200, describeClock(controls.clock));
  const upstream = /^\/sandbox\/upstreams\/([a-z0-9-]+)$/.exec(path);
  if ((upstream || path === '/sandbox/clock/advance') && method === 'POST') {
    const body = await readJson(req);
    if (body === undefined) return json(400, { error: 'the body must be a JSON object' });
    if (upstream) {
      const id = upstream[1] as ProviderId;
      if (!controls.upstreams.list().some((u) => u.id === id)) return json(404, { error: `no simulated upstream ${id}` });
      if (!isUpstreamCondition(body.condition)) return json(400, { error: `condition must be one of ${UPSTREAM_CONDITIONS.join(', ')}` });
      return json(200, controls.upstreams.set(id, body.condition));
    }
    const advance = parseAdvance(body);
    if (!advance.ok) return json(400, { error: advance.error });
    return json(200, await controls.timeMachine.advance(advance.ms));
  }
  return json(404, { error: `no sandbox route ${method} ${path}` });
}

/** A JSON object body; undefined when it is not one (or too large). */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const body = await readBody(req);
  if (body === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The request body, or null when it is larger than any control call needs. */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, contentType: string, text: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
