/**
 * Operators' promo commands, typed in the operator group by an admin:
 *
 *   /promo list                                          codes with their uses
 *   /promo new <CODE> <N%|$N> [options]                  a discount code
 *   /promo gift <CODE> <$N> [options]                    a gift code (credits the wallet once per customer)
 *   /promo off <CODE>                                    no new uses
 *   /tier                                                volume and period tiers in force
 *   /tier <provider|*> <product|*> <qty|days> <from> <N%|off>
 *   /trial                                               the trials in force
 *   /trial <provider> <product> <term> <$N|free> [country=XX] [topped-up]
 *   /trial off <provider>
 *
 * Options: min=$N, provider=<id>, product=<id>, first, total=N, per=N,
 * from=YYYY-MM-DD, until=YYYY-MM-DD (UTC; until is the first day it no
 * longer works). Ignored outside the operator group and for non-admins,
 * like the other operator commands.
 */
import type { I18n } from '@grammyjs/i18n';
import { Composer, type Context } from 'grammy';
import type { Logger } from '../../logger.js';
import type { NewPromoCode, PromoCodeSummary, Promos } from '../../services/promos.js';
import type { Trials } from '../../services/trials.js';
import type { Language } from '../../services/users.js';
import type { BotContext } from '../context.js';
import { isoDate, money } from '../format.js';
import { code, escapeHtml } from '../html.js';
import { parseDollars } from './admin.js';
import { upstreamTrialOf } from '../../providers/modules.js';

export interface PromoOperatorDeps {
  promos: Promos;
  trials: Trials;
  /** Whether a provider is offered (a trial names one). */
  knownProvider: (providerId: string) => boolean;
  i18n: I18n<Context>;
  language: Language;
  operatorChatId?: number;
  adminIds: number[];
  logger: Logger;
}

type ParsedOptions = Omit<NewPromoCode, 'code' | 'kind' | 'actor' | 'percent' | 'amountCents'>;

/** `key=value` words and the `first` flag; undefined when one of them makes no sense. */
export function parsePromoOptions(words: string[]): ParsedOptions | undefined {
  const options: ParsedOptions = {};
  for (const word of words) {
    if (word.toLowerCase() === 'first') {
      options.firstPurchaseOnly = true;
      continue;
    }
    const [rawKey, value] = word.split('=', 2) as [string, string | undefined];
    if (!value) return undefined;
    // Typed by people: `TOTAL=5` means what `total=5` means.
    const key = rawKey.toLowerCase();
    switch (key) {
      case 'min': {
        const cents = parseDollars(value);
        if (cents === null || cents < 0) return undefined;
        options.minOrderCents = cents;
        break;
      }
      case 'provider':
        options.providerId = value;
        break;
      case 'product':
        options.productId = value;
        break;
      case 'total':
      case 'per': {
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < 1) return undefined;
        if (key === 'total') options.totalLimit = n;
        else options.perCustomerLimit = n;
        break;
      }
      case 'from':
      case 'until': {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
        const at = Date.parse(`${value}T00:00:00Z`);
        if (!Number.isFinite(at)) return undefined;
        if (key === 'from') options.startsAt = at;
        else options.endsAt = at;
        break;
      }
      default:
        return undefined;
    }
  }
  return options;
}

/** "20%" → percent; "$5" or "5" → cents. */
function parseValue(text: string | undefined): { percent: number } | { amountCents: number } | undefined {
  if (!text) return undefined;
  if (text.endsWith('%')) {
    const percent = Number(text.slice(0, -1).replace(',', '.'));
    return Number.isFinite(percent) ? { percent } : undefined;
  }
  const cents = parseDollars(text);
  return cents === null || cents <= 0 ? undefined : { amountCents: cents };
}

