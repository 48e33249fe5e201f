import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users.js';

/**
 * A customer's conversation with support: one per customer. In an operator
 * group with topics it has its own topic, created on the first message.
 */
export const supportThreads = sqliteTable(
  'support_threads',
  {
    userId: integer('user_id')
      .primaryKey()
      .references(() => users.id),
    /** The forum topic's message_thread_id in the operator group; null when the group has no topics. */
    topicId: integer('topic_id'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  // A message posted in a topic is routed to the customer whose topic it is.
  (t) => [uniqueIndex('support_threads_topic').on(t.topicId)],
);

/**
 * Every message of a support conversation, both ways, with where it sits in
 * the operator group: an admin's reply to any of those group messages is
 * routed back to the customer it belongs to.
 */
export const supportMessages = sqliteTable(
  'support_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    direction: text('direction', { enum: ['from_customer', 'to_customer'] }).notNull(),
    /** The message's id in the operator group (the copy, or the admin's own reply). */
    groupMessageId: integer('group_message_id').notNull(),
    /** Its id in the customer's private chat (theirs, or the bot's copy of the reply). */
    customerMessageId: integer('customer_message_id').notNull(),
    /** Telegram id of the admin who answered; null for the customer's messages. */
    adminTelegramId: integer('admin_telegram_id'),
    kind: text('kind', { enum: ['text', 'photo', 'document', 'other'] }).notNull(),
    /** The text or caption, for the customer's card; null for a file without a caption. */
    text: text('text'),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [
    // An admin's reply names a group message: find whose conversation it is.
    uniqueIndex('support_messages_group_message').on(t.groupMessageId),
    index('support_messages_user').on(t.userId, t.id),
  ],
);
