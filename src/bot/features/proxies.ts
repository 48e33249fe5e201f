/**
 * My proxies: a paged list (soonest expiry first), a card per proxy with the
 * actions its provider supports, credentials in every export format, and an
 * export of all proxies (a .txt file when there are many).
 */
import { Composer, InlineKeyboard } from 'grammy';
import { EXPORT_FORMATS, formatProxy } from '../../domain/proxy-format.js';
import type { SubscriptionRow } from '../../services/order-store.js';
import type { BotContext, BotEnv } from '../context.js';
import { daysUntil, isoDate } from '../format.js';
import { code, escapeHtml } from '../html.js';
import { show, type Translate } from '../ui.js';
import { confirmKeyboard, reasonText, summaryText } from '../views/order.js';
import { sendProxyList } from './orders.js';

export const PROXIES_PAGE_SIZE = 5;
const ID = '(px_[a-z2-7]+)';

function protocolsOf(sub: SubscriptionRow): string {
  return [sub.httpPort !== null ? 'HTTP' : undefined, sub.socks5Port !== null ? 'SOCKS5' : undefined].filter(Boolean).join(', ') || '—';
}

function portsOf(sub: SubscriptionRow): string {
  return [sub.httpPort !== null ? `HTTP ${sub.httpPort}` : undefined, sub.socks5Port !== null ? `SOCKS5 ${sub.socks5Port}` : undefined]
    .filter(Boolean)
    .join(' · ') || '—';
}

function expiryText(t: Translate, sub: SubscriptionRow, now: number): string {
  if (!sub.expiresAt) return t('proxy-no-expiry');
  const days = daysUntil(sub.expiresAt, now);
  return days >= 0 ? t('proxy-expires', { date: isoDate(sub.expiresAt), days }) : t('proxy-expired-on', { date: isoDate(sub.expiresAt) });
}

export function cardText(t: Translate, sub: SubscriptionRow, now: number, notice?: string): string {
  return [
    notice,
    `<b>${escapeHtml(sub.productName)}</b>`,
    sub.countryCode ? t('proxy-country', { country: escapeHtml(sub.countryCode) }) : undefined,
    t('proxy-host', { host: code(sub.host) }),
    t('proxy-ports', { ports: portsOf(sub) }),
    t('proxy-protocols', { protocols: protocolsOf(sub) }),
    sub.trafficLimitMb !== null ? t('proxy-traffic', { gb: Math.round(sub.trafficLimitMb / 10) / 100 }) : undefined,
    expiryText(t, sub, now),
    t(sub.status === 'active' ? 'proxy-status-active' : `proxy-status-${sub.status}`),
    t(sub.autoRenew ? 'proxy-auto-renew-on' : 'proxy-auto-renew-off'),
  ]
    .filter((l): l is string => l !== undefined)
    .join('\n');
}

