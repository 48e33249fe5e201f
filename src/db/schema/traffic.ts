import { sql } from 'drizzle-orm';
import { check, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { subscriptions } from './shop.js';

const createdAt = () => integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`);

/** The points of a plan's traffic at which its owner is warned: 80 %, 95 % and exhausted. */
export const TRAFFIC_WARNING_THRESHOLDS = [80, 95, 100] as const;
export type TrafficWarningThreshold = (typeof TRAFFIC_WARNING_THRESHOLDS)[number];

/**
 * The last traffic figures an upstream reported for a proxy: the card, the
 * API and the warning job read these instead of asking the upstream each
 * time, and refresh them once they are older than the cache period.
 */
export const trafficUsage = sqliteTable('traffic_usage', {
  subscriptionId: text('subscription_id')
    .primaryKey()
    .references(() => subscriptions.id),
  /** Decimal megabytes (the upstreams count 1 GB = 1000 MB), rounded to whole MB. */
  usedMb: integer('used_mb').notNull(),
  remainingMb: integer('remaining_mb'),
  totalMb: integer('total_mb'),
  /** Epoch ms of the upstream answer. */
  fetchedAt: integer('fetched_at').notNull(),
  /**
   * The proxy's package size and expiry when the figures were read: once a
   * top-up or renewal changes them, the figures are out of date however young.
   */
  planKey: text('plan_key').notNull(),
});

/**
 * Warnings already queued: one per plan, period and threshold, so a
 * threshold crossed again (or seen by two processes) is told once. The
 * period is the plan's total traffic and expiry: a top-up starts a new one.
 */
export const trafficWarnings = sqliteTable(
  'traffic_warnings',
  {
    subscriptionId: text('subscription_id')
      .notNull()
      .references(() => subscriptions.id),
    periodKey: text('period_key').notNull(),
    threshold: integer('threshold').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.subscriptionId, t.periodKey, t.threshold] }),
    check('traffic_warning_threshold', sql`${t.threshold} IN (80, 95, 100)`),
  ],
);

/**
 * Automatic traffic top-up: when a plan's used share reaches the threshold,
 * the chosen package is bought from the owner's wallet through the renewal
 * saga, at most once per period.
 */
export const trafficAutoTopups = sqliteTable(
  'traffic_auto_topups',
  {
    subscriptionId: text('subscription_id')
      .primaryKey()
      .references(() => subscriptions.id),
    /** A renewal term of the proxy (a traffic package). */
    termId: text('term_id').notNull(),
    /** Used share, in percent, at which the package is bought. */
    thresholdPercent: integer('threshold_percent').notNull(),
    /**
     * The period whose top-up last failed, and when: it is tried again only
     * after a pause, so a wallet short of money does not cost upstream price
     * reads every pass.
     */
    failedPeriodKey: text('failed_period_key'),
    failedAt: integer('failed_at'),
    createdAt: createdAt(),
  },
  (t) => [check('traffic_auto_topup_threshold', sql`${t.thresholdPercent} BETWEEN 50 AND 99`)],
);
