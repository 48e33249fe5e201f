/**
 * Backups and restore over real parts: a database file with the real
 * migrations, purchases through the real saga against the LumiWeb simulator
 * over HTTP, SQLite's online backup, and the restore that swaps a backup in.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase, type Database_ } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { RestoreRefused, restoreBackup } from '../../src/restore.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';
import { createBackupJob } from '../../src/scheduler/jobs/backup.js';
import { createBackups, verifyDatabaseFile } from '../../src/services/backups.js';
import { waitFor } from '../helpers/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'storefront-backups-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A shop on a database file, selling LumiWeb proxies. */
async function shopOnFile(path: string, upstream: RunningUpstream<'lumiweb'>) {
  const database = openDatabase(path);
  const services = buildServices(database, { providers: [upstream.provider({ timeoutMs: 5_000 })] });
  let open = true;
  const close = async () => {
    if (!open) return;
    open = false;
    await services.orders.drain();
    database.close();
  };
  cleanups.push(close);
  return { database, services, close };
}

async function lumiweb() {
  const upstream = await startUpstream('lumiweb');
  cleanups.push(() => upstream.close());
  return upstream;
}

const ordersIn = (database: Database_) =>
  database.sqlite.prepare('SELECT state, count(*) AS n FROM orders GROUP BY state').all() as Array<{ state: string; n: number }>;

describe('backups', () => {
  it('a backup taken while purchases run restores into a shop whose ledger holds, and the reconciler finishes what was in flight', async () => {
    const dir = tempDir();
    const path = join(dir, 'shop.db');
    const upstream = await lumiweb();
    const shop = await shopOnFile(path, upstream);
    const { services } = shop;
    const entry = await services.catalog.providerEntry('lumiweb');
    const product = entry!.products.find((p) => p.available)!;
    const choice = {
      productId: product.id,
      ...(product.countries[0] ? { countryCode: product.countries.find((c) => c.available)!.code } : {}),
      termId: product.terms[0]!.id,
      quantity: 1,
    };
    // Purchases that sit at the upstream for a while, so the backup is taken with them in flight.
    upstream.simulator.faults.inject({ kind: 'slow', delayMs: 2_500 }, { method: 'POST', path: /proxy\/static$/, times: Infinity });
    const buyers = Array.from({ length: 8 }, (_, i) => {
      const user = services.users.ensure({ telegramId: 900 + i, firstName: `Buyer${i}` });
      services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: `seed-${i}`, amountCents: 50_000 });
      return user;
    });
    const purchases = buyers.map(async (user, i) => {
      const quoted = await services.orders.quote(user.id, 'lumiweb', choice);
      if (!quoted.ok) throw new Error(quoted.message);
      return services.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: `buy-${i}`, channel: 'api' });
    });
    await waitFor(() => ordersIn(shop.database).find((s) => s.state === 'calling' && s.n === buyers.length), {
      what: 'every purchase waiting on the upstream',
    });

    const backups = createBackups({ sqlite: shop.database.sqlite, dir: join(dir, 'backups'), keep: 3 });
    const report = await backups.backupNow();
    expect(report).toMatchObject({ ok: true });
    if (!report.ok) return;
    expect(report.file).toMatch(/storefront-.*\.db\.gz$/);

    const results = await Promise.all(purchases);
    expect(results.map((r) => r.kind)).toEqual(buyers.map(() => 'delivered'));
    expect(services.orders.checkInvariants()).toEqual([]);
    await shop.close();

    const restored = await restoreBackup({ databasePath: path, backupFile: report.file });
    expect(restored.check).toEqual({ integrity: [], violations: [] });
    expect(restored.keptAside).toMatch(/shop\.db\.before-restore-/);
    // The file kept aside is the shop as it stopped: every order delivered.
    expect(verifyDatabaseFile(restored.keptAside!)).toEqual({ integrity: [], violations: [] });

    // The restored shop is the moment of the backup: every order still waiting on the upstream, its price held.
    const after = await shopOnFile(path, upstream);
    expect(ordersIn(after.database)).toEqual([{ state: 'calling', n: buyers.length }]);
    expect(after.services.orders.checkInvariants()).toEqual([]);
    for (const user of buyers) expect(after.services.wallet.balance(user.id).heldCents).toBeGreaterThan(0);

    // The upstream sold them all: the reconciler finds each sale and charges for it; no money goes back for a sold proxy.
    upstream.simulator.faults.clear();
    for (const row of after.database.sqlite.prepare('SELECT id FROM orders').all() as Array<{ id: string }>) {
      const result = await after.services.orders.reconcile(row.id);
      expect(result?.kind).toBe('delivered');
    }
    expect(ordersIn(after.database)).toEqual([{ state: 'delivered', n: buyers.length }]);
    expect(after.services.orders.checkInvariants()).toEqual([]);
    for (const user of buyers) expect(after.services.wallet.balance(user.id).heldCents).toBe(0);
  });

  it('keeps the newest BACKUP_KEEP backups and deletes older ones', async () => {
    const dir = tempDir();
    const upstream = await lumiweb();
    const shop = await shopOnFile(join(dir, 'shop.db'), upstream);
    let clock = Date.parse('2026-01-01T03:15:00Z');
    const backups = createBackups({ sqlite: shop.database.sqlite, dir: join(dir, 'backups'), keep: 2, now: () => clock });
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock += 86_400_000;
      const report = await backups.backupNow();
      if (!report.ok) throw new Error(report.problems.join('; '));
      made.push(report.file);
    }
    const names = made.map((file) => file.split('/').at(-1)!);
    expect(await backups.list()).toEqual(names.slice(1));
    // Nothing else is left behind: no partial copies, no uncompressed files.
    expect(readdirSync(join(dir, 'backups')).sort()).toEqual(names.slice(1));
  });

  it('a backup whose ledger is broken is kept aside, not counted, and raises an operator alert', async () => {
    const dir = tempDir();
    const upstream = await lumiweb();
    const shop = await shopOnFile(join(dir, 'shop.db'), upstream);
    const user = shop.services.users.ensure({ telegramId: 77, firstName: 'Eve' });
    shop.services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'seed', amountCents: 1_000 });
    // The balance cache no longer matches the journal (the live database is what is wrong).
    shop.database.sqlite.prepare('UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE user_id = ?').run(user.id);
    expect(shop.services.orders.checkInvariants()).not.toEqual([]);

    const logs: string[] = [];
    const backups = createBackups({ sqlite: shop.database.sqlite, dir: join(dir, 'backups'), keep: 2 });
    const job = createBackupJob({
      backups,
      outbox: shop.services.outbox,
      logger: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
    });
    const report = await job();
    expect(report.ok).toBe(false);
    if (report.ok) return;
    expect(report.file).toMatch(/-failed\.db\.gz$/);
    expect(report.problems.join('\n')).toMatch(/cache|journal|balance/i);
    expect(await backups.list()).toEqual([]);
    const alerts = shop.database.sqlite.prepare("SELECT kind, payload FROM outbox WHERE audience = 'operators'").all() as Array<{
      kind: string;
      payload: string;
    }>;
    expect(alerts.map((a) => a.kind)).toEqual(['backup_failed']);
    expect(JSON.parse(alerts[0]!.payload).file).toBe(report.file);
  });
});

