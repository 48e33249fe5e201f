/**
 * The published contract: /api/v1/openapi.json validates as OpenAPI 3.1,
 * names exactly the routes the app serves (Hono's own route list), documents
 * every operation's errors with the envelope, and the docs page's assets
 * come from the app itself.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/app.js';
import { API_V1_PATH } from '../../src/api/v1.js';
import { eachTestApi } from './harness.js';

const newApi = eachTestApi();
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
type Document = {
  openapi: string;
  servers: Array<{ url: string }>;
  paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], Operation>>>;
  components: any;
  security: unknown[];
};

async function documentOf(url: string): Promise<Document> {
  const response = await fetch(`${url}${API_V1_PATH}/openapi.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

function documentedOperations(document: Document): string[] {
  const base = document.servers[0]!.url;
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${base}${path}`),
  );
}

describe('the OpenAPI document', () => {
  it('is served without a token and validates as OpenAPI 3.1', async () => {
    const api = await newApi();
    const document = await documentOf(api.url);
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.components.securitySchemes.bearerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual(expect.arrayContaining([{ bearerToken: [] }]));
  });

  it('documents every route the app serves under /api/v1, and no route it does not serve', async () => {
    const api = await newApi();
    const app = createApi({ sqlite: api.shop.database.sqlite, startedAt: Date.now() }, { v1: { services: api.shop } });
    const served = new Set(
      app.routes
        // Middleware and the catch-all 404 are registered for every method ('ALL'); they are not operations.
        .filter((route) => route.method !== 'ALL' && route.path.startsWith(`${API_V1_PATH}/`))
        .filter((route) => route.path !== `${API_V1_PATH}/openapi.json`)
        .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`),
    );
    // Catalog, quotes, orders, proxies and their actions, account and tokens.
    expect(served.size).toBeGreaterThanOrEqual(20);
    const documented = documentedOperations(await documentOf(api.url));
    expect(documented.length).toBe(new Set(documented).size);
    expect(
      [...served].filter((op) => !documented.includes(op)),
      'served but undocumented',
    ).toEqual([]);
    expect(
      documented.filter((op) => !served.has(op)),
      'documented but not served',
    ).toEqual([]);
    // The parity actions are among them.
    for (const op of [
      'POST /api/v1/proxies/{id}/change-credentials',
      'POST /api/v1/proxies/{id}/rotate-ip',
      'GET /api/v1/proxies/{id}/locations',
      'POST /api/v1/proxies/{id}/location',
      'GET /api/v1/proxies/{id}/usage',
      'GET /api/v1/tokens',
      'DELETE /api/v1/tokens/current',
      'POST /api/v1/webhooks',
      'GET /api/v1/webhooks/{id}/deliveries',
      'POST /api/v1/webhooks/{id}/test',
      'GET /api/v1/referrals',
      'GET /api/v1/proxies/{id}/allowed-ips',
      'POST /api/v1/proxies/{id}/allowed-ips',
      'DELETE /api/v1/proxies/{id}/allowed-ips/{ip}',
      'GET /api/v1/proxies/{id}/cancellation',
      'DELETE /api/v1/proxies/{id}',
    ]) {
      expect(documented).toContain(op);
    }
  });

  it('gives every operation a success schema and its errors as the envelope, 401 and 500 included', async () => {
    const api = await newApi();
    const document = await documentOf(api.url);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(operation.responses);
        expect(
          statuses.some((s) => s.startsWith('2')),
          where,
        ).toBe(true);
        expect(statuses, where).toEqual(expect.arrayContaining(['401', '429', '500']));
        for (const status of statuses) {
          const content = operation.responses[status]!.content;
          expect(content, `${where} ${status}`).toBeDefined();
          if (Number(status) >= 400)
            expect(content!['application/json']!.schema!.$ref, `${where} ${status}`).toBe('#/components/schemas/Error');
        }
      }
    }
    // Lists page one way.
    for (const path of ['/orders', '/proxies', '/transactions', '/webhooks', '/webhooks/{id}/deliveries']) {
      const parameters = (document.paths[path]!.get as any).parameters
        .filter((p: { in: string }) => p.in === 'query')
        .map((p: { name: string }) => p.name)
        .sort();
      expect(parameters, path).toEqual(['cursor', 'limit']);
    }
  });

  it('serves the docs page and its Swagger UI assets from the app, and nothing else from the package', async () => {
    const api = await newApi();
    const page = await fetch(`${api.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/docs/'), asset).toBe(true);
      const answer = await fetch(`${api.url}${asset}`);
      expect(answer.status, asset).toBe(200);
      expect((await answer.arrayBuffer()).byteLength, asset).toBeGreaterThan(10);
    }
    expect((await fetch(`${api.url}/docs/assets/package.json`)).status).toBe(404);
    expect((await fetch(`${api.url}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
  });
});
