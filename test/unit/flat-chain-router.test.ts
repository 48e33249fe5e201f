/**
 * The router that hands Hono a request's steps as one handler must answer
 * every request as Hono's own router and `compose` do, and without a promise
 * when every step answers at once.
 */
import { Hono, type ErrorHandler, type MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';
import { describe, expect, it } from 'vitest';
import { afterRest, FlatChainRouter, routeOfMatch } from '../../src/lib/flat-chain-router.js';

class Teapot extends Error {}

const onError: ErrorHandler = (error, c) =>
  error instanceof Teapot ? c.json({ refused: error.message }, 418) : c.json({ failed: error.message }, 500);

/** The same routes on an app with Hono's default router or with the flat chain one. */
function buildApp(flat: boolean): { app: Hono; trail: string[] } {
  const trail: string[] = [];
  const app = flat
    ? new Hono({
        router: new FlatChainRouter(new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] }), { errorHandler: onError }),
      })
    : new Hono();
  app.onError(onError);

  // An outer step that reads the answer after the rest, as the request-id middleware does; sync when the rest is.
  const outer: MiddlewareHandler = ((c, next) => {
    trail.push('outer in');
    return afterRest(next(), () => {
      trail.push(`outer out ${c.res.status}`);
      c.res.headers.set('x-route', routeOfMatch(matchedRoutes(c))?.path ?? 'unmatched');
    });
  }) as MiddlewareHandler;
  app.use('*', outer);
  app.use('/items/:id/*', async (c, next) => {
    trail.push(`items middleware sees ${c.req.param('id')}`);
    await next();
    trail.push('items middleware out');
  });
  app.use('/guarded/*', (c, next) => {
    if (c.req.header('x-pass') !== 'yes') return Promise.resolve(c.json({ refused: 'no pass' }, 401));
    return next();
  });

  app.get('/sync', (c) => c.text('sync answer'));
  app.get('/async', async (c) => {
    await new Promise((resolve) => setImmediate(resolve));
    return c.json({ answer: 'async' });
  });
  app.get('/items/:id/detail', (c) => c.json({ id: c.req.param('id') }));
  app.get('/throws', () => {
    throw new Teapot('thrown at once');
  });
  app.get('/rejects', async () => {
    await Promise.resolve();
    throw new Error('rejected later');
  });
  app.get('/guarded/thing', (c) => c.text('through'));
  app.get('/twice', async (c, next) => {
    await next();
    await next();
    return c.text('never');
  });
  app.get('/no-answer', () => undefined as unknown as Response);
  return { app, trail };
}

interface Seen {
  status: number;
  body: string;
  route: string | null;
  trail: string[];
}

async function ask(flat: boolean, path: string, headers: Record<string, string> = {}): Promise<Seen> {
  const { app, trail } = buildApp(flat);
  const response = await app.request(path, { headers });
  return { status: response.status, body: await response.text(), route: response.headers.get('x-route'), trail };
}

const CASES: Array<[name: string, path: string, headers?: Record<string, string>]> = [
  ['a handler that answers at once', '/sync'],
  ['a handler that answers later', '/async'],
  ['path parameters, read by a middleware and the handler', '/items/42/detail'],
  ['a path too long to keep its match', `/items/${'9'.repeat(300)}/detail`],
  ['an error thrown at once', '/throws'],
  ['an error rejected later', '/rejects'],
  ['a middleware that answers in place of the route', '/guarded/thing'],
  ['the same middleware letting the request through', '/guarded/thing', { 'x-pass': 'yes' }],
  ['no route: the not-found answer', '/nothing/here'],
  ['next() called twice', '/twice'],
  ['a handler that answers nothing', '/no-answer'],
];

describe('FlatChainRouter', () => {
  it.each(CASES)('answers as Hono does: %s', async (_name, path, headers) => {
    const withHono = await ask(false, path, headers);
    const flat = await ask(true, path, headers);
    expect(flat).toEqual(withHono);
  });

  it('answers without a promise when every step answers at once', () => {
    const { app, trail } = buildApp(true);
    const answer = app.fetch(new Request('http://shop.test/sync'));
    expect(answer).toBeInstanceOf(Response);
    expect((answer as Response).status).toBe(200);
    expect(trail).toEqual(['outer in', 'outer out 200']);
    // Hono's own router makes a promise for the same request.
    expect(buildApp(false).app.fetch(new Request('http://shop.test/sync'))).toBeInstanceOf(Promise);
  });

  it('lets the steps around a failing one see the error handler’s answer', async () => {
    const flat = await ask(true, '/throws');
    expect(flat.status).toBe(418);
    expect(JSON.parse(flat.body)).toEqual({ refused: 'thrown at once' });
    expect(flat.trail).toEqual(['outer in', 'outer out 418']);
    expect(flat.route).toBe('/throws');
  });

  it('answers a path asked again from its kept match, and a long one from a fresh match, the same way', async () => {
    const { app } = buildApp(true);
    for (const id of ['42', '42', '9'.repeat(300), '9'.repeat(300)]) {
      const answer = await app.request(`/items/${id}/detail`);
      expect(await answer.json()).toEqual({ id });
    }
  });

  it('names the route a request was for, even when a middleware answered', async () => {
    expect((await ask(true, '/guarded/thing')).route).toBe('/guarded/thing');
    expect((await ask(true, '/items/7/detail')).route).toBe('/items/:id/detail');
    expect((await ask(true, '/nothing/here')).route).toBe('unmatched');
  });
});
