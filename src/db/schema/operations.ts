import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { orders } from './shop.js';

export const OPERATOR_ORDER_ACTIONS = ['check_again', 'settle_failed', 'settle_delivered', 'refused'] as const;
export type OperatorOrderAction = (typeof OPERATOR_ORDER_ACTIONS)[number];

/**
 * What people did about an order the saga could not settle: every press of
 * an alert's button, by whom and why, including presses that were refused.
 * At most one settlement per order (the partial unique index), so two admins
 * pressing at once cannot settle it twice even if the state check were wrong.
 */
export const orderOperatorActions = sqliteTable(
  'order_operator_actions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    action: text('action', { enum: OPERATOR_ORDER_ACTIONS }).notNull(),
    /** 'admin:<telegram id>', or for a refused press 'telegram:<id>'. */
    actor: text('actor').notNull(),
    reason: text('reason'),
    /** For 'settle_delivered': the upstream's order id the admin gave. */
    upstreamOrderId: text('upstream_order_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('order_operator_actions_order').on(t.orderId, t.id),
    uniqueIndex('order_operator_actions_one_settlement').on(t.orderId).where(sql`${t.action} IN ('settle_failed', 'settle_delivered')`),
  ],
);

/**
 * Telegram update ids the bot has taken on, so an update delivered again (a
 * lost webhook answer, a poller that stopped before confirming) is handled
 * once. Kept for a day, which is far longer than Telegram keeps retrying.
 */
export const processedUpdates = sqliteTable(
  'processed_updates',
  {
    botId: integer('bot_id').notNull(),
    updateId: integer('update_id').notNull(),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.updateId] }), index('processed_updates_received').on(t.receivedAt)],
);
