/**
 * Reading and writing orders, quotes and delivered proxies. Every state change
 * is a conditional UPDATE (`WHERE state IN …`), so two paths that race to
 * settle one order cannot both win.
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { linkedUpstreamOrders, orderOperatorActions, orders, quotes, subscriptions, type OrderState } from '../db/schema/index.js';
import type { OrderChoice, UpstreamProxy } from '../providers/types.js';

export type OrderRow = typeof orders.$inferSelect;
export type QuoteRow = typeof quotes.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;

export interface OrderLabels {
  provider: string;
  product: string;
  /** As the upstream names it; `countryIso` (when known) is what customers are shown, in their language. */
  country?: string;
  countryIso?: string;
  term: string;
  /** A rent period's days, for a localized term label. */
  termDays?: number;
}

export const TERMINAL_STATES: OrderState[] = ['delivered', 'failed'];
export const OPEN_STATES: OrderState[] = ['reserved', 'calling', 'provisioning'];

export function choiceOf(order: Pick<OrderRow, 'productId' | 'countryCode' | 'termId' | 'quantity'>): OrderChoice {
  return {
    productId: order.productId,
    ...(order.countryCode ? { countryCode: order.countryCode } : {}),
    termId: order.termId,
    quantity: order.quantity,
  };
}

export function labelsOf(row: { labels: string }): OrderLabels {
  return JSON.parse(row.labels) as OrderLabels;
}

export function subscriptionIdsOf(row: { subscriptionIds: string | null }): string[] {
  return row.subscriptionIds ? (JSON.parse(row.subscriptionIds) as string[]) : [];
}

export function createOrderStore(db: Db) {
  // The saga reads these several times per purchase; prepared once, they skip
  // building the SQL on every call (about a tenth of a millisecond each).
  const byId = {
    quote: db
      .select()
      .from(quotes)
      .where(eq(quotes.id, sql.placeholder('id')))
      .prepare(),
    order: db
      .select()
      .from(orders)
      .where(eq(orders.id, sql.placeholder('id')))
      .prepare(),
    orderByIntent: db
      .select()
      .from(orders)
      .where(and(eq(orders.userId, sql.placeholder('userId')), eq(orders.intentKey, sql.placeholder('intentKey'))))
      .prepare(),
    subscription: db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.id, sql.placeholder('id')))
      .prepare(),
    subscriptionsOfOrder: db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.orderId, sql.placeholder('orderId')))
      .prepare(),
    subscriptionByUpstream: db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.providerId, sql.placeholder('providerId')), eq(subscriptions.upstreamId, sql.placeholder('upstreamId'))))
      .prepare(),
    linkedByUpstream: db
      .select({ orderId: linkedUpstreamOrders.orderId })
      .from(linkedUpstreamOrders)
      .where(
        and(
          eq(linkedUpstreamOrders.providerId, sql.placeholder('providerId')),
          eq(linkedUpstreamOrders.upstreamId, sql.placeholder('upstreamId')),
        ),
      )
      .prepare(),
  };

  // One page of expired quotes, oldest first along quotes_expiry: SQLite's DELETE has no LIMIT unless compiled with it.
  const deleteQuotesPage = db
    .delete(quotes)
    .where(
      inArray(
        quotes.id,
        db
          .select({ id: quotes.id })
          .from(quotes)
          .where(lt(quotes.expiresAt, sql.placeholder('cutoff')))
          .orderBy(asc(quotes.expiresAt))
          .limit(sql.placeholder('limit')),
      ),
    )
    .prepare();

  return {
    quote(id: string): QuoteRow | undefined {
      return byId.quote.get({ id });
    },

    insertQuote(row: typeof quotes.$inferInsert): void {
      db.insert(quotes).values(row).run();
    },

    order(id: string): OrderRow | undefined {
      return byId.order.get({ id });
    },

    orderByIntent(userId: number, intentKey: string): OrderRow | undefined {
      return byId.orderByIntent.get({ userId, intentKey });
    },

    insertOrder(row: typeof orders.$inferInsert): void {
      db.insert(orders).values(row).run();
    },

    /** Moves an order from one of `from` to `to`; false when it was not in `from` (someone else moved it). */
    transition(id: string, from: OrderState[], to: OrderState, fields: Partial<OrderRow> = {}, now = Date.now()): boolean {
      const result = db
        .update(orders)
        .set({ ...fields, state: to, updatedAt: now })
        .where(and(eq(orders.id, id), inArray(orders.state, from)))
        .run();
      return result.changes === 1;
    },

    update(id: string, fields: Partial<OrderRow>, now = Date.now()): void {
      db.update(orders)
        .set({ ...fields, updatedAt: now })
        .where(eq(orders.id, id))
        .run();
    },

    /** Open orders whose next check is due. */
    dueForReconciliation(now: number, limit = 100): OrderRow[] {
      return db
        .select()
        .from(orders)
        .where(and(inArray(orders.state, OPEN_STATES), sql`coalesce(${orders.nextCheckAt}, 0) <= ${now}`))
        .limit(limit)
        .all();
    },

    openOrders(): OrderRow[] {
      return db.select().from(orders).where(inArray(orders.state, OPEN_STATES)).all();
    },

    ordersOfUser(userId: number, limit = 20, offset = 0): OrderRow[] {
      return db
        .select()
        .from(orders)
        .where(eq(orders.userId, userId))
        .orderBy(desc(orders.createdAt), desc(orders.id))
        .limit(limit)
        .offset(offset)
        .all();
    },

    /**
     * Whether an upstream id is already recorded for a provider, as a proxy or as an order linked to a
     * card to add traffic, so reconciliation never claims it twice (indexed).
     */
    isKnownUpstreamId(providerId: string, upstreamId: string): boolean {
      return (
        byId.subscriptionByUpstream.get({ providerId, upstreamId }) !== undefined ||
        byId.linkedByUpstream.get({ providerId, upstreamId }) !== undefined
      );
    },

    subscriptionsOfOrder(orderId: string): SubscriptionRow[] {
      return byId.subscriptionsOfOrder.all({ orderId });
    },

    subscription(id: string): SubscriptionRow | undefined {
      return byId.subscription.get({ id });
    },

    subscriptionByUpstream(providerId: string, upstreamId: string): SubscriptionRow | undefined {
      return byId.subscriptionByUpstream.get({ providerId, upstreamId });
    },

    insertSubscription(row: typeof subscriptions.$inferInsert): void {
      db.insert(subscriptions).values(row).run();
    },

    updateSubscription(id: string, fields: Partial<SubscriptionRow>): void {
      db.update(subscriptions).set(fields).where(eq(subscriptions.id, id)).run();
    },

    /**
     * Deletes up to `limit` quotes that expired before `cutoff` (ms); returns
     * how many. A quote past its expiry can no longer be bought, and the order
     * made from one keeps its own copy of the choice and price.
     */
    deleteQuotesExpiredBefore(cutoff: number, limit: number): number {
      return deleteQuotesPage.run({ cutoff, limit }).changes;
    },
  };
}

