/**
 * Auto-renewal: proxies with auto-renew on are renewed through the same saga
 * as a manual renewal, a day before they expire, for the term the customer
 * chose when turning it on (by default the term they bought) and at that
 * day's price; the notice names the term and what was charged. The intent key names the
 * proxy and its current expiry, so however often the job runs, each expiry is
 * renewed at most once; after a renewal the expiry moves and the key changes.
 *
 * The window has both bounds: proxies that already expired are not renewed
 * (the expiry job retires them), and only proxies on auto-renew are read,
 * a page at a time, through their own index.
 */
import type { Logger } from '../../logger.js';
import type { Orders } from '../../services/orders.js';
import type { AutoRenewFailure } from '../../services/outbox-events.js';
import type { Outbox } from '../../services/outbox.js';
import type { SubscriptionRow } from '../../services/order-store.js';
import { afterTime, expiryKey, type ExpiryCursor, type Subscriptions } from '../../services/subscriptions.js';
import { batchSizer, standaloneContext, type JobContext } from '../../lib/batches.js';

export const AUTO_RENEW_AHEAD_HOURS = 24;

export function createAutoRenewJob(deps: {
  subscriptions: Subscriptions;
  orders: Orders;
  outbox: Outbox;
  logger: Logger;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;

  return async function autoRenew(ctx: JobContext = standaloneContext()): Promise<{ renewed: number; failed: number }> {
    let renewed = 0;
    let failed = 0;
    const nowMs = now();
    const upTo = nowMs + AUTO_RENEW_AHEAD_HOURS * 3_600_000;
    let cursor: ExpiryCursor = afterTime(nowMs);
    const batches = batchSizer(ctx.batchBudgetMs);
    for (;;) {
      // Sized by time too: a renewal that fails before reaching an upstream is all synchronous work and a commit.
      const batch = batches.next();
      const page = deps.subscriptions.autoRenewPage(cursor, upTo, batch.limit);
      if (page.length === 0) break;
      const last = page[page.length - 1]!;
      cursor = { expiresAt: last.expiresAt!, id: last.id };
      for (const sub of page) {
        const outcome = await renewOne(sub);
        if (outcome === 'renewed') renewed++;
        else if (outcome === 'failed') failed++;
      }
      batch.done(page.length);
      await ctx.checkpoint();
    }
    return { renewed, failed };
  };

  async function renewOne(sub: SubscriptionRow): Promise<'renewed' | 'failed' | 'pending'> {
    {
      if (!sub.autoRenew || sub.expiresAt === null) return 'pending';
      const expiry = expiryKey(sub.expiresAt);
      const tellCustomer = (reason: AutoRenewFailure) =>
        deps.outbox.enqueue({
          audience: 'user',
          userId: sub.userId,
          kind: 'auto_renew_failed',
          payload: { subscriptionId: sub.id, host: sub.host, product: sub.productName, expiresAt: sub.expiresAt, reason },
          dedupeKey: `auto-renew-failed:${sub.id}:${expiry}`,
        });

      const terms = await deps.subscriptions.renewalTerms(sub.userId, sub.id);
      if (!terms.ok || terms.value.length === 0) {
        tellCustomer('unavailable');
        return 'failed';
      }
      // Only the term the customer chose (or bought): a 1-day proxy is never renewed for a month on its own.
      const term = await deps.subscriptions.autoRenewTerm(sub, terms.value);
      if (!term) {
        tellCustomer('term_unavailable');
        return 'failed';
      }
      const quote = await deps.orders.quoteRenewal(sub.userId, sub.id, term.id);
      if (!quote.ok) {
        tellCustomer('unavailable');
        return 'failed';
      }
      const result = await deps.orders.purchase({
        userId: sub.userId,
        quoteId: quote.quote.id,
        intentKey: `auto:${sub.id}:${expiry}`,
        channel: 'auto-renew',
      });
      switch (result.kind) {
        case 'delivered':
          deps.outbox.enqueue({
            audience: 'user',
            userId: sub.userId,
            kind: 'auto_renewed',
            payload: {
              subscriptionId: sub.id,
              host: sub.host,
              product: sub.productName,
              orderId: result.order.id,
              priceCents: result.order.priceCents,
              term: quote.quote.labels.term,
            },
            dedupeKey: `auto-renewed:${result.order.id}`,
          });
          return 'renewed';
        case 'insufficient_funds':
          tellCustomer('insufficient_funds');
          return 'failed';
        case 'failed':
          tellCustomer('provider_refused');
          return 'failed';
        case 'off_sale':
          tellCustomer('unavailable');
          return 'failed';
        default:
          // provisioning: the reconciler finishes it and notifies; the others cannot happen here.
          deps.logger.info('auto-renewal pending', { subscriptionId: sub.id, outcome: result.kind });
          return 'pending';
      }
    }
  }
}
