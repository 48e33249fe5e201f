import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { orders, subscriptions } from './shop.js';

const createdAt = () => integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`);

/**
 * Upstream orders bought to add traffic to a proxy card whose upstream cannot
 * add traffic to an existing order (GateProxy sells a new order per package):
 * each is its own upstream order with its own credentials, and the card
 * counts its traffic together with the card's first order.
 */
export const linkedUpstreamOrders = sqliteTable(
  'linked_upstream_orders',
  {
    /** Our order (kind 'renewal') that bought it: one linked order per saga. */
    orderId: text('order_id')
      .primaryKey()
      .references(() => orders.id),
    subscriptionId: text('subscription_id')
      .notNull()
      .references(() => subscriptions.id),
    providerId: text('provider_id').notNull(),
    upstreamId: text('upstream_id').notNull(),
    host: text('host').notNull(),
    httpPort: integer('http_port'),
    socks5Port: integer('socks5_port'),
    login: text('login').notNull(),
    password: text('password').notNull(),
    trafficLimitMb: integer('traffic_limit_mb'),
    createdAt: createdAt(),
  },
  (t) => [
    // The same upstream order is never linked twice, nor linked and also sold as a proxy (checked in the saga).
    uniqueIndex('linked_upstream_orders_upstream').on(t.providerId, t.upstreamId),
    // A card's linked orders, oldest first, read from the index in order.
    index('linked_upstream_orders_subscription').on(t.subscriptionId, t.createdAt, t.orderId),
  ],
);
