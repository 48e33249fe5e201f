/**
 * The customer's wallet statement: the ledger told the way a customer reads
 * a bank statement. The journal records a purchase as a hold and then its
 * capture or void; a statement shows it once, as the purchase, with what was
 * bought and whether it is still pending, paid or returned. Refunds of a
 * top-up (a Stars payment given back) and adjustments by the shop are named
 * as such, never as a top-up.
 *
 * Paged by the hold's (or transfer's) ledger sequence, newest first: the same
 * cursor as the raw history, so a line never moves between pages when its
 * hold is resolved later.
 */
import { and, desc, eq, inArray, lt, ne, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ledgerTransfers, orders } from '../db/schema/index.js';
import { labelsOf, type OrderLabels } from './order-store.js';
import { walletAccountId, type TopUpMethod } from './wallet.js';

/** What the customer bought, as the order recorded it. */
export interface StatementOrder {
  id: string;
  kind: 'purchase' | 'renewal';
  labels: OrderLabels;
  quantity: number;
}

export type PurchaseStatus = 'pending' | 'paid' | 'returned';

export type StatementLine =
  | { type: 'purchase'; seq: number; at: number; amountCents: number; status: PurchaseStatus; order: StatementOrder | null }
  | { type: 'topup'; seq: number; at: number; amountCents: number; method: TopUpMethod | null }
  /** A top-up paid back to where it came from (e.g. Telegram Stars refunded): money left the wallet. */
  | { type: 'topup_refund'; seq: number; at: number; amountCents: number; method: TopUpMethod | null }
  /** A top-up refund the payment provider refused: the money came back. */
  | { type: 'topup_refund_cancelled'; seq: number; at: number; amountCents: number; method: TopUpMethod | null }
  | { type: 'order_refund'; seq: number; at: number; amountCents: number; order: StatementOrder | null }
  /** Signed: negative when the shop took money away. `reason` is what the operator wrote. */
  | { type: 'adjustment'; seq: number; at: number; amountCents: number; reason: string | null };

export interface StatementPage {
  lines: StatementLine[];
  /** Pass as `beforeSeq` for older lines; null at the end. */
  nextCursor: number | null;
}

const TOPUP_METHODS: readonly TopUpMethod[] = ['stars', 'cryptopay', 'manual', 'card'];

function topUpMethodOf(accountId: string): TopUpMethod | null {
  const method = accountId.startsWith('topup:') ? accountId.slice('topup:'.length) : '';
  return (TOPUP_METHODS as readonly string[]).includes(method) ? (method as TopUpMethod) : null;
}

export function createWalletStatement(db: Db) {
  const stmt = {
    // Resolutions (capture/void) are folded into their hold's line, so only holds and posted transfers are listed.
    page: db
      .select()
      .from(ledgerTransfers)
      .where(
        and(
          eq(ledgerTransfers.userId, sql.placeholder('userId')),
          lt(ledgerTransfers.seq, sql.placeholder('beforeSeq')),
          ne(ledgerTransfers.category, 'upstream_cost'),
          notInArray(ledgerTransfers.kind, ['post_pending', 'void_pending']),
        ),
      )
      .orderBy(desc(ledgerTransfers.seq))
      .limit(sql.placeholder('limit'))
      .prepare(),
  };

  return {
    page(userId: number, page: { limit?: number; beforeSeq?: number } = {}): StatementPage {
      const limit = Math.min(Math.max(Math.trunc(page.limit ?? 10), 1), 100);
      const rows = stmt.page.all({ userId, beforeSeq: page.beforeSeq ?? Number.MAX_SAFE_INTEGER, limit: limit + 1 });
      const shown = rows.slice(0, limit);
      const wallet = walletAccountId(userId);

      const holdIds = shown.filter((r) => r.kind === 'pending').map((r) => r.id);
      const resolutions = new Map<string, 'post_pending' | 'void_pending'>();
      if (holdIds.length > 0) {
        const resolved = db
          .select({ pendingId: ledgerTransfers.pendingId, kind: ledgerTransfers.kind })
          .from(ledgerTransfers)
          .where(inArray(ledgerTransfers.pendingId, holdIds))
          .all();
        for (const r of resolved) if (r.pendingId) resolutions.set(r.pendingId, r.kind as 'post_pending' | 'void_pending');
      }
      const orderIds = [...new Set(shown.map((r) => r.orderId).filter((id): id is string => id !== null))];
      const ordersById = new Map<string, StatementOrder>();
      if (orderIds.length > 0) {
        const found = db
          .select({ id: orders.id, kind: orders.kind, labels: orders.labels, quantity: orders.quantity })
          .from(orders)
          .where(inArray(orders.id, orderIds))
          .all();
        for (const o of found) ordersById.set(o.id, { id: o.id, kind: o.kind, labels: labelsOf(o), quantity: o.quantity });
      }
      const orderOf = (id: string | null) => (id === null ? null : (ordersById.get(id) ?? null));

      const lines = shown.map((row): StatementLine => {
        const base = { seq: row.seq, at: row.createdAt, amountCents: row.amountCents };
        const intoWallet = row.creditAccountId === wallet;
        switch (row.category) {
          case 'purchase': {
            const resolution = resolutions.get(row.id);
            const status: PurchaseStatus = resolution === 'post_pending' ? 'paid' : resolution === 'void_pending' ? 'returned' : 'pending';
            return { type: 'purchase', ...base, status, order: orderOf(row.orderId) };
          }
          case 'refund':
            return { type: 'order_refund', ...base, order: orderOf(row.orderId) };
          case 'adjustment':
            return { type: 'adjustment', ...base, amountCents: intoWallet ? row.amountCents : -row.amountCents, reason: row.reason };
          default: {
            const method = topUpMethodOf(intoWallet ? row.debitAccountId : row.creditAccountId);
            if (row.id.startsWith('topup-reversal:')) return { type: 'topup_refund', ...base, method };
            if (row.id.startsWith('topup-restore:')) return { type: 'topup_refund_cancelled', ...base, method };
            return { type: 'topup', ...base, method };
          }
        }
      });
      return { lines, nextCursor: rows.length > limit ? shown[shown.length - 1]!.seq : null };
    },
  };
}

export type WalletStatement = ReturnType<typeof createWalletStatement>;

/** How a line changes the customer's available money, in cents (negative = less). A returned purchase changes nothing. */
export function availableChangeOf(line: StatementLine): number {
  switch (line.type) {
    case 'purchase':
      return line.status === 'returned' ? 0 : -line.amountCents;
    case 'topup':
    case 'topup_refund_cancelled':
    case 'order_refund':
      return line.amountCents;
    case 'topup_refund':
      return -line.amountCents;
    case 'adjustment':
      return line.amountCents;
  }
}
