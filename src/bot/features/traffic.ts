/**
 * Auto top-up of traffic from the proxy card: the customer picks one of the
 * plan's traffic packages (at today's prices, as "Add traffic" offers them)
 * and the used share at which it is bought; the scheduler's traffic job buys
 * it through the renewal saga (services/traffic.ts).
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { RenewalOffer } from '../../services/orders.js';
import type { Traffic } from '../../services/traffic.js';
import { AUTO_TOPUP_THRESHOLDS } from '../../services/traffic.js';
import { onCallback, proxyCallbacks as px } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { money } from '../format.js';
import { escapeHtml } from '../html.js';
import { show } from '../ui.js';
import { reasonText } from '../views/order.js';
import { pricedLabel } from '../views/price-labels.js';

export function createTrafficFeature(env: BotEnv, traffic: Traffic): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { subscriptions, orders } = env.services;

  const backToCard = (ctx: BotContext, subscriptionId: string) =>
    new InlineKeyboard().text(ctx.t('proxies-back-to-card'), px.card.pack({ subscriptionId }));

  /** The proxy's traffic packages at today's prices, when it is the customer's and takes top-ups. */
  const packages = async (ctx: BotContext, subscriptionId: string): Promise<RenewalOffer[] | undefined> => {
    const sub = subscriptions.get(ctx.user.id, subscriptionId);
    if (!sub || !traffic.offersTopup(sub)) {
      await show(ctx, ctx.t('traffic-auto-topup-none'), backToCard(ctx, subscriptionId));
      return undefined;
    }
    const offers = await orders.renewalOffers(ctx.user.id, sub.id);
    const traffics = offers.ok ? offers.offers.filter((o) => o.term.trafficGb !== undefined) : [];
    if (traffics.length === 0) {
      const text = offers.ok
        ? ctx.t('traffic-auto-topup-none')
        : ctx.t('proxy-action-failed', { reason: reasonText(ctx.t, offers.reason) });
      await show(ctx, text, backToCard(ctx, sub.id));
      return undefined;
    }
    return traffics;
  };

  onCallback(composer, px.autoTopup, async (ctx, { subscriptionId }) => {
    const offers = await packages(ctx, subscriptionId);
    if (!offers) return;
    const sub = subscriptions.get(ctx.user.id, subscriptionId)!;
    const keyboard = new InlineKeyboard();
    for (const [index, offer] of offers.entries())
      keyboard.text(pricedLabel(offer.term.label, offer.priceCents), px.autoTopupTerm.pack({ subscriptionId, index })).row();
    if (traffic.autoTopupOf(subscriptionId))
      keyboard.text(ctx.t('traffic-auto-topup-turn-off'), px.autoTopupOff.pack({ subscriptionId })).row();
    keyboard.text(ctx.t('btn-back'), px.card.pack({ subscriptionId }));
    await show(ctx, ctx.t('traffic-auto-topup-choose-term', { product: escapeHtml(sub.productName) }), keyboard);
  });

  onCallback(composer, px.autoTopupTerm, async (ctx, { subscriptionId, index }) => {
    const offers = await packages(ctx, subscriptionId);
    const offer = offers?.[index];
    if (!offers) return;
    if (!offer) return show(ctx, ctx.t('traffic-auto-topup-none'), backToCard(ctx, subscriptionId));
    const keyboard = new InlineKeyboard();
    for (const percent of AUTO_TOPUP_THRESHOLDS)
      keyboard.text(ctx.t('traffic-auto-topup-percent', { percent }), px.autoTopupSet.pack({ subscriptionId, index, percent }));
    keyboard.row().text(ctx.t('btn-back'), px.autoTopup.pack({ subscriptionId }));
    await show(ctx, ctx.t('traffic-auto-topup-choose-percent', { term: escapeHtml(offer.term.label) }), keyboard);
  });

  onCallback(composer, px.autoTopupSet, async (ctx, { subscriptionId, index, percent }) => {
    const offers = await packages(ctx, subscriptionId);
    const offer = offers?.[index];
    if (!offers) return;
    if (!offer) return show(ctx, ctx.t('traffic-auto-topup-none'), backToCard(ctx, subscriptionId));
    const set = await traffic.setAutoTopup(ctx.user.id, subscriptionId, { termId: offer.term.id, thresholdPercent: percent });
    const text = set.ok
      ? ctx.t('traffic-auto-topup-now-on', { term: escapeHtml(offer.term.label), price: money(offer.priceCents), percent })
      : ctx.t('proxy-action-failed', { reason: reasonText(ctx.t, set.reason) });
    await show(ctx, text, backToCard(ctx, subscriptionId));
  });

  onCallback(composer, px.autoTopupOff, async (ctx, { subscriptionId }) => {
    const set = await traffic.setAutoTopup(ctx.user.id, subscriptionId, null);
    const text = set.ok ? ctx.t('traffic-auto-topup-now-off') : ctx.t('proxy-action-failed', { reason: reasonText(ctx.t, set.reason) });
    await show(ctx, text, backToCard(ctx, subscriptionId));
  });

  return composer;
}
