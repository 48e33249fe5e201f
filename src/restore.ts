/**
 * Restores a database backup: `npm run restore -- <backup file>` (a
 * `.db.gz` from BACKUP_DIR, or a plain SQLite file). Safe by construction:
 *
 *  1. The backup is unpacked next to the database (same folder, so the swap
 *     is a rename), brought up to this version's schema, and checked —
 *     integrity_check and the ledger's invariants — before anything else is
 *     touched. A backup that fails is refused and the shop is left as it was.
 *  2. It refuses while the shop is running: any process with the database
 *     open (the shop holds it open for its whole life) keeps it in WAL mode,
 *     and leaving WAL mode needs every other connection gone; a job lease that
 *     has not lapsed means the same. Stop the shop first.
 *  3. It holds an exclusive lock on the database while it swaps, so nothing
 *     opens the old file in between; the current database is renamed aside
 *     with a timestamp (`<database>.before-restore-<time>`), never deleted.
 *
 * Then start the shop: it reconciles every order that was open at the time of
 * the backup with the upstreams, as after any restart.
 */
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { describeConfigProblems, parseConfig, readEnvironment } from './config.js';
import { verifyDatabaseFile, type DatabaseCheck } from './services/backups.js';

/** Why a restore did not happen; nothing was changed. */
export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}

export interface RestoreResult {
  databasePath: string;
  /** Where the database that was replaced now is; null when there was none. */
  keptAside: string | null;
  check: DatabaseCheck;
}

export async function restoreBackup(options: { databasePath: string; backupFile: string; now?: () => number }): Promise<RestoreResult> {
  const now = options.now ?? Date.now;
  if (options.databasePath === ':memory:') throw new RestoreRefused('DATABASE_PATH is :memory:, there is no file to restore into');
  const databasePath = resolve(options.databasePath);
  const backupFile = resolve(options.backupFile);
  if (!existsSync(backupFile)) throw new RestoreRefused(`no such file: ${backupFile}`);
  if (backupFile === databasePath) throw new RestoreRefused('the backup is the database itself');

  const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
  const candidate = `${databasePath}.restoring-${stamp}`;
  await mkdir(dirname(databasePath), { recursive: true });
  try {
    if (backupFile.endsWith('.gz')) await pipeline(createReadStream(backupFile), createGunzip(), createWriteStream(candidate));
    else await copyFile(backupFile, candidate);

    let check: DatabaseCheck;
    try {
      check = verifyDatabaseFile(candidate, { standalone: true, migrate: true });
    } catch (error) {
      throw new RestoreRefused(`the backup cannot be read as a shop database: ${error instanceof Error ? error.message : String(error)}`);
    }
    const problems = [...check.integrity.map((l) => `integrity: ${l}`), ...check.violations];
    if (problems.length > 0) throw new RestoreRefused(`the backup fails its checks:\n  ${problems.slice(0, 20).join('\n  ')}`);

    if (!existsSync(databasePath)) {
      await rename(candidate, databasePath);
      return { databasePath, keptAside: null, check };
    }
    const live = lockStoppedDatabase(databasePath, now());
    try {
      const keptAside = `${databasePath}.before-restore-${stamp}`;
      await rename(databasePath, keptAside);
      // Out of WAL mode there should be none; one left over must not be replayed into the restored file.
      for (const suffix of ['-wal', '-shm']) {
        if (existsSync(databasePath + suffix)) await rename(databasePath + suffix, keptAside + suffix);
      }
      try {
        await rename(candidate, databasePath);
      } catch (error) {
        // Never leave no database at all: the shop would start on a new, empty one.
        await rename(keptAside, databasePath);
        throw error;
      }
      return { databasePath, keptAside, check };
    } finally {
      live.close();
    }
  } finally {
    await rm(candidate, { force: true });
  }
}

/**
 * Opens the live database and proves no shop has it: leaving WAL mode fails
 * while any other connection is open. Returns the connection holding an
 * exclusive lock, so nothing opens it until the swap is done.
 */
function lockStoppedDatabase(path: string, at: number) {
  const sqlite = new Database(path, { fileMustExist: true, timeout: 0 });
  try {
    let mode: unknown;
    try {
      mode = sqlite.pragma('journal_mode = DELETE', { simple: true });
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new RestoreRefused(runningMessage('the database is open'));
      throw error;
    }
    if (mode !== 'delete') throw new RestoreRefused(runningMessage(`the database stays in ${String(mode)} mode`));
    const leases = hasTable(sqlite, 'job_leases')
      ? (sqlite.prepare('SELECT job, holder, expires_at AS expiresAt FROM job_leases WHERE expires_at > ?').all(at) as Array<{
          job: string;
          holder: string;
          expiresAt: number;
        }>)
      : [];
    if (leases.length > 0) {
      const until = new Date(Math.max(...leases.map((l) => l.expiresAt))).toISOString();
      throw new RestoreRefused(runningMessage(`job ${leases[0]!.job} is held by ${leases[0]!.holder} until ${until}`));
    }
    sqlite.exec('BEGIN EXCLUSIVE');
    return { close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

function hasTable(sqlite: Database.Database, name: string): boolean {
  return sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

const runningMessage = (why: string) => `the shop seems to be running (${why}); stop it first, then restore`;

async function main(argv: string[]): Promise<number> {
  const file = argv.find((a) => !a.startsWith('-'));
  if (!file) {
    process.stderr.write('Usage: npm run restore -- <backup file (.db.gz or .db)>\n');
    return 64; // EX_USAGE
  }
  const parsed = parseConfig(readEnvironment());
  if (!parsed.ok) {
    process.stderr.write(`${describeConfigProblems(parsed.problems)}\n`);
    return 78; // EX_CONFIG
  }
  try {
    const result = await restoreBackup({ databasePath: parsed.config.databasePath, backupFile: file });
    process.stdout.write(
      [
        `Restored ${resolve(file)} into ${result.databasePath}.`,
        'Checks passed: integrity, ledger invariants.',
        result.keptAside ? `The database it replaced is kept at ${result.keptAside}.` : 'There was no database before.',
        'Start the shop: it reconciles the orders that were open at the time of the backup.',
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    if (error instanceof RestoreRefused) {
      process.stderr.write(`Not restored: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`Restore failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
