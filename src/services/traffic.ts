/**
 * Traffic-billed plans: what is used, left and bought, read from the upstream
 * (FlashProxy `GET /plans/{id}/usage`, GateProxy's usage by order) through a
 * cache, so the card, the API and the warning job together ask an upstream
 * about a plan at most once per cache period, and concurrent readers of one
 * plan share a single request.
 *
 * Warnings at 80 %, 95 % and exhaustion go through the outbox, each once per
 * plan and period (`traffic_warnings`); the period is the plan's total and
 * expiry, so a top-up earns fresh warnings. Auto top-up buys the customer's
 * chosen traffic package through the renewal saga (a quote, the wallet, the
 * upstream's extend) once the used share reaches their threshold, at most
 * once per period: the intent key names the period.
 */
import { and, asc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  subscriptions as subscriptionsTable,
  TRAFFIC_WARNING_THRESHOLDS,
  trafficAutoTopups,
  trafficUsage,
  trafficWarnings,
  type TrafficWarningThreshold,
} from '../db/schema/index.js';
import { BATCH_ROWS, standaloneContext, type JobContext } from '../lib/batches.js';
import { SingleFlight } from '../lib/single-flight.js';
import type { Logger } from '../logger.js';
import type { SubscriptionRow } from './order-store.js';
import type { Orders } from './orders.js';
import type { Outbox } from './outbox.js';
import type { ActionResult, Subscriptions } from './subscriptions.js';

export const DEFAULT_TRAFFIC_USAGE_CACHE_MS = 5 * 60_000;
/**
 * Upstream usage reads per pass of the traffic job (every 5 minutes): 50 is 10 a minute, a tenth of
 * FlashProxy's documented 100 requests a minute, so purchases and the customers' own reads keep the rest.
 * A shop with more plans checks each one every few passes.
 */
export const DEFAULT_TRAFFIC_READS_PER_PASS = 50;
/** The auto top-up thresholds a customer may pick (used share, %). */
export const AUTO_TOPUP_THRESHOLDS = [50, 80, 90, 95] as const;
/** After a failed auto top-up, how long before the same period is tried again (the customer may have added money). */
export const AUTO_TOPUP_RETRY_MS = 60 * 60_000;
export const MIN_AUTO_TOPUP_PERCENT = 50;
export const MAX_AUTO_TOPUP_PERCENT = 99;

/** A plan's traffic as last reported by its upstream. */
export interface TrafficUsage {
  usedGb: number;
  remainingGb?: number;
  totalGb?: number;
  /** Used share of the total, 0–100 (rounded down), when the total is known. */
  usedPercent?: number;
  exhausted: boolean;
  /** Epoch ms of the upstream's answer. */
  fetchedAt: number;
  /** True when the upstream did not answer just now and these are older figures. */
  stale: boolean;
}

export interface AutoTopupSetting {
  termId: string;
  thresholdPercent: number;
}

type UsageRow = typeof trafficUsage.$inferSelect;

/** Decimal MB, as the upstreams count (1 GB = 1000 MB). */
const gbToMb = (gb: number) => Math.round(gb * 1000);
const mbToGb = (mb: number) => mb / 1000;

function usageOf(row: UsageRow, stale: boolean): TrafficUsage {
  const total = row.totalMb ?? (row.remainingMb === null ? null : row.usedMb + row.remainingMb);
  const exhausted = (row.remainingMb !== null && row.remainingMb <= 0) || (total !== null && total > 0 && row.usedMb >= total);
  return {
    usedGb: mbToGb(row.usedMb),
    ...(row.remainingMb === null ? {} : { remainingGb: mbToGb(row.remainingMb) }),
    ...(total === null ? {} : { totalGb: mbToGb(total) }),
    ...(total === null || total <= 0 ? {} : { usedPercent: Math.min(100, Math.floor((row.usedMb * 100) / total)) }),
    exhausted,
    fetchedAt: row.fetchedAt,
    stale,
  };
}

