/**
 * Opens the SQLite database, sets the pragmas the ledger's safety depends on,
 * checks they took effect, and applies pending migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { fromPackageRoot } from '../lib/package-root.js';
import * as schema from './schema/index.js';

export type Sqlite = Database.Database;
/** drizzle over the connection; `$client` is that same connection, for prepared SQL drizzle cannot express. */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Sqlite };

export interface Database_ {
  sqlite: Sqlite;
  db: Db;
  close(): void;
}

export const MIGRATIONS_FOLDER = fromPackageRoot('migrations');
export const BUSY_TIMEOUT_MS = 5_000;

export class DatabaseSetupError extends Error {
  override name = 'DatabaseSetupError';
}

/** `path` is a file path or ':memory:' (tests: a fresh database each time). */
export function openDatabase(path: string): Database_ {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  applyPragmas(sqlite, inMemory);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return { sqlite, db, close: () => sqlite.close() };
}

/** Pages of WAL after which a commit checkpoints it; see applyPragmas. */
export const WAL_AUTOCHECKPOINT_PAGES = 250;

export function applyPragmas(sqlite: Sqlite, inMemory: boolean): void {
  // WAL lets readers run beside the single writer; FULL makes every commit durable
  // before we tell a customer their payment went through.
  if (!inMemory) sqlite.pragma('journal_mode = WAL');
  // A WAL checkpoint runs inside the commit that crosses this many pages, copying them all back at once:
  // at the default 1000 pages (4 MB) that stalled a scheduler batch for 60+ ms; 250 keeps each one short.
  if (!inMemory) sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  assertPragmas(sqlite, inMemory);
}

function assertPragmas(sqlite: Sqlite, inMemory: boolean): void {
  const read = (name: string) => sqlite.pragma(name, { simple: true });
  const problems: string[] = [];
  const journal = String(read('journal_mode'));
  if (!inMemory && journal !== 'wal') problems.push(`journal_mode is ${journal}, expected wal`);
  if (read('synchronous') !== 2) problems.push(`synchronous is ${String(read('synchronous'))}, expected 2 (FULL)`);
  if (read('foreign_keys') !== 1) problems.push('foreign_keys is off');
  if (read('busy_timeout') !== BUSY_TIMEOUT_MS) problems.push('busy_timeout was not applied');
  if (problems.length > 0) throw new DatabaseSetupError(`SQLite settings not in effect: ${problems.join('; ')}`);
}

/**
 * Runs `work` in a write transaction that takes the write lock at BEGIN
 * (IMMEDIATE), so two writers never both read a balance and then both spend it.
 * `work` must be synchronous: never await inside a transaction.
 */
export function writeTransaction<T>(sqlite: Sqlite, work: () => T): T {
  return sqlite.transaction(work).immediate();
}

/**
 * A write transaction whose commit does not wait for the disk.
 *
 * Only for steps the reconciler can rebuild from durable state: settling an
 * order (capture or void, with its proxies and state). The hold before it was
 * committed with a full sync, and the upstream remembers what it sold, so if a
 * power cut loses this commit the order is simply open again at start-up and
 * is settled the same way. A process crash loses nothing (the data is already
 * in the operating system), and the next fully synced commit makes it durable.
 * This saves one disk flush per purchase.
 */
export function settleTransaction<T>(sqlite: Sqlite, work: () => T): T {
  return unsyncedTransaction(sqlite, work);
}

/**
 * One batch of a scheduler job (expiring proxies, queueing reminders, a
 * sync page), committed without waiting for the disk: the job derives each
 * batch from durable state (expiry dates, the upstream's list), so a batch a
 * power cut loses is done again by the next run. The WAL is written in order,
 * so any later fully synced commit makes the batch durable too. A flush per
 * batch would hold the event loop for as long as the disk takes.
 */
export function jobBatchTransaction<T>(sqlite: Sqlite, work: () => T): T {
  return unsyncedTransaction(sqlite, work);
}

function unsyncedTransaction<T>(sqlite: Sqlite, work: () => T): T {
  if (sqlite.inTransaction) return work(); // the enclosing transaction decides
  sqlite.pragma('synchronous = NORMAL');
  try {
    return sqlite.transaction(work).immediate();
  } finally {
    sqlite.pragma('synchronous = FULL');
  }
}
