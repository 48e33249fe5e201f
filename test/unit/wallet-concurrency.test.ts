import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';

const WORKERS = 4;
const ATTEMPTS = 200;

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('concurrent holds from separate connections', () => {
  it('200 holds of 1 cent against 50 cents: exactly 50 succeed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'wallet-race-'));
    const dbPath = join(dir, 'shop.db');
    const database = openDatabase(dbPath);
    const { users, wallet } = buildServices(database);
    const user = users.ensure({ telegramId: 1, firstName: 'Racer' });
    wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'seed', amountCents: 50 });

    const startFlag = new SharedArrayBuffer(4);
    const perWorker = ATTEMPTS / WORKERS;
    const workers = Array.from(
      { length: WORKERS },
      (_, w) =>
        new Worker(new URL('../helpers/ts-worker.mjs', import.meta.url), {
          workerData: {
            entry: new URL('../helpers/hold-worker.ts', import.meta.url).href,
            dbPath,
            userId: user.id,
            orderIds: Array.from({ length: perWorker }, (_, i) => `w${w}-o${i}`),
            startFlag,
          },
        }),
    );
    const results = workers.map(
      (worker) =>
        new Promise<{ succeeded: number; refusals: string[] }>((resolve, reject) => {
          worker.on('message', (m: { ready?: boolean; succeeded?: number; refusals?: string[] }) => {
            if (!m.ready) resolve(m as { succeeded: number; refusals: string[] });
          });
          worker.on('error', reject);
        }),
    );
    const ready = workers.map((worker) => new Promise((resolve) => worker.once('message', resolve)));
    await Promise.all(ready);
    Atomics.store(new Int32Array(startFlag), 0, 1);
    Atomics.notify(new Int32Array(startFlag), 0);
    const outcomes = await Promise.all(results);

    const succeeded = outcomes.reduce((n, o) => n + o.succeeded, 0);
    const refusals = outcomes.flatMap((o) => o.refusals);
    expect(succeeded).toBe(50);
    expect(refusals).toHaveLength(150);
    expect(new Set(refusals)).toEqual(new Set(['insufficient_funds']));
    expect(wallet.balance(user.id)).toEqual({ availableCents: 0, heldCents: 50 });
    expect(wallet.checkInvariants()).toEqual([]);
    database.close();
  });
});
