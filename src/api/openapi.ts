/**
 * The REST API's published contract. Every /api/v1 route is declared with
 * `createRoute` on an `OpenAPIHono` router made here, so the document at
 * /api/v1/openapi.json is generated from the very schemas that validate
 * requests; a test checks it against the routes the app really serves.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './middlewares/auth.js';
import { invalidRequest, issueDetails } from './middlewares/body.js';

export const OPENAPI_DOCUMENT_PATH = '/openapi.json';
export const BEARER_SCHEME = 'bearerToken';
export const HEADER_SCHEME = 'apiTokenHeader';

/** A router for one group of /api/v1 routes. */
export function apiRouter(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({
    // Failed request validation becomes the usual `invalid_request` envelope (thrown to the error handler).
    defaultHook: (result) => {
      if (!result.success) throw invalidRequest(issueDetails(result.error));
    },
  });
}

const DESCRIPTION = `
The Proxy Storefront REST API: buy, renew and manage proxies with the same wallet and services as the Telegram bot.

**Authentication.** Every endpoint except this document needs an API token (create one in the bot):
\`Authorization: Bearer pst_…\` (or \`X-API-Token: pst_…\`). Scopes: \`read\` for GETs and quotes, \`buy\` for
money, \`write\` for settings and proxy actions.

**Envelope.** Success is \`{ "success": true, ... }\`; every refusal is
\`{ "success": false, "error": { "code", "message", "details"? } }\` with a stable \`code\`.

**Money.** Amounts are integer cents. POST /orders and POST /proxies/{id}/renew need an \`Idempotency-Key\`: a retry
with the same key returns the same order and never charges twice.

**Pages.** Every list takes \`limit\` (1–100, default 20) and \`cursor\`, and answers \`next_cursor\`
(null on the last page). Cursors are opaque.

**Request signing.** A token created with signing on comes with a signing secret, shown once. Money POSTs
(POST /orders, POST /proxies/{id}/renew) made with it need \`X-Timestamp\` (Unix seconds, ±300 s) and
\`X-Signature\`: lowercase hex HMAC-SHA256, keyed with the secret, of
\`timestamp + "\\n" + METHOD + "\\n" + path + "\\n" + rawBody\` (path as sent, e.g. \`/api/v1/orders\`).
A signature is accepted once; a bad, stale or replayed one is 401 \`unauthorized\`.
`.trim();

/** Registers the security schemes and serves the document, without a token. */
export function serveOpenApiDocument(app: OpenAPIHono<ApiEnv>, serverUrl: string): void {
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token from the bot: `Authorization: Bearer pst_…`.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', HEADER_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Token',
    description: 'The same token in its own header, for clients that cannot set Authorization.',
  });
  let document: unknown;
  app.get(OPENAPI_DOCUMENT_PATH, (c) => {
    // Built on first use: by then every route is registered, and the routes never change afterwards.
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'Proxy Storefront API', version: '1.0.0', description: DESCRIPTION },
      servers: [{ url: serverUrl }],
      security: [{ [BEARER_SCHEME]: [] }, { [HEADER_SCHEME]: [] }],
    });
    return c.json(document);
  });
}
