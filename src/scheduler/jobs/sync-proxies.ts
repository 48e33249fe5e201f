/**
 * Keeps stored proxies in step with each upstream, one provider after the
 * other, each walked in pages (see `syncProvider`).
 */
import type { Catalog } from '../../services/catalog.js';
import type { Subscriptions } from '../../services/subscriptions.js';
import { standaloneContext, type JobContext } from '../../lib/batches.js';

export function createSyncProxiesJob(deps: { catalog: Catalog; subscriptions: Subscriptions }) {
  return async function syncProxies(ctx: JobContext = standaloneContext()) {
    // Side by side, so a slow upstream does not hold the others' sync back; their pages interleave at checkpoints.
    const providers = deps.catalog.providers();
    const results = await Promise.all(providers.map((p) => deps.subscriptions.syncProvider(p.id, ctx)));
    return Object.fromEntries(providers.map((p, i) => [p.id, results[i]]));
  };
}
