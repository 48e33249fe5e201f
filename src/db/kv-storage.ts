/**
 * A small key-value store over the `kv_store` table, for the bot's session
 * and conversation state. Values are JSON; every call is one synchronous
 * statement, so a crash never leaves half a value. The shape matches both
 * grammY's StorageAdapter and the conversations plugin's storage, so one
 * instance serves both (each under its own key prefix).
 */
import { asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { kvStore } from './schema/index.js';

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

export function createKvStorage<T>(db: Db, options: KvStorageOptions = {}): KvStorage<T> {
  const prefix = options.prefix ?? '';
  const now = options.now ?? Date.now;
  // Read and written on every bot update that touches a session or a conversation.
  const key = sql.placeholder('key');
  const select = db.select({ value: kvStore.value }).from(kvStore).where(eq(kvStore.key, key)).prepare();
  const upsert = db
    .insert(kvStore)
    .values({ key, value: sql.placeholder('value'), updatedAt: sql.placeholder('updatedAt') })
    .onConflictDoUpdate({ target: kvStore.key, set: { value: sql`excluded.value`, updatedAt: sql`excluded.updated_at` } })
    .prepare();
  const remove = db.delete(kvStore).where(eq(kvStore.key, key)).prepare();

  return {
    read(k) {
      const row = select.get({ key: prefix + k });
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    write(k, value) {
      upsert.run({ key: prefix + k, value: JSON.stringify(value), updatedAt: now() });
    },
    delete(k) {
      remove.run({ key: prefix + k });
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
export function forgetUntouchedSince(db: Db, cutoff: number, limit: number): number {
  // One page, oldest first along kv_store_updated: SQLite's DELETE has no LIMIT unless compiled with it.
  const page = db
    .select({ key: kvStore.key })
    .from(kvStore)
    .where(lt(kvStore.updatedAt, cutoff))
    .orderBy(asc(kvStore.updatedAt))
    .limit(limit);
  return db.delete(kvStore).where(inArray(kvStore.key, page)).run().changes;
}
