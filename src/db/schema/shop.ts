import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users.js';

const createdAt = () => integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`);

/**
 * The operators' markup, per provider and product. product_id '*' is the
 * provider's default; provider_id '*' with product_id '*' is the shop-wide one.
 */
export const pricingRules = sqliteTable(
  'pricing_rules',
  {
    providerId: text('provider_id').notNull(),
    productId: text('product_id').notNull(),
    /** Markup in basis points: 2500 = 25 %. */
    markupBasisPoints: integer('markup_basis_points').notNull(),
    /** The least the shop earns per unit of quantity, in cents. */
    minMarginCents: integer('min_margin_cents').notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.providerId, t.productId] }),
    check('pricing_rule_sane', sql`${t.markupBasisPoints} >= 0 AND ${t.markupBasisPoints} <= 100000 AND ${t.minMarginCents} >= 0`),
  ],
);

/**
 * What the customer chose. A quote holds it while its price is locked, and
 * the order made from the quote keeps its own copy, because quotes are
 * cleaned up and orders are kept.
 */
const choiceColumns = () => ({
  kind: text('kind', { enum: ['purchase', 'renewal'] }).notNull(),
  providerId: text('provider_id').notNull(),
  productId: text('product_id').notNull(),
  countryCode: text('country_code'),
  termId: text('term_id').notNull(),
  quantity: integer('quantity').notNull(),
  /** For renewals: the subscriptions being renewed (JSON array of ids). */
  subscriptionIds: text('subscription_ids'),
  /** What the customer saw: product name, country name, term label (JSON). */
  labels: text('labels').notNull(),
});

/** A price lock: a concrete choice and its price, valid until `expires_at`. */
export const quotes = sqliteTable(
  'quotes',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    ...choiceColumns(),
    upstreamCostCents: integer('upstream_cost_cents').notNull(),
    priceCents: integer('price_cents').notNull(),
    expiresAt: integer('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    check('quote_price_not_negative', sql`${t.priceCents} >= 0 AND ${t.quantity} > 0`),
    // Housekeeping deletes expired quotes by this range instead of reading them all.
    index('quotes_expiry').on(t.expiresAt),
  ],
);

export const ORDER_STATES = ['reserved', 'calling', 'provisioning', 'delivered', 'failed'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/**
 * An order is the saga's durable memory. Its state says how far the purchase
 * got; the reconciler drives every order that is not `delivered` or `failed`
 * to one of those two, using what is recorded here.
 */
export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    /** The customer's idempotency key: the same key never makes a second order. */
    intentKey: text('intent_key').notNull(),
    quoteId: text('quote_id').notNull(),
    ...choiceColumns(),
    priceCents: integer('price_cents').notNull(),
    quotedCostCents: integer('quoted_cost_cents').notNull(),
    upstreamCostCents: integer('upstream_cost_cents'),
    state: text('state', { enum: ORDER_STATES }).notNull(),
    /** Time the upstream request was committed to be sent (ms); reconciliation looks from here. */
    sentAt: integer('sent_at'),
    upstreamOrderId: text('upstream_order_id'),
    /** For renewals: the expiry (ms) before the renewal, to recognise it upstream. */
    previousExpiresAt: integer('previous_expires_at'),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    reconcileAttempts: integer('reconcile_attempts').notNull().default(0),
    nextCheckAt: integer('next_check_at'),
    /** Set when the reconciler gave up and told the operators. */
    attentionAt: integer('attention_at'),
    /** Where the order came from: 'bot', 'api', 'auto-renew'. */
    channel: text('channel').notNull(),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('orders_user_intent').on(t.userId, t.intentKey),
    index('orders_state').on(t.state, t.nextCheckAt),
    // Covers /metrics' orders-by-state-and-provider count: an index-only scan, no table reads, no sort.
    index('orders_state_provider').on(t.state, t.providerId),
    index('orders_user').on(t.userId, t.createdAt),
    check('order_price_not_negative', sql`${t.priceCents} >= 0 AND ${t.quantity} > 0`),
  ],
);

/** A proxy (or upstream subscription) a customer owns. */
export const subscriptions = sqliteTable(
  'subscriptions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    providerId: text('provider_id').notNull(),
    productId: text('product_id').notNull(),
    productName: text('product_name').notNull(),
    upstreamId: text('upstream_id').notNull(),
    host: text('host').notNull(),
    httpPort: integer('http_port'),
    socks5Port: integer('socks5_port'),
    login: text('login').notNull(),
    password: text('password').notNull(),
    countryCode: text('country_code'),
    /** Epoch ms, like every time in the database; null when the upstream gives none. */
    expiresAt: integer('expires_at'),
    status: text('status', { enum: ['active', 'expired', 'cancelled', 'pending'] }).notNull(),
    trafficLimitMb: integer('traffic_limit_mb'),
    rotationUrl: text('rotation_url'),
    autoRenew: integer('auto_renew', { mode: 'boolean' }).notNull().default(false),
    /** The term used to renew it (by hand or automatically). */
    renewTermId: text('renew_term_id'),
    /** The expiry (ms) a reminder was last sent for, so each expiry is announced once. */
    remindedForExpiry: integer('reminded_for_expiry'),
    lastSyncedAt: integer('last_synced_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('subscriptions_upstream').on(t.providerId, t.upstreamId),
    index('subscriptions_user').on(t.userId, t.createdAt),
    // Every purchase and every "delivered" notice reads the proxies of one order.
    index('subscriptions_order').on(t.orderId),
    // Reminders and expiry walk a range of this in (expires_at, id) pages.
    index('subscriptions_expiry').on(t.status, t.expiresAt, t.id),
    // Auto-renewal looks only at the few proxies that asked for it; the WHERE must
    // match the job's query literally for SQLite to use this index.
    index('subscriptions_auto_renew').on(t.expiresAt, t.id).where(sql`${t.status} = 'active' AND ${t.autoRenew} = 1`),
  ],
);

/**
 * Messages to send: receipts, reminders, operator alerts. Written in the same
 * transaction as the event they report, and sent by the notifier within
 * Telegram's limits, so an alert is never lost to a crash.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** 'operators' for the operator group, else 'user'. */
    audience: text('audience', { enum: ['user', 'operators'] }).notNull(),
    userId: integer('user_id').references(() => users.id),
    /** What happened, e.g. 'upstream_balance_low', 'order_needs_attention', 'expiry_reminder'. */
    kind: text('kind').notNull(),
    /** JSON with the facts; the notifier renders them in the reader's language. */
    payload: text('payload').notNull(),
    /** Makes an event idempotent: the same key is recorded once. */
    dedupeKey: text('dedupe_key').unique(),
    state: text('state', { enum: ['pending', 'sent', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [
    index('outbox_due').on(t.state, t.nextAttemptAt),
    // The notifier takes pending messages in id order (a chat's messages stay in order after a 429)
    // by walking this, instead of sorting every due row on each pass.
    index('outbox_pending').on(t.id).where(sql`${t.state} = 'pending'`),
  ],
);
