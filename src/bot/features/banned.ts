/**
 * A banned customer (`/ban`, features/operator-users.ts): the bot answers
 * everything they send or press with the reason, and refuses to take a new
 * Stars payment. A payment Telegram already completed is still credited —
 * it is the customer's money — so only the pre-checkout is refused.
 */
import type { I18n } from '@grammyjs/i18n';
import { Composer, type Context } from 'grammy';
import type { Logger } from '../../logger.js';
import type { Bans } from '../../services/operator-console.js';
import type { Users } from '../../services/users.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../html.js';
import { asLanguage } from '../i18n.js';

/** For the customer's own chat, after their account and language are loaded. */
export function createBanGate(bans: Pick<Bans, 'banOf'>): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(async (ctx, next) => {
    const ban = bans.banOf(ctx.user.id);
    if (!ban) return next();
    if (ctx.message || ctx.callbackQuery) {
      await ctx.reply(ctx.t('banned-notice', { reason: escapeHtml(ban.reason) }), { parse_mode: 'HTML' });
    }
  });
  return composer;
}

/** Ahead of the payment handlers: no new payment from a banned customer. */
export function refuseBannedPayments(deps: {
  bans: Pick<Bans, 'banOf'>;
  users: Pick<Users, 'byTelegramId'>;
  i18n: I18n<Context>;
  logger: Logger;
}): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on('pre_checkout_query', async (ctx, next) => {
    const user = deps.users.byTelegramId(ctx.preCheckoutQuery.from.id);
    const ban = user ? deps.bans.banOf(user.id) : undefined;
    if (!user || !ban) return next();
    deps.logger.info('payment from a banned customer refused', { userId: user.id });
    const language = asLanguage(user.language) ?? 'en';
    await ctx.answerPreCheckoutQuery(false, { error_message: deps.i18n.t(language, 'banned-payment-refused') });
  });
  return composer;
}
