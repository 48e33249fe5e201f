/**
 * The scheduled backup (services/backups.ts): one online copy of the database,
 * checked, compressed and rotated; a failure is an alert in the operator
 * group. With BACKUP_TO_CHAT the good copy is also sent there as a document,
 * an off-machine copy with no extra service; a copy too large for Telegram is
 * said so instead.
 */
import type { Logger } from '../../logger.js';
import type { BackupReport, Backups } from '../../services/backups.js';
import type { Outbox } from '../../services/outbox.js';

/** Sends a good backup off the machine (the operator group); throws when it could not. */
export type BackupShipper = (report: Extract<BackupReport, { ok: true }>) => Promise<void>;

export function createBackupJob(deps: { backups: Backups; outbox: Pick<Outbox, 'enqueue'>; ship?: BackupShipper; logger: Logger }) {
  return async function backup(): Promise<BackupReport> {
    const report = await deps.backups.backupNow();
    if (!report.ok) {
      deps.outbox.enqueue({
        audience: 'operators',
        kind: 'backup_failed',
        payload: { file: report.file ?? null, problems: report.problems },
      });
      return report;
    }
    if (deps.ship) {
      try {
        await deps.ship(report);
      } catch (error) {
        // The backup itself is good and kept; only the off-machine copy is missing.
        deps.logger.error('backup not sent to the operator group', { file: report.file, error });
        const message = error instanceof Error ? error.message : String(error);
        deps.outbox.enqueue({
          audience: 'operators',
          kind: 'backup_failed',
          payload: { file: report.file, problems: [`kept here, but not sent to this group: ${message}`] },
        });
      }
    }
    return report;
  };
}
