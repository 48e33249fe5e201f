import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** A customer, known by their Telegram account. */
export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  telegramId: integer('telegram_id').notNull().unique(),
  username: text('username'),
  firstName: text('first_name'),
  /** 'en' | 'ru'; chosen by the user or taken from their Telegram language. */
  language: text('language').notNull().default('en'),
  /** Set when Telegram says the user blocked the bot; cleared when they come back. */
  unreachableAt: integer('unreachable_at'),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
});
