/**
 * Job leases across two app instances on one database file: a job never runs
 * in both at once, a slow run keeps its lease, and a holder that stops
 * renewing (crashed) loses it to the other instance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase, type Database_ } from '../../src/db/client.js';
import { silentLogger } from '../../src/logger.js';
import { HELD_ELSEWHERE, shopJobs, startScheduler, type Job } from '../../src/scheduler/index.js';
import { createJobLeases } from '../../src/scheduler/leases.js';
import { waitFor } from '../helpers/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two instances of the shop on one database file, each with its own scheduler and lease holder name. */
function twoInstances(jobsFor: (instance: 'a' | 'b') => Job[], ttlMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'leases-'));
  const file = join(dir, 'shop.db');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const start = (name: 'a' | 'b') => {
    const database = openDatabase(file);
    const services = buildServices(database);
    const leases = createJobLeases(database.db, { holder: name, ttlMs });
    const scheduler = startScheduler([...shopJobs(services, silentLogger), ...jobsFor(name)], silentLogger, { leases });
    cleanups.push(async () => {
      await scheduler.stop();
      database.close();
    });
    return { database, scheduler, leases };
  };
  return { a: start('a'), b: start('b') };
}

/** A job that records who ran it and stays running until released. */
function gatedJob() {
  const runs: string[] = [];
  let inside = 0;
  let mostAtOnce = 0;
  let open!: () => void;
  let gate = new Promise<void>((resolve) => (open = resolve));
  const jobFor = (instance: string): Job => ({
    name: 'probe',
    schedule: { everyMs: 3_600_000 },
    async run(ctx) {
      inside++;
      mostAtOnce = Math.max(mostAtOnce, inside);
      runs.push(instance);
      try {
        await gate;
        await ctx.checkpoint();
      } finally {
        inside--;
      }
      return instance;
    },
  });
  return {
    jobFor,
    runs,
    mostAtOnce: () => mostAtOnce,
    /** Lets the run in progress finish; the next one waits again. */
    release() {
      open();
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    /** Lets every run through without waiting. */
    openForGood() {
      open();
      gate = Promise.resolve();
    },
  };
}

const leaseRow = (database: Database_) =>
  database.sqlite.prepare('SELECT holder, expires_at AS expiresAt FROM job_leases WHERE job = ?').get('probe') as
    | { holder: string; expiresAt: number }
    | undefined;

describe('job leases across two instances', () => {
  it('never run a job in both instances at once, and hand it over when the holder finishes', async () => {
    const probe = gatedJob();
    const { a, b } = twoInstances((i) => [probe.jobFor(i)], 60_000);

    const first = a.scheduler.runNow('probe');
    await waitFor(() => probe.runs.length === 1, { what: 'instance a to start the job' });
    expect(await b.scheduler.runNow('probe')).toBe(HELD_ELSEWHERE);
    expect(leaseRow(b.database)?.holder).toBe('a');
    probe.release();
    expect(await first).toBe('a');

    // a released the lease on finishing: b need not wait for it to lapse.
    const second = b.scheduler.runNow('probe');
    await waitFor(() => probe.runs.length === 2, { what: 'instance b to start the job' });
    expect(await a.scheduler.runNow('probe')).toBe(HELD_ELSEWHERE);
    probe.release();
    expect(await second).toBe('b');
    expect(probe.runs).toEqual(['a', 'b']);
    expect(probe.mostAtOnce()).toBe(1);
  });

  it('keep the lease of a slow run alive for longer than its time to live', async () => {
    const probe = gatedJob();
    const ttlMs = 150;
    const { a, b } = twoInstances((i) => [probe.jobFor(i)], ttlMs);

    const slow = a.scheduler.runNow('probe');
    await waitFor(() => probe.runs.length === 1, { what: 'the slow run to start' });
    const startedExpiry = leaseRow(a.database)!.expiresAt;
    // Until the lease was renewed well past several of its lifetimes, b keeps trying and is refused each time.
    await waitFor(
      async () => {
        expect(await b.scheduler.runNow('probe')).toBe(HELD_ELSEWHERE);
        return leaseRow(b.database)!.expiresAt > startedExpiry + 3 * ttlMs;
      },
      { what: 'the lease to be renewed three lifetimes on' },
    );
    probe.release();
    expect(await slow).toBe('a');
    expect(probe.runs).toEqual(['a']);
  });

  it('pass to the other instance when the holder stops renewing (crashed)', async () => {
    const probe = gatedJob();
    const ttlMs = 200;
    const { a, b } = twoInstances((i) => [probe.jobFor(i)], ttlMs);
    // a takes the lease and then says nothing more, as a process killed mid-run would.
    expect(a.leases.acquire('probe')).toBe(true);
    expect(await b.scheduler.runNow('probe')).toBe(HELD_ELSEWHERE);

    probe.openForGood();
    const outcome = await waitFor(
      async () => {
        const result = await b.scheduler.runNow('probe');
        return result === HELD_ELSEWHERE ? undefined : { result };
      },
      { what: "a's lease to lapse" },
    );
    expect(outcome.result).toBe('b');
    expect(probe.runs).toEqual(['b']);
    // The crashed holder, back, finds it can no longer renew what it lost.
    expect(a.leases.renew('probe')).toBe(false);
  });

  it('stop a run at its next batch when the lease was lost meanwhile', async () => {
    const probe = gatedJob();
    const { a, b } = twoInstances((i) => [probe.jobFor(i)], 60_000);
    const run = a.scheduler.runNow('probe');
    await waitFor(() => probe.runs.length === 1, { what: 'the run to start' });
    // As if a's lease lapsed (a frozen process) and b took it.
    b.database.sqlite.prepare("UPDATE job_leases SET holder = 'b' WHERE job = 'probe'").run();
    probe.release();
    // The job's checkpoint throws; the scheduler reports no result and leaves b's lease alone.
    expect(await run).toBeUndefined();
    expect(leaseRow(a.database)?.holder).toBe('b');
  });
});
