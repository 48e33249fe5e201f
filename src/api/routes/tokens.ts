/**
 * The customer's API tokens, as the bot lists them, and revoking the token
 * that makes the request (a script that is being retired, or a token that
 * leaked). Creating tokens stays in the bot: a token must not mint tokens.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { TokenInfo } from '../../services/tokens.js';
import { requireScope } from '../middlewares/auth.js';
import { apiRouter } from '../openapi.js';
import { AUTHENTICATED_ERRORS, errors, SCOPED_ERRORS, success } from '../schemas/common.js';
import { TokenSchema } from '../schemas/shapes.js';
import type { ApiServices } from '../v1.js';
import { iso } from './views.js';

const listTokens = createRoute({
  method: 'get',
  path: '/tokens',
  tags: ['account'],
  summary: 'The caller’s API tokens, oldest first, revoked and expired ones included',
  middleware: [requireScope('read')] as const,
  responses: { 200: success('The tokens (never their secrets)', { tokens: z.array(TokenSchema) }), ...errors(...SCOPED_ERRORS) },
});

const revokeCurrent = createRoute({
  method: 'delete',
  path: '/tokens/current',
  tags: ['account'],
  summary: 'Revoke the token making this request; any scope may',
  responses: {
    200: success('Revoked: every later request with this token is 401', { token: TokenSchema }),
    ...errors(...AUTHENTICATED_ERRORS),
  },
});

export function tokenRoutes(services: Pick<ApiServices, 'tokens' | 'tokenSigning'>) {
  const app = apiRouter();

  const view = (token: TokenInfo, currentId: string, signing: Set<string>) => ({
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    scopes: token.scopes,
    signing: signing.has(token.id),
    current: token.id === currentId,
    created_at: iso(token.createdAt),
    last_used_at: iso(token.lastUsedAt),
    expires_at: iso(token.expiresAt),
    revoked_at: iso(token.revokedAt),
  });

  const viewsOf = (userId: number, currentId: string) => {
    const tokens = services.tokens.list(userId);
    const signing = services.tokenSigning.signingTokenIds(tokens.map((t) => t.id));
    return tokens.map((token) => view(token, currentId, signing));
  };

  app.openapi(listTokens, (c) => {
    const { userId, tokenId } = c.get('principal');
    return c.json({ success: true as const, tokens: viewsOf(userId, tokenId) }, 200);
  });

  app.openapi(revokeCurrent, (c) => {
    const { userId, tokenId } = c.get('principal');
    services.tokens.revoke(userId, tokenId);
    const revoked = viewsOf(userId, tokenId).find((t) => t.id === tokenId)!;
    return c.json({ success: true as const, token: revoked }, 200);
  });

  return app;
}
