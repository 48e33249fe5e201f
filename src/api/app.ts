/**
 * The HTTP front door: health, readiness and metrics, the customers' REST
 * API and payment webhooks. Routes stay thin and call services.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type Env, type ErrorHandler, type Schema } from 'hono';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';
import type { Sqlite } from '../db/client.js';
import { FlatChainRouter } from '../lib/flat-chain-router.js';
import { docsRoutes } from './docs.js';
import { OPENAPI_DOCUMENT_PATH } from './openapi.js';
import type { Metrics } from '../observability/metrics.js';
import type { Readiness } from '../observability/readiness.js';
import { requestContext } from '../observability/request-context.js';
import { API_V1_PATH, apiV1ErrorHandler, createApiV1, isApiV1Path, type ApiV1Options } from './v1.js';

export const DOCS_PATH = '/docs';

export interface ApiDeps {
  sqlite: Sqlite;
  startedAt: number;
}

/**
 * Routes under one path: every route of the HTTP server comes as one of these
 * and is mounted once, when the API is built and before the server starts
 * (Hono fixes its routes at the first request).
 */
export interface RouteModule {
  path: string;
  mountOn(app: Hono): void;
}

/** A module of `routes` at `path`; a function so each keeps its own environment type. */
export function routeModule<E extends Env, S extends Schema, B extends string>(path: string, routes: Hono<E, S, B>): RouteModule {
  return { path, mountOn: (app) => void app.route(path, routes) };
}

export interface ApiOptions {
  /** Further routes (payment and Telegram webhooks…), mounted before the catch-all 404. */
  routes?: RouteModule[];
  /** The customers' REST API under /api/v1, over these services. */
  v1?: ApiV1Options;
  /** Counts every request and serves `GET /metrics`. */
  metrics?: Metrics;
  /** When set, `/metrics` wants `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Serves `GET /readyz`. */
  readiness?: Readiness;
}

export function createApi(deps: ApiDeps, options: ApiOptions = {}): Hono {
  // The customers' API answers its failures in its own envelope from here, the parent: handing the
  // error handler to the sub-app would wrap every one of its routes in one more layer per request.
  const v1Errors = options.v1 ? apiV1ErrorHandler(options.v1) : undefined;
  const onError: ErrorHandler = (error, c) => (v1Errors && isApiV1Path(c.req.path) ? v1Errors(error, c) : plainServerError(error, c));
  // Hono's default router, handing each request's steps to Hono as one (see FlatChainRouter for why).
  const app = new Hono({
    router: new FlatChainRouter(new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] }), { errorHandler: onError }),
  });
  app.onError(onError);
  // First, so every line any later handler logs carries the request id.
  app.use('*', requestContext(options.metrics ? { metrics: options.metrics } : {}));

  const modules: RouteModule[] = [
    routeModule('/', probeRoutes(deps, options)),
    ...(options.v1
      ? [
          routeModule(API_V1_PATH, createApiV1(options.v1)),
          routeModule(DOCS_PATH, docsRoutes(DOCS_PATH, `${API_V1_PATH}${OPENAPI_DOCUMENT_PATH}`)),
        ]
      : []),
    ...(options.routes ?? []),
  ];
  for (const module of modules) module.mountOn(app);

  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such endpoint' } }, 404));
  return app;
}

/** Liveness, readiness and metrics: what the platform probes. */
function probeRoutes(deps: ApiDeps, options: Pick<ApiOptions, 'readiness' | 'metrics' | 'metricsToken'>): Hono {
  const app = new Hono();
  // Cheap on purpose: a liveness probe that does real work can take a busy shop down.
  // Prepared once (preparing costs more than running it); a closed database still throws on `get`.
  const ping = deps.sqlite.prepare('SELECT 1');
  app.get('/healthz', (c) => {
    try {
      ping.get();
    } catch {
      return c.json({ status: 'unavailable', database: 'unreachable' }, 503);
    }
    return c.json({ status: 'ok', database: 'ok', uptime_s: Math.round((Date.now() - deps.startedAt) / 1000) });
  });

  const { readiness, metrics, metricsToken } = options;
  if (readiness) {
    app.get('/readyz', (c) => {
      const report = readiness.check();
      c.header('Cache-Control', 'no-store');
      return c.json({ status: report.ready ? 'ready' : 'not_ready', ...report.parts }, report.ready ? 200 : 503);
    });
  }

  if (metrics) {
    const allowed = metricsToken ? bearerCheck(metricsToken) : () => true;
    app.get('/metrics', async (c) => {
      if (!allowed(c.req.header('authorization'))) {
        c.header('WWW-Authenticate', 'Bearer realm="metrics"');
        return c.text('a bearer token is needed for /metrics', 401);
      }
      c.header('Content-Type', metrics.contentType);
      c.header('Cache-Control', 'no-store');
      return c.body(await metrics.render());
    });
  }
  return app;
}

/** Compares digests, so neither the time taken nor a length mismatch tells how much of the token was right. */
function bearerCheck(token: string): (header: string | undefined) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (header) => {
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (!match) return false;
    return timingSafeEqual(createHash('sha256').update(match[1]!.trim()).digest(), expected);
  };
}

/** What Hono answers by default for a failure outside the customers' API (health, metrics, payment webhooks). */
function plainServerError(error: Error, c: Context): Response | Promise<Response> {
  if ('getResponse' in error && typeof error.getResponse === 'function') {
    const response = (error.getResponse as () => Response)();
    return c.newResponse(response.body, response);
  }
  console.error(error);
  return c.text('Internal Server Error', 500);
}
