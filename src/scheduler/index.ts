/**
 * The shop's clock. Each job has its own timer (node-cron for times of day, an
 * interval for periods that are settings), so a slow job never delays or skips
 * another: every job's work is asynchronous and cut into batches that yield
 * to the event loop. A job is never run twice at once in this process, and,
 * with leases, never at once across processes sharing the database. Errors
 * are logged, never thrown into the timer.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Db } from '../db/client.js';
import { SingleFlight } from '../lib/single-flight.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { LeaseLostError, yieldToEventLoop, type JobContext } from '../lib/batches.js';
import type { JobLeases } from './leases.js';
import { createAutoRenewJob } from './jobs/auto-renew.js';
import { createExpiryJob } from './jobs/expiry.js';
import { createHousekeepingJob, type RetentionSettings } from './jobs/housekeeping.js';
import { createReminderJob } from './jobs/reminders.js';
import { createSyncProxiesJob } from './jobs/sync-proxies.js';

export type { JobContext } from '../lib/batches.js';

export interface Job {
  name: string;
  /**
   * A node-cron expression (six fields: the first is seconds), or a plain
   * interval for jobs whose period is a setting rather than a time of day.
   */
  schedule: string | { everyMs: number };
  run: (ctx: JobContext) => Promise<unknown>;
}

/** What `runNow` answers when another process holds the job's lease. */
export const HELD_ELSEWHERE = { skipped: 'held_elsewhere' } as const;

/**
 * node-cron drops a tick that fires more than a second late (a blocked event
 * loop, a busy machine) as "missed". A late run is better than none: a tick is
 * honoured however late, up to the job's next one.
 */
const LATE_TICK_TOLERANCE_MS = 24 * 3_600_000;

/** How often due webhook deliveries are sent. */
export const WEBHOOK_DELIVERY_INTERVAL_MS = 5_000;
/** Old webhook log entries deleted per transaction. */
const PRUNE_BATCH = 1_000;

/** The jobs every shop runs. Extra ones (e.g. payment polling) can be added by the caller. */
export function shopJobs(
  services: Pick<Services, 'orders' | 'subscriptions' | 'outbox' | 'catalog'> & Partial<Pick<Services, 'webhooks' | 'traffic'>>,
  logger: Logger,
  options: { housekeeping?: { db: Db; retention: RetentionSettings }; now?: () => number } = {},
): Job[] {
  // The services carry their own clock; the jobs that read the time directly are given the same one.
  const clock = options.now ? { now: options.now } : {};
  const jobs: Job[] = [
    { name: 'reconcile-orders', schedule: '*/15 * * * * *', run: () => services.orders.reconcileDue() },
    { name: 'sync-proxies', schedule: '*/10 * * * *', run: createSyncProxiesJob(services) },
    { name: 'expire-proxies', schedule: '*/5 * * * *', run: createExpiryJob(services) },
    { name: 'expiry-reminders', schedule: '*/30 * * * *', run: createReminderJob({ ...services, ...clock }) },
    { name: 'auto-renew', schedule: '*/10 * * * *', run: createAutoRenewJob({ ...services, logger, ...clock }) },
  ];
  const { traffic } = services;
  // Traffic warnings and auto top-ups: usage is cached, so a pass asks each upstream about a plan at most once per cache period.
  if (traffic) jobs.push({ name: 'traffic-usage', schedule: '*/5 * * * *', run: (ctx) => traffic.checkAll(ctx) });
  const { webhooks } = services;
  if (webhooks) {
    // Every few seconds: a customer's script waits for its order.delivered; deliveries not yet due stay put.
    jobs.push({ name: 'deliver-webhooks', schedule: { everyMs: WEBHOOK_DELIVERY_INTERVAL_MS }, run: () => webhooks.deliverDue() });
    jobs.push({
      name: 'prune-webhook-log',
      schedule: '0 23 4 * * *',
      run: async (ctx) => {
        let pruned = 0;
        for (;;) {
          const removed = webhooks.pruneLog(PRUNE_BATCH);
          pruned += removed;
          if (removed < PRUNE_BATCH) return { pruned };
          await ctx.checkpoint();
        }
      },
    });
  }
  if (options.housekeeping) {
    jobs.push({
      name: 'housekeeping',
      schedule: '7 * * * *',
      run: createHousekeepingJob({ ...options.housekeeping, outbox: services.outbox, ...clock }),
    });
  }
  return jobs;
}

