/**
 * Ties every log line of one HTTP request to it, and counts the request.
 * Mounted first on the top-level app, so the customers' API, webhooks,
 * health and metrics all get an id, returned as `X-Request-Id`.
 */
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { requestHeader, setAnswerHeader } from '../lib/http-headers.js';
import { withLogFields } from '../logger.js';
import type { Metrics } from './metrics.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A proxy in front may pass its own id; anything else (or nothing) gets a fresh one. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestContext(options: { metrics?: Metrics } = {}): MiddlewareHandler {
  return async (c, next) => {
    const offered = requestHeader(c, 'x-request-id');
    const requestId = offered && ACCEPTED_REQUEST_ID.test(offered) ? offered : randomUUID();
    const started = performance.now();
    // Set before the answer exists, so every answer carries it (over Node's server, a raw Response too).
    setAnswerHeader(c, REQUEST_ID_HEADER, requestId);
    await withLogFields({ requestId }, next);
    options.metrics?.httpRequest(routeOf(c), c.req.method, c.res.status, (performance.now() - started) / 1000);
  };
}

/**
 * The route pattern a request was for ('/api/v1/proxies/:id'), never its raw
 * path: ids in paths would make a series per proxy. The first matched route
 * that is a handler rather than a middleware is the one the request was
 * meant for, even when a middleware (authentication, rate limit) answered.
 */
function routeOf(c: Context): string {
  const routes = matchedRoutes(c);
  // Hono's own test for a middleware (hono/dev): the handler, unwrapped, takes `next`.
  const handler = routes.find((route) => unwrapped(route.handler).length < 2);
  return handler?.path ?? 'unmatched';
}

/** Hono wraps a sub-app's handlers with its error handler when mounting it, and marks the original so. */
const COMPOSED_HANDLER = '__COMPOSED_HANDLER';
function unwrapped(handler: (...args: never[]) => unknown): (...args: never[]) => unknown {
  const inner = (handler as unknown as Record<string, unknown>)[COMPOSED_HANDLER];
  return typeof inner === 'function' ? unwrapped(inner as (...args: never[]) => unknown) : handler;
}