export function createProxiesFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { subscriptions, orders } = env.services;

  const list = async (ctx: BotContext, page: number) => {
    const { items, total } = subscriptions.list(ctx.user.id, page, PROXIES_PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(total / PROXIES_PAGE_SIZE));
    const keyboard = new InlineKeyboard();
    if (total === 0) {
      keyboard.text(ctx.t('menu-buy'), 'm:buy').row().text(ctx.t('btn-main-menu'), 'm:main');
      return show(ctx, ctx.t('proxies-empty'), keyboard);
    }
    const now = env.now();
    const lines = [ctx.t('proxies-title', { total }), ctx.t('page-of', { page: page + 1, pages }), ''];
    items.forEach((sub, i) => {
      const n = page * PROXIES_PAGE_SIZE + i + 1;
      lines.push(`${n}. <b>${escapeHtml(sub.productName)}</b>${sub.countryCode ? ` · ${escapeHtml(sub.countryCode)}` : ''} · ${code(sub.host)}`);
      lines.push(`    ${expiryText(ctx.t, sub, now)}`);
      keyboard.text(`${n}. ${sub.host}${sub.countryCode ? ` · ${sub.countryCode}` : ''}`, `p:c:${sub.id}`).row();
    });
    if (page > 0) keyboard.text(ctx.t('btn-prev-page'), `p:l:${page - 1}`);
    if (page < pages - 1) keyboard.text(ctx.t('btn-next-page'), `p:l:${page + 1}`);
    keyboard.row().text(ctx.t('proxies-export-all'), 'p:all').row().text(ctx.t('btn-main-menu'), 'm:main');
    return show(ctx, lines.join('\n'), keyboard);
  };

  const card = async (ctx: BotContext, sub: SubscriptionRow, notice?: string) => {
    const actions = subscriptions.actionsFor(sub);
    const keyboard = new InlineKeyboard().text(ctx.t('proxy-btn-credentials'), `p:cr:${sub.id}`).row();
    if (actions.includes('renew')) {
      keyboard.text(ctx.t('proxy-btn-renew'), `p:rn:${sub.id}`);
      keyboard.text(ctx.t(sub.autoRenew ? 'proxy-btn-auto-renew-off' : 'proxy-btn-auto-renew-on'), `p:ar:${sub.id}:${sub.autoRenew ? 0 : 1}`).row();
    }
    if (actions.includes('changeCredentials')) keyboard.text(ctx.t('proxy-btn-change-credentials'), `p:cc:${sub.id}`).row();
    if (actions.includes('rotateIp')) keyboard.text(ctx.t('proxy-btn-rotate'), `p:rot:${sub.id}`).row();
    if (actions.includes('switchLocation')) keyboard.text(ctx.t('proxy-btn-location'), `p:loc:${sub.id}`).row();
    if (actions.includes('usage')) keyboard.text(ctx.t('proxy-btn-usage'), `p:use:${sub.id}`).row();
    keyboard.text(ctx.t('proxies-back-to-list'), 'p:l:0').text(ctx.t('btn-main-menu'), 'm:main');
    return show(ctx, cardText(ctx.t, sub, env.now(), notice), keyboard);
  };

  /** The customer's proxy named in the callback, or the list when it is not theirs (any more). */
  const owned = async (ctx: BotContext, id: string): Promise<SubscriptionRow | undefined> => {
    const sub = subscriptions.get(ctx.user.id, id);
    if (!sub) await list(ctx, 0);
    return sub;
  };

  const failure = (ctx: BotContext, result: { reason: string }) => ctx.t('proxy-action-failed', { reason: reasonText(ctx.t, result.reason) });

  composer.callbackQuery('m:px', (ctx) => list(ctx, 0));
  composer.callbackQuery(/^p:l:(\d+)$/, (ctx) => list(ctx, Number(ctx.match[1])));

  composer.callbackQuery(new RegExp(`^p:c:${ID}$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (sub) await card(ctx, sub);
  });

  // Credentials of one proxy, in a chosen format.
  composer.callbackQuery(new RegExp(`^p:cr:${ID}$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (!sub) return;
    const keyboard = new InlineKeyboard();
    EXPORT_FORMATS.forEach((_, i) => keyboard.text(ctx.t(`format-${i}`), `p:cf:${sub.id}:${i}`).row());
    keyboard.text(ctx.t('btn-back'), `p:c:${sub.id}`);
    await show(ctx, ctx.t('formats-choose'), keyboard);
  });

  composer.callbackQuery(new RegExp(`^p:cf:${ID}:(\\d)$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    const format = EXPORT_FORMATS[Number(ctx.match[2])];
    if (!sub || !format) return;
    const line = formatProxy(sub, format);
    const text = line === null ? ctx.t('formats-none') : `${ctx.t(`format-${Number(ctx.match[2])}`)}\n${code(line)}`;
    await show(ctx, text, new InlineKeyboard().text(ctx.t('btn-back'), `p:cr:${sub.id}`).text(ctx.t('proxies-back-to-card'), `p:c:${sub.id}`));
  });

  // Every proxy in one format.
  composer.callbackQuery('p:all', async (ctx) => {
    const keyboard = new InlineKeyboard();
    EXPORT_FORMATS.forEach((_, i) => keyboard.text(ctx.t(`format-${i}`), `p:af:${i}`).row());
    keyboard.text(ctx.t('btn-back'), 'p:l:0');
    await show(ctx, ctx.t('formats-choose-all'), keyboard);
  });

  composer.callbackQuery(/^p:af:(\d)$/, async (ctx) => {
    const format = EXPORT_FORMATS[Number(ctx.match[1])];
    if (!format) return;
    const all = subscriptions.all(ctx.user.id);
    await sendProxyList(ctx.api, ctx.chat!.id, ctx.t, all, format, `proxies-${format.replace(/[^a-z0-9]+/g, '-')}`);
  });

  composer.callbackQuery(new RegExp(`^p:ar:${ID}:([01])$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (!sub) return;
    const result = subscriptions.setAutoRenew(ctx.user.id, sub.id, ctx.match[2] === '1');
    if (!result.ok) return card(ctx, sub, failure(ctx, result));
    await card(ctx, result.value, ctx.t(result.value.autoRenew ? 'proxy-auto-renew-now-on' : 'proxy-auto-renew-now-off'));
  });

  // Renewal: terms → quote → the common confirm (o:ok:<quote id>).
  composer.callbackQuery(new RegExp(`^p:rn:${ID}$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (!sub) return;
    const terms = await subscriptions.renewalTerms(ctx.user.id, sub.id);
    if (!terms.ok || terms.value.length === 0) return card(ctx, sub, terms.ok ? ctx.t('proxy-renew-none') : failure(ctx, terms));
    const keyboard = new InlineKeyboard();
    terms.value.forEach((term, i) => keyboard.text(term.label, `p:rt:${sub.id}:${i}`).row());
    keyboard.text(ctx.t('btn-back'), `p:c:${sub.id}`);
    await show(ctx, ctx.t('proxy-renew-choose', { product: escapeHtml(sub.productName) }), keyboard);
  });

  composer.callbackQuery(new RegExp(`^p:rt:${ID}:(\\d+)$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (!sub) return;
    const terms = await subscriptions.renewalTerms(ctx.user.id, sub.id);
    const term = terms.ok ? terms.value[Number(ctx.match[2])] : undefined;
    if (!term) return card(ctx, sub, terms.ok ? ctx.t('proxy-renew-none') : failure(ctx, terms));
    const quote = await orders.quoteRenewal(ctx.user.id, sub.id, term.id);
    if (!quote.ok) return card(ctx, sub, failure(ctx, quote));
    await show(ctx, summaryText(ctx.t, quote.quote), confirmKeyboard(ctx.t, quote.quote, { label: ctx.t('btn-back'), data: `p:rn:${sub.id}` }));
  });

  composer.callbackQuery(new RegExp(`^p:cc:${ID}$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (!sub) return;
    const keyboard = new InlineKeyboard().text(ctx.t('proxy-change-credentials-yes'), `p:ccy:${sub.id}`).text(ctx.t('btn-back'), `p:c:${sub.id}`);
    await show(ctx, ctx.t('proxy-change-credentials-confirm'), keyboard);
  });

  composer.callbackQuery(new RegExp(`^p:ccy:${ID}$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (!sub) return;
    const result = await subscriptions.changeCredentials(ctx.user.id, sub.id);
    if (!result.ok) return card(ctx, sub, failure(ctx, result));
    const line = formatProxy(result.value, 'host:port:login:password');
    await card(ctx, result.value, `${ctx.t('proxy-credentials-changed')}\n${line ? code(line) : ''}`);
  });

  composer.callbackQuery(new RegExp(`^p:rot:${ID}$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (!sub) return;
    const result = await subscriptions.rotateIp(ctx.user.id, sub.id);
    await card(ctx, sub, result.ok ? ctx.t('proxy-rotated') : failure(ctx, result));
  });

  composer.callbackQuery(new RegExp(`^p:use:${ID}$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (!sub) return;
    const result = await subscriptions.usage(ctx.user.id, sub.id);
    if (!result.ok) return card(ctx, sub, failure(ctx, result));
    const { usedGb, remainingGb, totalGb } = result.value;
    const lines = [ctx.t('proxy-usage-used', { gb: round(usedGb) })];
    if (totalGb !== undefined) lines.push(ctx.t('proxy-usage-total', { gb: round(totalGb) }));
    if (remainingGb !== undefined) lines.push(ctx.t('proxy-usage-remaining', { gb: round(remainingGb) }));
    await card(ctx, sub, lines.join('\n'));
  });

  composer.callbackQuery(new RegExp(`^p:loc:${ID}$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (!sub) return;
    const locations = await subscriptions.locations(ctx.user.id, sub.id);
    if (!locations.ok) return card(ctx, sub, failure(ctx, locations));
    const keyboard = new InlineKeyboard();
    locations.value.forEach((l, i) => {
      if (l.available) keyboard.text(l.name, `p:ls:${sub.id}:${i}`).row();
    });
    keyboard.text(ctx.t('btn-back'), `p:c:${sub.id}`);
    await show(ctx, ctx.t('proxy-location-choose'), keyboard);
  });

  composer.callbackQuery(new RegExp(`^p:ls:${ID}:(\\d+)$`), async (ctx) => {
    const sub = await owned(ctx, ctx.match[1]!);
    if (!sub) return;
    const locations = await subscriptions.locations(ctx.user.id, sub.id);
    const location = locations.ok ? locations.value[Number(ctx.match[2])] : undefined;
    if (!location) return card(ctx, sub, locations.ok ? undefined : failure(ctx, locations));
    const result = await subscriptions.switchLocation(ctx.user.id, sub.id, location.code);
    await card(ctx, result.ok ? result.value : sub, result.ok ? ctx.t('proxy-location-switched', { location: escapeHtml(location.name) }) : failure(ctx, result));
  });

  return composer;
}

function round(gb: number): number {
  return Math.round(gb * 100) / 100;
}
