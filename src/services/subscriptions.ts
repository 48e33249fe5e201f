/**
 * What customers own: their proxies, kept in step with the upstreams, and the
 * actions each provider supports (change credentials, rotate IP, switch
 * location, usage, auto-renew). Renewal itself is an order (see orders.ts).
 */
import { and, asc, count, eq, lte, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { subscriptions } from '../db/schema/index.js';
import type { ProviderCapabilities, TermOption, UsageReport, CountryOption } from '../providers/types.js';
import type { Catalog } from './catalog.js';
import { proxyFields, type SubscriptionRow } from './order-store.js';
import type { Logger } from '../logger.js';

export type ActionResult<T> = { ok: true; value: T } | { ok: false; reason: string; message: string };

export type ProxyAction = keyof Pick<ProviderCapabilities, 'renew' | 'changeCredentials' | 'rotateIp' | 'switchLocation' | 'usage'>;

export function createSubscriptions(deps: { db: Db; catalog: Catalog; logger: Logger; now?: () => number }) {
  const { db, catalog, logger } = deps;
  const now = deps.now ?? Date.now;

  const get = (userId: number, id: string): SubscriptionRow | undefined => {
    const row = db.select().from(subscriptions).where(eq(subscriptions.id, id)).get();
    return row && row.userId === userId ? row : undefined;
  };

  /** The owner's proxy and its provider, or why not. */
  const withProvider = (userId: number, id: string, action: ProxyAction) => {
    const sub = get(userId, id);
    if (!sub) return { ok: false as const, reason: 'not_found', message: 'no such proxy' };
    const provider = catalog.provider(sub.providerId);
    if (!provider || !provider.capabilities[action]) {
      return { ok: false as const, reason: 'unsupported', message: 'this provider does not offer that' };
    }
    return { ok: true as const, sub, provider };
  };

  const unavailable = (name: string) => ({ ok: false as const, reason: 'provider_unavailable', message: `${name} did not answer; please try again later` });

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
      if (!provider) return [];
      const actions: ProxyAction[] = ['renew', 'changeCredentials', 'rotateIp', 'switchLocation', 'usage'];
      return actions.filter((a) => provider.capabilities[a]);
    },

    setAutoRenew(userId: number, id: string, on: boolean, termId?: string): ActionResult<SubscriptionRow> {
      const sub = get(userId, id);
      if (!sub) return { ok: false, reason: 'not_found', message: 'no such proxy' };
      const provider = catalog.provider(sub.providerId);
      if (on && !provider?.capabilities.renew) return { ok: false, reason: 'unsupported', message: 'this proxy cannot be renewed' };
      db.update(subscriptions)
        .set({ autoRenew: on, ...(termId ? { renewTermId: termId } : {}) })
        .where(eq(subscriptions.id, id))
        .run();
      return { ok: true, value: get(userId, id)! };
    },

    async renewalTerms(userId: number, id: string): Promise<ActionResult<TermOption[]>> {
      const found = withProvider(userId, id, 'renew');
      if (!found.ok) return found;
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
      const outcome = await found.provider.usage!(found.sub.upstreamId);
      return outcome.kind === 'ok' ? { ok: true, value: outcome.value } : unavailable(found.provider.displayName);
    },

    /**
     * Brings stored proxies in line with the upstream: expiry moved by a
     * renewal made elsewhere, status changed, credentials changed. A provider
     * that does not answer changes nothing.
     */
    async syncProvider(providerId: string): Promise<{ updated: number; missing: number } | { error: string }> {
      const provider = catalog.provider(providerId);
      if (!provider) return { error: 'provider not enabled' };
      const listed = await provider.listProxies();
      if (listed.kind !== 'ok') return { error: listed.message };
      const byUpstream = new Map(listed.value.map((p) => [p.upstreamId, p]));
      const ours = db.select().from(subscriptions).where(eq(subscriptions.providerId, providerId)).all();
      let updated = 0;
      let missing = 0;
      for (const sub of ours) {
        const proxy = byUpstream.get(sub.upstreamId);
        if (!proxy) {
          // Upstreams drop expired proxies from their lists; only an expired date makes it expired here.
          if (sub.status === 'active' && sub.expiresAt && Date.parse(sub.expiresAt) < now()) {
            db.update(subscriptions).set({ status: 'expired', lastSyncedAt: now() }).where(eq(subscriptions.id, sub.id)).run();
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
          fields.host !== sub.host;
        if (changed) {
          db.update(subscriptions).set({ ...fields, lastSyncedAt: now() }).where(eq(subscriptions.id, sub.id)).run();
          updated++;
        }
      }
      return { updated, missing };
    },

    /** Active proxies expiring before `before` (ISO), for reminders and auto-renewal. */
    expiringBefore(before: string): SubscriptionRow[] {
      return db
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.status, 'active'), isNotNull(subscriptions.expiresAt), lte(subscriptions.expiresAt, before)))
        .all();
    },

    markReminded(id: string, expiresAt: string): void {
      db.update(subscriptions).set({ remindedForExpiry: expiresAt }).where(eq(subscriptions.id, id)).run();
    },
  };
}

export type Subscriptions = ReturnType<typeof createSubscriptions>;
