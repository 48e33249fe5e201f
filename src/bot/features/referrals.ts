/**
 * Referrals in the bot: a referral link's /start names the new customer's
 * referrer (only on their first contact, never themself), and the
 * "Referrals" screen shows the customer's own link with a share button, the
 * people they invited and what they earned.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { Referrals } from '../../services/referrals.js';
import { menuCallbacks as menu, onCallback } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { money } from '../format.js';
import { escapeHtml } from '../html.js';
import { menuButton } from '../keyboards/main-menu.js';
import { show } from '../ui.js';

export function createReferralsFeature(env: BotEnv, referrals: Referrals): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command('start', async (ctx, next) => {
    const code = referrals.codeInStartParameter(ctx.match);
    // A customer who already knew the bot keeps the referrer (or none) they came with.
    if (code && ctx.firstContact && referrals.recordReferral(ctx.user.id, code) === 'recorded') {
      await ctx.reply(ctx.t('referrals-welcome'));
    }
    return next();
  });

  onCallback(composer, menu.referrals, async (ctx) => {
    const summary = referrals.summary(ctx.user.id);
    const link = referrals.linkOf(ctx.user.id, ctx.me.username);
    const text = [
      ctx.t('referrals-title'),
      summary.percent > 0 ? ctx.t('referrals-explain', { percent: summary.percent }) : ctx.t('referrals-explain-off'),
      '',
      ctx.t('referrals-link', { link: escapeHtml(link) }),
      ctx.t('referrals-invited', { count: summary.invitedCount }),
      ctx.t('referrals-earned', { amount: money(summary.earnedCents) }),
    ].join('\n');
    const share = `https://t.me/share/url?${new URLSearchParams({ url: link, text: ctx.t('referrals-share-text') }).toString()}`;
    const keyboard = new InlineKeyboard().url(ctx.t('referrals-share'), share).row();
    menuButton(ctx.t, keyboard);
    await show(ctx, text, keyboard);
  });

  return composer;
}
