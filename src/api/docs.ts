/**
 * The API's docs page at /docs: Swagger UI over /api/v1/openapi.json, its
 * script and styles served by the app itself from the swagger-ui-dist
 * package, so the page works on a machine with no internet. Only the files
 * named here are served, never a path taken from the request.
 */
import { Hono } from 'hono';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const distDir = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

function page(base: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Proxy Storefront API</title>
  <link rel="stylesheet" href="${base}/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="${base}/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${base}/assets/swagger-ui-bundle.js"></script>
  <script src="${base}/init.js"></script>
</body>
</html>
`;
}

function init(documentUrl: string): string {
  // validatorUrl null: the stock page would send the document to validator.swagger.io.
  return `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(documentUrl)},
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
  docExpansion: 'list',
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;
}

/** Mount at `base` (e.g. /docs); `documentUrl` is where the OpenAPI document is served. */
export function docsRoutes(base: string, documentUrl: string): Hono {
  const app = new Hono();
  const cache = new Map<string, Buffer>();
  // Scripts only from this origin; Swagger UI sets inline styles and shows data: images.
  const securityHeaders = {
    'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    'X-Content-Type-Options': 'nosniff',
  };

  app.get('/', (c) => c.html(page(base), 200, securityHeaders));
  app.get('/init.js', (c) => c.body(init(documentUrl), 200, { 'Content-Type': 'text/javascript; charset=utf-8', ...securityHeaders }));
  app.get('/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.json({ error: { code: 'not_found', message: 'no such endpoint' } }, 404);
    let body = cache.get(file);
    if (!body) {
      body = await readFile(join(distDir(), file));
      cache.set(file, body);
    }
    return c.body(new Uint8Array(body), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=3600', ...securityHeaders });
  });
  return app;
}
