/**
 * Online backups of the shop's database, so that a dead disk or a bad deploy
 * never loses the ledger.
 *
 * A backup is taken with SQLite's online backup API (better-sqlite3's
 * `backup()`), which copies the live database page by page in steps between
 * which the event loop runs: customers keep buying while it copies, and the
 * copy is one consistent moment of the database. Each copy is then checked
 * before it counts — `PRAGMA integrity_check` and the ledger's invariants (the
 * same checks as /ledger) — compressed with gzip, and only then given its
 * final name, so a half-written or broken file is never mistaken for a good
 * backup. The newest `keep` good backups are kept. A copy that fails its
 * checks is kept under a `-failed` name for a person to look at (the live
 * database may be what is broken) and reported, never counted as good.
 *
 * `verifyDatabaseFile` is shared with the restore command (src/restore.ts),
 * which checks a backup the same way before it swaps it in.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { fromPackageRoot } from '../lib/package-root.js';
import { MIGRATIONS_FOLDER, type Sqlite } from '../db/client.js';
import * as schema from '../db/schema/index.js';
import { SingleFlight } from '../lib/single-flight.js';
import { silentLogger, type Logger } from '../logger.js';
import { buildServices } from './index.js';

/** Backups are named `storefront-<UTC time>.db.gz`; the time sorts them oldest first. */
const BACKUP_PREFIX = 'storefront-';
export const BACKUP_SUFFIX = '.db.gz';
const FAILED_SUFFIX = `-failed${BACKUP_SUFFIX}`;
/** Pages copied per step of the online backup; the event loop runs between steps. */
const PAGES_PER_STEP = 256;

export type BackupReport =
  | {
      ok: true;
      /** Full path of the compressed backup. */
      file: string;
      /** Size of the compressed file. */
      bytes: number;
      /** Size of the database it holds. */
      databaseBytes: number;
      at: number;
      ms: number;
      /** Older backups deleted to keep `keep`. */
      deleted: string[];
    }
  | {
      ok: false;
      /** The copy that failed its checks, kept for a person, when there is one. */
      file?: string;
      /** What went wrong: an error, integrity_check lines, broken invariants. */
      problems: string[];
      at: number;
      ms: number;
    };

export interface DatabaseCheck {
  /** `PRAGMA integrity_check` lines other than "ok". */
  integrity: string[];
  /** Broken ledger and order invariants (orders.checkInvariants). */
  violations: string[];
}

export interface BackupsDeps {
  /** The live database. */
  sqlite: Sqlite;
  dir: string;
  keep: number;
  now?: () => number;
  logger?: Logger;
}

export function createBackups(deps: BackupsDeps) {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  if (!Number.isInteger(deps.keep) || deps.keep < 1) throw new RangeError('keep at least one backup');
  // A scheduled backup and an operator's /backup at the same moment make one backup, not two.
  const running = new SingleFlight<'backup', BackupReport>();

  async function backupNow(): Promise<BackupReport> {
    return running.run('backup', takeBackup);
  }

  async function takeBackup(): Promise<BackupReport> {
    const at = now();
    const started = Date.now();
    const stamp = new Date(at).toISOString().replace(/[:.]/g, '-');
    const base = join(deps.dir, `${BACKUP_PREFIX}${stamp}`);
    const copy = `${base}.db.partial`;
    const compressed = `${base}.db.gz.partial`;
    const ms = () => Date.now() - started;
    try {
      await mkdir(deps.dir, { recursive: true });
      await deps.sqlite.backup(copy, { progress: () => PAGES_PER_STEP });
      const check = await verifyDatabaseFileOffThread(copy, { standalone: true }, logger);
      const databaseBytes = (await stat(copy)).size;
      await gzipFile(copy, compressed);
      await rm(copy, { force: true });
      const problems = [...check.integrity.map((line) => `integrity: ${line}`), ...check.violations];
      if (problems.length > 0) {
        const kept = `${base}${FAILED_SUFFIX}`;
        await rename(compressed, kept);
        await prune(FAILED_SUFFIX);
        logger.error('backup failed its checks', { file: kept, problems: problems.slice(0, 20) });
        return { ok: false, file: kept, problems, at, ms: ms() };
      }
      const file = `${base}${BACKUP_SUFFIX}`;
      await rename(compressed, file);
      const bytes = (await stat(file)).size;
      const deleted = await prune(BACKUP_SUFFIX);
      logger.info('backup made', { file, bytes, databaseBytes, ms: ms(), deleted: deleted.length });
      return { ok: true, file, bytes, databaseBytes, at, ms: ms(), deleted };
    } catch (error) {
      await rm(copy, { force: true }).catch(() => undefined);
      await rm(compressed, { force: true }).catch(() => undefined);
      const message = error instanceof Error ? error.message : String(error);
      logger.error('backup failed', { error });
      return { ok: false, problems: [message], at, ms: ms() };
    }
  }

  /** Keeps the newest `keep` files of one kind (good or failed); answers the names it deleted. */
  async function prune(suffix: string): Promise<string[]> {
    const files = await list(suffix);
    const old = files.slice(0, Math.max(0, files.length - deps.keep));
    for (const name of old) await rm(join(deps.dir, name), { force: true });
    return old;
  }

  /** Backup file names of one kind, oldest first. A good backup's name never ends like a failed one's. */
  async function list(suffix: string): Promise<string[]> {
    const names = await readdir(deps.dir).catch(() => [] as string[]);
    return names
      .filter((n) => n.startsWith(BACKUP_PREFIX) && n.endsWith(suffix) && (suffix === FAILED_SUFFIX || !n.endsWith(FAILED_SUFFIX)))
      .sort();
  }

  return {
    backupNow,
    /** The good backups in the folder, oldest first (file names). */
    list: () => list(BACKUP_SUFFIX),
    dir: deps.dir,
  };
}

