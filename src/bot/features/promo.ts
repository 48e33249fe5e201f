/**
 * A customer's codes in private chat: the deep link `t.me/<bot>?start=promo_<CODE>`
 * or `/promo <CODE>`. A gift code is credited at once (once per customer); a
 * discount code is kept for the customer's next purchase, where the buy
 * summary prices it (and says so when it no longer applies). `/trial`
 * prices each provider's trial and shows its summary with a Confirm button,
 * which buys it like any order.
 */
import { Composer } from 'grammy';
import type { KvStorage } from '../../db/kv-storage.js';
import type { BotContext, BotEnv } from '../context.js';
import { money } from '../format.js';
import { escapeHtml } from '../html.js';
import { confirmKeyboard, reasonText, summaryText } from '../views/order.js';

const savedKey = (userId: number) => `promo-code:${userId}`;

/** The discount code a customer brought by link or command, for their next purchase. */
export function savedPromoCode(storage: KvStorage<unknown>, userId: number): string | undefined {
  const value = storage.read(savedKey(userId));
  return typeof value === 'string' ? value : undefined;
}

export function forgetPromoCode(storage: KvStorage<unknown>, userId: number): void {
  storage.delete(savedKey(userId));
}

const DEEP_LINK = /^promo_([A-Za-z0-9_-]{3,32})$/;

export function createPromoFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const promos = env.services.promos;
  if (!promos) return composer;

  const useCode = async (ctx: BotContext, raw: string) => {
    const row = promos.code(raw);
    if (row?.kind === 'gift') {
      const result = promos.redeemGift(ctx.user.id, raw);
      if (result.ok) {
        env.logger.info('gift code redeemed', { userId: ctx.user.id, code: row.code, amountCents: result.amountCents });
        return ctx.reply(ctx.t('promo-gift-credited', { amount: money(result.amountCents), balance: money(result.availableCents) }), {
          parse_mode: 'HTML',
        });
      }
      return ctx.reply(ctx.t('promo-refused', { reason: ctx.t(`promo-refusal-${result.refusal.replaceAll('_', '-')}`) }), {
        parse_mode: 'HTML',
      });
    }
    if (row?.kind === 'discount' && row.disabledAt === null) {
      env.deps.storage.write(savedKey(ctx.user.id), row.code);
      return ctx.reply(ctx.t('promo-saved', { code: escapeHtml(row.code) }), { parse_mode: 'HTML' });
    }
    return ctx.reply(ctx.t('promo-refused', { reason: ctx.t(row ? 'promo-refusal-disabled' : 'promo-refusal-unknown-code') }), {
      parse_mode: 'HTML',
    });
  };

  // Before the menu's /start: the code is answered first, then the menu shows as usual.
  composer.command('start', async (ctx, next) => {
    const link = typeof ctx.match === 'string' ? DEEP_LINK.exec(ctx.match.trim()) : null;
    if (link) await useCode(ctx, link[1]!);
    return next();
  });

  composer.command('trial', async (ctx) => {
    const offers = env.services.trials?.listOffers() ?? [];
    if (offers.length === 0) return ctx.reply(ctx.t('trial-none'));
    for (const offer of offers) {
      const quoted = await env.services.orders.quote(
        ctx.user.id,
        offer.providerId,
        { productId: offer.productId, termId: offer.termId, ...(offer.countryCode ? { countryCode: offer.countryCode } : {}), quantity: 1 },
        { trial: true },
      );
      if (!quoted.ok) {
        const reason = quoted.reason === 'promo_refused' ? escapeHtml(quoted.message) : reasonText(ctx.t, quoted.reason);
        await ctx.reply(ctx.t('trial-unavailable', { reason }), { parse_mode: 'HTML' });
        continue;
      }
      await ctx.reply(summaryText(ctx.t, quoted.quote, ctx.t('trial-title')), {
        parse_mode: 'HTML',
        reply_markup: confirmKeyboard(ctx.t, quoted.quote),
      });
    }
  });

  composer.command('promo', async (ctx) => {
    const raw = typeof ctx.match === 'string' ? ctx.match.trim() : '';
    if (!/^[A-Za-z0-9_-]{3,32}$/.test(raw)) return ctx.reply(ctx.t('promo-usage'));
    return useCode(ctx, raw);
  });

  return composer;
}
