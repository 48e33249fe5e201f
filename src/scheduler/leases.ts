/**
 * Job leases in the database: a job runs only while its holder owns an
 * unexpired lease on it. Two processes on one database file, or a slow run and
 * the next tick, therefore never run the same job at once, and a holder that
 * crashed simply stops renewing: its lease lapses and another holder takes it.
 *
 * Every call is one statement, so a lease is taken or renewed atomically
 * without a transaction around it. None waits for the disk: a lease only
 * matters to a running process, and a power cut ends every holder at once
 * (a lost renewal just lets the lease lapse sooner). Jobs renew between
 * every batch, and a flush each time would hold the event loop for as long
 * as the disk takes.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, gt, lte, or, sql } from 'drizzle-orm';
import { jobBatchTransaction, type Db } from '../db/client.js';
import { jobLeases } from '../db/schema/index.js';

export const DEFAULT_LEASE_TTL_MS = 60_000;

export interface JobLeases {
  /** This process's name in the table. */
  readonly holder: string;
  readonly ttlMs: number;
  /** Takes the lease if it is free, lapsed, or already ours; false when someone else holds it. */
  acquire(job: string): boolean;
  /** Extends our lease; false when it is no longer ours (it lapsed and was taken). */
  renew(job: string): boolean;
  /** Gives the lease up at once, so the next holder need not wait for it to lapse. */
  release(job: string): void;
  /** What the job recorded about how far it got, whoever recorded it. */
  progress(job: string): string | undefined;
  /** Records progress, only while we hold the lease. */
  saveProgress(job: string, progress: string): boolean;
}

export function createJobLeases(db: Db, options: { holder?: string; ttlMs?: number; now?: () => number } = {}): JobLeases {
  const holder = options.holder ?? `${process.pid}:${randomUUID()}`;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const now = options.now ?? Date.now;
  const job = sql.placeholder('job');
  const at = sql.placeholder('now');
  const ours = and(eq(jobLeases.job, job), eq(jobLeases.holder, holder));
  const live = gt(jobLeases.expiresAt, at);
  // Every job runs these on every tick: prepared once.
  const stmt = {
    // Inserts a new lease, or takes over one that is ours or has lapsed; a live lease of another holder is left alone.
    acquire: db
      .insert(jobLeases)
      .values({ job, holder, expiresAt: sql.placeholder('expiresAt') })
      .onConflictDoUpdate({
        target: jobLeases.job,
        set: { holder: sql`excluded.holder`, expiresAt: sql`excluded.expires_at` },
        setWhere: or(eq(jobLeases.holder, sql`excluded.holder`), lte(jobLeases.expiresAt, at)),
      })
      .prepare(),
    renew: db
      .update(jobLeases)
      .set({ expiresAt: sql`${sql.placeholder('expiresAt')}` })
      .where(and(ours, live))
      .prepare(),
    release: db
      .update(jobLeases)
      .set({ expiresAt: sql`${at}` })
      .where(ours)
      .prepare(),
    progress: db.select({ progress: jobLeases.progress }).from(jobLeases).where(eq(jobLeases.job, job)).prepare(),
    saveProgress: db
      .update(jobLeases)
      .set({ progress: sql`${sql.placeholder('progress')}` })
      .where(and(ours, live))
      .prepare(),
  };

  const unsynced = <T>(work: () => T): T => jobBatchTransaction(db.$client, work);

  return {
    holder,
    ttlMs,
    acquire(job) {
      const at = now();
      return unsynced(() => stmt.acquire.run({ job, expiresAt: at + ttlMs, now: at }).changes === 1);
    },
    renew(job) {
      const at = now();
      return unsynced(() => stmt.renew.run({ job, expiresAt: at + ttlMs, now: at }).changes === 1);
    },
    release(job) {
      unsynced(() => stmt.release.run({ job, now: now() }));
    },
    progress(job) {
      return stmt.progress.get({ job })?.progress ?? undefined;
    },
    saveProgress(job, progress) {
      return unsynced(() => stmt.saveProgress.run({ job, progress, now: now() }).changes === 1);
    },
  };
}