export type OrderStore = ReturnType<typeof createOrderStore>;

/** The columns of a subscription that come from the upstream's proxy record. */
export function proxyFields(proxy: UpstreamProxy) {
  return {
    upstreamId: proxy.upstreamId,
    host: proxy.host,
    httpPort: proxy.httpPort ?? null,
    socks5Port: proxy.socks5Port ?? null,
    login: proxy.login,
    password: proxy.password,
    countryCode: proxy.countryCode ?? null,
    expiresAt: epochMsOf(proxy.expiresAt),
    status: proxy.status,
    trafficLimitMb: proxy.trafficLimitGb === undefined ? null : Math.round(proxy.trafficLimitGb * 1000),
    rotationUrl: proxy.rotationUrl ?? null,
  };
}

/**
 * An upstream's time (ISO 8601, any offset) as the database keeps every time:
 * epoch milliseconds. Null when the upstream gave none or nothing readable.
 */
export function epochMsOf(value: string | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Orders the saga could not settle and the people who acted on them: the
 * rows behind the operators' alert buttons (see `settleByOperator`).
 */
export function createOperatorActionStore(db: Db) {
  return {
    record(row: typeof orderOperatorActions.$inferInsert): void {
      db.insert(orderOperatorActions).values(row).run();
    },

    /** The settlement of an order by a person, if one was made. */
    settlementOf(orderId: string): OperatorActionRow | undefined {
      return db
        .select()
        .from(orderOperatorActions)
        .where(and(eq(orderOperatorActions.orderId, orderId), inArray(orderOperatorActions.action, ['settle_failed', 'settle_delivered'])))
        .get();
    },

    actionsOf(orderId: string): OperatorActionRow[] {
      return db.select().from(orderOperatorActions).where(eq(orderOperatorActions.orderId, orderId)).orderBy(orderOperatorActions.id).all();
    },

    /**
     * Open orders past the attention window that have not had their window
     * notice: never alerted, or alerted early (an operator decision was
     * needed before the window).
     */
    openPastAttentionWindow(now: number, windowMs: number, limit = 100): OrderRow[] {
      const startedAt = sql`coalesce(${orders.sentAt}, ${orders.createdAt})`;
      return db
        .select()
        .from(orders)
        .where(
          and(
            inArray(orders.state, OPEN_STATES),
            sql`${startedAt} <= ${now - windowMs}`,
            or(isNull(orders.attentionAt), sql`${orders.attentionAt} < ${startedAt} + ${windowMs}`),
          ),
        )
        .limit(limit)
        .all();
    },

    /** Orders a person settled as delivered whose credentials are still to be fetched, when due. */
    deliveredAwaitingCredentials(now: number, limit = 20): OrderRow[] {
      return db
        .select()
        .from(orders)
        .where(and(eq(orders.state, 'delivered'), isNotNull(orders.nextCheckAt), lte(orders.nextCheckAt, now)))
        .limit(limit)
        .all();
    },
  };
}

export type OperatorActionRow = typeof orderOperatorActions.$inferSelect;
