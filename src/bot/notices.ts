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
import { unreachable } from '../domain/unreachable.js';
import type { Logger } from '../logger.js';
import type { OutboxMessage } from '../services/outbox.js';
import { readOutboxEvent, type AutoRenewFailure, type CustomerEvent } from '../services/outbox-events.js';
import type { Language } from '../services/users.js';
import { subscriptionIdsOf } from '../services/order-store.js';
import { menuCallbacks, orderCallbacks, proxyCallbacks, walletCallbacks } from './callback-data.js';
import type { BotServices } from './context.js';
import { daysUntil, isoDate, isoDateTime, money } from './format.js';
import { broadcastNotice } from './features/operator-broadcast.js';
import { createOperatorViews } from './features/operators.js';
import type { BotPayments } from './features/topup-amounts.js';
import { asLanguage } from './i18n.js';
import { code, escapeHtml } from './html.js';
import type { Translate } from './ui.js';
import { referralNotice } from './referral-notices.js';
import { trafficNotice } from './traffic-notices.js';
import { checkFailedNotice } from './views/proxy-check.js';
import { deliveredView, failedView, renewedView, settledDeliveredView, stillConfirmingView, type ResultView } from './views/order.js';
import { productName } from './product-names.js';

/** What the notifier sends: HTML text and, where useful, buttons. */
export interface RenderedNotice {
  text: string;
  reply_markup?: InlineKeyboard;
  parse_mode: 'HTML';
  /** The bot's message about the order that this notice updates in place. */
  replaces?: OrderMessage;
}

/** Where the bot told a customer their order is slow: later news about it edits that message. */
export interface OrderMessage {
  chatId: number;
  messageId: number;
}

export interface NoticeRendererDeps {
  services: Pick<
    BotServices,
    'orders' | 'wallet' | 'subscriptions' | 'users' | 'broadcasts' | 'proxyChecks' | 'purchaseTargets' | 'promos'
  >;
  i18n: I18n<Context>;
  /** Top-ups, for receipts and for the operators' payment alerts. */
  payments?: BotPayments;
  /** The language of operator alerts; English by default. */
  operatorLanguage?: Language;
  /** The order a customer was short of money for, to offer the way back on a receipt. */
  pendingQuotes?: KvStorage<string>;
  /** Where a stored message that cannot be read as an event is reported. */
  logger: Logger;
  /** The shop's clock, for "expires in N days"; default Date.now. */
  now?: () => number;
  /** The "slow to deliver" message of each order still being confirmed (features/orders.ts), by order id. */
  orderMessages?: KvStorage<OrderMessage>;
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
  function topUpNotice(
    event: Extract<CustomerEvent, { kind: 'topup_credited' | 'topup_rejected' }>,
    userId: number,
    t: Translate,
  ): RenderedNotice | null | undefined {
    const topUp = payments?.topUps.get(event.payload.topUpId);
    if (!topUp || topUp.userId !== userId) return undefined;
    const keyboard = new InlineKeyboard();
    if (deps.pendingQuotes?.read(String(topUp.userId))) keyboard.text(t('btn-resume-order'), orderCallbacks.resume.pack()).row();
    keyboard.text(t('menu-wallet'), menuCallbacks.wallet.pack()).text(t('btn-main-menu'), menuCallbacks.main.pack());
    const balance = money(services.wallet.balance(topUp.userId).availableCents);
    if (event.kind === 'topup_credited') {
      // A Stars or card payment is answered in the chat the moment it arrives (features/topup-stars.ts, topup-card.ts).
      if (topUp.method === 'stars' || topUp.method === 'card') return null;
      const text = t('topup-credited-notice', { amount: money(topUp.amountCents), method: t(`topup-method-${topUp.method}`), balance });
      return { text, reply_markup: keyboard, parse_mode: 'HTML' };
    }
    const reason = escapeHtml(event.payload.reason);
    return {
      text: t('topup-rejected-notice', { amount: money(topUp.amountCents), reason, balance }),
      reply_markup: keyboard,
      parse_mode: 'HTML',
    };
  }

