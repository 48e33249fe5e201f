/**
 * Housekeeping: forgets what the shop no longer needs, so tables that every
 * customer writes to stay the size of their retention window instead of
 * growing for ever. Orders, subscriptions and the ledger are records and are
 * never deleted here. Each table is cleared in pages, one statement (one
 * transaction) each, yielding in between.
 */
import { jobBatchTransaction, type Db } from '../../db/client.js';
import { forgetUntouchedSince } from '../../db/kv-storage.js';
import { createOrderStore } from '../../services/order-store.js';
import type { Outbox } from '../../services/outbox.js';
import { batchSizer, standaloneContext, type JobContext } from '../../lib/batches.js';

export interface RetentionSettings {
  /** How long a quote is kept after it expired. */
  quotesMs: number;
  /** How long a sent (or given-up) message is kept; its dedupe key lives as long. */
  outboxMs: number;
  /** How long an untouched conversation (and other bot state) is kept. */
  conversationsMs: number;
}

export function createHousekeepingJob(deps: { db: Db; outbox: Outbox; retention: RetentionSettings; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const store = createOrderStore(deps.db);

  return async function housekeeping(ctx: JobContext = standaloneContext()) {
    const at = now();
    const drain = async (deletePage: (limit: number) => number) => {
      let total = 0;
      const batches = batchSizer(ctx.batchBudgetMs);
      for (;;) {
        const batch = batches.next();
        // A page a power cut brings back is deleted by the next run: no need to wait for the disk.
        const deleted = jobBatchTransaction(deps.db.$client, () => deletePage(batch.limit));
        batch.done(deleted);
        total += deleted;
        if (deleted < batch.limit) return total;
        await ctx.checkpoint();
      }
    };
    const quotes = await drain((limit) => store.deleteQuotesExpiredBefore(at - deps.retention.quotesMs, limit));
    const outbox = await drain((limit) => deps.outbox.deleteSettledBefore(at - deps.retention.outboxMs, limit));
    const conversations = await drain((limit) => forgetUntouchedSince(deps.db, at - deps.retention.conversationsMs, limit));
    return { quotes, outbox, conversations };
  };
}