/** `npm run restore -- <file>` as an operator types it: the script under tsx, DATABASE_PATH from the environment. */
function restoreCommand(databasePath: string, file: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/restore.ts', file],
      { env: { ...process.env, DATABASE_PATH: databasePath }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('restore', () => {
  it('npm run restore refuses while the shop runs, then restores once it has stopped', async () => {
    const dir = tempDir();
    const path = join(dir, 'shop.db');
    const upstream = await lumiweb();
    const shop = await shopOnFile(path, upstream);
    shop.services.users.ensure({ telegramId: 1, firstName: 'InBackup' });
    const report = await createBackups({ sqlite: shop.database.sqlite, dir: join(dir, 'backups'), keep: 2 }).backupNow();
    if (!report.ok) throw new Error(report.problems.join('; '));
    shop.services.users.ensure({ telegramId: 2, firstName: 'AfterBackup' });

    const refused = await restoreCommand(path, report.file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Not restored: the shop seems to be running');

    await shop.close();
    const done = await restoreCommand(path, report.file);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('Checks passed: integrity, ledger invariants.');
    expect(done.stdout).toMatch(/The database it replaced is kept at .*shop\.db\.before-restore-/);
    const restored = await shopOnFile(path, upstream);
    expect(restored.services.users.byTelegramId(1)?.firstName).toBe('InBackup');
    expect(restored.services.users.byTelegramId(2)).toBeUndefined();
  });

  it('refuses while the shop has the database open, and changes nothing', async () => {
    const dir = tempDir();
    const path = join(dir, 'shop.db');
    const upstream = await lumiweb();
    const shop = await shopOnFile(path, upstream);
    shop.services.users.ensure({ telegramId: 1, firstName: 'Before' });
    const backups = createBackups({ sqlite: shop.database.sqlite, dir: join(dir, 'backups'), keep: 2 });
    const report = await backups.backupNow();
    if (!report.ok) throw new Error(report.problems.join('; '));
    shop.services.users.ensure({ telegramId: 2, firstName: 'After' });

    await expect(restoreBackup({ databasePath: path, backupFile: report.file })).rejects.toThrow(/shop seems to be running/);
    // Still the live database, still open and writable, with what was written after the backup.
    shop.services.users.ensure({ telegramId: 3, firstName: 'Later' });
    expect(shop.services.users.byTelegramId(2)?.firstName).toBe('After');
    expect(readdirSync(dir).filter((n) => n.includes('restor'))).toEqual([]);
  });

  it('refuses while a job lease has not lapsed (a shop that just crashed or is starting)', async () => {
    const dir = tempDir();
    const path = join(dir, 'shop.db');
    const upstream = await lumiweb();
    const shop = await shopOnFile(path, upstream);
    const report = await createBackups({ sqlite: shop.database.sqlite, dir: join(dir, 'backups'), keep: 2 }).backupNow();
    if (!report.ok) throw new Error(report.problems.join('; '));
    shop.database.sqlite
      .prepare('INSERT INTO job_leases (job, holder, expires_at) VALUES (?, ?, ?)')
      .run('reconcile-orders', 'other-host:42', Date.now() + 60_000);
    await shop.close();
    await expect(restoreBackup({ databasePath: path, backupFile: report.file })).rejects.toThrow(
      /job reconcile-orders is held by other-host:42 until/,
    );
    expect(readdirSync(dir).sort()).toEqual(['backups', 'shop.db']);
  });

  it('refuses a file that is not a sound shop database, before touching the current one', async () => {
    const dir = tempDir();
    const path = join(dir, 'shop.db');
    const upstream = await lumiweb();
    const shop = await shopOnFile(path, upstream);
    shop.services.users.ensure({ telegramId: 1, firstName: 'Kept' });
    await shop.close();
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not a database');
    const refusal = await restoreBackup({ databasePath: path, backupFile: junk }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RestoreRefused);
    expect(readdirSync(dir).sort()).toEqual(['junk.db', 'shop.db']);
    const reopened = await shopOnFile(path, upstream);
    expect(reopened.services.users.byTelegramId(1)?.firstName).toBe('Kept');
  });
});
