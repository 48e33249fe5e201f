/**
 * Keyset pages over a customer's orders and proxies, newest first, for the
 * REST API's lists. A page continues after the last row of the previous one
 * (created_at, id), so rows bought or renewed meanwhile neither repeat nor
 * vanish the way offset pages would make them.
 */
import { and, desc, eq, lt, or, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/client.js';
import { orders, subscriptions } from '../db/schema/index.js';
import type { OrderRow, SubscriptionRow } from './order-store.js';

/** Where a page ends: the last row's sort key. */
export interface PagePosition {
  createdAt: number;
  id: string;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `after` for the next page; null at the end. */
  next: PagePosition | null;
}

function before(createdAt: SQLiteColumn, id: SQLiteColumn, after: PagePosition): SQL {
  return or(lt(createdAt, after.createdAt), and(eq(createdAt, after.createdAt), lt(id, after.id)))!;
}

function pageOf<T extends { createdAt: number; id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

export function createListing(deps: { db: Db }) {
  const { db } = deps;
  return {
    orders(userId: number, limit: number, after?: PagePosition): Page<OrderRow> {
      const rows = db
        .select()
        .from(orders)
        .where(and(eq(orders.userId, userId), after ? before(orders.createdAt, orders.id, after) : undefined))
        .orderBy(desc(orders.createdAt), desc(orders.id))
        // One extra row tells whether another page exists.
        .limit(limit + 1)
        .all();
      return pageOf(rows, limit);
    },

    proxies(userId: number, limit: number, after?: PagePosition): Page<SubscriptionRow> {
      const rows = db
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.userId, userId), after ? before(subscriptions.createdAt, subscriptions.id, after) : undefined))
        .orderBy(desc(subscriptions.createdAt), desc(subscriptions.id))
        .limit(limit + 1)
        .all();
      return pageOf(rows, limit);
    },
  };
}

export type Listing = ReturnType<typeof createListing>;
