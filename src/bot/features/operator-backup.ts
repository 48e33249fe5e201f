/**
 * /backup in the operator group: an admin makes a backup now and is told the
 * file, its size and that it passed its checks (or what failed). It runs the
 * same job as the schedule (scheduler/jobs/backup.ts), so a copy goes to this
 * group too when BACKUP_TO_CHAT is on, and a failure raises the same alert.
 */
import type { I18n } from '@grammyjs/i18n';
import { basename } from 'node:path';
import { Composer, InputFile, type Api, type Context } from 'grammy';
import type { Logger } from '../../logger.js';
import { TELEGRAM_DOCUMENT_LIMIT_BYTES, type BackupReport } from '../../services/backups.js';
import type { Language } from '../../services/users.js';
import type { BotContext } from '../context.js';
import { code, escapeHtml } from '../html.js';

export interface OperatorBackupDeps {
  /** Makes one backup now (the scheduled job's work). */
  runBackup: () => Promise<BackupReport>;
  i18n: I18n<Context>;
  language: Language;
  operatorChatId: number | undefined;
  adminIds: readonly number[];
  logger: Logger;
}

/** 1536 → "1.5 KB": sizes an operator reads at a glance. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function createOperatorBackupFeature(deps: OperatorBackupDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(deps.language, key, vars);

  composer.command('backup', async (ctx, next) => {
    if (deps.operatorChatId === undefined || ctx.chat.id !== deps.operatorChatId) return next();
    if (!ctx.from || !deps.adminIds.includes(ctx.from.id)) {
      deps.logger.warn('operator command refused', { command: 'backup', telegramUserId: ctx.from?.id, chatId: ctx.chat.id });
      return ctx.reply(t('op-not-allowed'));
    }
    deps.logger.info('backup asked for', { actor: `admin:${ctx.from.id}` });
    const report = await deps.runBackup();
    if (report.ok) {
      return ctx.reply(
        t('opb-done', {
          file: code(basename(report.file)),
          size: humanBytes(report.bytes),
          database: humanBytes(report.databaseBytes),
          seconds: (report.ms / 1000).toFixed(1),
          deleted: report.deleted.length,
        }),
        { parse_mode: 'HTML' },
      );
    }
    const problems = report.problems.slice(0, 10).map((p) => `• ${escapeHtml(p)}`);
    return ctx.reply([t('opb-failed', { file: report.file ? code(basename(report.file)) : '—' }), ...problems].join('\n'), {
      parse_mode: 'HTML',
    });
  });

  return composer;
}

/**
 * Sends a good backup to the operator group as a document (BACKUP_TO_CHAT):
 * the off-machine copy. A file over Telegram's 50 MB limit is refused here,
 * with a reason the alert shows, rather than by Telegram after the upload.
 */
export function backupToChat(deps: { api: Api; chatId: number; i18n: I18n<Context>; language: Language }) {
  return async (report: Extract<BackupReport, { ok: true }>): Promise<void> => {
    if (report.bytes >= TELEGRAM_DOCUMENT_LIMIT_BYTES) {
      throw new Error(`the file is ${humanBytes(report.bytes)}, over Telegram's 50 MB for a bot's document`);
    }
    const name = basename(report.file);
    await deps.api.sendDocument(deps.chatId, new InputFile(report.file, name), {
      caption: deps.i18n.t(deps.language, 'opb-caption', { file: name, size: humanBytes(report.bytes) }),
    });
  };
}
