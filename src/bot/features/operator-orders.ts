/**
 * Orders and top-ups in the operators' console:
 *
 *   /orders [open|failed|today|<user>]   a page of orders, each with a button that opens it
 *   /topups                              manual top-ups waiting for a decision
 *
 * An open order opens as the stuck-order alert does, with the same buttons
 * (check again, settle as failed or delivered — features/operators.ts, so a
 * settlement still happens once however many admins press). A delivered one
 * offers a refund of what is left. Pending top-ups come with the manual
 * top-up alert's own Confirm / Reject buttons.
 */
import type { I18n } from '@grammyjs/i18n';
import { Composer, InlineKeyboard, type Context } from 'grammy';
import type { Logger } from '../../logger.js';
import type { CustomerRef, MoneyAdjustments, OrderListFilter, OrderListing } from '../../services/operator-console.js';
import { parseCustomerRef } from '../../services/operator-console.js';
import type { OrderRow } from '../../services/order-store.js';
import type { Language, User } from '../../services/users.js';
import { LedgerError } from '../../services/wallet.js';
import { onCallback, operatorConsoleCallbacks as oc } from '../callback-data.js';
import type { BotContext, BotServices } from '../context.js';
import { isoDateTime, money } from '../format.js';
import { code, escapeHtml } from '../html.js';
import { isAdminHere, ledgerRefusal, noteAudit } from './operator-console.js';
import type { OperatorViews } from './operators.js';
import type { BotPayments } from './topup-amounts.js';

export interface OperatorOrdersDeps {
  services: Pick<BotServices, 'users' | 'wallet' | 'orders'> & {
    orderListing: OrderListing;
    findCustomer: (ref: CustomerRef) => User | undefined;
    adjustments: MoneyAdjustments;
  };
  views: OperatorViews;
  payments?: BotPayments;
  i18n: I18n<Context>;
  language: Language;
  operatorChatId: number | undefined;
  adminIds: readonly number[];
  logger: Logger;
  now: () => number;
}

const PAGE_SIZE = 10;
const DAY_MS = 86_400_000;
const TOPUPS_SHOWN = 10;