/** The thresholds a usage has reached (exhaustion only when the upstream says nothing is left). */
export function reachedThresholds(usage: TrafficUsage): TrafficWarningThreshold[] {
  return TRAFFIC_WARNING_THRESHOLDS.filter((threshold) =>
    threshold === 100 ? usage.exhausted : usage.usedPercent !== undefined && usage.usedPercent >= threshold,
  );
}

/** A plan's period: its total and its expiry; buying more traffic (or time) starts a new one. */
export function periodKeyOf(sub: Pick<SubscriptionRow, 'expiresAt'>, usage: Pick<TrafficUsage, 'totalGb'>): string {
  return `${usage.totalGb === undefined ? 'open' : gbToMb(usage.totalGb)}mb:${sub.expiresAt ?? 'none'}`;
}

/**
 * What the shop knows of a plan's size and term; figures read under another are out of date. Orders
 * linked to the card to add traffic (services/linked-orders.ts) are part of its size.
 */
const planKeyOf = (sub: Pick<SubscriptionRow, 'trafficLimitMb' | 'expiresAt'>, linkedOrderIds: readonly string[] = []) =>
  `${sub.trafficLimitMb ?? 'none'}:${sub.expiresAt ?? 'none'}${linkedOrderIds.map((id) => `+${id}`).join('')}`;

