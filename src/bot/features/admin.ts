/**
 * Operators' commands, typed in the operator group by an admin:
 *
 *   /stats [hours]                                  sales, margin, wallets, open orders
 *   /markup                                         the markup rules in force
 *   /markup <provider|*> <product|*> <percent> <min margin $>
 *   /ledger                                         run the ledger's invariant checks
 *   /ops                                            this list
 *
 * Customers, money adjustments, bans and orders are in operator-users.ts and
 * operator-orders.ts; who may act, and the audit, in operator-console.ts.
 */
import type { I18n } from '@grammyjs/i18n';
import { Composer, type Context } from 'grammy';
import { dollarsToCents, MoneyParseError } from '../../domain/money.js';
import type { Logger } from '../../logger.js';
import type { Pricing } from '../../services/pricing.js';
import type { Promos } from '../../services/promos.js';
import type { Stats } from '../../services/stats.js';
import type { Language } from '../../services/users.js';
import type { BotContext, BotServices } from '../context.js';
import { money } from '../format.js';
import { code, escapeHtml } from '../html.js';

export interface AdminDeps {
  services: Pick<BotServices, 'catalog' | 'orders' | 'users' | 'wallet'> & { pricing: Pricing; stats: Stats; promos?: Promos };
  i18n: I18n<Context>;
  /** Operators read one language, whoever typed the command. */
  language: Language;
  operatorChatId?: number;
  adminIds: number[];
  logger: Logger;
  now: () => number;
}

/** "12.50", "12,5", "-3" → cents; null when it is not a whole number of cents. */
export function parseDollars(text: string | undefined): number | null {
  if (!text) return null;
  const normalized = text.trim().replace(',', '.').replace(/^\$/, '');
  if (!/^-?\d+(\.\d{1,2})?$/.test(normalized)) return null;
  try {
    return dollarsToCents(normalized, 'down');
  } catch (error) {
    if (error instanceof MoneyParseError) return null;
    throw error;
  }
}

/** Discounts and gifts given in the period, under /stats (nothing when promotions are not set up). */
function promoStatsLine(promos: Promos | undefined, since: number, t: (key: string, vars?: Record<string, string | number>) => string) {
  if (!promos) return '';
  const p = promos.stats(since);
  return `\n${t('admin-stats-promotions', { discounts: money(p.discountsCents), orders: p.discountedOrders, gifts: money(p.giftsCents), redeemed: p.giftsRedeemed })}`;
}

export function createAdminFeature(deps: AdminDeps): Composer<BotContext> {
  const { services } = deps;
  const composer = new Composer<BotContext>();
  const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(deps.language, key, vars);

  const isAdminHere = (ctx: BotContext) =>
    deps.operatorChatId !== undefined &&
    ctx.chat?.id === deps.operatorChatId &&
    ctx.from !== undefined &&
    deps.adminIds.includes(ctx.from.id);

  const operators = composer.filter(isAdminHere);
  const actor = (ctx: BotContext) => `admin:${ctx.from!.id}`;
  const args = (ctx: BotContext) => (typeof ctx.match === 'string' ? ctx.match.trim().split(/\s+/).filter(Boolean) : []);
  const reply = (ctx: BotContext, text: string) => ctx.reply(text, { parse_mode: 'HTML' });

  operators.command('ops', (ctx) => reply(ctx, t('admin-help')));

  operators.command('stats', async (ctx) => {
    const hours = Number(args(ctx)[0] ?? 24);
    if (!Number.isInteger(hours) || hours <= 0 || hours > 24 * 366) return reply(ctx, t('admin-stats-usage'));
    const s = services.stats.summary(deps.now() - hours * 3_600_000);
    return reply(
      ctx,
      t('admin-stats', {
        hours,
        delivered: s.orders.delivered,
        failed: s.orders.failed,
        open: s.orders.open,
        attention: s.orders.needsAttention,
        sales: money(s.salesCents),
        cost: money(s.upstreamCostCents),
        refunds: money(s.refundsCents),
        margin: money(s.marginCents),
        topups: money(s.topUpsCents),
        wallets: money(s.walletsCents),
        customers: s.customers,
      }) + promoStatsLine(services.promos, deps.now() - hours * 3_600_000, t),
    );
  });

  operators.command('markup', async (ctx) => {
    const a = args(ctx);
    if (a.length === 0) {
      const rules = services.pricing.listRules();
      if (rules.length === 0) return reply(ctx, t('admin-markup-none'));
      const lines = rules.map(
        (r) => `${code(r.providerId)} / ${code(r.productId)}: ${r.markupBasisPoints / 100}% · min ${money(r.minMarginCents)}`,
      );
      return reply(ctx, [t('admin-markup-title'), ...lines].join('\n'));
    }
    const [providerId, productId, percentText, marginText] = a;
    const percent = Number(percentText?.replace(',', '.'));
    const minMargin = parseDollars(marginText);
    const knownProvider = providerId === '*' || services.catalog.provider(providerId ?? '') !== undefined;
    if (a.length !== 4 || !knownProvider || !Number.isFinite(percent) || minMargin === null || minMargin < 0) {
      return reply(ctx, t('admin-markup-usage'));
    }
    try {
      services.pricing.setRule({ providerId: providerId!, productId: productId!, percent, minMarginCents: minMargin, actor: actor(ctx) });
    } catch (error) {
      if (error instanceof RangeError) return reply(ctx, escapeHtml(error.message));
      throw error;
    }
    deps.logger.info('markup changed', { providerId, productId, percent, minMarginCents: minMargin, actor: actor(ctx) });
    return reply(
      ctx,
      t('admin-markup-set', { provider: escapeHtml(providerId!), product: escapeHtml(productId!), percent, margin: money(minMargin) }),
    );
  });

  operators.command('ledger', async (ctx) => {
    const violations = services.orders.checkInvariants();
    if (violations.length === 0) return reply(ctx, t('admin-ledger-ok'));
    deps.logger.error('ledger invariants broken', { violations });
    const shown = violations.slice(0, 20).map((v) => `• ${escapeHtml(v)}`);
    return reply(ctx, [t('admin-ledger-broken', { count: violations.length }), ...shown].join('\n'));
  });

  return composer;
}
