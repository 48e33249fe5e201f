/**
 * Who may use a proxy, and ending it early: the IP allowlist (list, add,
 * remove) and cancellation, where the proxy's provider offers them.
 *
 * The upstream keeps the allowlist; the shop reads it fresh for every edit
 * and sends the whole new list, checked first against the upstream's rules,
 * so a bad entry changes nothing.
 *
 * Cancelling returns to the customer only what the upstream returns to the
 * shop (`CancelRefund`), and says so before they confirm. FlashProxy refunds
 * nothing, so no money moves and the ledger is not touched.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { orders, subscriptions } from '../db/schema/index.js';
import { editAllowlist, type AllowlistProblem } from '../domain/ip-allowlist.js';
import type { Logger } from '../logger.js';
import type { CancelRefund, IpAllowlistRules, ProxyProvider } from '../providers/types.js';
import type { Catalog } from './catalog.js';
import { OPEN_STATES, type SubscriptionRow } from './order-store.js';
import type { ProxyActionRefusal } from './subscriptions.js';

export type AccessAction = 'allowedIps' | 'cancel';

/**
 * Why an access action did not happen; `not_active`: the proxy is expired or
 * cancelled already; `renewal_in_progress`: a renewal of it is not settled yet.
 */
export type AccessRefusal = ProxyActionRefusal | 'not_active' | 'renewal_in_progress';

export type AccessResult<T> = { ok: true; value: T } | { ok: false; reason: AccessRefusal; message: string };

export type AllowlistEditResult =
  | AccessResult<{ ips: string[] }>
  | { ok: false; reason: 'invalid'; message: string; problems: AllowlistProblem[] };

export interface Allowlist {
  ips: string[];
  rules: IpAllowlistRules;
}

/** What cancelling a proxy does, told before the customer confirms. */
export interface CancelTerms {
  refund: CancelRefund;
  /** Who sets the rule: the provider's name, for telling the customer. */
  providerName: string;
  /** Every proxy the cancellation ends: the provider cancels a whole plan, bought as one order. */
  proxies: SubscriptionRow[];
}