export function createTraffic(deps: {
  db: Db;
  subscriptions: Subscriptions;
  orders: Pick<Orders, 'quoteRenewal' | 'purchase' | 'renewalOffers'>;
  outbox: Outbox;
  logger: Logger;
  now?: () => number;
  cacheMs?: number;
  /** Upstream reads one pass of the job may make; the rest wait for the next pass. */
  readsPerPass?: number;
}) {
  const { db, subscriptions, outbox, logger } = deps;
  const planKey = (sub: SubscriptionRow) =>
    planKeyOf(
      sub,
      subscriptions.linkedOrders(sub.id).map((o) => o.orderId),
    );
  const now = deps.now ?? Date.now;
  const cacheMs = deps.cacheMs ?? DEFAULT_TRAFFIC_USAGE_CACHE_MS;
  const readsPerPass = deps.readsPerPass ?? DEFAULT_TRAFFIC_READS_PER_PASS;
  const inFlight = new SingleFlight<string, ActionResult<TrafficUsage>>();

  const stored = (subscriptionId: string) => db.select().from(trafficUsage).where(eq(trafficUsage.subscriptionId, subscriptionId)).get();

  /** Asks the upstream (one request per plan at a time) and keeps the answer. */
  const refresh = (sub: SubscriptionRow): Promise<ActionResult<TrafficUsage>> =>
    inFlight.run(sub.id, async () => {
      // Taken before the read: an order linked while it is under way makes these figures out of date.
      const readUnder = planKey(sub);
      const asked = await subscriptions.usage(sub.userId, sub.id);
      if (!asked.ok) {
        // Older figures beat none when the upstream is down (marked stale), if read under the same package.
        const old = asked.reason === 'provider_unavailable' ? stored(sub.id) : undefined;
        return old && old.planKey === planKey(sub) ? { ok: true, value: usageOf(old, true) } : asked;
      }
      const { usedGb, remainingGb, totalGb } = asked.value;
      const row: UsageRow = {
        subscriptionId: sub.id,
        usedMb: gbToMb(usedGb),
        remainingMb: remainingGb === undefined ? null : gbToMb(remainingGb),
        totalMb: totalGb === undefined ? null : gbToMb(totalGb),
        fetchedAt: now(),
        planKey: readUnder,
      };
      db.insert(trafficUsage)
        .values(row)
        .onConflictDoUpdate({
          target: trafficUsage.subscriptionId,
          set: { usedMb: row.usedMb, remainingMb: row.remainingMb, totalMb: row.totalMb, fetchedAt: row.fetchedAt, planKey: row.planKey },
        })
        .run();
      return { ok: true, value: usageOf(row, false) };
    });

  /** Whether the stored figures still answer for this proxy: young enough, and read under its current package. */
  const isFresh = (sub: SubscriptionRow, maxAge = cacheMs) => {
    const row = stored(sub.id);
    return row !== undefined && row.planKey === planKey(sub) && now() - row.fetchedAt < maxAge;
  };

  /** A proxy's usage: the stored figures while fresh, else the upstream's. */
  async function usageOfSub(sub: SubscriptionRow, options: { maxAgeMs?: number } = {}): Promise<ActionResult<TrafficUsage>> {
    const row = stored(sub.id);
    if (row && isFresh(sub, options.maxAgeMs)) return { ok: true, value: usageOf(row, false) };
    return refresh(sub);
  }

  const autoTopupRow = (subscriptionId: string) =>
    db.select().from(trafficAutoTopups).where(eq(trafficAutoTopups.subscriptionId, subscriptionId)).get();
  const autoTopupOf = (subscriptionId: string): AutoTopupSetting | undefined => {
    const row = autoTopupRow(subscriptionId);
    return row ? { termId: row.termId, thresholdPercent: row.thresholdPercent } : undefined;
  };

  /** Whether traffic can be added to this proxy: it reports usage and its provider renews it (with traffic). */
  const offersTopup = (sub: SubscriptionRow) => {
    const actions = subscriptions.actionsFor(sub);
    return sub.trafficLimitMb !== null && actions.includes('usage') && actions.includes('renew');
  };

  /** Queues the warning for the highest threshold newly reached; records every one reached. */
  function warn(sub: SubscriptionRow, usage: TrafficUsage): TrafficWarningThreshold | undefined {
    const reached = reachedThresholds(usage);
    if (reached.length === 0) return undefined;
    const periodKey = periodKeyOf(sub, usage);
    return subscriptions.inOneTransaction(() => {
      let newest: TrafficWarningThreshold | undefined;
      for (const threshold of reached) {
        const added = db
          .insert(trafficWarnings)
          .values({ subscriptionId: sub.id, periodKey, threshold, createdAt: now() })
          .onConflictDoNothing()
          .run();
        if (added.changes > 0) newest = threshold;
      }
      // Crossing 80 % and 95 % between two looks is one message, about the higher one.
      if (newest !== undefined) {
        outbox.enqueue({
          audience: 'user',
          userId: sub.userId,
          kind: 'traffic_warning',
          payload: {
            subscriptionId: sub.id,
            host: sub.host,
            product: sub.productName,
            threshold: newest,
            usedGb: usage.usedGb,
            totalGb: usage.totalGb ?? null,
            periodKey,
          },
          dedupeKey: `traffic-warning:${sub.id}:${periodKey}:${newest}`,
        });
      }
      return newest;
    });
  }

  type TopupOutcome = 'topped_up' | 'failed' | 'pending' | 'not_due';

  async function autoTopup(sub: SubscriptionRow, usage: TrafficUsage): Promise<TopupOutcome> {
    const setting = autoTopupRow(sub.id);
    if (!setting || !offersTopup(sub)) return 'not_due';
    const due = usage.exhausted || (usage.usedPercent !== undefined && usage.usedPercent >= setting.thresholdPercent);
    if (!due) return 'not_due';
    const periodKey = periodKeyOf(sub, usage);
    if (setting.failedPeriodKey === periodKey && setting.failedAt !== null && now() - setting.failedAt < AUTO_TOPUP_RETRY_MS) {
      return 'not_due';
    }
    const tellFailure = (reason: 'unavailable' | 'insufficient_funds' | 'provider_refused') => {
      db.update(trafficAutoTopups)
        .set({ failedPeriodKey: periodKey, failedAt: now() })
        .where(eq(trafficAutoTopups.subscriptionId, sub.id))
        .run();
      outbox.enqueue({
        audience: 'user',
        userId: sub.userId,
        kind: 'traffic_auto_topup_failed',
        payload: { subscriptionId: sub.id, host: sub.host, product: sub.productName, reason, periodKey },
        dedupeKey: `traffic-auto-topup-failed:${sub.id}:${periodKey}`,
      });
    };
    const quote = await deps.orders.quoteRenewal(sub.userId, sub.id, setting.termId);
    if (!quote.ok) {
      tellFailure('unavailable');
      return 'failed';
    }
    const result = await deps.orders.purchase({
      userId: sub.userId,
      quoteId: quote.quote.id,
      // One top-up per period however often the job runs: the top-up itself moves the period.
      intentKey: `auto-traffic:${sub.id}:${periodKey}`,
      channel: 'auto-renew',
    });
    switch (result.kind) {
      case 'delivered':
        outbox.enqueue({
          audience: 'user',
          userId: sub.userId,
          kind: 'traffic_auto_topped_up',
          payload: {
            subscriptionId: sub.id,
            host: sub.host,
            product: sub.productName,
            orderId: result.order.id,
            priceCents: result.order.priceCents,
            term: quote.quote.labels.term,
          },
          dedupeKey: `traffic-auto-topped-up:${result.order.id}`,
        });
        // The next look must see the new total, not the cached one.
        db.delete(trafficUsage).where(eq(trafficUsage.subscriptionId, sub.id)).run();
        return 'topped_up';
      case 'insufficient_funds':
        tellFailure('insufficient_funds');
        return 'failed';
      case 'failed':
        tellFailure('provider_refused');
        return 'failed';
      case 'off_sale':
        tellFailure('unavailable');
        return 'failed';
      default:
        logger.info('auto traffic top-up pending', { subscriptionId: sub.id, outcome: result.kind });
        return 'pending';
    }
  }

  // The job's walk: active proxies with a traffic package, by id, a page at a time.
  const trafficPage = db
    .select()
    .from(subscriptionsTable)
    .where(
      and(
        eq(subscriptionsTable.status, 'active'),
        isNotNull(subscriptionsTable.trafficLimitMb),
        gt(subscriptionsTable.id, sql.placeholder('afterId')),
      ),
    )
    .orderBy(asc(subscriptionsTable.id))
    .limit(sql.placeholder('limit'))
    .prepare();

  return {
    /** The owner's proxy's usage (cached); `unsupported` where its provider or product reports none. */
    async usage(userId: number, id: string, options: { maxAgeMs?: number } = {}): Promise<ActionResult<TrafficUsage>> {
      const sub = subscriptions.get(userId, id);
      if (!sub) return { ok: false, reason: 'not_found', message: 'no such proxy' };
      if (!subscriptions.actionsFor(sub).includes('usage')) {
        return { ok: false, reason: 'unsupported', message: 'this provider does not report traffic' };
      }
      return usageOfSub(sub, options);
    },

    /**
     * For the card, which must not hang on a slow upstream: fresh figures at
     * once; otherwise the upstream's answer if it comes within `waitMs`, else
     * the last figures marked stale (or none). A read still under way goes on
     * and is stored for the next look.
     */
    async usageWithin(userId: number, id: string, waitMs: number): Promise<TrafficUsage | undefined> {
      const sub = subscriptions.get(userId, id);
      if (!sub || !subscriptions.actionsFor(sub).includes('usage')) return undefined;
      const row = stored(sub.id);
      if (row && isFresh(sub)) return usageOf(row, false);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), waitMs);
        timer.unref();
      });
      const read = await Promise.race([refresh(sub), late]).finally(() => clearTimeout(timer));
      if (read?.ok) return read.value;
      // Older figures read under the same package beat none; under another package they would mislead.
      return row && row.planKey === planKey(sub) ? usageOf(row, true) : undefined;
    },

    /** The figures already stored, without asking anyone (for lists). */
    storedUsage(subscriptionId: string): TrafficUsage | undefined {
      const row = stored(subscriptionId);
      return row ? usageOf(row, false) : undefined;
    },

    offersTopup,
    autoTopupOf,

    /**
     * Turns auto top-up on (with a package from the proxy's renewal terms and
     * a threshold) or off. The term is checked against the upstream's terms
     * now: a package it does not offer would only fail later, unwatched.
     */
    async setAutoTopup(userId: number, id: string, setting: AutoTopupSetting | null): Promise<ActionResult<AutoTopupSetting | null>> {
      const sub = subscriptions.get(userId, id);
      if (!sub) return { ok: false, reason: 'not_found', message: 'no such proxy' };
      if (setting === null) {
        db.delete(trafficAutoTopups).where(eq(trafficAutoTopups.subscriptionId, id)).run();
        return { ok: true, value: null };
      }
      if (!offersTopup(sub)) return { ok: false, reason: 'unsupported', message: 'traffic cannot be added to this proxy' };
      const { termId, thresholdPercent } = setting;
      if (!Number.isInteger(thresholdPercent) || thresholdPercent < MIN_AUTO_TOPUP_PERCENT || thresholdPercent > MAX_AUTO_TOPUP_PERCENT) {
        return { ok: false, reason: 'unsupported', message: `the threshold must be ${MIN_AUTO_TOPUP_PERCENT}–${MAX_AUTO_TOPUP_PERCENT} %` };
      }
      const terms = await subscriptions.renewalTerms(userId, id);
      if (!terms.ok) return terms;
      if (!terms.value.some((t) => t.id === termId && t.trafficGb !== undefined)) {
        return { ok: false, reason: 'unsupported', message: 'not a traffic package of this proxy' };
      }
      db.insert(trafficAutoTopups)
        .values({ subscriptionId: id, termId, thresholdPercent, createdAt: now() })
        // A new choice is tried at once, whatever became of the last one.
        .onConflictDoUpdate({
          target: trafficAutoTopups.subscriptionId,
          set: { termId, thresholdPercent, failedPeriodKey: null, failedAt: null },
        })
        .run();
      return { ok: true, value: { termId, thresholdPercent } };
    },

    /**
     * The scheduler's pass: every active traffic plan's usage (cached), its
     * warnings, and its auto top-up when due. A plan whose upstream does not
     * answer is skipped until the next pass; stale figures warn of nothing.
     */
    async checkAll(ctx: JobContext = standaloneContext()) {
      let checked = 0;
      let warned = 0;
      let toppedUp = 0;
      let failed = 0;
      let reads = 0;
      // Where the last pass stopped for want of reads: the walk goes on from there, then wraps around.
      const startAfter = ctx.progress.read() ?? '';
      let afterId = startAfter;
      let wrapped = startAfter === '';
      for (;;) {
        const page = trafficPage.all({ afterId, limit: BATCH_ROWS });
        if (page.length === 0) {
          if (wrapped) break;
          wrapped = true;
          afterId = '';
          continue;
        }
        for (const sub of page) {
          // Wrapped round to where this pass began: every plan was seen.
          if (wrapped && startAfter !== '' && sub.id > startAfter) {
            ctx.progress.save('');
            return { checked, warned, toppedUp, failed };
          }
          if (!subscriptions.actionsFor(sub).includes('usage')) {
            afterId = sub.id;
            continue;
          }
          if (!isFresh(sub)) {
            // The read budget keeps this job to a small share of the upstreams' request limits.
            if (reads >= readsPerPass) {
              ctx.progress.save(afterId);
              return { checked, warned, toppedUp, failed };
            }
            reads++;
          }
          afterId = sub.id;
          const usage = await usageOfSub(sub);
          if (!usage.ok || usage.value.stale) continue;
          checked++;
          // A plan just topped up is in a new period: warnings about the old one would only alarm.
          const topped = await autoTopup(sub, usage.value);
          if (topped === 'topped_up') toppedUp++;
          else {
            if (topped === 'failed') failed++;
            if (warn(sub, usage.value) !== undefined) warned++;
          }
        }
        await ctx.checkpoint();
      }
      ctx.progress.save('');
      return { checked, warned, toppedUp, failed };
    },
  };
}

export type Traffic = ReturnType<typeof createTraffic>;
