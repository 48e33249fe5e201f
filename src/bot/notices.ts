/**
 * Outbox notices for customers, rendered in their language: the saga writes
 * what happened (order delivered, failed, renewed; a top-up credited or
 * rejected) and the notifier sends what this renders. Everything is looked
 * up fresh, so a notice shows the proxies and balance as they are when it
 * goes out. Operator alerts are rendered by features/operators.ts, with the
 * buttons operators act on.
 */
import type { I18n } from '@grammyjs/i18n';
import { InlineKeyboard, type Context } from 'grammy';
import type { KvStorage } from '../db/kv-storage.js';
import type { OutboxMessage } from '../services/outbox.js';
import type { Language } from '../services/users.js';
import { subscriptionIdsOf } from '../services/order-store.js';
import { menuCallbacks, orderCallbacks, proxyCallbacks, walletCallbacks } from './callback-data.js';
import type { BotServices } from './context.js';
import { daysUntil, isoDate, money } from './format.js';
import { createOperatorViews } from './features/operators.js';
import type { BotPayments } from './features/topup-amounts.js';
import { asLanguage } from './i18n.js';
import { code, escapeHtml } from './html.js';
import type { Translate } from './ui.js';
import { deliveredView, failedView, renewedView, settledDeliveredView, stillConfirmingView, type ResultView } from './views/order.js';

/** What the notifier sends: HTML text and, where useful, buttons. */
export interface RenderedNotice {
  text: string;
  reply_markup?: InlineKeyboard;
  parse_mode: 'HTML';
}

export interface NoticeRendererDeps {
  services: Pick<BotServices, 'orders' | 'wallet' | 'subscriptions' | 'users'>;
  i18n: I18n<Context>;
  /** Top-ups, for receipts and for the operators' payment alerts. */
  payments?: BotPayments;
  /** The language of operator alerts; English by default. */
  operatorLanguage?: Language;
  /** The order a customer was short of money for, to offer the way back on a receipt. */
  pendingQuotes?: KvStorage<string>;
}

