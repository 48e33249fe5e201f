import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { apiTokens } from './access.js';

/**
 * Request signing for API tokens created with it on. Unlike the token, the
 * signing secret must be kept readable: the shop recomputes each request's
 * HMAC with it. A token without a row here does not sign.
 */
export const apiTokenSigning = sqliteTable('api_token_signing', {
  tokenId: text('token_id')
    .primaryKey()
    .references(() => apiTokens.id),
  secret: text('secret').notNull(),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
});

/**
 * Signatures already accepted, so a captured request cannot be replayed
 * while its timestamp is still fresh. A row is useless once its timestamp
 * has gone stale (`expires_at`) and is purged after that.
 */
export const apiSignaturesSeen = sqliteTable(
  'api_signatures_seen',
  {
    tokenId: text('token_id').notNull(),
    signature: text('signature').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.signature] }), index('api_signatures_seen_expiry').on(t.expiresAt)],
);
