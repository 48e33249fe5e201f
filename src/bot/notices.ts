/**
 * Outbox notices for customers, rendered in their language: the saga writes
 * what happened (order delivered, failed, renewed) and the notifier sends
 * what this renders. Everything is looked up fresh, so a notice shows the
 * proxies and balance as they are when it goes out.
 */
import type { I18n } from '@grammyjs/i18n';
import type { Context, InlineKeyboard } from 'grammy';
import type { OutboxMessage } from '../services/outbox.js';
import { subscriptionIdsOf } from '../services/order-store.js';
import type { BotServices } from './context.js';
import { asLanguage } from './i18n.js';
import { code, escapeHtml } from './html.js';
import type { Translate } from './ui.js';
import { deliveredView, failedView, renewedView, type ResultView } from './views/order.js';

/** What the notifier sends: HTML text and, where useful, buttons. */
export interface RenderedNotice {
  text: string;
  reply_markup?: InlineKeyboard;
  parse_mode: 'HTML';
}

export function createNoticeRenderer(deps: { services: Pick<BotServices, 'orders' | 'wallet' | 'subscriptions'>; i18n: I18n<Context> }) {
  const { services, i18n } = deps;

  const asNotice = (view: ResultView, title?: string): RenderedNotice => ({
    text: title ? `${title}\n${view.text}` : view.text,
    ...(view.keyboard ? { reply_markup: view.keyboard } : {}),
    parse_mode: 'HTML',
  });

  /** Renders an outbox message for its reader; customers' notices in their language. */
  function renderNotice(message: OutboxMessage, lang: string): RenderedNotice {
    const t: Translate = (key, vars) => i18n.t(asLanguage(lang) ?? 'en', key, vars);
    const payload = parsePayload(message.payload);
    if (message.audience === 'operators') {
      // Operator alerts get their own wording with the admin tools; until then, the facts as recorded.
      return { text: `⚠️ <b>${escapeHtml(message.kind)}</b>\n${code(JSON.stringify(payload))}`, parse_mode: 'HTML' };
    }
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