export function createNoticeRenderer(deps: NoticeRendererDeps) {
  const { services, i18n, payments } = deps;
  const operatorViews = createOperatorViews({ services, i18n, language: deps.operatorLanguage ?? 'en', ...(payments ? { payments } : {}) });

  const asNotice = (view: ResultView, title?: string): RenderedNotice => ({
    text: title ? `${title}\n${view.text}` : view.text,
    ...(view.keyboard ? { reply_markup: view.keyboard } : {}),
    parse_mode: 'HTML',
  });

  /** A top-up's receipt or rejection; null when the customer already has their answer. */
  function topUpNotice(message: OutboxMessage, payload: Record<string, unknown>, t: Translate): RenderedNotice | null | undefined {
    const topUp = typeof payload.topUpId === 'string' ? payments?.topUps.get(payload.topUpId) : undefined;
    if (!topUp || topUp.userId !== message.userId) return undefined;
    const keyboard = new InlineKeyboard();
    if (deps.pendingQuotes?.read(String(topUp.userId))) keyboard.text(t('btn-resume-order'), orderCallbacks.resume.pack()).row();
    keyboard.text(t('menu-wallet'), menuCallbacks.wallet.pack()).text(t('btn-main-menu'), menuCallbacks.main.pack());
    const balance = money(services.wallet.balance(topUp.userId).availableCents);
    if (message.kind === 'topup_credited') {
      // A Stars payment is answered in the chat the moment it arrives (features/topup-stars.ts).
      if (topUp.method === 'stars') return null;
      const text = t('topup-credited-notice', { amount: money(topUp.amountCents), method: t(`topup-method-${topUp.method}`), balance });
      return { text, reply_markup: keyboard, parse_mode: 'HTML' };
    }
    const reason = escapeHtml(typeof payload.reason === 'string' ? payload.reason : (topUp.reason ?? ''));
    return { text: t('topup-rejected-notice', { amount: money(topUp.amountCents), reason, balance }), reply_markup: keyboard, parse_mode: 'HTML' };
  }

  /**
   * Reminders and auto-renewal news about one proxy, with buttons to its card
   * (renew, auto-renew) and to the wallet (top up).
   */
  function proxyNoticeFor(message: OutboxMessage, payload: Record<string, unknown>, t: Translate): RenderedNotice | undefined {
    if (!['expiry_reminder', 'auto_renewed', 'auto_renew_failed'].includes(message.kind) || message.userId === null) return undefined;
    const sub = typeof payload.subscriptionId === 'string' ? services.subscriptions.get(message.userId, payload.subscriptionId) : undefined;
    if (!sub) return undefined;
    const vars = {
      product: escapeHtml(sub.productName),
      host: code(sub.host),
      expires: isoDate(sub.expiresAt ?? ''),
      days: sub.expiresAt ? Math.max(daysUntil(sub.expiresAt, Date.now()), 0) : 0,
      balance: money(services.wallet.balance(message.userId).availableCents),
      price: money(typeof payload.priceCents === 'number' ? payload.priceCents : 0),
    };
    const keyboard = new InlineKeyboard().text(t('notice-open-proxy'), proxyCallbacks.card.pack({ subscriptionId: sub.id }));
    if (message.kind !== 'auto_renewed') keyboard.text(t('btn-top-up'), walletCallbacks.topUp.pack());
    let text: string;
    if (message.kind === 'expiry_reminder') {
      text = t(sub.autoRenew ? 'notice-expiry-auto' : 'notice-expiry', vars);
    } else if (message.kind === 'auto_renewed') {
      text = t('notice-auto-renewed', vars);
    } else {
      text = t(payload.reason === 'insufficient_funds' ? 'notice-auto-renew-no-funds' : 'notice-auto-renew-failed', vars);
    }
    return { text, reply_markup: keyboard, parse_mode: 'HTML' };
  }

  /** Renders an outbox message for its reader; customers' notices in their language; null: nothing to send. */
  function renderNotice(message: OutboxMessage, lang: string): RenderedNotice | null {
    const t: Translate = (key, vars) => i18n.t(asLanguage(lang) ?? 'en', key, vars);
    const payload = parsePayload(message.payload);
    if (message.audience === 'operators') {
      const view = operatorViews.render(message, payload);
      if (view === null) return null;
      if (view) return { text: view.text, ...(view.keyboard ? { reply_markup: view.keyboard } : {}), parse_mode: 'HTML' };
      // A kind without its own wording yet: the facts as recorded.
      return { text: `⚠️ <b>${escapeHtml(message.kind)}</b>\n${code(JSON.stringify(payload))}`, parse_mode: 'HTML' };
    }
    if (message.kind === 'topup_credited' || message.kind === 'topup_rejected') {
      const notice = topUpNotice(message, payload, t);
      if (notice !== undefined) return notice;
    }
    const proxyNotice = proxyNoticeFor(message, payload, t);
    if (proxyNotice) return proxyNotice;
    const order = typeof payload.orderId === 'string' ? services.orders.order(payload.orderId) : undefined;
    if (order && message.userId !== null && order.userId === message.userId) {
      const balance = services.wallet.balance(order.userId);
      if (message.kind === 'order_delivered') {
        // The notifier sends text only, so many proxies point to the export rather than a file.
        const proxies = services.orders.subscriptionsOfOrder(order.id);
        return asNotice(deliveredView(t, order, proxies, balance, false), t('notice-delivered-title'));
      }
      if (message.kind === 'renewal_delivered') {
        const subId = subscriptionIdsOf(order)[0];
        const sub = subId ? services.subscriptions.get(order.userId, subId) : undefined;
        return asNotice(renewedView(t, order, sub?.expiresAt, balance, sub?.id));
      }
      if (message.kind === 'order_failed') return asNotice(failedView(t, order, balance));
      const open = order.state !== 'delivered' && order.state !== 'failed';
      // Still being confirmed: news only while it is; once settled, the outcome's own notice tells it.
      if (message.kind === 'order_provisioning' || message.kind === 'order_still_open') {
        return open ? asNotice(stillConfirmingView(t, order, message.kind === 'order_still_open')) : null;
      }
      if (message.kind === 'order_settled_delivered') return asNotice(settledDeliveredView(t, order));
    }
    return { text: t('notice-generic'), parse_mode: 'HTML' };
  }

  return { renderNotice };
}

function parsePayload(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
