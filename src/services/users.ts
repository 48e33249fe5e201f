/**
 * Customers. A customer is created the first time they talk to the bot, and
 * gets a wallet in the same transaction, so every known user can be paid.
 */
import { eq, sql } from 'drizzle-orm';
import { writeTransaction, type Db, type Sqlite } from '../db/client.js';
import { users } from '../db/schema/index.js';
import type { Wallet } from './wallet.js';

export type User = typeof users.$inferSelect;

export const SUPPORTED_LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof SUPPORTED_LANGUAGES)[number];

/** Telegram's language code → one we speak; Russian for ru/uk/be speakers, else English. */
export function languageFromTelegram(code: string | undefined): Language {
  const base = code?.toLowerCase().split('-')[0];
  return base === 'ru' || base === 'uk' || base === 'be' ? 'ru' : 'en';
}

export interface TelegramProfile {
  telegramId: number;
  username?: string;
  firstName?: string;
  languageCode?: string;
}

export function createUsers(deps: { db: Db; sqlite: Sqlite; wallet: Wallet }) {
  const { db, sqlite, wallet } = deps;

  // Read on every update the bot handles: prepared once, not rebuilt per call.
  const byTelegramIdQuery = db
    .select()
    .from(users)
    .where(eq(users.telegramId, sql.placeholder('telegramId')))
    .prepare();
  const byTelegramId = (telegramId: number): User | undefined => byTelegramIdQuery.get({ telegramId });
  // The notifier reads the addressee of every message it sends.
  const byIdQuery = db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare();

  return {
    byTelegramId,

    byId(id: number): User | undefined {
      return byIdQuery.get({ id });
    },

    /** Finds or creates the customer behind a Telegram account; refreshes their names. */
    ensure(profile: TelegramProfile): User {
      if (!Number.isSafeInteger(profile.telegramId) || profile.telegramId <= 0) {
        throw new Error('invalid Telegram user id');
      }
      return writeTransaction(sqlite, () => {
        const existing = byTelegramId(profile.telegramId);
        if (existing) {
          if (existing.username !== (profile.username ?? null) || existing.firstName !== (profile.firstName ?? null)) {
            db.update(users)
              .set({ username: profile.username ?? null, firstName: profile.firstName ?? null })
              .where(eq(users.id, existing.id))
              .run();
          }
          return byTelegramId(profile.telegramId)!;
        }
        const created = db
          .insert(users)
          .values({
            telegramId: profile.telegramId,
            username: profile.username ?? null,
            firstName: profile.firstName ?? null,
            language: languageFromTelegram(profile.languageCode),
          })
          .returning()
          .get();
        wallet.openWallet(created.id);
        return created;
      });
    },

    setLanguage(userId: number, language: Language): void {
      db.update(users).set({ language }).where(eq(users.id, userId)).run();
    },

    /** Telegram told us the user blocked the bot (or unblocked it). */
    setReachable(userId: number, reachable: boolean): void {
      db.update(users)
        .set({ unreachableAt: reachable ? null : Date.now() })
        .where(eq(users.id, userId))
        .run();
    },
  };
}

export type Users = ReturnType<typeof createUsers>;
