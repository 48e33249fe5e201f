import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { orders, quotes } from './shop.js';

const createdAt = () => integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`);

/**
 * The geo and session target chosen with a purchase (country → region/city
 * → network, rotating or sticky), kept beside the quote and then the order
 * rather than in their columns: most products take none. `target` is a
 * `ProxyTarget` (providers/types.ts) as JSON, already checked against the
 * provider's options when the quote was made.
 */
export const quoteTargets = sqliteTable('quote_targets', {
  quoteId: text('quote_id')
    .primaryKey()
    // Expired quotes are deleted in pages; their targets go with them.
    .references(() => quotes.id, { onDelete: 'cascade' }),
  target: text('target').notNull(),
  createdAt: createdAt(),
});

/** The order's copy, written in the transaction that reserves it: the delivered credentials are built from it. */
export const orderTargets = sqliteTable('order_targets', {
  orderId: text('order_id')
    .primaryKey()
    .references(() => orders.id),
  target: text('target').notNull(),
  createdAt: createdAt(),
});