export function createProxyAccess(deps: { db: Db; catalog: Catalog; logger: Logger; now?: () => number }) {
  const { db, catalog, logger } = deps;
  const now = deps.now ?? Date.now;

  /**
   * One edit at a time per proxy: an edit reads the upstream's list and writes
   * the whole new one back, so two at once would each drop the other's change.
   */
  const editQueues = new Map<string, Promise<unknown>>();
  const oneAtATime = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = editQueues.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    editQueues.set(key, settled);
    void settled.then(() => {
      if (editQueues.get(key) === settled) editQueues.delete(key);
    });
    return run;
  };

  const offers = (provider: ProxyProvider, sub: SubscriptionRow, action: AccessAction) =>
    provider.capabilities[action] === true && provider.productCapabilities?.(sub.productId)[action] !== false;

  const find = (userId: number, id: string) => {
    const sub = db.select().from(subscriptions).where(eq(subscriptions.id, id)).get();
    return sub && sub.userId === userId ? sub : undefined;
  };

  /** The owner's active proxy and its provider, when the provider offers the action. */
  const withProvider = (userId: number, id: string, action: AccessAction) => {
    const sub = find(userId, id);
    if (!sub) return { ok: false as const, reason: 'not_found' as const, message: 'no such proxy' };
    const provider = catalog.provider(sub.providerId);
    if (!provider || !offers(provider, sub, action)) {
      return { ok: false as const, reason: 'unsupported' as const, message: 'this provider does not offer that' };
    }
    if (sub.status !== 'active') return { ok: false as const, reason: 'not_active' as const, message: `this proxy is ${sub.status}` };
    return { ok: true as const, sub, provider };
  };

  const unavailable = (provider: ProxyProvider) => ({
    ok: false as const,
    reason: 'provider_unavailable' as const,
    message: `${provider.displayName} did not answer; please try again later`,
  });

  /** The proxies one cancellation ends, oldest first: those of the same order at the same provider. */
  const planMates = (sub: SubscriptionRow): SubscriptionRow[] =>
    db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.orderId, sub.orderId), eq(subscriptions.providerId, sub.providerId)))
      .all()
      .filter((s) => s.userId === sub.userId);

  /** Whether an open renewal order covers any proxy of this one's plan. */
  const renewalOpen = (sub: SubscriptionRow): boolean => {
    const ids = planMates(sub).map((m) => m.id);
    const open = db
      .select({ id: orders.id })
      .from(orders)
      .where(
        and(
          eq(orders.userId, sub.userId),
          eq(orders.kind, 'renewal'),
          inArray(orders.state, OPEN_STATES),
          sql`exists (select 1 from json_each(${orders.subscriptionIds}) where value in ${ids})`,
        ),
      )
      .get();
    return open !== undefined;
  };

  return {
    /** Which access actions the proxy's provider offers on it now, for the card's buttons and the API. */
    actionsFor(sub: SubscriptionRow): AccessAction[] {
      const provider = catalog.provider(sub.providerId);
      if (!provider || sub.status !== 'active') return [];
      return (['allowedIps', 'cancel'] as const).filter((a) => offers(provider, sub, a));
    },

    async allowlist(userId: number, id: string): Promise<AccessResult<Allowlist>> {
      const found = withProvider(userId, id, 'allowedIps');
      if (!found.ok) return found;
      const listed = await found.provider.allowedIps!(found.sub.upstreamId);
      if (listed.kind !== 'ok') return unavailable(found.provider);
      return { ok: true, value: { ips: listed.value, rules: found.provider.ipAllowlistRules! } };
    },

    /** Adds and removes addresses; every entry is checked before the upstream is asked. */
    async editAllowlist(
      userId: number,
      id: string,
      change: { add?: readonly string[]; remove?: readonly string[] },
    ): Promise<AllowlistEditResult> {
      const sub = find(userId, id);
      // The proxies of one plan (one order) share its list, so they share the queue too.
      return oneAtATime(sub ? `${sub.providerId}:${sub.orderId}` : id, async (): Promise<AllowlistEditResult> => {
        const found = withProvider(userId, id, 'allowedIps');
        if (!found.ok) return found;
        const rules = found.provider.ipAllowlistRules!;
        const current = await found.provider.allowedIps!(found.sub.upstreamId);
        if (current.kind !== 'ok') return unavailable(found.provider);
        const next = editAllowlist(current.value, change, rules);
        if (!next.ok) return { ok: false, reason: 'invalid', message: 'the IP list was not changed', problems: next.problems };
        const set = await found.provider.setAllowedIps!(found.sub.upstreamId, next.ips);
        if (set.kind === 'refused' && set.code === 'invalid_option') {
          // The upstream refused what our check let through: say so, rather than "try later".
          return { ok: false, reason: 'invalid', message: set.message, problems: [] };
        }
        if (set.kind !== 'ok') return unavailable(found.provider);
        logger.info('proxy allowlist changed', { subscriptionId: id, entries: set.value.length });
        return { ok: true, value: { ips: set.value } };
      });
    },

    cancelTerms(userId: number, id: string): AccessResult<CancelTerms> {
      const found = withProvider(userId, id, 'cancel');
      if (!found.ok) return found;
      const refund = found.provider.cancelRefund!(found.sub.upstreamId);
      return { ok: true, value: { refund, providerName: found.provider.displayName, proxies: planMates(found.sub) } };
    },

    /**
     * Cancels at the upstream, then marks every proxy of the plan cancelled
     * (and auto-renew off). When the upstream's answer is unknown nothing is
     * marked: the next sync shows what the upstream did.
     */
    async cancel(userId: number, id: string): Promise<AccessResult<{ refund: CancelRefund; proxies: SubscriptionRow[] }>> {
      const found = withProvider(userId, id, 'cancel');
      if (!found.ok) return found;
      const refund = found.provider.cancelRefund!(found.sub.upstreamId);
      // A renewal still settling would mark the proxy active again when it lands, and its
      // money would pay for a cancelled plan: it settles first.
      if (renewalOpen(found.sub)) {
        return {
          ok: false,
          reason: 'renewal_in_progress',
          message: 'a renewal of this proxy is still being settled; try again when it is',
        };
      }
      const outcome = await found.provider.cancel!(found.sub.upstreamId);
      if (outcome.kind !== 'ok') {
        logger.warn('proxy cancellation not confirmed', { subscriptionId: id, outcome: outcome.kind, message: outcome.message });
        return unavailable(found.provider);
      }
      const mates = planMates(found.sub);
      const at = now();
      db.transaction((tx) => {
        for (const mate of mates) {
          tx.update(subscriptions)
            .set({ status: 'cancelled', autoRenew: false, lastSyncedAt: at })
            .where(eq(subscriptions.id, mate.id))
            .run();
        }
      });
      logger.info('proxy cancelled', { subscriptionId: id, proxies: mates.length, refund: refund.kind });
      return { ok: true, value: { refund, proxies: mates.map((m) => find(userId, m.id)!) } };
    },
  };
}

export type ProxyAccess = ReturnType<typeof createProxyAccess>;
