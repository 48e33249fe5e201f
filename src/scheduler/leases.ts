/**
 * Job leases in the database: a job runs only while its holder owns an
 * unexpired lease on it. Two processes on one database file, or a slow run and
 * the next tick, therefore never run the same job at once, and a holder that
 * crashed simply stops renewing: its lease lapses and another holder takes it.
 *
 * Every call is one statement, so a lease is taken or renewed atomically
 * without a transaction around it.
 */
import { randomUUID } from 'node:crypto';
import type { Sqlite } from '../db/client.js';

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

export function createJobLeases(
  sqlite: Sqlite,
  options: { holder?: string; ttlMs?: number; now?: () => number } = {},
): JobLeases {
  const holder = options.holder ?? `${process.pid}:${randomUUID()}`;
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const now = options.now ?? Date.now;
  const stmt = {
    // Inserts a new lease, or takes over one that is ours or has lapsed; a live lease of another holder is left alone.
    acquire: sqlite.prepare<{ job: string; holder: string; expiresAt: number; now: number }>(
      `INSERT INTO job_leases (job, holder, expires_at) VALUES (@job, @holder, @expiresAt)
       ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= @now`,
    ),
    renew: sqlite.prepare<{ job: string; holder: string; expiresAt: number; now: number }>(
      `UPDATE job_leases SET expires_at = @expiresAt WHERE job = @job AND holder = @holder AND expires_at > @now`,
    ),
    release: sqlite.prepare<{ job: string; holder: string; now: number }>(
      `UPDATE job_leases SET expires_at = @now WHERE job = @job AND holder = @holder`,
    ),
    progress: sqlite.prepare<[string], { progress: string | null }>('SELECT progress FROM job_leases WHERE job = ?'),
    saveProgress: sqlite.prepare<{ job: string; holder: string; progress: string; now: number }>(
      `UPDATE job_leases SET progress = @progress WHERE job = @job AND holder = @holder AND expires_at > @now`,
    ),
  };

  return {
    holder,
    ttlMs,
    acquire(job) {
      const at = now();
      return stmt.acquire.run({ job, holder, expiresAt: at + ttlMs, now: at }).changes === 1;
    },
    renew(job) {
      const at = now();
      return stmt.renew.run({ job, holder, expiresAt: at + ttlMs, now: at }).changes === 1;
    },
    release(job) {
      stmt.release.run({ job, holder, now: now() });
    },
    progress(job) {
      return stmt.progress.get(job)?.progress ?? undefined;
    },
    saveProgress(job, progress) {
      return stmt.saveProgress.run({ job, holder, progress, now: now() }).changes === 1;
    },
  };
}
