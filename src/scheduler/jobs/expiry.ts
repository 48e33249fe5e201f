/**
 * Retires proxies whose expiry has passed. The shop does not wait for an
 * upstream's list to say so: an upstream that is down, or that drops expired
 * proxies from its list, would otherwise leave them "active" here for ever,
 * shown as usable and re-read by every expiry walk.
 */
import type { Subscriptions } from '../../services/subscriptions.js';
import { batchSizer, standaloneContext, type JobContext } from '../../lib/batches.js';

export function createExpiryJob(deps: { subscriptions: Subscriptions }) {
  return async function expirePastDueProxies(ctx: JobContext = standaloneContext()): Promise<{ expired: number }> {
    let expired = 0;
    const batches = batchSizer(ctx.batchBudgetMs);
    for (;;) {
      const batch = batches.next();
      const changed = deps.subscriptions.expirePastDue(batch.limit);
      batch.done(changed);
      expired += changed;
      if (changed < batch.limit) break;
      await ctx.checkpoint();
    }
    return { expired };
  };
}
