/**
 * Ties every log line of one Telegram update to its update id. Installed as
 * the bot's first middleware: everything after it, the purchase saga it
 * starts in the background included, logs with `updateId`, whichever logger
 * it holds.
 */
import type { Context, MiddlewareFn } from 'grammy';
import { withLogFields } from '../logger.js';

export function logUpdateId<C extends Context>(): MiddlewareFn<C> {
  return (ctx, next) => withLogFields({ updateId: ctx.update.update_id }, next);
}
