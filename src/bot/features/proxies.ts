/**
 * My proxies: a paged list (soonest expiry first), a card per proxy with the
 * actions its provider supports, credentials in every export format, and an
 * export of all proxies (a .txt file when there are many).
 */
import type { ProxyTarget } from '../../providers/types.js';
import { targetCardLine } from '../views/purchase-target.js';
import { Composer, InlineKeyboard } from 'grammy';
import { EXPORT_FORMATS, formatProxy } from '../../domain/proxy-format.js';
import { cardLogins } from '../../services/card-logins.js';
import type { LinkedOrderRow } from '../../services/linked-orders.js';
import type { SubscriptionRow } from '../../services/order-store.js';
import type { RenewalOffer } from '../../services/orders.js';
import {
  menuCallbacks as menu,
  onCallback,
  proxyAccessCallbacks as pa,
  proxyCallbacks as px,
  targetingCallbacks,
} from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { daysUntil, isoDate, isoDateTime, money } from '../format.js';
import { code, escapeHtml } from '../html.js';
import { menuButton } from '../keyboards/main-menu.js';
import { show, type Translate } from '../ui.js';
import { confirmKeyboard, reasonText, summaryText } from '../views/order.js';
import { pricedLabel } from '../views/price-labels.js';
import { trafficUsageLine } from '../views/traffic.js';
import { cardCheckText } from '../views/proxy-check.js';
import { sendProxyList } from './orders.js';
import { countryOf, productName } from '../product-names.js';

export const PROXIES_PAGE_SIZE = 5;
/** How long the card waits for an upstream's traffic figures before showing the last ones known. */
export const CARD_USAGE_WAIT_MS = 1_500;

function protocolsOf(sub: SubscriptionRow): string {
  return [sub.httpPort !== null ? 'HTTP' : undefined, sub.socks5Port !== null ? 'SOCKS5' : undefined].filter(Boolean).join(', ') || '—';
}

function portsOf(sub: SubscriptionRow): string {
  return (
    [sub.httpPort !== null ? `HTTP ${sub.httpPort}` : undefined, sub.socks5Port !== null ? `SOCKS5 ${sub.socks5Port}` : undefined]
      .filter(Boolean)
      .join(' · ') || '—'
  );
}

const DAY_MS = 86_400_000;

function expiryText(t: Translate, sub: SubscriptionRow, now: number): string {
  if (!sub.expiresAt) return t('proxy-no-expiry');
  // Under a day left (a short trial, a proxy about to lapse): the hour, since "in 1 day" would promise more.
  if (sub.expiresAt > now && sub.expiresAt - now < DAY_MS) return t('proxy-expires-at', { at: isoDateTime(sub.expiresAt) });
  const days = daysUntil(sub.expiresAt, now);
  return days >= 0 ? t('proxy-expires', { date: isoDate(sub.expiresAt), days }) : t('proxy-expired-on', { date: isoDate(sub.expiresAt) });
}

/**
 * Orders bought to add traffic to the card, each with its own credentials
 * (GateProxy issues a login per order): all of them work, until each one's
 * traffic is used.
 */
function linkedOrderLines(t: Translate, linked: readonly LinkedOrderRow[]): string[] {
  return linked.map((order) => {
    const credentials = code(formatProxy(order, 'host:port:login:password') ?? order.host);
    return order.trafficLimitMb === null
      ? t('proxy-linked-order-unsized', { credentials })
      : t('proxy-linked-order', { gb: Math.round(order.trafficLimitMb / 10) / 100, credentials });
  });
}

/** `trafficLine`: the plan's used / left / total, when its upstream told it; else the package size alone. */
export function cardText(
  t: Translate,
  sub: SubscriptionRow & { target?: ProxyTarget },
  now: number,
  notice?: string,
  trafficLine?: string,
  linked: readonly LinkedOrderRow[] = [],
): string {
  return [
    notice,
    `<b>${escapeHtml(productName(t, sub.productName))}</b>`,
    sub.countryCode ? t('proxy-country', { country: escapeHtml(countryOf(t, sub.countryCode)) }) : undefined,
    sub.target ? targetCardLine(t, sub.target) : undefined,
    t('proxy-host', { host: code(sub.host) }),
    t('proxy-ports', { ports: portsOf(sub) }),
    t('proxy-protocols', { protocols: protocolsOf(sub) }),
    trafficLine ?? (sub.trafficLimitMb !== null ? t('proxy-traffic', { gb: Math.round(sub.trafficLimitMb / 10) / 100 }) : undefined),
    ...linkedOrderLines(t, linked),
    expiryText(t, sub, now),
    t(sub.status === 'active' ? 'proxy-status-active' : `proxy-status-${sub.status}`),
    t(sub.autoRenew ? 'proxy-auto-renew-on' : 'proxy-auto-renew-off'),
  ]
    .filter((l): l is string => l !== undefined)
    .join('\n');
}

