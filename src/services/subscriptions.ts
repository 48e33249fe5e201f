/**
 * What customers own: their proxies, kept in step with the upstreams, and the
 * actions each provider supports (change credentials, rotate IP, switch
 * location, usage, auto-renew). Renewal itself is an order (see orders.ts).
 */
import { and, asc, count, eq, inArray, lte, sql } from 'drizzle-orm';
import { jobBatchTransaction, type Db } from '../db/client.js';
import { subscriptions } from '../db/schema/index.js';
import type { ProviderCapabilities, ProxyProvider, TermOption, UsageReport, CountryOption } from '../providers/types.js';
import type { Catalog } from './catalog.js';
import { addsTrafficByNewOrder, combinedUsage, createLinkedOrderStore, newOrderTrafficTerms } from './linked-orders.js';
import { proxyFields, type SubscriptionRow } from './order-store.js';
import type { Logger } from '../logger.js';
import { BATCH_ROWS, batchSizer, standaloneContext, type JobContext } from '../lib/batches.js';
import type { Webhooks } from './webhooks.js';

/** A place in a walk over subscriptions ordered by expiry: the last row of the previous page. */
export interface ExpiryCursor {
  /** Epoch ms. */
  expiresAt: number;
  id: string;
}

/** Sorts after every id, so a cursor built from a bare time excludes rows at exactly that time. */
const AFTER_EVERY_ID = '\uffff';

/** A cursor that starts strictly after `time` (epoch ms). */
export function afterTime(time: number): ExpiryCursor {
  return { expiresAt: time, id: AFTER_EVERY_ID };
}

/**
 * An expiry as it appears in idempotency and dedupe keys: ISO 8601 UTC, the
 * text these keys were built from before times were stored as epoch ms, so a
 * key recorded then is still recognised (no second reminder, no second renewal).
 */
export function expiryKey(expiresAt: number): string {
  return new Date(expiresAt).toISOString();
}

/** Why an action on a proxy did not happen: not the customer's, not offered by its provider, or the provider did not answer. */
export type ProxyActionRefusal = 'not_found' | 'unsupported' | 'provider_unavailable';

export type ActionResult<T> = { ok: true; value: T } | { ok: false; reason: ProxyActionRefusal; message: string };

export type ProxyAction = keyof Pick<
  ProviderCapabilities,
  'renew' | 'changeCredentials' | 'rotateIp' | 'switchLocation' | 'usage' | 'targeting'
>;

/** Whether the provider offers an action on this product's proxies: the provider can, and the product is no exception. */
export function offers(provider: ProxyProvider, productId: string, action: ProxyAction): boolean {
  return provider.capabilities[action] && provider.productCapabilities?.(productId)[action] !== false;
}

