/**
 * A cached wallet balance is never older than the database allows: a write
 * through the same connection shows at once, one by another connection (a
 * second instance of the shop) within the check window, and nothing read
 * inside a transaction that rolls back is ever served.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase, type Database_ } from '../../src/db/client.js';
import { cachedUntilChange, OTHER_WRITERS_CHECK_MS } from '../../src/db/read-cache.js';

let dir: string;
let opened: Database_[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'read-cache-'));
  opened = [];
});
afterEach(() => {
  for (const database of opened) database.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(): Database_ {
  const database = openDatabase(join(dir, 'shop.db'));
  opened.push(database);
  return database;
}

/** Two shop instances on one file, each with its own connection and services. */
function twoInstances() {
  const here = buildServices(open());
  const there = buildServices(open());
  const user = here.users.ensure({ telegramId: 77, firstName: 'Ana' });
  here.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'seed', amountCents: 5_000 });
  return { here, there, userId: user.id };
}

describe('a wallet balance read through the cache', () => {
  it('shows a change made through the same connection at once', () => {
    const { here, userId } = twoInstances();
    expect(here.wallet.balance(userId)).toEqual({ availableCents: 5_000, heldCents: 0 });
    here.wallet.creditTopUp({ userId, method: 'manual', externalId: 'second', amountCents: 250 });
    expect(here.wallet.balance(userId)).toEqual({ availableCents: 5_250, heldCents: 0 });
  });

  it('shows a change made by another connection once the check window has passed', () => {
    const database = open();
    const services = buildServices(database);
    const user = services.users.ensure({ telegramId: 78, firstName: 'Bo' });
    services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'seed', amountCents: 1_000 });
    let clock = 0;
    const availableOf = database.sqlite.prepare('SELECT available FROM ledger_accounts WHERE id = ?').pluck();
    const balanceOf = cachedUntilChange(database.sqlite, (id: number) => availableOf.get(`wallet:${id}`), { now: () => clock });
    expect(balanceOf(user.id)).toBe(1_000);

    const other = buildServices(open());
    other.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'elsewhere', amountCents: 300 });
    clock += OTHER_WRITERS_CHECK_MS - 1;
    expect(balanceOf(user.id)).toBe(1_000); // within the window: the one staleness allowed
    clock += 1;
    expect(balanceOf(user.id)).toBe(1_300);
  });

  it('reaches the other instance within the window in real time too', async () => {
    const { here, there, userId } = twoInstances();
    expect(there.wallet.balance(userId).availableCents).toBe(5_000);
    here.wallet.creditTopUp({ userId, method: 'manual', externalId: 'late', amountCents: 1 });
    const started = performance.now();
    while (there.wallet.balance(userId).availableCents !== 5_001) {
      expect(performance.now() - started).toBeLessThan(OTHER_WRITERS_CHECK_MS * 5);
      await new Promise((resolve) => setImmediate(resolve));
    }
  });

  it('never serves what a rolled-back transaction read', () => {
    const { here, userId } = twoInstances();
    expect(here.wallet.balance(userId).availableCents).toBe(5_000);
    const sqlite = opened[0]!.sqlite;
    expect(() =>
      sqlite.transaction(() => {
        sqlite.prepare('UPDATE ledger_accounts SET credits_posted = credits_posted + 999 WHERE id = ?').run(`wallet:${userId}`);
        expect(here.wallet.balance(userId).availableCents).toBe(5_999); // the transaction sees its own write
        throw new Error('changed my mind');
      })(),
    ).toThrow('changed my mind');
    expect(here.wallet.balance(userId).availableCents).toBe(5_000);
  });

  it('notices a write by any code on the connection, not only the wallet’s', () => {
    const { here, userId } = twoInstances();
    expect(here.wallet.balance(userId).heldCents).toBe(0);
    opened[0]!.sqlite.prepare('UPDATE ledger_accounts SET debits_pending = 40 WHERE id = ?').run(`wallet:${userId}`);
    expect(here.wallet.balance(userId)).toEqual({ availableCents: 4_960, heldCents: 40 });
  });

  it('keeps at most maxEntries keys', () => {
    const database = open();
    let reads = 0;
    const square = cachedUntilChange(
      database.sqlite,
      (n: number) => {
        reads++;
        return n * n;
      },
      { maxEntries: 2 },
    );
    expect([square(1), square(2), square(1)]).toEqual([1, 4, 1]);
    expect(reads).toBe(2);
    square(3); // drops 1, the oldest
    square(2);
    expect(reads).toBe(3);
    square(1);
    expect(reads).toBe(4);
  });
});
