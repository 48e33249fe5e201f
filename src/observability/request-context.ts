/**
 * Ties every log line of one HTTP request to it, and counts the request.
 * Mounted first on the top-level app, so the customers' API, webhooks,
 * health and metrics all get an id, returned as `X-Request-Id`.
 */
import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { matchedRoutes } from 'hono/route';
import { afterRest, routeOfMatch } from '../lib/flat-chain-router.js';
import { requestHeader, setAnswerHeader } from '../lib/http-headers.js';
import { withLogFields } from '../logger.js';
import type { Metrics } from './metrics.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A proxy in front may pass its own id; anything else (or nothing) gets a fresh one. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Fresh ids are this process's random prefix and a count ('q3Zk9-xT.1f'): unique
 * across processes and restarts, which is all an id for finding log lines
 * needs. A UUID per request drew on the system's randomness often enough to
 * cost about a fiftieth of a `GET /api/v1/balance`.
 */
const PROCESS_PREFIX = randomBytes(6).toString('base64url');
let requestsSeen = 0;
const freshRequestId = (): string => `${PROCESS_PREFIX}.${(++requestsSeen).toString(36)}`;

export function requestContext(options: { metrics?: Metrics } = {}): MiddlewareHandler {
  const { metrics } = options;
  // Labelled with the route pattern ('/api/v1/proxies/:id'), never the raw path: ids in paths would make a series per proxy.
  const record = (c: Context, started: number) =>
    metrics?.httpRequest(
      routeOfMatch(matchedRoutes(c))?.path ?? 'unmatched',
      c.req.method,
      c.res.status,
      (performance.now() - started) / 1000,
    );
  // Not async: when the rest of the request answers at once, so does this, with no promise made (see FlatChainRouter).
  const middleware = (c: Context, next: Next): void | Promise<void> => {
    const offered = requestHeader(c, 'x-request-id');
    const requestId = offered && ACCEPTED_REQUEST_ID.test(offered) ? offered : freshRequestId();
    const started = performance.now();
    // Set before the answer exists, so every answer carries it (over Node's server, a raw Response too).
    setAnswerHeader(c, REQUEST_ID_HEADER, requestId);
    return afterRest(withLogFields({ requestId }, next), () => record(c, started));
  };
  return middleware as MiddlewareHandler;
}
