/**
 * The HTTP front door: health now, the customers' REST API and payment
 * webhooks as they arrive. Routes stay thin and call services.
 */
import { Hono } from 'hono';
import type { Sqlite } from '../db/client.js';
import { docsRoutes } from './docs.js';
import { OPENAPI_DOCUMENT_PATH } from './openapi.js';
import { API_V1_PATH, createApiV1, type ApiV1Options } from './v1.js';

export const DOCS_PATH = '/docs';

export interface ApiDeps {
  sqlite: Sqlite;
  startedAt: number;
}

export interface ApiOptions {
  /** Mounts further routes (payment webhooks…) before the catch-all 404. */
  routes?: (app: Hono) => void;
  /** The customers' REST API under /api/v1, over these services. */
  v1?: ApiV1Options;
}

export function createApi(deps: ApiDeps, options: ApiOptions = {}): Hono {
  const app = new Hono();

  app.get('/healthz', (c) => {
    try {
      deps.sqlite.prepare('SELECT 1').get();
    } catch {
      return c.json({ status: 'unavailable', database: 'unreachable' }, 503);
    }
    return c.json({ status: 'ok', database: 'ok', uptime_s: Math.round((Date.now() - deps.startedAt) / 1000) });
  });

  if (options.v1) {
    app.route(API_V1_PATH, createApiV1(options.v1));
    app.route(DOCS_PATH, docsRoutes(DOCS_PATH, `${API_V1_PATH}${OPENAPI_DOCUMENT_PATH}`));
  }
  options.routes?.(app);

  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such endpoint' } }, 404));
  return app;
}