  /**
   * Reminders and auto-renewal news about one proxy, with buttons to its card
   * (renew, auto-renew) and to the wallet (top up).
   */
  function proxyNotice(
    event: Extract<CustomerEvent, { kind: 'expiry_reminder' | 'auto_renewed' | 'auto_renew_failed' }>,
    userId: number,
    t: Translate,
  ): RenderedNotice | null | undefined {
    const sub = services.subscriptions.get(userId, event.payload.subscriptionId);
    if (!sub) return undefined;
    // A reminder or failure about an expiry that a renewal has since moved is no longer news.
    if (event.kind !== 'auto_renewed' && event.payload.expiresAt !== null && event.payload.expiresAt !== sub.expiresAt) return null;
    if (event.kind === 'expiry_reminder' && sub.status !== 'active') return null;
    const vars = {
      product: escapeHtml(productName(t, sub.productName)),
      host: code(sub.host),
      expires: isoDate(sub.expiresAt ?? ''),
      days: sub.expiresAt ? Math.max(daysUntil(sub.expiresAt, (deps.now ?? Date.now)()), 0) : 0,
      balance: money(services.wallet.balance(userId).availableCents),
      price: money(event.kind === 'auto_renewed' ? event.payload.priceCents : 0),
    };
    const keyboard = new InlineKeyboard().text(t('notice-open-proxy'), proxyCallbacks.card.pack({ subscriptionId: sub.id }));
    if (event.kind !== 'auto_renewed') keyboard.text(t('btn-top-up'), walletCallbacks.topUp.pack());
    let text: string;
    if (event.kind === 'expiry_reminder') {
      const left = (sub.expiresAt ?? 0) - Date.now();
      // Within two days a date alone is too coarse: the hour it stops and the hours left.
      text =
        sub.expiresAt !== null && left < SHORT_NOTICE_MS
          ? t(sub.autoRenew ? 'notice-expiry-at-auto' : 'notice-expiry-at', {
              ...vars,
              at: isoDateTime(sub.expiresAt),
              hours: Math.max(Math.ceil(left / 3_600_000), 0),
            })
          : t(sub.autoRenew ? 'notice-expiry-auto' : 'notice-expiry', vars);
    } else if (event.kind === 'auto_renewed') {
      const { term } = event.payload;
      text = term ? t('notice-auto-renewed-for-term', { ...vars, term: escapeHtml(term) }) : t('notice-auto-renewed', vars);
    } else {
      text = t(autoRenewFailureWording(event.payload.reason), vars);
    }
    return { text, reply_markup: keyboard, parse_mode: 'HTML' };
  }

  /** News about one of the customer's orders, as the order is now. */
  function orderNotice(
    event: Extract<
      CustomerEvent,
      {
        kind:
          | 'order_delivered'
          | 'renewal_delivered'
          | 'order_failed'
          | 'order_provisioning'
          | 'order_still_open'
          | 'order_settled_delivered';
      }
    >,
    userId: number,
    t: Translate,
  ): RenderedNotice | null | undefined {
    const order = services.orders.order(event.payload.orderId);
    if (!order || order.userId !== userId) return undefined;
    const notice = orderNoticeOf(event, order, t);
    // The customer was told in the chat that this order is slow: its news edits that message rather than adding another.
    const slowMessage = deps.orderMessages?.read(order.id);
    return notice && slowMessage ? { ...notice, replaces: slowMessage } : notice;
  }

  function orderNoticeOf(
    event: Parameters<typeof orderNotice>[0],
    order: NonNullable<ReturnType<typeof services.orders.order>>,
    t: Translate,
  ): RenderedNotice | null | undefined {
    const balance = services.wallet.balance(order.userId);
    const open = order.state !== 'delivered' && order.state !== 'failed';
    switch (event.kind) {
      case 'order_delivered':
        // The notifier sends text only, so many proxies point to the export rather than a file.
        return asNotice(
          deliveredView(
            t,
            order,
            services.orders.subscriptionsOfOrder(order.id).map((sub) => services.purchaseTargets?.asDelivered(sub) ?? sub),
            balance,
            false,
            undefined,
            services.orders.targetOfOrder(order.id),
            (services.promos?.orderDiscount(order.id)?.trialProviderId ?? null) !== null,
          ),
          t('notice-delivered-title'),
        );
      case 'renewal_delivered': {
        const subId = subscriptionIdsOf(order)[0];
        const sub = subId ? services.subscriptions.get(order.userId, subId) : undefined;
        return asNotice(renewedView(t, order, sub?.expiresAt, balance, sub?.id));
      }
      case 'order_failed':
        return asNotice(failedView(t, order, balance));
      // Still being confirmed: news only while it is; once settled, the outcome's own notice tells it.
      case 'order_provisioning':
      case 'order_still_open':
        return open ? asNotice(stillConfirmingView(t, order, event.kind === 'order_still_open')) : null;
      case 'order_settled_delivered':
        return asNotice(settledDeliveredView(t, order));
      default:
        return unreachable(event);
    }
  }

