/**
 * Scheduler jobs work in batches sized by time, so none holds the event loop
 * for long whatever a row costs. Each job here walks a few thousand rows with
 * a budget far smaller than any batch of the initial size could meet; the
 * rows each batch handled are read from the database at every checkpoint
 * (where the job yields), so the assertion is about structure — how much
 * work ran between two yields — not about the machine's speed.
 */
import { describe, expect, it } from 'vitest';
import { batchSizer, FIRST_BATCH_ROWS, MAX_BATCH_ROWS, MIN_BATCH_ROWS, type JobContext } from '../../src/lib/batches.js';
import { createExpiryJob } from '../../src/scheduler/jobs/expiry.js';
import { createReminderJob } from '../../src/scheduler/jobs/reminders.js';
import { createSyncProxiesJob } from '../../src/scheduler/jobs/sync-proxies.js';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();
const HOUR = 3_600_000;
const ROWS = 2_000;
/** A tenth of a millisecond: no batch of more than a handful of real rows fits in it. */
const TINY_BUDGET_MS = 0.1;

describe('batch sizing by time', () => {
  it('sizes each batch to fit the budget at the pace of the last one, within its bounds', () => {
    let clock = 0;
    const batches = batchSizer(10, () => clock);
    const first = batches.next();
    expect(first.limit).toBe(FIRST_BATCH_ROWS);
    clock += 50; // 50 rows in 50 ms: 1 ms a row
    first.done(50);
    const second = batches.next();
    expect(second.limit).toBe(10);
    clock += 1; // 10 rows in 1 ms: fast now, but a batch at most doubles
    second.done(10);
    expect(batches.next().limit).toBe(20);
  });

  it('never goes below one row or above the maximum, and a batch that handled nothing changes nothing', () => {
    let clock = 0;
    const batches = batchSizer(10, () => clock);
    const slow = batches.next();
    clock += 10_000;
    slow.done(1);
    expect(batches.next().limit).toBe(MIN_BATCH_ROWS);
    const empty = batches.next();
    clock += 10_000;
    empty.done(0);
    let limit = batches.next().limit;
    expect(limit).toBe(MIN_BATCH_ROWS);
    for (let i = 0; i < 20; i++) {
      const batch = batches.next();
      batch.done(batch.limit); // no time passes: as fast as it gets
      limit = batches.next().limit;
    }
    expect(limit).toBe(MAX_BATCH_ROWS);
  });
});

/** A proxy-panel customer's first proxy, bought through the saga, to copy rows from. */
async function firstProxy(s: TestShop) {
  const user = s.customer(100_000);
  const quoted = await s.orders.quote(user.id, 'proxy-panel', await firstChoice(s, 'proxy-panel'));
  if (!quoted.ok) throw new Error(quoted.message);
  const bought = await s.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'buy', channel: 'bot' });
  if (bought.kind !== 'delivered') throw new Error(bought.kind);
  return bought.proxies[0]!;
}

/** `count` copies of the proxy, expiring from `inHours` on, unknown to the upstream. */
function copies(s: TestShop, like: { id: string }, count: number, inHours: number) {
  const copy = s.database.sqlite.prepare(
    `INSERT INTO subscriptions (id, user_id, order_id, provider_id, product_id, product_name, upstream_id, host, login, password, expires_at, status, created_at)
     SELECT ?, user_id, order_id, provider_id, product_id, product_name, ?, host, login, password, ?, 'active', created_at FROM subscriptions WHERE id = ?`,
  );
  s.database.sqlite.transaction(() => {
    for (let i = 0; i < count; i++) copy.run(`copy-${i}`, `copy-upstream-${i}`, Date.now() + inHours * HOUR + i, like.id);
  })();
}

/**
 * A context with a tiny budget whose checkpoint reads `handledSoFar` (a
 * count in the database) each time the job yields: the difference is what
 * the batch since the previous yield did.
 */
function observedContext(handledSoFar: () => number) {
  const perBatch: number[] = [];
  let seen = handledSoFar();
  const settle = () => {
    const now = handledSoFar();
    if (now > seen) perBatch.push(now - seen);
    seen = now;
  };
  const ctx: JobContext = {
    batchBudgetMs: TINY_BUDGET_MS,
    checkpoint: async () => {
      settle();
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
    progress: { read: () => undefined, save: () => undefined },
  };
  return { ctx, perBatch, settle };
}

function expectSmallBatches(perBatch: number[], total: number) {
  expect(perBatch.reduce((a, b) => a + b, 0)).toBe(total);
  // The first batch is sized before anything was timed; every later one fits the tiny budget.
  expect(perBatch[0]).toBeLessThanOrEqual(FIRST_BATCH_ROWS);
  expect(Math.max(...perBatch.slice(1))).toBeLessThan(FIRST_BATCH_ROWS);
  expect(perBatch.length).toBeGreaterThan(ROWS / FIRST_BATCH_ROWS);
}

describe('every job yields after a budget’s worth of rows', () => {
  it('retiring expired proxies', async () => {
    const shop = await newShop(['proxy-panel']);
    copies(shop, await firstProxy(shop), ROWS, -2);
    const expired = shop.database.sqlite.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM subscriptions WHERE status = 'expired'");
    const { ctx, perBatch, settle } = observedContext(() => expired.get()!.n);
    expect(await createExpiryJob(shop)(ctx)).toEqual({ expired: ROWS });
    settle();
    expectSmallBatches(perBatch, ROWS);
  });

  it('expiry reminders', async () => {
    const shop = await newShop(['proxy-panel']);
    const proxy = await firstProxy(shop);
    // Bought a month ago, so every reminder's moment came while they held their expiry.
    shop.database.sqlite
      .prepare('UPDATE subscriptions SET expires_at = ?, created_at = ? WHERE id = ?')
      .run(Date.now() + 100 * HOUR, Date.now() - 30 * 24 * HOUR, proxy.id);
    // Inside the 1-day window: one reminder each (the 3-day one, at the same moment, would be no news).
    copies(shop, proxy, ROWS, 10);
    const reminders = shop.database.sqlite.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'expiry_reminder'");
    const { ctx, perBatch, settle } = observedContext(() => reminders.get()!.n);
    expect(await createReminderJob(shop)(ctx)).toEqual({ queued: ROWS });
    settle();
    expectSmallBatches(perBatch, ROWS);
  });

  it('syncing proxies with the upstream', async () => {
    const shop = await newShop(['proxy-panel']);
    // Past their expiry and missing from the upstream's list: the sync retires each, one update a row.
    copies(shop, await firstProxy(shop), ROWS, -2);
    const expired = shop.database.sqlite.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM subscriptions WHERE status = 'expired'");
    const { ctx, perBatch, settle } = observedContext(() => expired.get()!.n);
    const result = await createSyncProxiesJob(shop)(ctx);
    settle();
    expect(result['proxy-panel']).toMatchObject({ updated: ROWS });
    expectSmallBatches(perBatch, ROWS);
  });
});
