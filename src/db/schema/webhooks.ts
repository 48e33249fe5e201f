import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users.js';

/**
 * Where API customers want to hear about their orders, proxies and balance.
 * The signing secret is kept as is (unlike API tokens, which are hashed):
 * the shop must compute an HMAC with it for every delivery.
 */
export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    /** Space-separated event types the endpoint receives. */
    events: text('events').notNull(),
    createdAt: integer('created_at').notNull(),
    /** Removed by the customer; kept so its delivery log still reads. */
    deletedAt: integer('deleted_at'),
  },
  (t) => [index('webhook_endpoints_user').on(t.userId)],
);

export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/**
 * The durable queue and the customer's delivery log in one: one row per
 * event per endpoint, its body fixed at enqueue time so every retry sends
 * the same bytes and the same `X-Webhook-Id`.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    /** Insertion order: the log's cursor. */
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    /** Public id, sent as `X-Webhook-Id` for the receiver's dedupe. */
    id: text('id').notNull().unique(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id),
    eventType: text('event_type').notNull(),
    /** One event reaches an endpoint once, however often the step that emitted it is replayed. */
    eventKey: text('event_key').notNull(),
    body: text('body').notNull(),
    state: text('state', { enum: WEBHOOK_DELIVERY_STATES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When a pending delivery is due; while an attempt is in flight, when that claim lapses. */
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: integer('delivered_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event').on(t.endpointId, t.eventKey),
    index('webhook_deliveries_due').on(t.nextAttemptAt).where(sql`${t.state} = 'pending'`),
    index('webhook_deliveries_log').on(t.endpointId, t.seq),
    check('webhook_deliveries_attempts', sql`${t.attempts} >= 0`),
  ],
);

/** Every try of every delivery: when, how long, what the receiver answered. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    deliverySeq: integer('delivery_seq')
      .notNull()
      .references(() => webhookDeliveries.seq, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    at: integer('at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** The HTTP status, or null when there was no answer (timeout, refused connection). */
    status: integer('status'),
    error: text('error'),
  },
  (t) => [uniqueIndex('webhook_attempts_delivery').on(t.deliverySeq, t.attempt)],
);