export interface Scheduler {
  /** Runs one job now, by name (operators' "run now", tests); HELD_ELSEWHERE when another process runs it. */
  runNow(name: string): Promise<unknown>;
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  /** Database leases, so processes sharing the database take turns; without them, jobs are guarded in this process only. */
  leases?: JobLeases;
  /** Told when this process takes or gives up a job's lease (metrics). */
  onLeaseChange?: (job: string, holder: string | null) => void;
}

export function startScheduler(jobs: Job[], logger: Logger, options: SchedulerOptions = {}): Scheduler {
  const { leases } = options;
  const onLeaseChange = options.onLeaseChange ?? (() => undefined);
  const running = new SingleFlight<string, unknown>();
  // Without leases, a job's progress lives as long as this scheduler.
  const localProgress = new Map<string, string>();
  const localContext = (job: string): JobContext => ({
    checkpoint: yieldToEventLoop,
    progress: { read: () => localProgress.get(job), save: (value) => void localProgress.set(job, value) },
  });

  const runLeased = async (job: Job): Promise<unknown> => {
    if (!leases) return job.run(localContext(job.name));
    if (!leases.acquire(job.name)) {
      logger.debug('job skipped: another process holds it', { job: job.name });
      return HELD_ELSEWHERE;
    }
    onLeaseChange(job.name, leases.holder);
    let lost = false;
    // A timer, not only the batches, renews the lease: a job waiting on an upstream for a while still holds it.
    const renewal = setInterval(
      () => {
        if (!lost && !leases.renew(job.name)) lost = true;
      },
      Math.max(1, Math.floor(leases.ttlMs / 3)),
    );
    renewal.unref();
    const ctx: JobContext = {
      async checkpoint() {
        await yieldToEventLoop();
        if (lost || !leases.renew(job.name)) {
          lost = true;
          throw new LeaseLostError(job.name);
        }
      },
      progress: {
        read: () => leases.progress(job.name),
        save: (value) => {
          if (!leases.saveProgress(job.name, value)) throw new LeaseLostError(job.name);
        },
      },
    };
    try {
      return await job.run(ctx);
    } finally {
      clearInterval(renewal);
      if (!lost) leases.release(job.name);
      onLeaseChange(job.name, null);
    }
  };

  const runGuarded = (job: Job) =>
    running.run(job.name, () => {
      const started = Date.now();
      return runLeased(job)
        .then((result) => {
          logger.debug('job finished', { job: job.name, ms: Date.now() - started, result });
          return result;
        })
        .catch((error: unknown) => {
          if (error instanceof LeaseLostError) logger.warn('job stopped: lease lost', { job: job.name });
          else logger.error('job failed', { job: job.name, error });
          return undefined;
        });
    });

  const tasks: ScheduledTask[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (const job of jobs) {
    if (typeof job.schedule === 'string') {
      tasks.push(
        cron.schedule(job.schedule, () => void runGuarded(job), {
          name: job.name,
          missedExecutionTolerance: LATE_TICK_TOLERANCE_MS,
          suppressMissedWarning: true,
        }),
      );
    } else {
      const timer = setInterval(() => void runGuarded(job), job.schedule.everyMs);
      // A pending job should not keep a process alive that is otherwise done.
      timer.unref();
      timers.push(timer);
    }
  }

  return {
    async runNow(name) {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`no job named ${name}`);
      return runGuarded(job);
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(tasks.map((t) => t.stop()));
      await running.settled();
    },
  };
}
