/**
 * A small key-value store over the `kv_store` table, for the bot's session
 * and conversation state. Values are JSON; every call is one synchronous
 * statement, so a crash never leaves half a value. The shape matches both
 * grammY's StorageAdapter and the conversations plugin's storage, so one
 * instance serves both (each under its own key prefix).
 */
import type { Sqlite } from './client.js';

export interface KvStorage<T> {
  read(key: string): T | undefined;
  write(key: string, value: T): void;
  delete(key: string): void;
}

export interface KvStorageOptions {
  /** Prepended to every key, so several stores share the table without clashing. */
  prefix?: string;
  now?: () => number;
}

export function createKvStorage<T>(sqlite: Sqlite, options: KvStorageOptions = {}): KvStorage<T> {
  const prefix = options.prefix ?? '';
  const now = options.now ?? Date.now;
  const select = sqlite.prepare<[string], { value: string }>('SELECT value FROM kv_store WHERE key = ?');
  const upsert = sqlite.prepare<[string, string, number]>(
    `INSERT INTO kv_store (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  const remove = sqlite.prepare<[string]>('DELETE FROM kv_store WHERE key = ?');

  return {
    read(key) {
      const row = select.get(prefix + key);
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    write(key, value) {
      upsert.run(prefix + key, JSON.stringify(value), now());
    },
    delete(key) {
      remove.run(prefix + key);
    },
  };
}

/** A view of `storage` whose keys all start with `prefix`. */
export function withPrefix<T>(storage: KvStorage<unknown>, prefix: string): KvStorage<T> {
  return {
    read: (key) => storage.read(prefix + key) as T | undefined,
    write: (key, value) => storage.write(prefix + key, value),
    delete: (key) => storage.delete(prefix + key),
  };
}

/**
 * Deletes up to `limit` entries nobody wrote since `cutoff` (ms): conversations
 * a customer walked away from, pending quotes and operator prompts long stale.
 * Everything kept here is such transient state; returns how many went.
 */
export function forgetUntouchedSince(sqlite: Sqlite, cutoff: number, limit: number): number {
  return sqlite
    .prepare<{ cutoff: number; limit: number }>(
      'DELETE FROM kv_store WHERE key IN (SELECT key FROM kv_store WHERE updated_at < @cutoff ORDER BY updated_at LIMIT @limit)',
    )
    .run({ cutoff, limit }).changes;
}
