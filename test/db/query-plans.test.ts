/**
 * Every statement on a hot path (the list in hot-queries.ts) uses an index or
 * a bounded range: its query plan, read from SQLite against the migrated
 * schema, never scans a table that grows with customers, and never sorts
 * more than one customer's rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase, type Sqlite } from '../../src/db/client.js';
import { startUpstream } from '../../src/sandbox/upstreams/index.js';
import { HOT_ITEMS, type HotFixture } from './hot-queries.js';

/** Tables that stay small whatever the number of customers. */
const SMALL_TABLES = new Set(['pricing_rules', 'job_leases', '__drizzle_migrations']);

interface Executed {
  source: string;
  args: unknown[];
}

/** Records every statement run through `sqlite` while `recording` is on. */
function traceStatements(sqlite: Sqlite) {
  const prepare = sqlite.prepare.bind(sqlite);
  const log: Executed[] = [];
  let recording = false;
  sqlite.prepare = ((source: string) => {
    const stmt = prepare(source);
    for (const method of ['run', 'get', 'all', 'iterate'] as const) {
      const original = stmt[method] as (...args: unknown[]) => unknown;
      (stmt as unknown as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
        if (recording) log.push({ source, args });
        return original.apply(this, args);
      };
    }
    return stmt;
  }) as Sqlite['prepare'];
  return {
    async during(work: () => unknown): Promise<Executed[]> {
      log.length = 0;
      recording = true;
      try {
        await work();
      } finally {
        recording = false;
      }
      return [...log];
    },
    plan(executed: Executed): string[] {
      const rows = prepare(`EXPLAIN QUERY PLAN ${executed.source}`).all(...executed.args) as Array<{ detail: string }>;
      return rows.map((r) => r.detail);
    },
  };
}

/** Why a plan step is not bounded, or undefined when it is. */
function unboundedStep(detail: string, boundedSort: string | undefined, boundedScan?: { index: string }): string | undefined {
  const scan = /^SCAN (\S+)/.exec(detail);
  if (scan && boundedScan && detail.endsWith(`USING INDEX ${boundedScan.index}`)) return undefined;
  if (scan) {
    const table = scan[1]!;
    if (table === 'CONSTANT' || SMALL_TABLES.has(table)) return undefined;
    return `full scan of ${table}`;
  }
  if (detail.startsWith('USE TEMP B-TREE') && !boundedSort) return 'sorts rows that no index orders';
  return undefined;
}

const HOUR = 3_600_000;
let fx: HotFixture;
let trace: ReturnType<typeof traceStatements>;
let closeAll: () => Promise<void>;

beforeAll(async () => {
  const database = openDatabase(':memory:');
  trace = traceStatements(database.sqlite);
  const upstream = await startUpstream('proxy-panel');
  const services = buildServices(database, { providers: [upstream.provider({ timeoutMs: 2_000 })] });
  closeAll = async () => {
    await services.orders.drain();
    await upstream.close();
    database.close();
  };
  const user = services.users.ensure({ telegramId: 42, firstName: 'Hot' });
  services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'hot', amountCents: 1_000_000 });
  const entry = await services.catalog.providerEntry('proxy-panel');
  const product = entry!.products.find((p) => p.available)!;
  const country = product.countries.find((c) => c.available);
  const choice = { productId: product.id, ...(country ? { countryCode: country.code } : {}), termId: product.terms[0]!.id, quantity: 1 };
  const quoted = await services.orders.quote(user.id, 'proxy-panel', choice);
  if (!quoted.ok) throw new Error(quoted.message);
  const bought = await services.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'first', channel: 'bot' });
  if (bought.kind !== 'delivered') throw new Error(bought.kind);
  const sub = bought.proxies[0]!;
  // Due for a reminder and for auto-renewal, so those jobs run their whole path.
  database.sqlite.prepare('UPDATE subscriptions SET expires_at = ? WHERE id = ?').run(Date.now() + 12 * HOUR, sub.id);
  services.subscriptions.setAutoRenew(user.id, sub.id, true);
  const { token } = services.tokens.create({ userId: user.id, name: 'hot', scopes: ['read'] });
  // For the promo-code purchase: an operator's setup, not part of any hot path.
  services.promos.createCode({ code: 'HOTCODE', kind: 'discount', percent: 5, perCustomerLimit: 1_000_000, actor: 'test' });
  services.promos.setTier({ providerId: 'proxy-panel', productId: '*', kind: 'quantity', threshold: 1, percent: 1, actor: 'test' });
  fx = { database, services, upstream, userId: user.id, telegramId: 42, subscriptionId: sub.id, orderId: bought.order.id, token, choice };
});

afterAll(async () => {
  await closeAll?.();
});

describe('query plans on hot paths', () => {
  for (const item of HOT_ITEMS) {
    it(`${item.path}: ${item.name}`, async () => {
      const executed = await trace.during(() => item.run(fx));
      expect(executed.length, 'the item ran no SQL: is it still wired to the database?').toBeGreaterThan(0);
      const problems: string[] = [];
      for (const statement of new Map(executed.map((e) => [e.source, e])).values()) {
        for (const detail of trace.plan(statement)) {
          const why = unboundedStep(detail, item.boundedSort, item.boundedScan);
          if (why) problems.push(`${why}: ${detail}\n    in: ${statement.source.replace(/\s+/g, ' ').slice(0, 300)}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('the checker itself flags a full scan', async () => {
    const executed = await trace.during(() =>
      fx.database.sqlite.prepare('SELECT * FROM subscriptions WHERE order_id || ? = ?').all('', fx.orderId),
    );
    const details = executed.flatMap((e) => trace.plan(e));
    expect(details.map((d) => unboundedStep(d, undefined))).toContain('full scan of subscriptions');
  });
});