export function createProxiesFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { subscriptions, orders, traffic, proxyChecks } = env.services;
  /** A proxy bought for a target, with the credentials built for it (services/purchase-targets.ts). */
  const delivered = (sub: SubscriptionRow) => env.services.purchaseTargets?.asDelivered(sub) ?? sub;

  const list = async (ctx: BotContext, page: number, asNewMessage = false) => {
    const present = asNewMessage
      ? (c: BotContext, text: string, keyboard: InlineKeyboard) =>
          c.reply(text, { reply_markup: keyboard, link_preview_options: { is_disabled: true } }).then(() => undefined)
      : show;
    const { items, total } = subscriptions.list(ctx.user.id, page, PROXIES_PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(total / PROXIES_PAGE_SIZE));
    const keyboard = new InlineKeyboard();
    if (total === 0) {
      menuButton(ctx.t, keyboard.text(ctx.t('menu-buy'), menu.buy.pack()).row());
      return present(ctx, ctx.t('proxies-empty'), keyboard);
    }
    const now = env.now();
    const lines = [ctx.t('proxies-title', { total }), ctx.t('page-of', { page: page + 1, pages }), ''];
    items.forEach((sub, i) => {
      const n = page * PROXIES_PAGE_SIZE + i + 1;
      lines.push(
        `${n}. <b>${escapeHtml(productName(ctx.t, sub.productName))}</b>${sub.countryCode ? ` · ${escapeHtml(countryOf(ctx.t, sub.countryCode))}` : ''} · ${code(sub.host)}`,
      );
      lines.push(`    ${expiryText(ctx.t, sub, now)}`);
      keyboard.text(`${n}. ${sub.host}${sub.countryCode ? ` · ${sub.countryCode}` : ''}`, px.card.pack({ subscriptionId: sub.id })).row();
    });
    if (page > 0) keyboard.text(ctx.t('btn-prev-page'), px.list.pack({ page: page - 1 }));
    if (page < pages - 1) keyboard.text(ctx.t('btn-next-page'), px.list.pack({ page: page + 1 }));
    menuButton(ctx.t, keyboard.row().text(ctx.t('proxies-export-all'), px.exportAll.pack()).row());
    return present(ctx, lines.join('\n'), keyboard);
  };

  const card = async (ctx: BotContext, sub: SubscriptionRow, notice?: string) => {
    const actions = subscriptions.actionsFor(sub);
    const keyboard = new InlineKeyboard().text(ctx.t('proxy-btn-credentials'), px.credentials.pack({ subscriptionId: sub.id })).row();
    const addsTraffic = traffic?.offersTopup(sub) === true;
    if (actions.includes('renew')) {
      // A per-GB plan is not renewed for a time: more traffic is bought for it (the same saga, priced the same way).
      keyboard.text(ctx.t(addsTraffic ? 'proxy-btn-add-traffic' : 'proxy-btn-renew'), px.renew.pack({ subscriptionId: sub.id }));
      // Auto-renew is offered only where there is an expiry to renew ahead of (but can always be turned off).
      if (subscriptions.offersAutoRenew(sub) || sub.autoRenew) {
        const autoRenew = px.autoRenew.pack({ subscriptionId: sub.id, on: !sub.autoRenew });
        keyboard.text(ctx.t(sub.autoRenew ? 'proxy-btn-auto-renew-off' : 'proxy-btn-auto-renew-on'), autoRenew);
      }
      keyboard.row();
    }
    if (addsTraffic) {
      const setting = traffic?.autoTopupOf(sub.id);
      keyboard
        .text(
          setting ? ctx.t('traffic-btn-auto-topup-on', { percent: setting.thresholdPercent }) : ctx.t('traffic-btn-auto-topup-off'),
          px.autoTopup.pack({ subscriptionId: sub.id }),
        )
        .row();
    }
    if (actions.includes('changeCredentials'))
      keyboard.text(ctx.t('proxy-btn-change-credentials'), px.changeCredentials.pack({ subscriptionId: sub.id })).row();
    if (actions.includes('rotateIp')) keyboard.text(ctx.t('proxy-btn-rotate'), px.rotate.pack({ subscriptionId: sub.id })).row();
    if (actions.includes('switchLocation')) keyboard.text(ctx.t('proxy-btn-location'), px.locations.pack({ subscriptionId: sub.id })).row();
    if (actions.includes('usage')) keyboard.text(ctx.t('proxy-btn-usage'), px.usage.pack({ subscriptionId: sub.id })).row();
    if (actions.includes('targeting') && env.services.targeting)
      keyboard.text(ctx.t('proxy-btn-targeting'), targetingCallbacks.countries.pack({ subscriptionId: sub.id, page: 0 })).row();
    const access = env.services.proxyAccess?.actionsFor(sub) ?? [];
    if (access.includes('allowedIps')) keyboard.text(ctx.t('proxy-btn-allowlist'), pa.allowlist.pack({ subscriptionId: sub.id })).row();
    if (access.includes('cancel')) keyboard.text(ctx.t('proxy-btn-cancel'), pa.cancel.pack({ subscriptionId: sub.id })).row();
    if (proxyChecks?.isCheckable(sub)) keyboard.text(ctx.t('proxy-btn-check'), px.check.pack({ subscriptionId: sub.id })).row();
    menuButton(ctx.t, keyboard.text(ctx.t('proxies-back-to-list'), px.list.pack({ page: 0 })));
    // Cached figures (one upstream request per plan per cache period); a silent upstream leaves the package size.
    const usage = traffic && actions.includes('usage') ? await traffic.usageWithin(ctx.user.id, sub.id, CARD_USAGE_WAIT_MS) : undefined;
    const trafficLine = usage ? trafficUsageLine(ctx.t, usage) : undefined;
    return show(ctx, cardText(ctx.t, delivered(sub), env.now(), notice, trafficLine, subscriptions.linkedOrders(sub.id)), keyboard);
  };

  /** The customer's proxy named in the callback, or the list when it is not theirs (any more). */
  const owned = async (ctx: BotContext, id: string): Promise<SubscriptionRow | undefined> => {
    const sub = subscriptions.get(ctx.user.id, id);
    if (!sub) await list(ctx, 0);
    return sub;
  };

  const failure = (ctx: BotContext, result: { reason: string }) =>
    ctx.t('proxy-action-failed', { reason: reasonText(ctx.t, result.reason) });

  onCallback(composer, menu.proxies, (ctx) => list(ctx, 0));
  onCallback(composer, px.list, (ctx, { page }) => list(ctx, page));
  onCallback(composer, px.listAsNew, (ctx, { page }) => list(ctx, page, true));

  onCallback(composer, px.card, async (ctx, { subscriptionId }) => {
    const sub = await owned(ctx, subscriptionId);
    if (sub) await card(ctx, sub);
  });

  // Credentials of one proxy, in a chosen format.
  onCallback(composer, px.credentials, async (ctx, { subscriptionId }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    const keyboard = new InlineKeyboard();
    for (const format of EXPORT_FORMATS.keys())
      keyboard.text(ctx.t(`format-${format}`), px.credentialsIn.pack({ subscriptionId: sub.id, format })).row();
    keyboard.text(ctx.t('btn-back'), px.card.pack({ subscriptionId: sub.id }));
    await show(ctx, ctx.t('formats-choose'), keyboard);
  });

  onCallback(composer, px.credentialsIn, async (ctx, fields) => {
    const sub = await owned(ctx, fields.subscriptionId);
    const format = EXPORT_FORMATS[fields.format];
    if (!sub || !format) return;
    // The card's first order (with the login built for its target), then each order linked to it to add
    // traffic: every one is a working login.
    const lines = cardLogins(delivered(sub), subscriptions.linkedOrders(sub.id))
      .map((p) => formatProxy(p, format))
      .filter((l): l is string => l !== null);
    const text = lines.length === 0 ? ctx.t('formats-none') : `${ctx.t(`format-${fields.format}`)}\n${lines.map(code).join('\n')}`;
    await show(
      ctx,
      text,
      new InlineKeyboard()
        .text(ctx.t('btn-back'), px.credentials.pack({ subscriptionId: sub.id }))
        .text(ctx.t('proxies-back-to-card'), px.card.pack({ subscriptionId: sub.id })),
    );
  });

  // Every proxy in one format.
  onCallback(composer, px.exportAll, async (ctx) => {
    const keyboard = new InlineKeyboard();
    for (const format of EXPORT_FORMATS.keys()) keyboard.text(ctx.t(`format-${format}`), px.exportAllIn.pack({ format })).row();
    keyboard.text(ctx.t('btn-back'), px.list.pack({ page: 0 }));
    await show(ctx, ctx.t('formats-choose-all'), keyboard);
  });

  onCallback(composer, px.exportAllIn, async (ctx, fields) => {
    const format = EXPORT_FORMATS[fields.format];
    if (!format) return;
    // Every login of every card: its own (built for its target), then each order linked to it to add traffic.
    const all = subscriptions.all(ctx.user.id).flatMap((sub) => cardLogins(delivered(sub), subscriptions.linkedOrders(sub.id)));
    await sendProxyList(ctx.api, ctx.chat!.id, ctx.t, all, format, `proxies-${format.replace(/[^a-z0-9]+/g, '-')}`);
  });

  // Turning auto-renew on: the terms at today's prices, the one bought (or chosen before) first.
  onCallback(composer, px.autoRenew, async (ctx, { subscriptionId, on }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    if (!on) {
      const result = subscriptions.setAutoRenew(ctx.user.id, sub.id, false);
      if (!result.ok) return card(ctx, sub, failure(ctx, result));
      return card(ctx, result.value, ctx.t('proxy-auto-renew-now-off'));
    }
    if (!subscriptions.offersAutoRenew(sub)) return card(ctx, sub, ctx.t('auto-renew-not-offered'));
    const offers = await orders.renewalOffers(ctx.user.id, sub.id);
    if (!offers.ok || offers.offers.length === 0) return card(ctx, sub, offers.ok ? ctx.t('proxy-renew-none') : failure(ctx, offers));
    const preferred = await subscriptions.autoRenewTerm(
      sub,
      offers.offers.map((o) => o.term),
    );
    const listed = offers.offers.map((offer, index) => ({ offer, index }));
    // The default term leads the list; the others keep the provider's order.
    listed.sort((a, b) => Number(b.offer.term === preferred) - Number(a.offer.term === preferred));
    const keyboard = new InlineKeyboard();
    for (const { offer, index } of listed)
      keyboard.text(pricedLabel(offer.term.label, offer.priceCents), px.autoRenewTerm.pack({ subscriptionId: sub.id, index })).row();
    keyboard.text(ctx.t('btn-back'), px.card.pack({ subscriptionId: sub.id }));
    const first = listed[0]!.offer;
    await show(
      ctx,
      ctx.t(preferred ? 'auto-renew-choose-default' : 'auto-renew-choose', {
        product: escapeHtml(productName(ctx.t, sub.productName)),
        term: escapeHtml(first.term.label),
        price: money(first.priceCents),
      }),
      keyboard,
    );
  });

  onCallback(composer, px.autoRenewTerm, async (ctx, { subscriptionId, index }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    const offers = await orders.renewalOffers(ctx.user.id, sub.id);
    const offer = offers.ok ? offers.offers[index] : undefined;
    if (!offer) return card(ctx, sub, offers.ok ? ctx.t('proxy-renew-none') : failure(ctx, offers));
    const result = subscriptions.setAutoRenew(ctx.user.id, sub.id, true, offer.term.id);
    if (!result.ok) return card(ctx, sub, failure(ctx, result));
    await card(ctx, result.value, ctx.t('auto-renew-now-on', { term: escapeHtml(offer.term.label), price: money(offer.priceCents) }));
  });

  // Renewal: terms at today's prices → quote → the common confirm (o:ok:<quote id>).
  onCallback(composer, px.renew, async (ctx, { subscriptionId }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    const offers = await orders.renewalOffers(ctx.user.id, sub.id);
    if (!offers.ok || offers.offers.length === 0) return card(ctx, sub, offers.ok ? ctx.t('proxy-renew-none') : failure(ctx, offers));
    const keyboard = new InlineKeyboard();
    for (const [index, { term, priceCents }] of offers.offers.entries())
      keyboard.text(pricedLabel(term.label, priceCents), px.renewTerm.pack({ subscriptionId: sub.id, index })).row();
    keyboard.text(ctx.t('btn-back'), px.card.pack({ subscriptionId: sub.id }));
    await show(ctx, ctx.t(renewPrompt(offers.offers), { product: escapeHtml(productName(ctx.t, sub.productName)) }), keyboard);
  });

  onCallback(composer, px.renewTerm, async (ctx, { subscriptionId, index }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    const offers = await orders.renewalOffers(ctx.user.id, sub.id);
    const term = offers.ok ? offers.offers[index]?.term : undefined;
    if (!term) return card(ctx, sub, offers.ok ? ctx.t('proxy-renew-none') : failure(ctx, offers));
    const quote = await orders.quoteRenewal(ctx.user.id, sub.id, term.id);
    if (!quote.ok) return card(ctx, sub, failure(ctx, quote));
    await show(
      ctx,
      summaryText(ctx.t, quote.quote),
      confirmKeyboard(ctx.t, quote.quote, { label: ctx.t('btn-back'), data: px.renew.pack({ subscriptionId: sub.id }) }),
    );
  });

  onCallback(composer, px.changeCredentials, async (ctx, { subscriptionId }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    const keyboard = new InlineKeyboard()
      .text(ctx.t('proxy-change-credentials-yes'), px.changeCredentialsConfirmed.pack({ subscriptionId: sub.id }))
      .text(ctx.t('btn-back'), px.card.pack({ subscriptionId: sub.id }));
    await show(ctx, ctx.t('proxy-change-credentials-confirm'), keyboard);
  });

  onCallback(composer, px.changeCredentialsConfirmed, async (ctx, { subscriptionId }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    const result = await subscriptions.changeCredentials(ctx.user.id, sub.id);
    if (!result.ok) return card(ctx, sub, failure(ctx, result));
    const line = formatProxy(result.value, 'host:port:login:password');
    await card(ctx, result.value, `${ctx.t('proxy-credentials-changed')}\n${line ? code(line) : ''}`);
  });

  onCallback(composer, px.rotate, async (ctx, { subscriptionId }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    const result = await subscriptions.rotateIp(ctx.user.id, sub.id);
    await card(ctx, sub, result.ok ? ctx.t('proxy-rotated') : failure(ctx, result));
  });

  onCallback(composer, px.usage, async (ctx, { subscriptionId }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    const result = traffic ? await traffic.usage(ctx.user.id, sub.id) : await subscriptions.usage(ctx.user.id, sub.id);
    if (!result.ok) return card(ctx, sub, failure(ctx, result));
    const { usedGb, remainingGb, totalGb } = result.value;
    const lines = [ctx.t('proxy-usage-used', { gb: round(usedGb) })];
    if (totalGb !== undefined) lines.push(ctx.t('proxy-usage-total', { gb: round(totalGb) }));
    if (remainingGb !== undefined) lines.push(ctx.t('proxy-usage-remaining', { gb: round(remainingGb) }));
    await card(ctx, sub, lines.join('\n'));
  });

  onCallback(composer, px.locations, async (ctx, { subscriptionId }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    const locations = await subscriptions.locations(ctx.user.id, sub.id);
    if (!locations.ok) return card(ctx, sub, failure(ctx, locations));
    const keyboard = new InlineKeyboard();
    locations.value.forEach((l, index) => {
      if (l.available) keyboard.text(l.name, px.location.pack({ subscriptionId: sub.id, index })).row();
    });
    keyboard.text(ctx.t('btn-back'), px.card.pack({ subscriptionId: sub.id }));
    await show(ctx, ctx.t('proxy-location-choose'), keyboard);
  });

  onCallback(composer, px.location, async (ctx, { subscriptionId, index }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub) return;
    const locations = await subscriptions.locations(ctx.user.id, sub.id);
    const location = locations.ok ? locations.value[index] : undefined;
    if (!location) return card(ctx, sub, locations.ok ? undefined : failure(ctx, locations));
    const result = await subscriptions.switchLocation(ctx.user.id, sub.id, location.code);
    await card(
      ctx,
      result.ok ? result.value : sub,
      result.ok ? ctx.t('proxy-location-switched', { location: escapeHtml(location.name) }) : failure(ctx, result),
    );
  });

  // A check takes up to PROXY_CHECK_TIMEOUT_MS: the card says so first, then shows the result.
  onCallback(composer, px.check, async (ctx, { subscriptionId }) => {
    const sub = await owned(ctx, subscriptionId);
    if (!sub || !proxyChecks) return;
    await card(ctx, sub, ctx.t('proxy-check-running'));
    const answer = await proxyChecks.check(ctx.user.id, sub.id);
    if (answer.ok) return card(ctx, sub, cardCheckText(ctx.t, answer.logins, proxyChecks.settings.timeoutMs));
    if (answer.reason === 'rate_limited')
      return card(ctx, sub, ctx.t('proxy-check-rate-limited', { seconds: Math.max(1, Math.ceil((answer.retryInMs ?? 0) / 1_000)) }));
    if (answer.reason === 'not_checkable') return card(ctx, sub, ctx.t('proxy-check-not-checkable'));
    await list(ctx, 0);
  });

  return composer;
}

/** Per-GB plans are topped up with more traffic, not renewed for a time. */
function renewPrompt(offers: readonly RenewalOffer[]): 'proxy-renew-choose' | 'proxy-topup-traffic-choose' {
  return offers.every((o) => o.term.trafficGb !== undefined) ? 'proxy-topup-traffic-choose' : 'proxy-renew-choose';
}

function round(gb: number): number {
  return Math.round(gb * 100) / 100;
}
