/**
 * The sandbox's clock: the machine's time plus an offset that only grows. The
 * shop's services, its scheduler jobs and every upstream simulator read it, so
 * moving it forward ages proxies on both sides alike, and reminders, auto-renewal
 * and expiry can be watched in minutes instead of days.
 */
import type { Scheduler } from '../scheduler/index.js';

const HOUR_MS = 3_600_000;

/**
 * The jobs whose work comes due as time passes; run at every step of an advance.
 * Not the proxy sync: it reads every upstream's whole list, and time does not make it due.
 */
export const TIME_DRIVEN_JOBS = ['reconcile-orders', 'expiry-reminders', 'auto-renew', 'expire-proxies'] as const;
export type TimeDrivenJob = (typeof TIME_DRIVEN_JOBS)[number];

/**
 * An advance walks time in steps and runs the jobs after each, so a jump of a
 * week still sends the 72 h reminder, then the 24 h one, then renews, then
 * retires what was not renewed — as the real timers would have. Half a day is
 * shorter than the narrowest window (24 h before expiry) and than the gap
 * between the two reminders (48 h), so no stage is skipped or merged; finer
 * steps only cost time (a month is ~60 steps, a couple of seconds).
 */
export const ADVANCE_STEP_MS = 12 * HOUR_MS;
/** A month at most per advance. */
export const MAX_ADVANCE_MS = 31 * 24 * HOUR_MS;

export interface SandboxClock {
  /** The shop's time, epoch ms. */
  now(): number;
  /** How far ahead of the machine's time the shop is, in ms. */
  offsetMs(): number;
  /** Moves the shop's time forward; never back, so no job sees time run backwards. */
  advance(ms: number): void;
}

export function createSandboxClock(machineNow: () => number = Date.now): SandboxClock {
  let offset = 0;
  return {
    now: () => machineNow() + offset,
    offsetMs: () => offset,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the sandbox clock only moves forward');
      offset += ms;
    },
  };
}

export interface ClockView {
  /** The shop's time, ISO 8601. */
  now: string;
  /** Hours the shop is ahead of the machine. */
  aheadHours: number;
}

export interface AdvanceReport extends ClockView {
  /** Hours walked by this advance. */
  advancedHours: number;
  /** What each job did over the whole advance, summed per counter (e.g. reminders queued, proxies renewed). */
  jobs: Record<TimeDrivenJob, Record<string, number>>;
}

export type AdvanceRequest = { ok: true; ms: number } | { ok: false; error: string };

/** `{hours}` or `{days}` (whole or fractional), from a request body, within one month. */
export function parseAdvance(body: unknown): AdvanceRequest {
  const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const hours = fields.hours !== undefined ? Number(fields.hours) : fields.days !== undefined ? Number(fields.days) * 24 : Number.NaN;
  if (!Number.isFinite(hours) || hours <= 0) return { ok: false, error: 'give hours or days, a positive number' };
  const ms = Math.round(hours * HOUR_MS);
  if (ms > MAX_ADVANCE_MS) return { ok: false, error: `at most ${MAX_ADVANCE_MS / HOUR_MS / 24} days at a time` };
  return { ok: true, ms };
}

export function describeClock(clock: SandboxClock): ClockView {
  return { now: new Date(clock.now()).toISOString(), aheadHours: clock.offsetMs() / HOUR_MS };
}

/**
 * Time travel with the scheduler: one advance at a time (a second waits for the
 * first), each walking its span in steps and running the time-driven jobs after
 * each step.
 */
export function createTimeMachine(clock: SandboxClock, scheduler: Pick<Scheduler, 'runNow'>) {
  let queue: Promise<unknown> = Promise.resolve();

  async function walk(ms: number): Promise<AdvanceReport> {
    const jobs = Object.fromEntries(TIME_DRIVEN_JOBS.map((name) => [name, {}])) as AdvanceReport['jobs'];
    let left = ms;
    while (left > 0) {
      const step = Math.min(ADVANCE_STEP_MS, left);
      clock.advance(step);
      left -= step;
      for (const name of TIME_DRIVEN_JOBS) addCounts(jobs[name], await scheduler.runNow(name));
    }
    return { ...describeClock(clock), advancedHours: ms / HOUR_MS, jobs };
  }

  return {
    advance(ms: number): Promise<AdvanceReport> {
      const run = queue.then(() => walk(ms));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

export type TimeMachine = ReturnType<typeof createTimeMachine>;

/** Adds a job's numeric results ({queued: 2}, {renewed: 1, failed: 0}) into the running totals. */
function addCounts(totals: Record<string, number>, result: unknown): void {
  if (!result || typeof result !== 'object') return;
  for (const [key, value] of Object.entries(result)) if (typeof value === 'number') totals[key] = (totals[key] ?? 0) + value;
}
