/**
 * The migration that turns ISO text times into epoch milliseconds keeps the
 * rows a running shop already has: a database built by the migrations before
 * it, holding ISO times as the old code wrote them, is opened by the app (which
 * applies the rest) and reads back the same moments as numbers, with its
 * expiry indexes in place and every foreign key intact.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, openDatabase } from '../../src/db/client.js';
import { orders, subscriptions } from '../../src/db/schema/index.js';

/** Found by name, not number: migrations are renumbered when branches merge. */
const MIGRATION_TAG = /_epoch_ms_times$/;

interface Journal {
  entries: Array<{ tag: string }>;
}

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A database file migrated up to, not including, the epoch-ms migration. */
function databaseBeforeTheMigration(): string {
  const dir = mkdtempSync(join(tmpdir(), 'epoch-ms-'));
  scratch.push(dir);
  const folder = join(dir, 'migrations');
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
  const at = journal.entries.findIndex((e) => MIGRATION_TAG.test(e.tag));
  expect(at, 'the epoch-ms migration is in the journal').toBeGreaterThan(0);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));

  const path = join(dir, 'shop.db');
  const sqlite = new Database(path);
  sqlite.pragma('foreign_keys = ON');
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  // Rows as the code before the migration wrote them: ISO 8601 from toISOString(), or NULL.
  sqlite.exec(`
    INSERT INTO users (id, telegram_id) VALUES (1, 111);
    INSERT INTO orders (id, user_id, intent_key, quote_id, kind, provider_id, product_id, term_id, quantity, labels,
                        price_cents, quoted_cost_cents, state, channel, created_at, updated_at)
    VALUES ('ord_buy', 1, 'k1', 'q1', 'purchase', 'proxy-panel', 'p', 't', 1, '{}', 500, 400, 'delivered', 'bot', 1000, 1000);
    INSERT INTO orders (id, user_id, intent_key, quote_id, kind, provider_id, product_id, term_id, quantity, labels,
                        price_cents, quoted_cost_cents, state, channel, previous_expires_at, created_at, updated_at)
    VALUES ('ord_renew', 1, 'k2', 'q2', 'renewal', 'proxy-panel', 'p', 't', 1, '{}', 500, 400, 'provisioning', 'bot',
            '2025-03-01T14:05:09.123Z', 2000, 2000);
    INSERT INTO subscriptions (id, user_id, order_id, provider_id, product_id, product_name, upstream_id, host, login, password,
                               expires_at, reminded_for_expiry, status, auto_renew)
    VALUES ('sub_ms', 1, 'ord_buy', 'proxy-panel', 'p', 'Panel', 'up-1', 'h1', 'l', 'pw',
            '2025-03-01T14:05:09.123Z', '2025-02-01T00:00:00.000Z', 'active', 1),
           ('sub_whole', 1, 'ord_buy', 'proxy-panel', 'p', 'Panel', 'up-2', 'h2', 'l', 'pw',
            '2031-12-31T23:59:59Z', NULL, 'active', 0),
           ('sub_none', 1, 'ord_buy', 'proxy-panel', 'p', 'Panel', 'up-3', 'h3', 'l', 'pw',
            NULL, NULL, 'expired', 0);
    INSERT INTO order_operator_actions (order_id, action, actor, created_at) VALUES ('ord_renew', 'check_again', 'admin:1', 3000);
  `);
  sqlite.close();
  return path;
}

describe('the epoch-ms migration', () => {
  it('converts ISO times of existing rows to the same moments in ms, and NULL stays NULL', () => {
    const database = openDatabase(databaseBeforeTheMigration());
    try {
      const expiry = (id: string) => database.db.select().from(subscriptions).where(eq(subscriptions.id, id)).get()!;
      expect(expiry('sub_ms')).toMatchObject({
        expiresAt: Date.parse('2025-03-01T14:05:09.123Z'),
        remindedForExpiry: Date.parse('2025-02-01T00:00:00.000Z'),
        autoRenew: true,
      });
      expect(expiry('sub_whole')).toMatchObject({ expiresAt: Date.parse('2031-12-31T23:59:59Z'), remindedForExpiry: null });
      expect(expiry('sub_none')).toMatchObject({ expiresAt: null, remindedForExpiry: null, status: 'expired' });

      const order = (id: string) => database.db.select().from(orders).where(eq(orders.id, id)).get()!;
      expect(order('ord_renew').previousExpiresAt).toBe(Date.parse('2025-03-01T14:05:09.123Z'));
      expect(order('ord_buy').previousExpiresAt).toBeNull();

      // Stored as integers, so they sort and compare as numbers, not as text.
      const types = database.sqlite
        .prepare('SELECT DISTINCT typeof(expires_at) AS type FROM subscriptions WHERE expires_at IS NOT NULL')
        .all();
      expect(types).toEqual([{ type: 'integer' }]);
    } finally {
      database.close();
    }
  });

  it('keeps the expiry indexes on the new column, every other row and every foreign key', () => {
    const database = openDatabase(databaseBeforeTheMigration());
    try {
      const columnsOf = (index: string) =>
        (database.sqlite.prepare(`PRAGMA index_info(${index})`).all() as Array<{ name: string }>).map((c) => c.name);
      expect(columnsOf('subscriptions_expiry')).toEqual(['status', 'expires_at', 'id']);
      expect(columnsOf('subscriptions_auto_renew')).toEqual(['expires_at', 'id']);
      // The rebuilt table keeps its other indexes too.
      expect(columnsOf('subscriptions_upstream')).toEqual(['provider_id', 'upstream_id']);
      expect(columnsOf('subscriptions_user')).toEqual(['user_id', 'created_at']);
      expect(columnsOf('subscriptions_order')).toEqual(['order_id']);
      const autoRenewIndex = database.sqlite
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'subscriptions_auto_renew'")
        .get() as { sql: string };
      expect(autoRenewIndex.sql).toContain(`WHERE "subscriptions"."status" = 'active' AND "subscriptions"."auto_renew" = 1`);

      // The walks that use them read the new values through their index.
      const plan = database.sqlite
        .prepare("EXPLAIN QUERY PLAN SELECT id FROM subscriptions WHERE status = 'active' AND expires_at <= ? ORDER BY expires_at")
        .all(Date.now()) as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING (COVERING )?INDEX subscriptions_expiry/);
      const due = database.sqlite
        .prepare("SELECT id FROM subscriptions WHERE status = 'active' AND expires_at <= ? ORDER BY expires_at")
        .all(Date.parse('2030-01-01T00:00:00Z'));
      expect(due).toEqual([{ id: 'sub_ms' }]);

      expect(database.sqlite.prepare('SELECT COUNT(*) AS n FROM subscriptions').get()).toEqual({ n: 3 });
      expect(database.sqlite.prepare('SELECT COUNT(*) AS n FROM orders').get()).toEqual({ n: 2 });
      expect(database.sqlite.prepare('SELECT COUNT(*) AS n FROM order_operator_actions').get()).toEqual({ n: 1 });
      expect(database.sqlite.pragma('foreign_key_check')).toEqual([]);
      expect(database.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      database.close();
    }
  });
});
