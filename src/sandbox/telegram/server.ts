/**
 * HTTP routing on one node:http server:
 *   POST|GET /bot<token>/<method>        the Bot API (JSON, urlencoded or multipart in; JSON out)
 *   GET      /file/bot<token>/<path>     file downloads for paths from getFile
 *   *        /control/...                test and sandbox controls (see control-http.ts)
 * Every Bot API answer is JSON, errors included, because grammY parses every
 * response body as JSON.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { BotApi } from './api.js';
import { parseParams, readBody } from './body.js';
import { ApiError, unauthorized } from './errors.js';
import type { EmulatorState } from './state.js';

export interface ControlResponse {
  status: number;
  body: unknown;
  /** Raw bytes instead of JSON (file downloads). */
  bytes?: { content: Buffer; contentType: string; fileName?: string };
}

export type ControlHandler = (method: string, url: URL, body: Buffer, signal: AbortSignal) => Promise<ControlResponse>;

export interface ServerParts {
  state: EmulatorState;
  api: BotApi;
  control: ControlHandler;
}

export function createEmulatorServer(parts: ServerParts): Server {
  return createServer((req, res) => {
    void route(parts, req, res).catch((error: unknown) => {
      const apiError = error instanceof ApiError ? error : new ApiError(500, `Internal Server Error: ${(error as Error).message}`);
      sendJson(res, apiError.errorCode, apiError.toJSON());
    });
  });
}

async function route(parts: ServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.local');
  // The caller hanging up (grammY aborting a long poll) must release what waits for it.
  const disconnect = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) disconnect.abort();
  });

  const botCall = /^\/bot([^/]+)\/([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
  if (botCall) {
    const body = await readBody(req);
    if (botCall[1] !== parts.state.token) throw unauthorized();
    const params = parseParams(req.headers['content-type'], body, url.searchParams);
    const result = await parts.api.call(botCall[2]!, params, disconnect.signal);
    return sendJson(res, 200, { ok: true, result });
  }

  const download = /^\/file\/bot([^/]+)\/documents\/([^/]+)$/.exec(url.pathname);
  if (download) {
    if (download[1] !== parts.state.token) throw unauthorized();
    const file = parts.state.files.get(decodeURIComponent(download[2]!));
    if (!file) throw new ApiError(404, 'Not Found: file not found');
    res.writeHead(200, { 'content-type': file.mimeType ?? 'application/octet-stream', 'content-length': file.content.length });
    res.end(file.content);
    return;
  }

  if (url.pathname === '/control' || url.pathname.startsWith('/control/')) {
    const body = await readBody(req, 1024 * 1024);
    const answer = await parts.control((req.method ?? 'GET').toUpperCase(), url, body, disconnect.signal);
    if (answer.bytes) {
      const headers: Record<string, string | number> = {
        'content-type': answer.bytes.contentType,
        'content-length': answer.bytes.content.length,
      };
      if (answer.bytes.fileName)
        headers['content-disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(answer.bytes.fileName)}`;
      res.writeHead(answer.status, headers);
      res.end(answer.bytes.content);
      return;
    }
    return sendJson(res, answer.status, answer.body);
  }

  throw new ApiError(404, 'Not Found');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