export function createPromoOperatorsFeature(deps: PromoOperatorDeps): Composer<BotContext> {
  const { promos } = deps;
  const composer = new Composer<BotContext>();
  const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(deps.language, key, vars);
  const operators = composer.filter(
    (ctx) =>
      deps.operatorChatId !== undefined &&
      ctx.chat?.id === deps.operatorChatId &&
      ctx.from !== undefined &&
      deps.adminIds.includes(ctx.from.id),
  );
  const args = (ctx: BotContext) => (typeof ctx.match === 'string' ? ctx.match.trim().split(/\s+/).filter(Boolean) : []);
  const reply = (ctx: BotContext, text: string) => ctx.reply(text, { parse_mode: 'HTML' });

  const describe = (c: PromoCodeSummary) => {
    const value = c.percentBasisPoints !== null ? `${c.percentBasisPoints / 100}%` : money(c.amountCents ?? 0);
    const parts = [
      `${code(c.code)} ${c.kind === 'gift' ? t('promo-op-gift') : ''}${value}`,
      c.minOrderCents > 0 ? `min ${money(c.minOrderCents)}` : '',
      c.providerId ? escapeHtml(c.providerId) : '',
      c.productId ? escapeHtml(c.productId) : '',
      c.firstPurchaseOnly ? t('promo-op-first') : '',
      t('promo-op-uses', { used: c.usedUses, reserved: c.reservedUses, total: c.totalLimit ?? '∞', per: c.perCustomerLimit }),
      c.startsAt !== null ? `from ${isoDate(c.startsAt)}` : '',
      c.endsAt !== null ? `until ${isoDate(c.endsAt)}` : '',
      c.disabledAt !== null ? t('promo-op-off') : '',
    ];
    return parts.filter(Boolean).join(' · ');
  };

  operators.command('promo', async (ctx) => {
    const [sub, rawCode, valueText, ...rest] = args(ctx);
    const actor = `admin:${ctx.from!.id}`;
    switch (sub?.toLowerCase()) {
      case 'list':
      case undefined: {
        const codes = promos.listCodes();
        if (codes.length === 0) return reply(ctx, t('promo-op-none'));
        return reply(ctx, [t('promo-op-title'), ...codes.map(describe)].join('\n'));
      }
      case 'off': {
        if (!rawCode) return reply(ctx, t('promo-op-usage'));
        const done = promos.disableCode(rawCode);
        if (done) deps.logger.info('promo code switched off', { code: rawCode, actor });
        return reply(ctx, t(done ? 'promo-op-disabled' : 'promo-op-not-found', { code: escapeHtml(rawCode.toUpperCase()) }));
      }
      case 'new':
      case 'gift': {
        const value = parseValue(valueText);
        const options = parsePromoOptions(rest);
        if (!rawCode || !value || !options) return reply(ctx, t('promo-op-usage'));
        const created = promos.createCode({
          code: rawCode,
          kind: sub.toLowerCase() === 'gift' ? 'gift' : 'discount',
          ...value,
          ...options,
          actor,
        });
        if (!created.ok) return reply(ctx, t('promo-op-refused', { reason: escapeHtml(created.message) }));
        deps.logger.info('promo code created', { code: created.code.code, kind: created.code.kind, actor });
        return reply(ctx, t('promo-op-created', { code: created.code.code, link: `start=promo_${created.code.code}` }));
      }
      default:
        return reply(ctx, t('promo-op-usage'));
    }
  });

  operators.command('tier', async (ctx) => {
    const a = args(ctx);
    if (a.length === 0) {
      const tiers = promos.listTiers();
      if (tiers.length === 0) return reply(ctx, t('tier-op-none'));
      const lines = tiers.map(
        (r) =>
          `${code(r.providerId)} / ${code(r.productId)}: ${t(r.kind === 'quantity' ? 'tier-op-from-qty' : 'tier-op-from-days', { n: r.threshold })} −${r.discountBasisPoints / 100}%`,
      );
      return reply(ctx, [t('tier-op-title'), ...lines].join('\n'));
    }
    const [providerId, productId, kindWord, thresholdText, percentText] = a;
    const kind = kindWord === 'qty' ? 'quantity' : kindWord === 'days' ? 'period' : undefined;
    const threshold = Number(thresholdText);
    if (a.length !== 5 || !providerId || !productId || !kind || !Number.isSafeInteger(threshold)) return reply(ctx, t('tier-op-usage'));
    if (percentText === 'off') {
      const removed = promos.removeTier({ providerId, productId, kind, threshold });
      return reply(ctx, t(removed ? 'tier-op-removed' : 'tier-op-usage'));
    }
    const percent = Number(percentText?.replace('%', '').replace(',', '.'));
    try {
      promos.setTier({ providerId, productId, kind, threshold, percent, actor: `admin:${ctx.from!.id}` });
    } catch (error) {
      if (error instanceof RangeError) return reply(ctx, t('promo-op-refused', { reason: escapeHtml(error.message) }));
      throw error;
    }
    return reply(ctx, t('tier-op-set'));
  });

  const trialPrice = (cents: number) => (cents === 0 ? t('price-free') : money(cents));

  operators.command('trial', async (ctx) => {
    const a = args(ctx);
    if (a.length === 0) {
      const offers = deps.trials.listOffers();
      if (offers.length === 0) return reply(ctx, t('trial-op-none'));
      const lines = offers.map(
        (o) =>
          `${code(o.providerId)}: ${escapeHtml(o.productId)} · ${escapeHtml(o.termId)}${o.countryCode ? ` · ${escapeHtml(o.countryCode)}` : ''} · ${trialPrice(o.priceCents)}${o.requiresTopUp ? ` · ${t('trial-op-topped-up')}` : ''}`,
      );
      return reply(ctx, [t('trial-op-title'), ...lines].join('\n'));
    }
    if (a[0] === 'off' && a.length === 2) {
      return reply(ctx, t(deps.trials.removeOffer(a[1]!) ? 'trial-op-removed' : 'trial-op-usage'));
    }
    // `<provider> upstream <price>`: the upstream's own documented trial (providers' `upstreamTrial`).
    const upstream = a[1] === 'upstream' && a[0] ? upstreamTrialOf(a[0]) : undefined;
    if (a[1] === 'upstream' && !upstream) return reply(ctx, t('trial-op-no-upstream-trial', { provider: escapeHtml(a[0] ?? '') }));
    const words: string[] = upstream ? [a[0]!, upstream.productId, upstream.termId, ...a.slice(2)] : a;
    const [providerId, productId, termId, priceText, ...rest] = words;
    // "free": the customer pays nothing and the shop pays the upstream.
    const price = priceText?.toLowerCase() === 'free' ? 0 : parseDollars(priceText);
    const country = rest.find((w) => w.startsWith('country='))?.slice('country='.length);
    const unknown = rest.filter((w) => !w.startsWith('country=') && w !== 'topped-up');
    if (!providerId || !productId || !termId || price === null || unknown.length > 0 || !deps.knownProvider(providerId)) {
      return reply(ctx, t('trial-op-usage'));
    }
    try {
      deps.trials.setOffer({
        providerId,
        productId,
        termId,
        ...(country ? { countryCode: country.toUpperCase() } : {}),
        priceCents: price,
        requiresTopUp: rest.includes('topped-up'),
        actor: `admin:${ctx.from!.id}`,
      });
    } catch (error) {
      if (error instanceof RangeError) return reply(ctx, t('promo-op-refused', { reason: escapeHtml(error.message) }));
      throw error;
    }
    deps.logger.info('trial set', { providerId, productId, termId, priceCents: price, actor: `admin:${ctx.from!.id}` });
    return reply(ctx, t('trial-op-set', { provider: escapeHtml(providerId), price: trialPrice(price) }));
  });

  return composer;
}
