/**
 * Figures for operators: sales, margin, money in wallets, top-ups, and what
 * needs a human. Read-only SQL over the ledger and orders; cents throughout.
 */
import type { Sqlite } from '../db/client.js';

export interface ShopStats {
  since: number;
  orders: { delivered: number; failed: number; open: number; needsAttention: number };
  salesCents: number;
  upstreamCostCents: number;
  marginCents: number;
  refundsCents: number;
  topUpsCents: number;
  /** Money customers hold in their wallets now (available + held). */
  walletsCents: number;
  customers: number;
}

export function createStats(deps: { sqlite: Sqlite; now?: () => number }) {
  const { sqlite } = deps;
  const now = deps.now ?? Date.now;
  const one = <T>(sql: string, ...params: unknown[]) => sqlite.prepare(sql).get(...params) as T;

  return {
    /** Everything since `sinceMs` (default: the last 24 hours). */
    summary(sinceMs = now() - 24 * 3_600_000): ShopStats {
      const orders = one<{ delivered: number; failed: number; open: number; attention: number }>(
        `SELECT
           COALESCE(SUM(state = 'delivered'), 0) AS delivered,
           COALESCE(SUM(state = 'failed'), 0) AS failed,
           COALESCE(SUM(state IN ('reserved', 'calling', 'provisioning')), 0) AS open,
           COALESCE(SUM(attention_at IS NOT NULL AND state IN ('reserved', 'calling', 'provisioning')), 0) AS attention
         FROM orders WHERE created_at >= ?`,
        sinceMs,
      );
      const sales = one<{ price: number; cost: number }>(
        `SELECT COALESCE(SUM(price_cents), 0) AS price, COALESCE(SUM(upstream_cost_cents), 0) AS cost
           FROM orders WHERE state = 'delivered' AND created_at >= ?`,
        sinceMs,
      );
      const moved = (category: string, creditPrefix: string) =>
        one<{ total: number }>(
          `SELECT COALESCE(SUM(amount_cents), 0) AS total FROM ledger_transfers
            WHERE category = ? AND credit_account_id LIKE ? AND created_at >= ?`,
          category,
          `${creditPrefix}%`,
          sinceMs,
        ).total;
      const wallets = one<{ total: number }>(
        `SELECT COALESCE(SUM(credits_posted - debits_posted), 0) AS total FROM ledger_accounts WHERE kind = 'wallet'`,
      ).total;
      const customers = one<{ n: number }>('SELECT COUNT(*) AS n FROM users').n;
      const refunds = moved('refund', 'wallet:');
      return {
        since: sinceMs,
        orders: { delivered: orders.delivered, failed: orders.failed, open: orders.open, needsAttention: orders.attention },
        salesCents: sales.price,
        upstreamCostCents: sales.cost,
        marginCents: sales.price - sales.cost - refunds,
        refundsCents: refunds,
        topUpsCents: moved('topup', 'wallet:'),
        walletsCents: wallets,
        customers,
      };
    },
  };
}

export type Stats = ReturnType<typeof createStats>;
