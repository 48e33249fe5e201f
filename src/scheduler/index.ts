/**
 * The shop's clock: node-cron runs the periodic jobs. Each job runs alone
 * (a slow run is never overlapped by the next) and its errors are logged,
 * never thrown into the timer.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';
import type { Services } from '../app.js';
import { createAutoRenewJob } from './jobs/auto-renew.js';
import { createReminderJob } from './jobs/reminders.js';

export interface Job {
  name: string;
  /**
   * A node-cron expression (six fields: the first is seconds), or a plain
   * interval for jobs whose period is a setting rather than a time of day.
   */
  schedule: string | { everyMs: number };
  run: () => Promise<unknown>;
}

/** The jobs every shop runs. Extra ones (e.g. payment polling) can be added by the caller. */
export function shopJobs(services: Pick<Services, 'orders' | 'subscriptions' | 'outbox' | 'catalog'>, logger: Logger): Job[] {
  return [
    { name: 'reconcile-orders', schedule: '*/15 * * * * *', run: () => services.orders.reconcileDue() },
    {
      name: 'sync-proxies',
      schedule: '*/10 * * * *',
      run: async () => Promise.all(services.catalog.providers().map((p) => services.subscriptions.syncProvider(p.id))),
    },
    { name: 'expiry-reminders', schedule: '*/30 * * * *', run: createReminderJob(services) },
    { name: 'auto-renew', schedule: '*/10 * * * *', run: createAutoRenewJob({ ...services, logger }) },
  ];
}

export interface Scheduler {
  /** Runs one job now, by name (operators' "run now", tests). */
  runNow(name: string): Promise<unknown>;
  stop(): Promise<void>;
}

export function startScheduler(jobs: Job[], logger: Logger): Scheduler {
  const running = new Map<string, Promise<unknown>>();
  const runGuarded = (job: Job) => {
    const current = running.get(job.name);
    if (current) return current;
    const started = Date.now();
    const task = job
      .run()
      .then((result) => {
        logger.debug('job finished', { job: job.name, ms: Date.now() - started, result });
        return result;
      })
      .catch((error: unknown) => {
        logger.error('job failed', { job: job.name, error });
        return undefined;
      })
      .finally(() => running.delete(job.name));
    running.set(job.name, task);
    return task;
  };

  const tasks: ScheduledTask[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (const job of jobs) {
    if (typeof job.schedule === 'string') {
      tasks.push(cron.schedule(job.schedule, () => void runGuarded(job), { name: job.name, noOverlap: true }));
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
      await Promise.allSettled([...running.values()]);
    },
  };
}
