/**
 * Upstream balance watch: asks each upstream that can tell (capability
 * `balance`) how much money we have left there, and tells the operators once
 * when it drops below their threshold for it (`UPSTREAM_LOW_BALANCE_CENTS`)
 * and once when it is back at or above it. Orders fail with
 * `insufficient_upstream_balance` when nobody tops the account up in time, so
 * hearing early is worth a request every few minutes.
 *
 * The state of each upstream (ok / low) and its alert are written in one
 * transaction, so a crossing is told exactly once whichever process (or
 * restart) sees it. A balance that cannot be read changes nothing: an
 * unreachable upstream is not a recovered one.
 */
import { eq } from 'drizzle-orm';
import type { Db, Sqlite } from '../../db/client.js';
import { upstreamBalanceWatch, type UpstreamBalanceState } from '../../db/schema/index.js';
import type { JobContext } from '../../lib/batches.js';
import type { Logger } from '../../logger.js';
import type { ProxyProvider } from '../../providers/types.js';
import type { Outbox } from '../../services/outbox.js';

/** The operators' thresholds: one for every upstream, and any per upstream over it. */
export interface LowBalanceThresholds {
  allCents?: number;
  perProviderCents: Partial<Record<string, number>>;
}

export function thresholdFor(thresholds: LowBalanceThresholds, providerId: string): number | undefined {
  return thresholds.perProviderCents[providerId] ?? thresholds.allCents;
}

export interface UpstreamBalanceJobDeps {
  db: Db;
  sqlite: Sqlite;
  outbox: Pick<Outbox, 'enqueue'>;
  providers: () => ProxyProvider[];
  thresholds: LowBalanceThresholds;
  logger: Logger;
  now?: () => number;
}

/** What a reading did to an upstream's state. */
export type BalanceCrossing = 'unchanged' | 'dropped_below' | 'recovered';

export type BalanceCheck =
  | { provider: string; outcome: BalanceCrossing; balanceCents: number; thresholdCents: number }
  | { provider: string; outcome: 'unreadable'; reason: string };

export function createUpstreamBalanceJob(deps: UpstreamBalanceJobDeps) {
  const { db, sqlite, outbox, logger } = deps;
  const now = deps.now ?? Date.now;

  /** Records a reading; returns what changed. One transaction with the alert it may queue. */
  const record = (provider: string, balanceCents: number, thresholdCents: number): BalanceCrossing =>
    sqlite
      .transaction(() => {
        const at = now();
        const state: UpstreamBalanceState = balanceCents < thresholdCents ? 'low' : 'ok';
        const previous = db.select().from(upstreamBalanceWatch).where(eq(upstreamBalanceWatch.providerId, provider)).get();
        // First reading: only a low balance is news.
        const changed = previous ? previous.state !== state : state === 'low';
        if (!previous) {
          db.insert(upstreamBalanceWatch)
            .values({ providerId: provider, state, balanceCents, thresholdCents, checkedAt: at, changedAt: at })
            .run();
        } else {
          db.update(upstreamBalanceWatch)
            .set({ state, balanceCents, thresholdCents, checkedAt: at, ...(changed ? { changedAt: at } : {}) })
            .where(eq(upstreamBalanceWatch.providerId, provider))
            .run();
        }
        if (!changed) return 'unchanged' as const;
        outbox.enqueue({
          audience: 'operators',
          kind: state === 'low' ? 'upstream_balance_below' : 'upstream_balance_recovered',
          payload: { provider, balanceCents, thresholdCents },
          dedupeKey: `upstream-balance:${provider}:${state}:${at}`,
        });
        return state === 'low' ? ('dropped_below' as const) : ('recovered' as const);
      })
      .immediate();

  return async (ctx: JobContext): Promise<BalanceCheck[]> => {
    const checks: BalanceCheck[] = [];
    for (const provider of deps.providers()) {
      const thresholdCents = thresholdFor(deps.thresholds, provider.id);
      // Without a threshold nobody asked to watch it; without a balance read it cannot be watched.
      if (thresholdCents === undefined || !provider.capabilities.balance || !provider.balance) continue;
      const read = await provider.balance();
      if (read.kind !== 'ok') {
        logger.warn('upstream balance could not be read', { provider: provider.id, outcome: read.kind, message: read.message });
        checks.push({ provider: provider.id, outcome: 'unreadable', reason: read.message });
      } else {
        const { balanceCents } = read.value;
        const outcome = record(provider.id, balanceCents, thresholdCents);
        if (outcome !== 'unchanged')
          logger.info('upstream balance crossed its threshold', { provider: provider.id, outcome, balanceCents, thresholdCents });
        checks.push({ provider: provider.id, outcome, balanceCents, thresholdCents });
      }
      await ctx.checkpoint();
    }
    return checks;
  };
}
