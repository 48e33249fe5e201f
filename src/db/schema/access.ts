import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './users.js';

/**
 * API tokens customers create in the bot. Only a hash of the secret is kept;
 * the token itself is shown once.
 */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    /** The first characters of the token, shown in lists so users can tell tokens apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole token, hex. */
    secretHash: text('secret_hash').notNull().unique(),
    /** Space-separated scopes: read, buy, write. */
    scopes: text('scopes').notNull(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [index('api_tokens_user').on(t.userId)],
);

/** Small key-value storage for bot sessions and conversation state (survives restarts). */
export const kvStore = sqliteTable(
  'kv_store',
  {
    key: text('key').primaryKey(),
    value: text('value').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  // Housekeeping forgets abandoned conversations by age.
  (t) => [index('kv_store_updated').on(t.updatedAt)],
);

/**
 * Who runs a periodic job right now. A job runs only while its holder's lease
 * is unexpired, so two processes on one database (or a slow run and the next
 * tick) never run it at once; a holder that crashed stops renewing and its
 * lease lapses. `progress` is where a job keeps how far it got (e.g. the
 * reminder windows already covered), so whoever takes the lease over resumes.
 */
export const jobLeases = sqliteTable('job_leases', {
  job: text('job').primaryKey(),
  holder: text('holder').notNull(),
  /** Epoch ms; past it, anyone may take the lease. */
  expiresAt: integer('expires_at').notNull(),
  progress: text('progress'),
});