export function createOperatorOrdersFeature(deps: OperatorOrdersDeps): Composer<BotContext> {
  const { services, views, logger } = deps;
  const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(deps.language, key, vars);
  const composer = new Composer<BotContext>();
  const operators = composer.filter((ctx) => isAdminHere(deps, ctx));
  const reply = (ctx: Context, text: string, keyboard?: InlineKeyboard) =>
    ctx.reply(text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...(keyboard ? { reply_markup: keyboard } : {}) });
  const answer = (ctx: Context, text?: string, alert = false) =>
    ctx.answerCallbackQuery(text === undefined ? undefined : { text, show_alert: alert }).catch((error: unknown) => {
      logger.debug('console callback not answered', { error });
    });

  /** The filter as it travels in a button: `open`, `failed`, `today` or `u<user id>`. */
  const filterOf = (word: string): OrderListFilter | undefined => {
    if (word === 'open' || word === 'failed') return { kind: word };
    // "Today" is the last 24 hours: operators work across time zones.
    if (word === 'today') return { kind: 'today', since: deps.now() - DAY_MS };
    const userId = /^u(\d{1,12})$/.exec(word)?.[1];
    return userId ? { kind: 'user', userId: Number(userId) } : undefined;
  };

  const listView = (word: string, filter: OrderListFilter, page: number) => {
    const { items, more } = services.orderListing(filter, page, PAGE_SIZE);
    const title =
      filter.kind === 'user' ? t('oc-orders-title-user', { name: customerName(filter.userId) }) : t(`oc-orders-title-${filter.kind}`);
    const lines = [page > 0 ? `${title} · ${t('oc-page', { page: page + 1 })}` : title];
    if (items.length === 0) lines.push(t('oc-orders-none'));
    const keyboard = new InlineKeyboard();
    for (const order of items) {
      lines.push(orderLine(order));
      keyboard.text(`${order.id} · ${order.state}`, oc.order.pack({ orderId: order.id })).row();
    }
    if (page > 0) keyboard.text(t('oc-btn-newer'), oc.orders.pack({ filter: word, page: page - 1 }));
    if (more) keyboard.text(t('oc-btn-older'), oc.orders.pack({ filter: word, page: page + 1 }));
    return { text: lines.join('\n'), keyboard };
  };

  const customerName = (userId: number) => {
    const user = services.users.byId(userId);
    return user ? escapeHtml(user.firstName ?? '—') + (user.username ? ` (@${escapeHtml(user.username)})` : '') : String(userId);
  };

  const orderLine = (order: OrderRow) =>
    `• ${code(order.id)} · ${escapeHtml(order.providerId)} · ${order.state} · ${money(order.priceCents)} · ${customerName(order.userId)} · ${isoDateTime(order.createdAt)}`;

  operators.command('orders', async (ctx) => {
    const words = typeof ctx.match === 'string' ? ctx.match.trim().split(/\s+/).filter(Boolean) : [];
    if (words.length > 1) {
      noteAudit(ctx, { outcome: 'usage' });
      return reply(ctx, t('oc-orders-usage'));
    }
    let word = words[0]?.toLowerCase() ?? 'open';
    if (!['open', 'failed', 'today'].includes(word)) {
      const ref = parseCustomerRef(words[0]);
      const user = ref ? services.findCustomer(ref) : undefined;
      if (!user) {
        noteAudit(ctx, { outcome: ref ? 'not_found' : 'usage' });
        return reply(ctx, ref ? t('oc-no-customer', { ref: escapeHtml(words[0]!) }) : t('oc-orders-usage'));
      }
      noteAudit(ctx, { subjectUserId: user.id });
      word = `u${user.id}`;
    }
    const view = listView(word, filterOf(word)!, 0);
    return reply(ctx, view.text, view.keyboard);
  });

  onCallback(composer, oc.orders, async (ctx, { filter: word, page }) => {
    const filter = filterOf(word);
    if (!filter) return answer(ctx);
    await answer(ctx);
    const view = listView(word, filter, page);
    await ctx
      .editMessageText(view.text, { parse_mode: 'HTML', reply_markup: view.keyboard })
      .catch(() => reply(ctx, view.text, view.keyboard));
  });

  /** One order on its own: open ones as their alert (with its settle buttons), delivered ones with a refund. */
  const orderView = (order: OrderRow) => {
    if (order.state !== 'delivered' && order.state !== 'failed') return views.orderAlertOf(order);
    const refunded = order.state === 'delivered' ? services.wallet.refundedCents(order.id) : 0;
    const lines = [
      orderLine(order),
      views.customerLine(order.userId),
      t('oc-order-state', { state: order.state, refunded: money(refunded) }),
    ];
    if (order.failureMessage) lines.push(t('op-why', { why: escapeHtml(order.failureMessage) }));
    const keyboard = new InlineKeyboard();
    if (order.state === 'delivered' && refunded < order.priceCents) {
      keyboard.text(t('oc-btn-refund-order', { amount: money(order.priceCents - refunded) }), oc.refundOrder.pack({ orderId: order.id }));
    }
    return { text: lines.join('\n'), keyboard };
  };

  onCallback(composer, oc.order, async (ctx, { orderId }) => {
    const order = services.orders.order(orderId);
    if (!order) {
      noteAudit(ctx, { outcome: 'not_found' });
      return answer(ctx, t('op-order-not-found'), true);
    }
    await answer(ctx);
    const view = orderView(order);
    await reply(ctx, view.text, view.keyboard);
  });

  onCallback(composer, oc.refundOrder, async (ctx, { orderId }) => {
    const order = services.orders.order(orderId);
    if (!order) return answer(ctx, t('op-order-not-found'), true);
    await answer(ctx);
    const left = order.state === 'delivered' ? order.priceCents - services.wallet.refundedCents(order.id) : 0;
    const view = orderView(order);
    await ctx
      .editMessageText(`${view.text}\n\n${t('oc-refund-order-confirm', { amount: money(left), name: customerName(order.userId) })}`, {
        parse_mode: 'HTML',
        reply_markup: new InlineKeyboard()
          .text(t('oc-btn-refund-yes'), oc.refundOrderConfirmed.pack({ orderId }))
          .text(t('op-back'), oc.order.pack({ orderId })),
      })
      .catch((error: unknown) => logger.warn('refund confirmation not shown', { error }));
  });

  onCallback(composer, oc.refundOrderConfirmed, async (ctx, { orderId }) => {
    const order = services.orders.order(orderId);
    if (!order) return answer(ctx, t('op-order-not-found'), true);
    let text: string;
    try {
      const result = services.adjustments.refund({
        orderId,
        // What is left now, read inside the refund's own transaction: a second press finds nothing left.
        actor: `admin:${ctx.from.id}`,
        reason: `refunded from the operators' console by ${ctx.from.first_name} (${ctx.from.id})`,
        customerReason: '',
        key: `cb-${ctx.callbackQuery.id}`,
      });
      text = t('admin-refund-done', {
        order: code(orderId),
        amount: money(result.amountCents),
        balance: money(result.balance.availableCents),
      });
      await answer(ctx, t('op-done'));
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      noteAudit(ctx, { outcome: 'refused' });
      text = ledgerRefusal(t, error, { refundableCents: order.priceCents - services.wallet.refundedCents(order.id) });
      await answer(ctx, text.replace(/<[^>]+>/g, ''), true);
    }
    const view = orderView(services.orders.order(orderId)!);
    await ctx
      .editMessageText(`${view.text}\n\n${text}`, { parse_mode: 'HTML', reply_markup: view.keyboard })
      .catch((error: unknown) => logger.warn('refunded order not updated', { error }));
  });

  operators.command('topups', async (ctx) => {
    if (typeof ctx.match === 'string' && ctx.match.trim().length > 0) {
      noteAudit(ctx, { outcome: 'usage' });
      return reply(ctx, t('oc-topups-usage'));
    }
    const waiting = deps.payments?.topUps.open('manual').sort((a, b) => a.createdAt - b.createdAt) ?? [];
    if (waiting.length === 0) return reply(ctx, t('oc-topups-none'));
    await reply(ctx, t('oc-topups-title', { count: waiting.length, shown: Math.min(waiting.length, TOPUPS_SHOWN) }));
    // One message per request, each the alert itself: its Confirm / Reject buttons edit it as they do on the alert.
    for (const topUp of waiting.slice(0, TOPUPS_SHOWN)) {
      const view = views.manualRequest(topUp);
      await reply(ctx, view.text, view.keyboard);
    }
  });

  return composer;
}