  /** An operator moved money in or out of the wallet: how much, why (as the operator told it), and the balance now. */
  function adjustmentNotice(
    payload: Extract<CustomerEvent, { kind: 'wallet_adjusted' }>['payload'],
    userId: number,
    t: Translate,
  ): RenderedNotice {
    const balance = money(services.wallet.balance(userId).availableCents);
    const lines = [
      t(`notice-adjusted-${payload.change}`, {
        amount: money(payload.amountCents),
        order: payload.orderId ? code(payload.orderId) : '',
      }),
    ];
    if (payload.reason) lines.push(t('notice-adjusted-reason', { reason: escapeHtml(payload.reason) }));
    lines.push(t('notice-adjusted-balance', { balance }));
    const keyboard = new InlineKeyboard().text(t('menu-wallet'), menuCallbacks.wallet.pack());
    return { text: lines.join('\n'), reply_markup: keyboard, parse_mode: 'HTML' };
  }

  /** One branch per kind a customer is told about; undefined when what it is about is gone or not theirs. */
  function customerNotice(event: CustomerEvent, userId: number, t: Translate): RenderedNotice | null | undefined {
    switch (event.kind) {
      case 'topup_credited':
      case 'topup_rejected':
        return topUpNotice(event, userId, t);
      case 'expiry_reminder':
      case 'auto_renewed':
      case 'auto_renew_failed':
        return proxyNotice(event, userId, t);
      case 'order_delivered':
      case 'renewal_delivered':
      case 'order_failed':
      case 'order_provisioning':
      case 'order_still_open':
      case 'order_settled_delivered':
        return orderNotice(event, userId, t);
      case 'wallet_adjusted':
        return adjustmentNotice(event.payload, userId, t);
      case 'broadcast':
        return broadcastNotice(services.broadcasts, event.payload.broadcastId);
      case 'traffic_warning':
      case 'traffic_auto_topped_up':
      case 'traffic_auto_topup_failed': {
        const sub = services.subscriptions.get(userId, event.payload.subscriptionId);
        return sub ? trafficNotice(event, sub, t, services.wallet.balance(userId).availableCents) : undefined;
      }
      case 'proxy_check_failed':
        // Nothing to say about a proxy that is no longer the customer's.
        if (!services.subscriptions.get(userId, event.payload.subscriptionId)) return undefined;
        return checkFailedNotice(t, event.payload, services.proxyChecks?.settings.timeoutMs ?? 0);
      case 'referral_reward_credited':
      case 'referral_reward_reversed':
        return referralNotice(event, t, services.wallet.balance(userId).availableCents);
      default:
        return unreachable(event);
    }
  }

  /** What operators see for an alert without wording of its own (or one this version cannot read): the facts as recorded. */
  const rawAlert = (message: OutboxMessage): RenderedNotice => ({
    text: `⚠️ <b>${escapeHtml(message.kind)}</b>\n${code(JSON.stringify(parsePayload(message.payload)))}`,
    parse_mode: 'HTML',
  });

  /** Renders an outbox message for its reader; customers' notices in their language; null: nothing to send. */
  function renderNotice(message: OutboxMessage, lang: string): RenderedNotice | null {
    const t: Translate = (key, vars) => i18n.t(asLanguage(lang) ?? 'en', key, vars);
    const generic: RenderedNotice = { text: t('notice-generic'), parse_mode: 'HTML' };
    const read = readOutboxEvent(message);
    if (!read.ok) {
      // Sent all the same, so the reader hears something happened; the log says which row to look at.
      deps.logger.warn('outbox message not readable as an event; sending the generic notice', {
        outboxId: message.id,
        audience: message.audience,
        kind: message.kind,
        problem: read.problem,
      });
      return message.audience === 'operators' ? rawAlert(message) : generic;
    }
    if (read.audience === 'operators') {
      const view = operatorViews.render(read.event);
      if (view === null) return null;
      if (view) return { text: view.text, ...(view.keyboard ? { reply_markup: view.keyboard } : {}), parse_mode: 'HTML' };
      return rawAlert(message);
    }
    if (message.userId === null) return generic;
    const notice = customerNotice(read.event, message.userId, t);
    return notice === undefined ? generic : notice;
  }

  return { renderNotice };
}

/** A reminder this close to the expiry names its hour, not only its day. */
const SHORT_NOTICE_MS = 48 * 3_600_000;

function autoRenewFailureWording(reason: AutoRenewFailure): string {
  switch (reason) {
    case 'insufficient_funds':
      return 'notice-auto-renew-no-funds';
    case 'unavailable':
    case 'provider_refused':
      return 'notice-auto-renew-failed';
    case 'term_unavailable':
      return 'notice-auto-renew-term-gone';
    default:
      return unreachable(reason);
  }
}

/** A stored payload as recorded, for showing to operators; anything but a JSON object reads as empty. */
function parsePayload(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