export type Backups = ReturnType<typeof createBackups>;

/**
 * Checks a database file: SQLite's own integrity check, then the ledger's and
 * the orders' invariants over its data. `standalone` first takes the file out
 * of WAL mode, so it is one self-contained file with no -wal or -shm beside it;
 * `migrate` first brings an older backup's schema up to this version's (the
 * shop would do the same at start-up).
 *
 * Synchronous: on a large database the checks take seconds, during which
 * this thread does nothing else; the shop runs it in a worker
 * (`verifyDatabaseFileOffThread`).
 */
export function verifyDatabaseFile(path: string, options: { standalone?: boolean; migrate?: boolean } = {}): DatabaseCheck {
  const sqlite = new Database(path, { fileMustExist: true });
  try {
    if (options.standalone) sqlite.pragma('journal_mode = DELETE');
    const integrity = (sqlite.pragma('integrity_check') as Array<{ integrity_check: string }>)
      .map((row) => row.integrity_check)
      .filter((line) => line !== 'ok');
    if (integrity.length > 0) return { integrity, violations: [] };
    const db = drizzle(sqlite, { schema });
    if (options.migrate) migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    const services = buildServices({ sqlite, db, close: () => sqlite.close() });
    return { integrity: [], violations: services.orders.checkInvariants() };
  } finally {
    sqlite.close();
  }
}

/**
 * `verifyDatabaseFile` in a worker thread, so the shop keeps answering while
 * a large database is read; in this thread if a worker cannot be started
 * (a deploy without the TypeScript loader), which is slower for customers but
 * never skips the checks.
 */
export async function verifyDatabaseFileOffThread(
  path: string,
  options: { standalone?: boolean; migrate?: boolean },
  logger: Logger = silentLogger,
): Promise<DatabaseCheck> {
  let worker: Worker;
  try {
    worker = new Worker(fromPackageRoot('src', 'services', 'backup-check-worker.mjs'), { workerData: { path, options } });
  } catch (error) {
    logger.warn('backup checked on the main thread: no worker', { error });
    return verifyDatabaseFile(path, options);
  }
  return new Promise<DatabaseCheck>((resolve, reject) => {
    worker.once('message', (check: DatabaseCheck) => resolve(check));
    // The worker itself failed (no loader, no memory): the checks still run, here. If the file is
    // what failed, they throw again here and the backup is reported as failed.
    worker.once('error', (error) => {
      logger.warn('backup checked on the main thread: the worker failed', { error });
      try {
        resolve(verifyDatabaseFile(path, options));
      } catch (again) {
        reject(again);
      }
    });
    worker.once('exit', (code) => reject(new Error(`the backup check stopped (exit code ${code}) before it answered`)));
  });
}

/** Compresses `from` into `to` as a stream: memory stays flat whatever the size. */
export async function gzipFile(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from), createGzip(), createWriteStream(to));
}

/** Telegram's limit on a document a bot sends. */
export const TELEGRAM_DOCUMENT_LIMIT_BYTES = 50 * 1024 * 1024;
