/**
 * Auto-renewal: proxies with auto-renew on are renewed through the same saga
 * as a manual renewal, a day before they expire. The intent key names the
 * proxy and its current expiry, so however often the job runs, each expiry is
 * renewed at most once; after a renewal the expiry moves and the key changes.
 */
import type { Logger } from '../../logger.js';
import type { Orders } from '../../services/orders.js';
import type { Outbox } from '../../services/outbox.js';
import type { Subscriptions } from '../../services/subscriptions.js';

export const AUTO_RENEW_AHEAD_HOURS = 24;

export function createAutoRenewJob(deps: {
  subscriptions: Subscriptions;
  orders: Orders;
  outbox: Outbox;
  logger: Logger;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;

  return async function autoRenew(): Promise<{ renewed: number; failed: number }> {
    let renewed = 0;
    let failed = 0;
    const before = new Date(now() + AUTO_RENEW_AHEAD_HOURS * 3_600_000).toISOString();
    for (const sub of deps.subscriptions.expiringBefore(before)) {
      if (!sub.autoRenew || !sub.expiresAt) continue;
      const tellCustomer = (reason: string) =>
        deps.outbox.enqueue({
          audience: 'user',
          userId: sub.userId,
          kind: 'auto_renew_failed',
          payload: { subscriptionId: sub.id, host: sub.host, product: sub.productName, expiresAt: sub.expiresAt, reason },
          dedupeKey: `auto-renew-failed:${sub.id}:${sub.expiresAt}`,
        });

      const terms = await deps.subscriptions.renewalTerms(sub.userId, sub.id);
      if (!terms.ok || terms.value.length === 0) {
        failed++;
        tellCustomer('unavailable');
        continue;
      }
      const term = terms.value.find((t) => t.id === sub.renewTermId) ?? terms.value[0]!;
      const quote = await deps.orders.quoteRenewal(sub.userId, sub.id, term.id);
      if (!quote.ok) {
        failed++;
        tellCustomer('unavailable');
        continue;
      }
      const result = await deps.orders.purchase({
        userId: sub.userId,
        quoteId: quote.quote.id,
        intentKey: `auto:${sub.id}:${sub.expiresAt}`,
        channel: 'auto-renew',
      });
      switch (result.kind) {
        case 'delivered':
          renewed++;
          deps.outbox.enqueue({
            audience: 'user',
            userId: sub.userId,
            kind: 'auto_renewed',
            payload: { subscriptionId: sub.id, host: sub.host, product: sub.productName, orderId: result.order.id, priceCents: result.order.priceCents },
            dedupeKey: `auto-renewed:${result.order.id}`,
          });
          break;
        case 'insufficient_funds':
          failed++;
          tellCustomer('insufficient_funds');
          break;
        case 'failed':
          failed++;
          tellCustomer('provider_refused');
          break;
        default:
          // provisioning: the reconciler finishes it and notifies; the others cannot happen here.
          deps.logger.info('auto-renewal pending', { subscriptionId: sub.id, outcome: result.kind });
      }
    }
    return { renewed, failed };
  };
}
