/**
 * The header helpers every API request passes through behave the same over
 * the shop's HTTP server (Node's, with `AnswerResponse`), over Node's plain
 * one (real sockets both) and through `app.request()`: a header a middleware
 * sets reaches the route's and the error handler's answers, and request
 * headers read the same. Over Node it reaches a raw Response too.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerResponse, requestHeader, setAnswerHeader, withAnswerResponses } from '../../src/lib/http-headers.js';

function appUnderTest(): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    setAnswerHeader(c, 'X-Request-Id', 'req-12345678');
    setAnswerHeader(c, 'Cache-Control', 'no-store');
    await next();
  });
  app.get('/json', (c) =>
    c.json({ authorization: requestHeader(c, 'authorization') ?? null, missing: requestHeader(c, 'x-nothing') ?? null }),
  );
  app.get('/raw', () => new Response('raw body', { headers: { 'Cache-Control': 'public, max-age=60' } }));
  app.get('/fails', () => {
    throw new Error('boom');
  });
  app.onError((_error, c) => c.json({ error: 'internal' }, 500));
  return app;
}

type Ask = (path: string, init?: RequestInit) => Promise<Response>;

const servers: Server[] = [];
const overHttp: { plain?: Ask; shop?: Ask } = {};

async function serveApp(asTheShop: boolean): Promise<Ask> {
  const options = { fetch: appUnderTest().fetch, hostname: '127.0.0.1', port: 0 };
  const server = await new Promise<Server>((resolve) => {
    const started = serve(asTheShop ? withAnswerResponses(options) : options, () => resolve(started as Server));
  });
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return (path, init) => fetch(`${url}${path}`, init);
}

beforeAll(async () => {
  overHttp.plain = await serveApp(false);
  overHttp.shop = await serveApp(true);
});
afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

const inProcess: Ask = (path, init) => Promise.resolve(appUnderTest().request(path, init));

describe.each([
  ['over the shop’s HTTP server', () => overHttp.shop!],
  ['over Node’s plain HTTP server', () => overHttp.plain!],
  ['through app.request()', () => inProcess],
])('answer and request headers %s', (_name, ask) => {
  it('puts a middleware’s headers on a JSON answer and reads the request’s headers', async () => {
    const answer = await ask()('/json', { headers: { Authorization: 'Bearer pst_abc' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-request-id')).toBe('req-12345678');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await answer.json()).toEqual({ authorization: 'Bearer pst_abc', missing: null });
  });

  it('puts them on the error handler’s answer', async () => {
    const answer = await ask()('/fails');
    expect(answer.status).toBe(500);
    expect(answer.headers.get('x-request-id')).toBe('req-12345678');
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });
});

describe.each([
  ['the shop’s', () => overHttp.shop!],
  ['Node’s plain', () => overHttp.plain!],
])('over %s HTTP server only', (_name, ask) => {
  // Through Hono alone a route's raw Response carries none of `c.header`'s headers; over Node they are merged in.
  it('puts a middleware’s headers on a raw Response too, whose own header wins', async () => {
    const answer = await ask()('/raw');
    expect(await answer.text()).toBe('raw body');
    expect(answer.headers.get('x-request-id')).toBe('req-12345678');
    // One value: a second Cache-Control would read here as "public, max-age=60, no-store".
    expect(answer.headers.get('cache-control')).toBe('public, max-age=60');
  });
});

describe('AnswerResponse', () => {
  /** A bare Node server whose responses are AnswerResponses, each answering as `answer` does. */
  async function answering(answer: (response: AnswerResponse) => void): Promise<Response> {
    const server = createServer({ ServerResponse: AnswerResponse as never }, (_request, response) => {
      (response as AnswerResponse).addAnswerHeader('X-Request-Id', 'req-87654321');
      (response as AnswerResponse).addAnswerHeader('Cache-Control', 'no-store');
      answer(response as AnswerResponse);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  }

  it.each([
    [
      'headers as an object',
      (r: AnswerResponse) => r.writeHead(201, { 'Content-Type': 'text/plain', 'CACHE-CONTROL': 'max-age=5' }).end('ok'),
    ],
    [
      'a reason and headers',
      (r: AnswerResponse) => r.writeHead(201, 'Made', { 'content-type': 'text/plain', 'cache-control': 'max-age=5' }).end('ok'),
    ],
    [
      'headers as a flat list',
      (r: AnswerResponse) => r.writeHead(201, ['Content-Type', 'text/plain', 'Cache-Control', 'max-age=5']).end('ok'),
    ],
    [
      'headers set on Node’s table',
      (r: AnswerResponse) => {
        r.statusCode = 201;
        r.setHeader('Cache-Control', 'max-age=5');
        r.end('ok');
      },
    ],
  ])('writes the kept headers beside the answer’s own, which win: %s', async (_name, answer) => {
    const response = await answering(answer);
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('ok');
    expect(response.headers.get('x-request-id')).toBe('req-87654321');
    expect(response.headers.get('cache-control')).toBe('max-age=5');
  });

  it('writes the kept headers when the answer has none of its own', async () => {
    const response = await answering((r) => r.end('bare'));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-87654321');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});
