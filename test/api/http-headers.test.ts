/**
 * The header helpers every API request passes through behave the same over
 * Node's HTTP server (real sockets) and through `app.request()`: a header a
 * middleware sets reaches the route's and the error handler's answers, and
 * request headers read the same. Over Node it reaches a raw Response too.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHeader, setAnswerHeader } from '../../src/lib/http-headers.js';

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

let server: Server;
const overHttp: { ask?: Ask } = {};
beforeAll(async () => {
  const app = appUnderTest();
  server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started as Server));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  overHttp.ask = (path, init) => fetch(`${url}${path}`, init);
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const inProcess: Ask = (path, init) => Promise.resolve(appUnderTest().request(path, init));

describe.each([
  ['over Node’s HTTP server', () => overHttp.ask!],
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

describe('over Node’s HTTP server only', () => {
  // Through Hono alone a route's raw Response carries none of `c.header`'s headers; Node merges them in.
  it('puts a middleware’s headers on a raw Response too, whose own header wins', async () => {
    const answer = await overHttp.ask!('/raw');
    expect(await answer.text()).toBe('raw body');
    expect(answer.headers.get('x-request-id')).toBe('req-12345678');
    expect(answer.headers.get('cache-control')).toBe('public, max-age=60');
  });
});
