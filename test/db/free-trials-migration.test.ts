/**
 * The migration that lets a free trial be priced at 0 cents rebuilds orders,
 * quotes and trial_offers (SQLite changes a CHECK only that way) inside the
 * migrator's transaction: a running shop's rows, the rows that point at them
 * and the discounts of open quotes all survive, and a 0-cent order fits.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, openDatabase } from '../../src/db/client.js';

/** Found by name, not number: migrations are renumbered when branches merge. */
const MIGRATION_TAG = /_free_trials$/;

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function databaseBeforeTheMigration(): string {
  const dir = mkdtempSync(join(tmpdir(), 'free-trials-'));
  scratch.push(dir);
  const folder = join(dir, 'migrations');
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const at = journal.entries.findIndex((e) => MIGRATION_TAG.test(e.tag));
  expect(at, 'the free-trials migration is in the journal').toBeGreaterThan(0);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));

  const path = join(dir, 'shop.db');
  const sqlite = new Database(path);
  sqlite.pragma('foreign_keys = ON');
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  sqlite.exec(`
    INSERT INTO users (id, telegram_id) VALUES (1, 111);
    INSERT INTO orders (id, user_id, intent_key, quote_id, kind, provider_id, product_id, term_id, quantity, labels,
                        price_cents, quoted_cost_cents, state, channel, created_at, updated_at)
    VALUES ('ord_buy', 1, 'k1', 'q_old', 'purchase', 'proxy-panel', 'p', 't', 1, '{}', 500, 400, 'delivered', 'bot', 1000, 1000),
           ('ord_open', 1, 'k2', 'q_old', 'purchase', 'proxy-panel', 'p', 't', 1, '{}', 300, 200, 'provisioning', 'bot', 2000, 2000);
    INSERT INTO subscriptions (id, user_id, order_id, provider_id, product_id, product_name, upstream_id, host, login, password, status)
    VALUES ('sub_1', 1, 'ord_buy', 'proxy-panel', 'p', 'Panel', 'up-1', 'h1', 'l', 'pw', 'active');
    INSERT INTO order_operator_actions (order_id, action, actor, created_at) VALUES ('ord_open', 'check_again', 'admin:1', 3000);
    INSERT INTO order_discounts (order_id, user_id, list_price_cents, tier_discount_cents, promo_discount_cents, state, updated_at)
    VALUES ('ord_buy', 1, 550, 50, 0, 'captured', 1000);
    INSERT INTO quotes (id, user_id, kind, provider_id, product_id, term_id, quantity, labels, upstream_cost_cents, price_cents, expires_at)
    VALUES ('q_open', 1, 'purchase', 'proxy-panel', 'p', 't', 1, '{}', 400, 450, 9999999999999);
    INSERT INTO quote_discounts (quote_id, list_price_cents, tier_discount_cents, promo_discount_cents)
    VALUES ('q_open', 500, 50, 0);
    INSERT INTO trial_offers (provider_id, product_id, term_id, price_cents, set_by, set_at) VALUES ('proxy-panel', 'p', 't', 99, 'admin:1', 1);
    INSERT INTO quote_targets (quote_id, target) VALUES ('q_open', '{"country":"us"}');
    INSERT INTO order_targets (order_id, target) VALUES ('ord_buy', '{"country":"de"}');
    INSERT INTO linked_upstream_orders (order_id, subscription_id, provider_id, upstream_id, host, login, password)
    VALUES ('ord_open', 'sub_1', 'proxy-panel', 'up-2', 'h2', 'l2', 'pw2');
  `);
  sqlite.close();
  return path;
}

describe('the free-trials migration', () => {
  it('keeps every row and every foreign key, and lets a trial be priced at 0 cents', () => {
    const database = openDatabase(databaseBeforeTheMigration());
    try {
      const { sqlite } = database;
      const countOf = (table: string) => (sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      expect(countOf('orders')).toBe(2);
      expect(countOf('subscriptions')).toBe(1);
      expect(countOf('order_operator_actions')).toBe(1);
      expect(countOf('order_discounts')).toBe(1);
      expect(countOf('quotes')).toBe(1);
      // The cascade from the old quotes table did not take the open quote's discount with it.
      expect(sqlite.prepare('SELECT list_price_cents AS list FROM quote_discounts WHERE quote_id = ?').get('q_open')).toEqual({
        list: 500,
      });
      // Nor the open quote's target; the orders' targets and linked orders point at their orders still.
      expect(sqlite.prepare('SELECT target FROM quote_targets WHERE quote_id = ?').get('q_open')).toEqual({ target: '{"country":"us"}' });
      expect(countOf('order_targets')).toBe(1);
      expect(countOf('linked_upstream_orders')).toBe(1);
      expect(sqlite.prepare('SELECT price_cents AS price FROM trial_offers').get()).toEqual({ price: 99 });
      expect(sqlite.pragma('foreign_key_check')).toEqual([]);
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const indexes = (
        sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('orders', 'quotes')").all() as Array<{
          name: string;
        }>
      ).map((i) => i.name);
      expect(indexes).toEqual(
        expect.arrayContaining(['orders_user_intent', 'orders_state', 'orders_state_provider', 'orders_user', 'quotes_expiry']),
      );

      // A free trial fits; a negative price still does not.
      sqlite.exec('UPDATE trial_offers SET price_cents = 0');
      sqlite.exec(`INSERT INTO orders (id, user_id, intent_key, quote_id, kind, provider_id, product_id, term_id, quantity, labels,
                     price_cents, quoted_cost_cents, state, channel, updated_at)
                   VALUES ('ord_free', 1, 'k3', 'q_open', 'purchase', 'proxy-panel', 'p', 't', 1, '{}', 0, 400, 'reserved', 'bot', 1)`);
      expect(() => sqlite.exec("UPDATE orders SET price_cents = -1 WHERE id = 'ord_free'")).toThrow(/CHECK constraint failed/);
      expect(() => sqlite.exec('UPDATE quotes SET price_cents = -1')).toThrow(/CHECK constraint failed/);
      // Orders still refuse an unknown customer.
      expect(() =>
        sqlite.exec(`INSERT INTO orders (id, user_id, intent_key, quote_id, kind, provider_id, product_id, term_id, quantity, labels,
                       price_cents, quoted_cost_cents, state, channel, updated_at)
                     VALUES ('ord_x', 42, 'k4', 'q', 'purchase', 'proxy-panel', 'p', 't', 1, '{}', 1, 1, 'reserved', 'bot', 1)`),
      ).toThrow(/FOREIGN KEY/);
    } finally {
      database.close();
    }
  });
});
