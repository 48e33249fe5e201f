/**
 * Which upstreams are on sale. An operator takes one off sale (/providers)
 * when it misbehaves or our balance there runs out; the catalog then lists it
 * unavailable and refuses new quotes and orders for it, in the bot and the
 * API alike, while orders already placed finish normally.
 *
 * The state lives in the database, not in memory, so a restart or a second
 * process on the same file sees the same answer. Each read is one primary-key
 * lookup (or one small scan for the whole list), cheap enough to ask on every
 * quote.
 */
import { count, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { orders, providersOffSale } from '../db/schema/index.js';
import type { OrderState } from '../db/schema/shop.js';

/** Orders the saga or the reconciler still has to finish; they finish even for a provider off sale. */
const OPEN_STATES: OrderState[] = ['reserved', 'calling', 'provisioning'];

export interface OffSaleEntry {
  providerId: string;
  actor: string;
  since: number;
}

export type SaleChange = 'taken_off_sale' | 'put_on_sale' | 'unchanged';

export function createProviderAvailability(deps: { db: Db; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const { db } = deps;
  const stmt = {
    one: db
      .select()
      .from(providersOffSale)
      .where(eq(providersOffSale.providerId, sql.placeholder('providerId')))
      .prepare(),
    all: db.select().from(providersOffSale).prepare(),
    // By the (state, provider_id) index: open orders are few, whatever the history.
    openOrders: db
      .select({ providerId: orders.providerId, open: count() })
      .from(orders)
      .where(inArray(orders.state, OPEN_STATES))
      .groupBy(orders.providerId)
      .prepare(),
  };

  return {
    /** The off-sale record of a provider; undefined when it is on sale. */
    offSale(providerId: string): OffSaleEntry | undefined {
      return stmt.one.get({ providerId });
    },

    isOnSale(providerId: string): boolean {
      return stmt.one.get({ providerId }) === undefined;
    },

    /** Every provider off sale, by id. */
    offSaleAll(): Map<string, OffSaleEntry> {
      return new Map(stmt.all.all().map((row) => [row.providerId, row]));
    },

    /** How many orders are still open, per provider id (providers with none are absent). */
    openOrdersByProvider(): Map<string, number> {
      return new Map(stmt.openOrders.all().map((row) => [row.providerId, row.open]));
    },

    /** Takes a provider off sale or puts it back; pressing twice changes nothing the second time. */
    setOnSale(providerId: string, onSale: boolean, actor: string): SaleChange {
      if (onSale) {
        const removed = db.delete(providersOffSale).where(eq(providersOffSale.providerId, providerId)).run();
        return removed.changes > 0 ? 'put_on_sale' : 'unchanged';
      }
      const inserted = db.insert(providersOffSale).values({ providerId, actor, since: now() }).onConflictDoNothing().run();
      return inserted.changes > 0 ? 'taken_off_sale' : 'unchanged';
    },
  };
}

export type ProviderAvailability = ReturnType<typeof createProviderAvailability>;
