/**
 * Reads kept in memory until the database changes, for hot reads that would
 * otherwise cost a query each (a wallet's balance on every `GET /balance`
 * and every menu).
 *
 * Why not just query: in WAL mode every read transaction takes and drops a
 * lock with two `fcntl` calls, and under load those system calls cost more
 * than the rest of an API request's own work. Knowing that nothing changed
 * is far cheaper:
 *
 * - a write through this connection moves `total_changes()`, which SQLite
 *   answers from the connection itself, without a lock or a system call;
 * - a commit by any other connection (another process, a backup, a second
 *   instance of the shop) moves `PRAGMA data_version`. That one does need a
 *   read transaction, so it is asked at most once every
 *   `otherWritersCheckMs`: the only staleness the cache allows.
 *
 * Either change empties the whole cache. Inside a transaction nothing is
 * served from it or put in it, as the rows read there may never commit.
 */
import type { Sqlite } from './client.js';

/** How late a change committed by another connection may be seen by a cached read. */
export const OTHER_WRITERS_CHECK_MS = 100;
/** Beyond this many entries the oldest is dropped, so memory stays bounded. */
const DEFAULT_MAX_ENTRIES = 10_000;

export interface ReadCacheOptions {
  otherWritersCheckMs?: number;
  maxEntries?: number;
  /** Milliseconds, monotonic; injectable for tests. */
  now?: () => number;
}

/**
 * `read(key)`, answered from memory while the database is unchanged. `read`
 * must depend on nothing but the database and `key`.
 */
export function cachedUntilChange<K, V>(sqlite: Sqlite, read: (key: K) => V, options: ReadCacheOptions = {}): (key: K) => V {
  const checkEveryMs = options.otherWritersCheckMs ?? OTHER_WRITERS_CHECK_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const now = options.now ?? (() => performance.now());
  const ownChanges = sqlite.prepare('SELECT total_changes()').pluck();
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();

  const entries = new Map<K, V>();
  let seenOwnChanges = ownChanges.get();
  let seenDataVersion = dataVersion.get();
  let checkedOthersAt = now();

  /** Empties the cache when the database may have changed since its entries were read. */
  const forgetIfChanged = (): void => {
    let changed = false;
    const own = ownChanges.get();
    if (own !== seenOwnChanges) {
      seenOwnChanges = own;
      changed = true;
    }
    const at = now();
    if (at - checkedOthersAt >= checkEveryMs) {
      checkedOthersAt = at;
      const version = dataVersion.get();
      if (version !== seenDataVersion) {
        seenDataVersion = version;
        changed = true;
      }
    }
    if (changed) entries.clear();
  };

  return (key) => {
    if (sqlite.inTransaction) return read(key);
    forgetIfChanged();
    if (entries.has(key)) return entries.get(key) as V;
    const value = read(key);
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as K);
    entries.set(key, value);
    return value;
  };
}
