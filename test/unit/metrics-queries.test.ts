/**
 * /metrics reads the database at every scrape, so its queries must stay
 * cheap as the shop grows: their plans, as SQLite will run them on the real
 * schema (the real migrations), use the indexes meant for them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database_ } from '../../src/db/client.js';
import { databaseGaugeQueries } from '../../src/observability/metrics.js';

let database: Database_ | undefined;
afterEach(() => {
  database?.close();
  database = undefined;
});

type GaugeQuery = keyof ReturnType<typeof databaseGaugeQueries>;

function planOf(name: GaugeQuery): string[] {
  database ??= openDatabase(':memory:');
  const { sql, params } = databaseGaugeQueries(database.db)[name].toSQL();
  return (database.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((row) => row.detail);
}

describe('the queries behind /metrics', () => {
  it('count orders by state and provider from a covering index, without sorting', () => {
    const plan = planOf('ordersByStateAndProvider');
    expect(plan).toEqual(['SCAN orders USING COVERING INDEX orders_state_provider']);
  });

  it('read the outbox backlog from its state index alone', () => {
    const reads = (['outboxPending', 'outboxFailed', 'outboxOldestDue'] as const).flatMap((name) => planOf(name));
    expect(reads).toHaveLength(3);
    for (const step of reads) expect(step).toMatch(/^SEARCH outbox USING COVERING INDEX outbox_due \(state=\?/);
  });

  it('sum wallets over the accounts, never the journal of transfers', () => {
    const plan = planOf('walletTotals');
    expect(plan.join('\n')).not.toContain('ledger_transfers');
    expect(plan).toEqual(['SCAN ledger_accounts']);
  });
});
