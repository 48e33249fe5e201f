/**
 * Figures for operators: sales, margin, money in wallets, top-ups, and what
 * needs a human. Read-only queries over the ledger and orders; cents throughout.
 *
 * The sums are SQL aggregates in drizzle templates (drizzle's own sum() hands
 * back text), typed as the numbers SQLite returns for integer columns.
 */
import { and, count, eq, gte, inArray, like, sql, type SQLWrapper } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ledgerAccounts, ledgerTransfers, orders, users } from '../db/schema/index.js';
import { OPEN_STATES } from './order-store.js';

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

type TransferCategory = (typeof ledgerTransfers.$inferSelect)['category'];

/** How many rows match `condition`: a SUM of a boolean, 0 over no rows. */
const countWhere = (condition: SQLWrapper) => sql<number>`coalesce(sum(${condition}), 0)`;
/** The sum of an integer expression, 0 over no rows. */
const sumOf = (value: SQLWrapper) => sql<number>`coalesce(sum(${value}), 0)`;
const isOpen = inArray(orders.state, OPEN_STATES);

export function createStats(deps: { db: Db; now?: () => number }) {
  const { db } = deps;
  const now = deps.now ?? Date.now;

  return {
    /** Everything since `sinceMs` (default: the last 24 hours). */
    summary(sinceMs = now() - 24 * 3_600_000): ShopStats {
      const orderCounts = db
        .select({
          delivered: countWhere(sql`${orders.state} = 'delivered'`),
          failed: countWhere(sql`${orders.state} = 'failed'`),
          open: countWhere(isOpen),
          attention: countWhere(sql`${orders.attentionAt} IS NOT NULL AND ${isOpen}`),
        })
        .from(orders)
        .where(gte(orders.createdAt, sinceMs))
        .get()!;
      const sales = db
        .select({ price: sumOf(orders.priceCents), cost: sumOf(orders.upstreamCostCents) })
        .from(orders)
        .where(and(eq(orders.state, 'delivered'), gte(orders.createdAt, sinceMs)))
        .get()!;
      const movedToWallets = (category: TransferCategory) =>
        db
          .select({ total: sumOf(ledgerTransfers.amountCents) })
          .from(ledgerTransfers)
          .where(
            and(
              eq(ledgerTransfers.category, category),
              like(ledgerTransfers.creditAccountId, 'wallet:%'),
              gte(ledgerTransfers.createdAt, sinceMs),
            ),
          )
          .get()!.total;
      const wallets = db
        .select({ total: sumOf(sql`${ledgerAccounts.creditsPosted} - ${ledgerAccounts.debitsPosted}`) })
        .from(ledgerAccounts)
        .where(eq(ledgerAccounts.kind, 'wallet'))
        .get()!.total;
      const customers = db.select({ n: count() }).from(users).get()!.n;
      const refunds = movedToWallets('refund');
      return {
        since: sinceMs,
        orders: {
          delivered: orderCounts.delivered,
          failed: orderCounts.failed,
          open: orderCounts.open,
          needsAttention: orderCounts.attention,
        },
        salesCents: sales.price,
        upstreamCostCents: sales.cost,
        marginCents: sales.price - sales.cost - refunds,
        refundsCents: refunds,
        topUpsCents: movedToWallets('topup'),
        walletsCents: wallets,
        customers,
      };
    },
  };
}

export type Stats = ReturnType<typeof createStats>;