export function createSubscriptions(deps: {
  db: Db;
  catalog: Catalog;
  logger: Logger;
  now?: () => number;
  webhooks?: Pick<Webhooks, 'emit'>;
}) {
  const { db, catalog, logger } = deps;
  const now = deps.now ?? Date.now;
  const linkedOrders = createLinkedOrderStore(db);
  /** `proxy.expired` for the owner's webhooks, in the transaction that expires it. */
  const expiredEvent = (sub: { id: string; userId: number; expiresAt: number | null }) => {
    // Customers' webhooks speak ISO 8601, like the REST API.
    if (sub.expiresAt !== null) {
      deps.webhooks?.emit(sub.userId, { type: 'proxy.expired', proxy: { id: sub.id, expiredAt: new Date(sub.expiresAt).toISOString() } });
    }
  };

  // Every proxy card, action and reminder reads one proxy by id.
  const byId = db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.id, sql.placeholder('id')))
    .prepare();
  const get = (userId: number, id: string): SubscriptionRow | undefined => {
    const row = byId.get({ id });
    return row && row.userId === userId ? row : undefined;
  };

  /** The owner's proxy and its provider, or why not. */
  const withProvider = (userId: number, id: string, action: ProxyAction) => {
    const sub = get(userId, id);
    if (!sub) return { ok: false as const, reason: 'not_found' as const, message: 'no such proxy' };
    const provider = catalog.provider(sub.providerId);
    if (!provider || !(offers(provider, sub.productId, action) || (action === 'renew' && addsTrafficByNewOrder(provider, sub)))) {
      return { ok: false as const, reason: 'unsupported' as const, message: 'this provider does not offer that' };
    }
    if (sub.status === 'cancelled') return { ok: false as const, reason: 'unsupported' as const, message: 'this proxy was cancelled' };
    return { ok: true as const, sub, provider };
  };

  // The per-tick walks: each reads one page of an index range, never the whole table.
  const pages = {
    activeExpiring: db
      .select()
      .from(subscriptions)
      .where(
        and(
          sql`${subscriptions.status} = 'active'`,
          sql`(${subscriptions.expiresAt}, ${subscriptions.id}) > (${sql.placeholder('afterExpiry')}, ${sql.placeholder('afterId')})`,
          lte(subscriptions.expiresAt, sql.placeholder('upTo')),
        ),
      )
      .orderBy(asc(subscriptions.expiresAt), asc(subscriptions.id))
      .limit(sql.placeholder('limit'))
      .prepare(),
    // Only what the sync compares and reports: it walks every row of a provider, and full rows
    // (two dozen columns each) made enough garbage for the collector's pauses to stall the loop.
    ofProvider: db
      .select({
        id: subscriptions.id,
        userId: subscriptions.userId,
        upstreamId: subscriptions.upstreamId,
        status: subscriptions.status,
        expiresAt: subscriptions.expiresAt,
        login: subscriptions.login,
        password: subscriptions.password,
        host: subscriptions.host,
        trafficLimitMb: subscriptions.trafficLimitMb,
      })
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.providerId, sql.placeholder('providerId')),
          sql`${subscriptions.upstreamId} > ${sql.placeholder('afterUpstreamId')}`,
        ),
      )
      .orderBy(asc(subscriptions.upstreamId))
      .limit(sql.placeholder('limit'))
      .prepare(),
    // drizzle has no INDEXED BY, so the table is named in a template (and the
    // id selected as SQL, since drizzle checks column fields against a table). Without
    // statistics SQLite may prefer the wider expiry index, which holds every
    // proxy, not only the few on auto-renew. The WHERE must match the partial
    // index's literally for SQLite to use it at all.
    autoRenewIds: db
      .select({ id: sql<string>`${subscriptions.id}` })
      .from(sql`${subscriptions} INDEXED BY subscriptions_auto_renew`)
      .where(
        and(
          sql`${subscriptions.status} = 'active' AND ${subscriptions.autoRenew} = 1`,
          sql`(${subscriptions.expiresAt}, ${subscriptions.id}) > (${sql.placeholder('afterExpiry')}, ${sql.placeholder('afterId')})`,
          lte(subscriptions.expiresAt, sql.placeholder('upTo')),
        ),
      )
      .orderBy(asc(subscriptions.expiresAt), asc(subscriptions.id))
      .limit(sql.placeholder('limit'))
      .prepare(),
  };
  // Retires one page of past-due proxies, walking the expiry index from its oldest end.
  const expirePage = db
    .update(subscriptions)
    .set({ status: 'expired', lastSyncedAt: sql`${sql.placeholder('syncedAt')}` })
    .where(
      inArray(
        subscriptions.id,
        db
          .select({ id: subscriptions.id })
          .from(subscriptions)
          .where(and(eq(subscriptions.status, 'active'), lte(subscriptions.expiresAt, sql.placeholder('now'))))
          .orderBy(asc(subscriptions.expiresAt))
          .limit(sql.placeholder('limit')),
      ),
    )
    .returning({ id: subscriptions.id, userId: subscriptions.userId, expiresAt: subscriptions.expiresAt })
    .prepare();
  const sqlite = db.$client;
  // A job's batch: rebuilt from durable state if a power cut loses it, so its commit does not wait for the disk.
  const inOneTransaction = <T>(work: () => T): T => jobBatchTransaction(sqlite, work);

  const unavailable = (name: string) => ({
    ok: false as const,
    reason: 'provider_unavailable' as const,
    message: `${name} did not answer; please try again later`,
  });

  return {
    get,

    /** A page of the customer's proxies, soonest expiry first. */
    list(userId: number, page = 0, pageSize = 5): { items: SubscriptionRow[]; total: number } {
      const where = eq(subscriptions.userId, userId);
      const total = db.select({ n: count() }).from(subscriptions).where(where).get()?.n ?? 0;
      const items = db
        .select()
        .from(subscriptions)
        .where(where)
        .orderBy(asc(subscriptions.expiresAt), asc(subscriptions.createdAt), asc(subscriptions.id))
        .limit(pageSize)
        .offset(page * pageSize)
        .all();
      return { items, total };
    },

    all(userId: number): SubscriptionRow[] {
      return db.select().from(subscriptions).where(eq(subscriptions.userId, userId)).orderBy(asc(subscriptions.createdAt)).all();
    },

    /** Which actions the proxy's provider supports, for the proxy card's buttons. */
    actionsFor(sub: SubscriptionRow): ProxyAction[] {
      const provider = catalog.provider(sub.providerId);
      // A cancelled plan is unusable for good: nothing to renew, re-password or move.
      if (!provider || sub.status === 'cancelled') return [];
      const actions: ProxyAction[] = ['renew', 'changeCredentials', 'rotateIp', 'switchLocation', 'usage', 'targeting'];
      // A traffic package whose upstream sells more traffic only as a new order still takes more traffic (a linked order).
      return actions.filter((a) => offers(provider, sub.productId, a) || (a === 'renew' && addsTrafficByNewOrder(provider, sub)));
    },

    setAutoRenew(userId: number, id: string, on: boolean, termId?: string): ActionResult<SubscriptionRow> {
      const sub = get(userId, id);
      if (!sub) return { ok: false, reason: 'not_found', message: 'no such proxy' };
      const provider = catalog.provider(sub.providerId);
      if (on && !provider?.capabilities.renew) return { ok: false, reason: 'unsupported', message: 'this proxy cannot be renewed' };
      // A plan that never expires has nothing to renew ahead of.
      if (on && sub.expiresAt === null) return { ok: false, reason: 'unsupported', message: 'this proxy does not expire' };
      db.update(subscriptions)
        .set({ autoRenew: on, ...(termId ? { renewTermId: termId } : {}) })
        .where(eq(subscriptions.id, id))
        .run();
      return { ok: true, value: get(userId, id)! };
    },

    /** Whether auto-renew can be offered: the provider renews and the proxy expires by date. */
    offersAutoRenew(sub: SubscriptionRow): boolean {
      return sub.expiresAt !== null && catalog.provider(sub.providerId)?.capabilities.renew === true;
    },

    /**
     * The renewal term auto-renew uses: the one the customer chose, else the
     * one matching the term they bought (same days, same traffic), found
     * through the catalog since renewal terms may have ids of their own.
     * Undefined when neither is offered: auto-renew never picks another term.
     */
    async autoRenewTerm<T extends TermOption>(sub: SubscriptionRow, terms: readonly T[]): Promise<T | undefined> {
      if (sub.renewTermId === null) return undefined;
      const chosen = terms.find((t) => t.id === sub.renewTermId);
      if (chosen) return chosen;
      const entry = await catalog.providerEntry(sub.providerId);
      const bought = entry?.products.find((p) => p.id === sub.productId)?.terms.find((t) => t.id === sub.renewTermId);
      if (!bought || (bought.days === undefined && bought.trafficGb === undefined)) return undefined;
      return terms.find((t) => t.days === bought.days && t.trafficGb === bought.trafficGb);
    },

    async renewalTerms(userId: number, id: string): Promise<ActionResult<TermOption[]>> {
      const found = withProvider(userId, id, 'renew');
      if (!found.ok) return found;
      if (addsTrafficByNewOrder(found.provider, found.sub) && !found.provider.capabilities.renew) {
        const terms = await newOrderTrafficTerms(catalog, found.sub);
        return terms ? { ok: true, value: terms } : unavailable(found.provider.displayName);
      }
      const outcome = await found.provider.renewalTerms!(found.sub.upstreamId);
      return outcome.kind === 'ok' ? { ok: true, value: outcome.value } : unavailable(found.provider.displayName);
    },

    async changeCredentials(userId: number, id: string): Promise<ActionResult<SubscriptionRow>> {
      const found = withProvider(userId, id, 'changeCredentials');
      if (!found.ok) return found;
      const outcome = await found.provider.changeCredentials!(found.sub.upstreamId);
      if (outcome.kind !== 'ok') return unavailable(found.provider.displayName);
      db.update(subscriptions)
        .set({ login: outcome.value.login, password: outcome.value.password, lastSyncedAt: now() })
        .where(eq(subscriptions.id, id))
        .run();
      logger.info('proxy credentials changed', { subscriptionId: id });
      return { ok: true, value: get(userId, id)! };
    },

    async rotateIp(userId: number, id: string): Promise<ActionResult<true>> {
      const found = withProvider(userId, id, 'rotateIp');
      if (!found.ok) return found;
      const outcome = await found.provider.rotateIp!(found.sub.upstreamId);
      if (outcome.kind === 'refused' && outcome.code === 'unsupported') {
        return { ok: false, reason: 'unsupported', message: 'this proxy cannot rotate its IP' };
      }
      return outcome.kind === 'ok' ? { ok: true, value: true } : unavailable(found.provider.displayName);
    },

    async locations(userId: number, id: string): Promise<ActionResult<CountryOption[]>> {
      const found = withProvider(userId, id, 'switchLocation');
      if (!found.ok) return found;
      const outcome = await found.provider.locations!(found.sub.upstreamId);
      return outcome.kind === 'ok' ? { ok: true, value: outcome.value } : unavailable(found.provider.displayName);
    },

    async switchLocation(userId: number, id: string, locationCode: string): Promise<ActionResult<SubscriptionRow>> {
      const found = withProvider(userId, id, 'switchLocation');
      if (!found.ok) return found;
      const outcome = await found.provider.switchLocation!(found.sub.upstreamId, locationCode);
      if (outcome.kind !== 'ok') return unavailable(found.provider.displayName);
      const fields = proxyFields(outcome.value);
      db.update(subscriptions)
        .set({ ...fields, upstreamId: found.sub.upstreamId, lastSyncedAt: now() })
        .where(eq(subscriptions.id, id))
        .run();
      return { ok: true, value: get(userId, id)! };
    },

    async usage(userId: number, id: string): Promise<ActionResult<UsageReport>> {
      const found = withProvider(userId, id, 'usage');
      if (!found.ok) return found;
      // A card with linked orders counts them all: each upstream order is read by its own id, together.
      const upstreamIds = [found.sub.upstreamId, ...linkedOrders.ofSubscription(found.sub.id).map((o) => o.upstreamId)];
      const outcomes = await Promise.all(upstreamIds.map((upstreamId) => found.provider.usage!(upstreamId)));
      const reports: UsageReport[] = [];
      // One order unread would make the whole card's figures wrong, so all or nothing.
      for (const outcome of outcomes) {
        if (outcome.kind !== 'ok') return unavailable(found.provider.displayName);
        reports.push(outcome.value);
      }
      return { ok: true, value: reports.length === 1 ? reports[0]! : combinedUsage(reports) };
    },

    /** The upstream orders linked to a card to add traffic to it, oldest first. */
    linkedOrders: (subscriptionId: string) => linkedOrders.ofSubscription(subscriptionId),

    /**
     * Brings stored proxies in line with the upstream: expiry moved by a
     * renewal made elsewhere, status changed, credentials changed. A provider
     * that does not answer changes nothing. Our rows are walked a page at a
     * time (one transaction each, the event loop free in between).
     */
    async syncProvider(
      providerId: string,
      ctx: JobContext = standaloneContext(),
    ): Promise<{ updated: number; missing: number } | { error: string }> {
      const provider = catalog.provider(providerId);
      if (!provider) return { error: 'provider not enabled' };
      const listed = await provider.listProxies();
      if (listed.kind !== 'ok') return { error: listed.message };
      const byUpstream = new Map(listed.value.map((p) => [p.upstreamId, p]));
      let updated = 0;
      let missing = 0;
      let afterUpstreamId = '';
      const batches = batchSizer(ctx.batchBudgetMs);
      for (;;) {
        const batch = batches.next();
        const page = pages.ofProvider.all({ providerId, afterUpstreamId, limit: batch.limit });
        if (page.length === 0) break;
        afterUpstreamId = page[page.length - 1]!.upstreamId;
        const at = now();
        inOneTransaction(() => {
          for (const sub of page) {
            const proxy = byUpstream.get(sub.upstreamId);
            if (!proxy) {
              // Upstreams drop expired proxies from their lists; only an expired date makes it expired here.
              if (sub.status === 'active' && sub.expiresAt !== null && sub.expiresAt < at) {
                db.update(subscriptions).set({ status: 'expired', lastSyncedAt: at }).where(eq(subscriptions.id, sub.id)).run();
                expiredEvent(sub);
                updated++;
              } else missing++;
              continue;
            }
            const fields = proxyFields(proxy);
            const changed =
              fields.expiresAt !== sub.expiresAt ||
              fields.status !== sub.status ||
              fields.password !== sub.password ||
              fields.login !== sub.login ||
              fields.host !== sub.host ||
              // A traffic top-up changes the package's total, not its expiry.
              fields.trafficLimitMb !== sub.trafficLimitMb;
            if (changed) {
              db.update(subscriptions)
                .set({ ...fields, lastSyncedAt: at })
                .where(eq(subscriptions.id, sub.id))
                .run();
              if (sub.status === 'active' && fields.status === 'expired')
                expiredEvent({ ...sub, expiresAt: fields.expiresAt ?? sub.expiresAt });
              updated++;
            }
          }
        });
        batch.done(page.length);
        if (page.length < batch.limit) break;
        await ctx.checkpoint();
      }
      return { updated, missing };
    },

    /**
     * One page of active proxies expiring after `after` and no later than
     * `upTo` (epoch ms), soonest first: reminders walk their window with it.
     */
    activeExpiringPage(after: ExpiryCursor, upTo: number, limit = BATCH_ROWS): SubscriptionRow[] {
      return pages.activeExpiring.all({ afterExpiry: after.expiresAt, afterId: after.id, upTo, limit });
    },

    /** One page of the proxies on auto-renew expiring in (after, upTo], soonest first. */
    autoRenewPage(after: ExpiryCursor, upTo: number, limit = 100): SubscriptionRow[] {
      const ids = pages.autoRenewIds.all({ afterExpiry: after.expiresAt, afterId: after.id, upTo, limit });
      // Point lookups by primary key, in the page's order.
      return ids.map(({ id }) => byId.get({ id })).filter((r): r is SubscriptionRow => r !== undefined);
    },

    /**
     * Marks up to `limit` active proxies whose expiry has passed as expired,
     * whatever the upstream says or whether it answers; returns how many.
     * A later sync or renewal makes a proxy active again if it was renewed elsewhere.
     */
    expirePastDue(limit = BATCH_ROWS): number {
      const at = now();
      return inOneTransaction(() => {
        const expired = expirePage.all({ now: at, syncedAt: at, limit });
        expired.forEach(expiredEvent);
        return expired.length;
      });
    },

    /** Runs `work` (several enqueues, updates) as one write transaction: one batch, one commit. */
    inOneTransaction,

    markReminded(id: string, expiresAt: number): void {
      db.update(subscriptions).set({ remindedForExpiry: expiresAt }).where(eq(subscriptions.id, id)).run();
    },
  };
}

export type Subscriptions = ReturnType<typeof createSubscriptions>;
