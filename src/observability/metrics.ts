/**
 * The shop's Prometheus metrics. One registry per `createMetrics` call (never
 * prom-client's global one), so two shops in one process, or two tests, keep
 * separate figures, and importing this module starts nothing.
 *
 * Three kinds of figures:
 *  - read from the database when scraped (orders by state and provider,
 *    money in wallets, the outbox backlog): they are right after a restart
 *    and cost nothing between scrapes;
 *  - counted as work happens, through the hook methods below (upstream calls
 *    via the HTTP layer's diagnostics channel, HTTP requests, sagas, outbox
 *    sends, Telegram 429s, jobs, leases); HTTP requests, the most frequent,
 *    in plain numbers of our own (http-metrics.ts);
 *  - the process itself (CPU, memory, handles, GC, event-loop lag measured
 *    with `monitorEventLoopDelay`), from prom-client's default collectors.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { count, eq, min, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ledgerAccounts, orders, outbox } from '../db/schema/index.js';
import { ORDER_STATES } from '../db/schema/shop.js';
import { UPSTREAM_EXCHANGE_CHANNEL, type UpstreamExchangeEvent } from '../lib/http.js';
import { HttpRequestMetrics } from './http-metrics.js';

/** How a purchase saga ended for the customer who started it; `provisioning` is left to the reconciler. */
export type SagaOutcome = 'delivered' | 'failed' | 'provisioning';
/** What the notifier did with one outbox message. */
export type OutboxSendResult = 'sent' | 'retried' | 'failed';
export type JobOutcome = 'ok' | 'error';

export interface MetricsOptions {
  /** The database the collect-time gauges read; without it they are left out. */
  db?: Db;
  /** Process metrics and event-loop lag; on by default. */
  processMetrics?: boolean;
  now?: () => number;
}

export interface Metrics {
  readonly registry: Registry;
  /** The Content-Type of `render()`'s text. */
  readonly contentType: string;
  /** Every metric in the Prometheus text format; the database gauges are read now. */
  render(): Promise<string>;

  /** An HTTP request the shop answered; `route` is the matched pattern, never the raw path. */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** A purchase or renewal saga settled (or went to the reconciler) for its caller. */
  sagaSettled(providerId: string, outcome: SagaOutcome, seconds: number): void;
  outboxSend(result: OutboxSendResult): void;
  /** Telegram answered 429 to `method`. */
  telegramRateLimited(method: string): void;
  jobFinished(job: string, outcome: JobOutcome, seconds: number): void;
  /** Who holds a job's lease now (`null`: nobody). */
  leaseHolder(job: string, holder: string | null): void;
  /** Stops listening to upstream calls. */
  stop(): void;
}

const SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const now = options.now ?? Date.now;
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const upstreamDuration = new Histogram({
    name: 'shop_upstream_request_duration_seconds',
    help: 'Upstream HTTP attempts by provider, method and outcome class (ok, client_error, rate_limited, server_error, timeout, network, too_large).',
    labelNames: ['provider', 'method', 'outcome'] as const,
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const http = new HttpRequestMetrics(registry, {
    counter: { name: 'shop_http_requests_total', help: 'HTTP requests answered, by matched route, method and status.' },
    histogram: {
      name: 'shop_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by matched route and method.',
      buckets: SECONDS_BUCKETS,
    },
  });
  const sagaDuration = new Histogram({
    name: 'shop_saga_duration_seconds',
    help: 'Purchase and renewal sagas, from the request to the answer the customer got, by provider and outcome.',
    labelNames: ['provider', 'outcome'] as const,
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const outboxSends = new Counter({
    name: 'shop_outbox_sends_total',
    help: 'Outbox messages the notifier handled: sent, retried later, or given up.',
    labelNames: ['result'] as const,
    registers,
  });
  const telegramRateLimited = new Counter({
    name: 'shop_telegram_rate_limited_total',
    help: 'Telegram Bot API calls answered 429 (after automatic retries), by method.',
    labelNames: ['method'] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: 'shop_job_duration_seconds',
    help: 'Periodic job runs by job and outcome.',
    labelNames: ['job', 'outcome'] as const,
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const leaseHolders = new Gauge({
    name: 'shop_job_lease_holder',
    help: 'Who holds each job lease: 1 on the holder, no series when nobody does.',
    labelNames: ['job', 'holder'] as const,
    registers,
  });
  const holders = new Map<string, string>();

  const { db } = options;
  if (db) registerDatabaseGauges(registry, db, now);

  const onUpstreamExchange = (message: unknown) => {
    // A subscriber that throws would surface as an uncaught exception in the caller: never throw here.
    try {
      const event = message as UpstreamExchangeEvent;
      upstreamDuration.observe({ provider: event.providerId, method: event.method, outcome: event.outcome }, event.seconds);
    } catch {
      // A malformed event is not worth losing the upstream call over.
    }
  };
  subscribe(UPSTREAM_EXCHANGE_CHANNEL, onUpstreamExchange);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    httpRequest(route, method, status, seconds) {
      http.record(route, method, status, seconds);
    },
    sagaSettled(providerId, outcome, seconds) {
      sagaDuration.observe({ provider: providerId, outcome }, seconds);
    },
    outboxSend(result) {
      outboxSends.inc({ result });
    },
    telegramRateLimited(method) {
      telegramRateLimited.inc({ method });
    },
    jobFinished(job, outcome, seconds) {
      jobDuration.observe({ job, outcome }, seconds);
    },
    leaseHolder(job, holder) {
      const previous = holders.get(job);
      if (previous === holder) return;
      if (previous !== undefined) leaseHolders.remove({ job, holder: previous });
      if (holder === null) holders.delete(job);
      else {
        holders.set(job, holder);
        leaseHolders.set({ job, holder }, 1);
      }
    },
    stop() {
      unsubscribe(UPSTREAM_EXCHANGE_CHANNEL, onUpstreamExchange);
    },
  };
}

/**
 * The queries behind the database gauges; a test reads their plans. Orders
 * and the outbox are read from covering indexes alone; wallets scan the
 * accounts table, one small row per customer, never the journal.
 */
/**
 * The aggregate queries behind the database gauges, as drizzle builders (a
 * test reads their plans). Aggregates go through `sql` with a typed result:
 * drizzle's own `sum()` answers text.
 */
export function databaseGaugeQueries(db: Db) {
  const pendingOutbox = eq(outbox.state, 'pending');
  return {
    ordersByStateAndProvider: db
      .select({ state: orders.state, provider: orders.providerId, n: count() })
      .from(orders)
      .groupBy(orders.state, orders.providerId),
    walletTotals: db
      .select({
        available: sql<number>`COALESCE(SUM(${ledgerAccounts.creditsPosted} - ${ledgerAccounts.debitsPosted} - ${ledgerAccounts.debitsPending}), 0)`,
        held: sql<number>`COALESCE(SUM(${ledgerAccounts.debitsPending}), 0)`,
      })
      .from(ledgerAccounts)
      .where(eq(ledgerAccounts.kind, 'wallet')),
    outboxPending: db.select({ n: count() }).from(outbox).where(pendingOutbox),
    outboxFailed: db.select({ n: count() }).from(outbox).where(eq(outbox.state, 'failed')),
    outboxOldestDue: db
      .select({ oldest: min(outbox.nextAttemptAt) })
      .from(outbox)
      .where(pendingOutbox),
  };
}

/** Gauges read when scraped, one aggregate query each. */
function registerDatabaseGauges(registry: Registry, db: Db, now: () => number): void {
  const registers = [registry];
  const queries = databaseGaugeQueries(db);
  const ordersByState = queries.ordersByStateAndProvider.prepare();
  const walletTotals = queries.walletTotals.prepare();
  const outboxPending = queries.outboxPending.prepare();
  const outboxFailed = queries.outboxFailed.prepare();
  const outboxOldestDue = queries.outboxOldestDue.prepare();

  new Gauge({
    name: 'shop_orders',
    help: 'Orders by state and provider (every order ever made; open states should drain to zero).',
    labelNames: ['state', 'provider'] as const,
    registers,
    collect() {
      const rows = ordersByState.all();
      this.reset();
      // Every state of every provider seen, zeros included: a series that vanishes cannot be alerted on.
      for (const provider of new Set(rows.map((r) => r.provider))) {
        for (const state of ORDER_STATES) this.set({ state, provider }, 0);
      }
      for (const row of rows) this.set({ state: row.state, provider: row.provider }, row.n);
    },
  });
  new Gauge({
    name: 'shop_wallet_cents',
    help: "Money in customers' wallets, in cents: available to spend, and held for orders in progress.",
    labelNames: ['part'] as const,
    registers,
    collect() {
      const totals = walletTotals.get() ?? { available: 0, held: 0 };
      this.set({ part: 'available' }, totals.available);
      this.set({ part: 'held' }, totals.held);
    },
  });
  new Gauge({
    name: 'shop_outbox_messages',
    help: 'Outbox messages waiting to be sent (pending) and given up (failed).',
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.set({ state: 'pending' }, outboxPending.get()?.n ?? 0);
      this.set({ state: 'failed' }, outboxFailed.get()?.n ?? 0);
    },
  });
  new Gauge({
    name: 'shop_outbox_oldest_due_age_seconds',
    help: 'How long the longest-waiting due outbox message has been due (0 when none is).',
    registers,
    collect() {
      const oldest = outboxOldestDue.get()?.oldest;
      this.set(oldest == null ? 0 : Math.max(0, (now() - oldest) / 1000));
    },
  });
}
