/**
 * The operators' group: alerts rendered for people who run the shop, and the
 * buttons on them — confirm or reject a manual top-up, refund a Stars
 * top-up, and for an order the saga could not settle: check again now,
 * settle as failed, settle as delivered (with the upstream's order id).
 * Only admins (ADMIN_IDS) pressing inside the operator group
 * (OPERATOR_CHAT_ID) can act; anyone else gets an alert and nothing changes.
 *
 * These callbacks are answered here rather than by the bot's answer-first
 * middleware: a refusal has to be an alert, and a confirmation can say
 * whether this press or an earlier one did it. The decisions themselves are
 * quick local transactions; only the refund waits for Telegram, and it is
 * answered before that call.
 */
import type { I18n } from '@grammyjs/i18n';
import { Composer, GrammyError, InlineKeyboard, type Api, type Context, type Filter } from 'grammy';
import type { User as TelegramUser } from 'grammy/types';
import { withPrefix, type KvStorage } from '../../db/kv-storage.js';
import { unreachable } from '../../domain/unreachable.js';
import type { Logger } from '../../logger.js';
import type { RefundStarPayment } from '../../payments/stars.js';
import type { OrderRow } from '../../services/order-store.js';
import type { OperatorSettlementResult, SagaResult } from '../../services/orders.js';
import type { OperatorEvent, UpstreamTrouble } from '../../services/outbox-events.js';
import type { TopUpRow } from '../../services/topups.js';
import type { Language } from '../../services/users.js';
import {
  onCallback,
  operatorCallbacks as op,
  operatorConsoleCallbacks,
  orderIdOfOperatorCallback,
  QUICK_REJECT_REASONS,
  type QuickRejectReason,
} from '../callback-data.js';
import type { BotContext, BotServices } from '../context.js';
import { money } from '../format.js';
import { code, escapeHtml } from '../html.js';
import { asLanguage } from '../i18n.js';
import type { Translate } from '../ui.js';
import { renderConsoleAlert } from './operator-console-alerts.js';
import type { BotPayments } from './topup-amounts.js';
import { cardPriceForAlert } from './topup-card.js';
import { checkFailedAlertText } from '../views/proxy-check.js';

export function isOperatorCallback(data: string | undefined): boolean {
  return op.namespace.owns(data) || operatorConsoleCallbacks.namespace.owns(data);
}

export interface OperatorViewDeps {
  services: Pick<BotServices, 'users' | 'wallet' | 'orders' | 'broadcasts' | 'proxyChecks'>;
  i18n: I18n<Context>;
  payments?: BotPayments;
  language: Language;
}

export interface OperatorView {
  text: string;
  keyboard?: InlineKeyboard;
}

/** Alert texts and their buttons, shared by the notices and the button handlers that edit them. */
export function createOperatorViews(deps: OperatorViewDeps) {
  const { services, i18n, payments } = deps;
  const t: Translate = (key, vars) => i18n.t(deps.language, key, vars);

  const customerLine = (userId: unknown): string => {
    const user = typeof userId === 'number' ? services.users.byId(userId) : undefined;
    if (!user) return t('op-customer-unknown', { id: String(userId) });
    const name = escapeHtml(user.firstName ?? '—') + (user.username ? ` (@${escapeHtml(user.username)})` : '');
    return t('op-customer', { name, telegramId: String(user.telegramId) });
  };

  const methodName = (method: string) => t(`op-method-${method}`);

  const withStatus = (lines: string[], status?: string) => (status ? [...lines, '', status] : lines).join('\n');

  const manualRequest = (topUp: TopUpRow, status?: string): OperatorView => {
    const note = (JSON.parse(topUp.details) as { note?: string }).note ?? '';
    const lines = [
      t('op-manual-request', { amount: money(topUp.amountCents) }),
      customerLine(topUp.userId),
      t('op-note', { note: escapeHtml(note) }),
      t('op-topup-id', { id: code(topUp.id) }),
    ];
    if (status === undefined && topUp.state !== 'created') status = t('op-already-decided', { state: t(`op-state-${topUp.state}`) });
    const keyboard =
      status === undefined
        ? new InlineKeyboard()
            .text(t('op-confirm'), op.manualConfirm.pack({ topUpId: topUp.id }))
            .text(t('op-reject'), op.manualReject.pack({ topUpId: topUp.id }))
        : undefined;
    return { text: withStatus(lines, status), ...(keyboard ? { keyboard } : {}) };
  };

  const cardRefundPath = (topUp: TopUpRow): string => {
    const facts = JSON.parse(topUp.details) as { providerChargeId?: string };
    const customer = services.users.byId(topUp.userId);
    return t('op-card-refund-manual', {
      charge: code(facts.providerChargeId ?? topUp.externalId ?? ''),
      telegramId: String(customer?.telegramId ?? topUp.userId),
      amount: (topUp.amountCents / 100).toFixed(2),
    });
  };

  const topUpReceived = (topUp: TopUpRow, status?: string): OperatorView => {
    const lines = [
      t('op-topup-received', { amount: money(topUp.amountCents), method: methodName(topUp.method) }),
      customerLine(topUp.userId),
      t('op-topup-id', { id: code(topUp.id) }),
    ];
    // Card money is at the payment provider: the Bot API cannot give it back, people can.
    if (topUp.method === 'card' && topUp.state === 'credited') lines.push('', cardRefundPath(topUp));
    if (status === undefined && topUp.state !== 'credited') status = t(`op-state-${topUp.state}`);
    const refundable = topUp.method === 'stars' && topUp.state === 'credited' && payments?.stars !== undefined;
    const keyboard = refundable ? new InlineKeyboard().text(t('op-refund'), op.starsRefund.pack({ topUpId: topUp.id })) : undefined;
    return { text: withStatus(lines, status), ...(keyboard ? { keyboard } : {}) };
  };

  /**
   * An order the saga could not settle. While it is open the alert carries
   * the buttons that settle it; once settled, it says how.
   */
  const orderAlert = (
    fields: { orderId: string; provider: string; priceCents: number; userId: number; why: string | null },
    status?: string,
  ): OperatorView => {
    const order = services.orders.order(fields.orderId);
    const lines = [
      t('op-order-attention', { provider: escapeHtml(fields.provider), order: code(fields.orderId), amount: money(fields.priceCents) }),
      customerLine(fields.userId),
      t('op-why', { why: escapeHtml(fields.why ?? '') }),
    ];
    if (status === undefined && order && (order.state === 'delivered' || order.state === 'failed')) {
      status = t(order.state === 'delivered' ? 'op-order-now-delivered' : 'op-order-now-failed');
    }
    const open = order !== undefined && order.state !== 'delivered' && order.state !== 'failed';
    const keyboard = open ? orderKeyboard(order.id) : undefined;
    return { text: withStatus(lines, status), ...(keyboard ? { keyboard } : {}) };
  };

  const orderKeyboard = (orderId: string) =>
    new InlineKeyboard()
      .text(t('op-order-check'), op.orderCheck.pack({ orderId }))
      .row()
      .text(t('op-order-settle-failed'), op.orderFail.pack({ orderId }))
      .text(t('op-order-settle-delivered'), op.orderDeliver.pack({ orderId }));

  const orderAlertOf = (order: OrderRow, status?: string) =>
    orderAlert(
      { orderId: order.id, provider: order.providerId, priceCents: order.priceCents, userId: order.userId, why: order.failureMessage },
      status,
    );

  const upstreamTrouble = (payload: UpstreamTrouble) => ({
    provider: escapeHtml(payload.provider),
    order: code(payload.orderId),
    amount: money(payload.priceCents),
  });

  /** An operator alert from the outbox, one branch per kind; null when there is nothing left to say, undefined when what it is about is gone. */
  function render(event: OperatorEvent): OperatorView | null | undefined {
    switch (event.kind) {
      case 'manual_topup_requested': {
        const topUp = payments?.topUps.get(event.payload.topUpId);
        return topUp ? manualRequest(topUp) : undefined;
      }
      case 'topup_received': {
        const topUp = payments?.topUps.get(event.payload.topUpId);
        // The confirmed request message already tells this story for manual top-ups.
        if (topUp?.method === 'manual') return null;
        return topUp ? topUpReceived(topUp) : undefined;
      }
      case 'upstream_balance_low':
        return { text: t('op-upstream-balance-low', upstreamTrouble(event.payload)) };
      case 'upstream_auth_failed':
        return { text: t('op-upstream-auth-failed', upstreamTrouble(event.payload)) };
      case 'order_needs_attention':
        return orderAlert(event.payload);
      case 'delivered_proxy_check_failed':
        return {
          text: [
            checkFailedAlertText(t, event.payload, services.proxyChecks?.settings.timeoutMs ?? 0),
            customerLine(event.payload.userId),
          ].join('\n'),
        };
      case 'backup_failed':
        return {
          text: [
            t('op-backup-failed', { file: event.payload.file ? code(event.payload.file) : '—' }),
            ...event.payload.problems.slice(0, 10).map((p) => `• ${escapeHtml(p)}`),
          ].join('\n'),
        };
      case 'stars_payment_unmatched':
        return {
          text: t('op-stars-unmatched', {
            stars: String(event.payload.totalAmount),
            telegramId: String(event.payload.telegramUserId),
            charge: code(event.payload.chargeId),
            payload: code(event.payload.payload),
            reason: escapeHtml(event.payload.reason),
          }),
        };
      case 'broadcast_finished':
      case 'upstream_balance_below':
      case 'upstream_balance_recovered':
      case 'alerts_folded':
        return renderConsoleAlert(event, t, services);
      case 'card_payment_unmatched':
        return {
          text: t('op-card-unmatched', {
            price: escapeHtml(cardPriceForAlert(event.payload.totalAmount, event.payload.currency, 0)),
            telegramId: String(event.payload.telegramUserId),
            charge: code(event.payload.chargeId),
            providerCharge: code(event.payload.providerChargeId),
            payload: code(event.payload.payload),
            reason: escapeHtml(event.payload.reason),
          }),
        };
      case 'referral_reward_unrecovered':
        return {
          text: [
            t('op-referral-unrecovered', {
              order: code(event.payload.orderId),
              reward: money(event.payload.rewardCents),
              reversed: money(event.payload.reversedCents),
              unrecovered: money(event.payload.unrecoveredCents),
            }),
            customerLine(event.payload.referrerUserId),
          ].join('\n'),
        };
      default:
        return unreachable(event);
    }
  }

  return { t, customerLine, manualRequest, topUpReceived, orderAlertOf, orderKeyboard, render };
}

export type OperatorViews = ReturnType<typeof createOperatorViews>;

export interface OperatorsDeps {
  views: OperatorViews;
  /** Top-ups: their buttons are offered only when the shop takes payments. */
  payments?: BotPayments;
  services: Pick<BotServices, 'users' | 'orders'>;
  i18n: I18n<Context>;
  operatorChatId: number | undefined;
  adminIds: readonly number[];
  /** Where an admin's "other reason" waits for their next message. */
  storage: KvStorage<unknown>;
  refundStarPayment: RefundStarPayment;
  logger: Logger;
}

/** "Settle as delivered" waiting for the admin to type the upstream's order id. */
interface PendingUpstreamId {
  orderId: string;
  messageId: number;
}

/** The upstream order id an admin gave for an order, waiting for a confirming press. */
interface ProposedDelivery {
  upstreamOrderId: string;
  proposedBy: number;
}

/** A reject waiting for the admin to type the reason: which request, and the alert to update. */
interface PendingReason {
  topUpId: string;
  messageId: number;
}

const QUICK_REASONS: Record<QuickRejectReason, { operators: string; customer: string }> = {
  nr: { operators: 'op-reason-not-received', customer: 'topup-reason-not-received' },
  ad: { operators: 'op-reason-amount-differs', customer: 'topup-reason-amount-differs' },
};

export function createOperatorsFeature(deps: OperatorsDeps): Composer<BotContext> {
  const { views, services, i18n, operatorChatId, adminIds, logger } = deps;
  const { t } = views;
  const pendingReasons = withPrefix<PendingReason>(deps.storage, 'operator-reason:');
  const pendingUpstreamIds = withPrefix<PendingUpstreamId>(deps.storage, 'operator-upstream-id:');
  const proposedDeliveries = withPrefix<ProposedDelivery>(deps.storage, 'operator-delivery:');
  const composer = new Composer<BotContext>();

  const adminName = (from: TelegramUser) => escapeHtml(from.first_name) + (from.username ? ` (@${escapeHtml(from.username)})` : '');
  const actorOf = (from: TelegramUser) => `admin:${from.id}`;
  const isAdminHere = (ctx: Context) =>
    operatorChatId !== undefined && ctx.chat?.id === operatorChatId && ctx.from !== undefined && adminIds.includes(ctx.from.id);

  const answer = (ctx: Context, text?: string, alert = false) =>
    ctx.answerCallbackQuery(text === undefined ? undefined : { text, show_alert: alert }).catch((error: unknown) => {
      logger.debug('operator callback not answered', { error });
    });

  /** Replaces the alert's text and buttons; an alert that cannot be edited any more is not worth failing for. */
  const editAlert = async (api: Api, chatId: number, messageId: number, view: OperatorView) => {
    await api
      .editMessageText(chatId, messageId, view.text, {
        reply_markup: view.keyboard ?? new InlineKeyboard(),
        link_preview_options: { is_disabled: true },
      })
      .catch((error: unknown) => {
        if (!(error instanceof GrammyError && /not modified/.test(error.description))) logger.warn('operator alert not updated', { error });
      });
  };
  const editPressed = (ctx: Context, view: OperatorView) => {
    const message = ctx.callbackQuery?.message;
    return message ? editAlert(ctx.api, message.chat.id, message.message_id, view) : Promise.resolve();
  };

  /**
   * A question a button asked an admin (the upstream's order id, a reason),
   * answered by their next message in the group. /cancel drops it; other
   * commands are for the admin tools and leave it waiting.
   */
  const onAdminAnswer = <T>(
    pendingAnswers: KvStorage<T>,
    cancelledKey: string,
    handle: (ctx: Filter<BotContext, 'message:text'>, pending: T, text: string, key: string) => Promise<unknown>,
  ) => {
    composer.on('message:text', async (ctx, next) => {
      if (!isAdminHere(ctx)) return next();
      const key = `${ctx.chat.id}:${ctx.from.id}`;
      const pending = pendingAnswers.read(key);
      if (!pending) return next();
      const text = ctx.message.text.trim();
      if (text === '/cancel' || text.startsWith('/cancel@')) {
        pendingAnswers.delete(key);
        await ctx.reply(t(cancelledKey));
        return;
      }
      if (text.startsWith('/')) return next();
      pendingAnswers.delete(key);
      await handle(ctx, pending, text, key);
    });
  };

  // Everyone else is turned away before any handler runs, and a press about an order is kept on its record.
  composer.callbackQuery(op.namespace.filter, async (ctx, next) => {
    if (isAdminHere(ctx)) return next();
    logger.warn('operator button refused', { telegramUserId: ctx.from.id, chatId: ctx.chat?.id, data: ctx.callbackQuery.data });
    const orderId = orderIdOfOperatorCallback(ctx.callbackQuery.data);
    if (orderId)
      services.orders.recordRefusedAction(
        orderId,
        `telegram:${ctx.from.id}`,
        `not allowed: pressed ${ctx.callbackQuery.data} in chat ${ctx.chat?.id ?? '?'}`,
      );
    await answer(ctx, t('op-not-allowed'), true);
  });

  registerOrderButtons();
  if (deps.payments) registerTopUpButtons(deps.payments);

  // An operator button this version no longer knows: stop the spinner, change nothing.
  composer.callbackQuery(op.namespace.filter, (ctx) => answer(ctx));

  return composer;

  function registerOrderButtons() {
    const openOrder = (id: string) => {
      const order = services.orders.order(id);
      return order && order.state !== 'delivered' && order.state !== 'failed' ? order : undefined;
    };
    const settledStatus = (result: { order: OrderRow; settlement?: { actor: string } | undefined }) => {
      const actor = result.settlement?.actor;
      const telegramId = actor?.startsWith('admin:') ? Number(actor.slice('admin:'.length)) : undefined;
      const known = telegramId !== undefined ? services.users.byTelegramId(telegramId) : undefined;
      const by = known
        ? escapeHtml(known.firstName ?? String(telegramId))
        : telegramId !== undefined
          ? String(telegramId)
          : t('op-order-by-saga');
      return t(result.order.state === 'delivered' ? 'op-order-already-delivered' : 'op-order-already-failed', { by });
    };
    /** The answer to a press on an order that is settled already: who did it, and the alert without buttons. */
    const alreadySettled = async (ctx: Context, orderId: string) => {
      const order = services.orders.order(orderId);
      if (!order) return answer(ctx, t('op-order-not-found'));
      if (order.state !== 'delivered' && order.state !== 'failed') return answer(ctx, t('op-order-not-found'));
      const status = settledStatus({ order, settlement: services.orders.operatorSettlementOf(orderId) });
      await answer(ctx, status.replace(/<[^>]+>/g, ''), true);
      return editPressed(ctx, views.orderAlertOf(order, status));
    };

    onCallback(composer, op.orderCheck, async (ctx, { orderId }) => {
      if (!openOrder(orderId)) return alreadySettled(ctx, orderId);
      // The upstream may take a while: the spinner stops now, the alert is edited with the result.
      await answer(ctx, t('op-order-checking'));
      let result: SagaResult | undefined;
      try {
        result = await services.orders.checkAgain(orderId, actorOf(ctx.from));
      } catch (error) {
        logger.error('check again failed', { orderId, error });
      }
      const order = services.orders.order(orderId)!;
      const status =
        result?.kind === 'delivered'
          ? t('op-order-checked-delivered', { admin: adminName(ctx.from) })
          : result?.kind === 'failed'
            ? t('op-order-checked-failed', { admin: adminName(ctx.from), reason: escapeHtml(order.failureMessage ?? '') })
            : t('op-order-checked-open', { admin: adminName(ctx.from), why: escapeHtml(order.failureMessage ?? '') });
      const view = views.orderAlertOf(order, status);
      await editPressed(ctx, view);
    });

    onCallback(composer, op.orderFail, async (ctx, { orderId }) => {
      const order = openOrder(orderId);
      if (!order) return alreadySettled(ctx, orderId);
      await answer(ctx);
      const view = views.orderAlertOf(order);
      await editPressed(ctx, {
        text: `${view.text}\n\n${t('op-order-confirm-failed', { amount: money(order.priceCents) })}`,
        keyboard: new InlineKeyboard()
          .text(t('op-order-yes-failed'), op.orderFailConfirmed.pack({ orderId: order.id }))
          .text(t('op-back'), op.orderBack.pack({ orderId: order.id })),
      });
    });

    onCallback(composer, op.orderBack, async (ctx, { orderId }) => {
      const order = services.orders.order(orderId);
      if (!order) return answer(ctx, t('op-order-not-found'));
      pendingUpstreamIds.delete(`${ctx.chat!.id}:${ctx.from.id}`);
      await answer(ctx);
      await editPressed(ctx, views.orderAlertOf(order));
    });

    const settle = async (ctx: Context & { from: TelegramUser }, orderId: string, result: OperatorSettlementResult, status: string) => {
      if (result.kind === 'already_settled') {
        const already = settledStatus(result);
        await answer(ctx, already.replace(/<[^>]+>/g, ''), true);
        return editPressed(ctx, views.orderAlertOf(result.order, already));
      }
      if (result.kind !== 'settled') return answer(ctx, result.kind === 'invalid' ? result.message : t('op-order-not-found'), true);
      logger.info('order settled from the operators’ alert', { orderId, admin: ctx.from.id, state: result.order.state });
      await answer(ctx, t('op-done'));
      await editPressed(ctx, views.orderAlertOf(result.order, status));
    };

    onCallback(composer, op.orderFailConfirmed, async (ctx, { orderId }) => {
      const result = services.orders.settleByOperator({
        orderId,
        decision: { outcome: 'failed' },
        actor: actorOf(ctx.from),
        reason: `settled as failed from the operators' alert by ${ctx.from.first_name} (${ctx.from.id})`,
      });
      await settle(ctx, orderId, result, t('op-order-settled-failed', { admin: adminName(ctx.from) }));
    });

    onCallback(composer, op.orderDeliver, async (ctx, { orderId }) => {
      const order = openOrder(orderId);
      const message = ctx.callbackQuery.message;
      if (!order || !message) return alreadySettled(ctx, orderId);
      pendingUpstreamIds.write(`${message.chat.id}:${ctx.from.id}`, { orderId: order.id, messageId: message.message_id });
      await answer(ctx);
      await ctx.reply(
        t('op-order-ask-upstream-id', { admin: adminName(ctx.from), order: code(order.id), provider: escapeHtml(order.providerId) }),
      );
    });

    onCallback(composer, op.orderDeliverConfirmed, async (ctx, { orderId }) => {
      const proposed = proposedDeliveries.read(orderId);
      if (!proposed) {
        if (!openOrder(orderId)) return alreadySettled(ctx, orderId);
        return answer(ctx, t('op-order-no-upstream-id'), true);
      }
      const result = services.orders.settleByOperator({
        orderId,
        decision: { outcome: 'delivered', upstreamOrderId: proposed.upstreamOrderId },
        actor: actorOf(ctx.from),
        reason: `upstream order ${proposed.upstreamOrderId} (given by ${proposed.proposedBy}) confirmed by ${ctx.from.first_name} (${ctx.from.id})`,
      });
      if (result.kind === 'settled') proposedDeliveries.delete(orderId);
      await settle(
        ctx,
        orderId,
        result,
        t('op-order-settled-delivered', { admin: adminName(ctx.from), upstream: code(proposed.upstreamOrderId) }),
      );
    });

    // The upstream order id an admin types after "Settle as delivered": their next message in the group.
    onAdminAnswer(pendingUpstreamIds, 'op-order-settle-cancelled', async (ctx, pending, text, key) => {
      const order = openOrder(pending.orderId);
      if (!order) {
        const settled = services.orders.order(pending.orderId);
        await ctx.reply(
          settled ? t(settled.state === 'delivered' ? 'op-order-now-delivered' : 'op-order-now-failed') : t('op-order-not-found'),
        );
        return;
      }
      if (!/^[A-Za-z0-9_:.-]{1,100}$/.test(text)) {
        pendingUpstreamIds.write(key, pending);
        await ctx.reply(t('op-order-bad-upstream-id'));
        return;
      }
      proposedDeliveries.write(order.id, { upstreamOrderId: text, proposedBy: ctx.from.id });
      const view = views.orderAlertOf(order);
      await editAlert(ctx.api, ctx.chat.id, pending.messageId, {
        text: `${view.text}\n\n${t('op-order-confirm-delivered', { upstream: code(text), amount: money(order.priceCents) })}`,
        keyboard: new InlineKeyboard()
          .text(t('op-order-yes-delivered'), op.orderDeliverConfirmed.pack({ orderId: order.id }))
          .text(t('op-back'), op.orderBack.pack({ orderId: order.id })),
      });
      await ctx.reply(t('op-order-confirm-above'), {
        reply_parameters: { message_id: pending.messageId, allow_sending_without_reply: true },
      });
    });
  }

  function registerTopUpButtons(payments: BotPayments) {
    const { topUps, manual, stars } = payments;

    const customerTranslate = (topUp: TopUpRow): Translate => {
      const language = asLanguage(services.users.byId(topUp.userId)?.language) ?? 'en';
      return (key, vars) => i18n.t(language, key, vars);
    };

    const manualTopUp = (id: string) => {
      const topUp = topUps.get(id);
      return topUp?.method === 'manual' ? topUp : undefined;
    };

    onCallback(composer, op.manualConfirm, async (ctx, { topUpId }) => {
      const topUp = manualTopUp(topUpId);
      if (!topUp || !manual) return answer(ctx, t('op-not-found'));
      const result = manual.confirm(topUp.id, actorOf(ctx.from));
      if (!result.ok) {
        const current = topUps.get(topUp.id)!;
        await answer(ctx, t('op-already-decided', { state: t(`op-state-${current.state}`) }));
        return editPressed(ctx, views.manualRequest(current));
      }
      if (!result.credited) return answer(ctx, t('op-already-decided', { state: t('op-state-credited') }));
      await answer(ctx, t('op-done'));
      await editPressed(ctx, views.manualRequest(result.topUp, t('op-confirmed-by', { admin: adminName(ctx.from) })));
    });

    const rejectKeyboard = (topUpId: string) => {
      const keyboard = new InlineKeyboard();
      for (const reason of QUICK_REJECT_REASONS)
        keyboard.text(t(QUICK_REASONS[reason].operators), op.manualRejectFor.pack({ topUpId, reason })).row();
      return keyboard
        .text(t('op-reason-other'), op.manualRejectOther.pack({ topUpId }))
        .row()
        .text(t('op-back'), op.manualRejectBack.pack({ topUpId }));
    };

    onCallback(composer, op.manualReject, async (ctx, { topUpId }) => {
      const topUp = manualTopUp(topUpId);
      if (!topUp) return answer(ctx, t('op-not-found'));
      await answer(ctx);
      if (topUp.state !== 'created') return editPressed(ctx, views.manualRequest(topUp));
      const view = views.manualRequest(topUp);
      await editPressed(ctx, { text: `${view.text}\n\n${t('op-reject-choose')}`, keyboard: rejectKeyboard(topUp.id) });
    });

    onCallback(composer, op.manualRejectBack, async (ctx, { topUpId }) => {
      const topUp = manualTopUp(topUpId);
      if (!topUp) return answer(ctx, t('op-not-found'));
      pendingReasons.delete(`${ctx.chat!.id}:${ctx.from.id}`);
      await answer(ctx);
      await editPressed(ctx, views.manualRequest(topUp));
    });

    /** Rejects and updates the alert; the customer hears the reason through the outbox. */
    const reject = async (api: Api, messageId: number, topUp: TopUpRow, from: TelegramUser, forCustomer: string, forOperators: string) => {
      const rejected = manual?.reject(topUp.id, actorOf(from), forCustomer) ?? false;
      const current = topUps.get(topUp.id)!;
      const status = rejected ? t('op-rejected-by', { admin: adminName(from), reason: escapeHtml(forOperators) }) : undefined;
      await editAlert(api, operatorChatId!, messageId, views.manualRequest(current, status));
      return rejected;
    };

    onCallback(composer, op.manualRejectFor, async (ctx, fields) => {
      const topUp = manualTopUp(fields.topUpId);
      const message = ctx.callbackQuery.message;
      if (!topUp || !message) return answer(ctx, t('op-not-found'));
      const reason = QUICK_REASONS[fields.reason];
      if (topUp.state !== 'created') {
        await answer(ctx, t('op-already-decided', { state: t(`op-state-${topUp.state}`) }));
        return editPressed(ctx, views.manualRequest(topUp));
      }
      await answer(ctx, t('op-done'));
      await reject(ctx.api, message.message_id, topUp, ctx.from, customerTranslate(topUp)(reason.customer), t(reason.operators));
    });

    onCallback(composer, op.manualRejectOther, async (ctx, { topUpId }) => {
      const topUp = manualTopUp(topUpId);
      const message = ctx.callbackQuery.message;
      if (!topUp || !message) return answer(ctx, t('op-not-found'));
      if (topUp.state !== 'created') {
        await answer(ctx, t('op-already-decided', { state: t(`op-state-${topUp.state}`) }));
        return editPressed(ctx, views.manualRequest(topUp));
      }
      pendingReasons.write(`${message.chat.id}:${ctx.from.id}`, { topUpId: topUp.id, messageId: message.message_id });
      await answer(ctx);
      await ctx.reply(t('op-reject-ask-other', { admin: adminName(ctx.from) }));
    });

    // The reason an admin types after "Other reason…": their next message in the group.
    onAdminAnswer(pendingReasons, 'op-reject-cancelled', async (ctx, pending, text) => {
      const topUp = manualTopUp(pending.topUpId);
      if (!topUp || text.length === 0) return;
      const reason = text.slice(0, 500);
      const rejected = await reject(ctx.api, pending.messageId, topUp, ctx.from, reason, reason);
      await ctx.reply(
        rejected ? t('op-reject-recorded') : t('op-already-decided', { state: t(`op-state-${topUps.get(topUp.id)!.state}`) }),
      );
    });

    const starsTopUp = (id: string) => {
      const topUp = topUps.get(id);
      return topUp?.method === 'stars' ? topUp : undefined;
    };

    onCallback(composer, op.starsRefund, async (ctx, { topUpId }) => {
      const topUp = starsTopUp(topUpId);
      if (!topUp || !stars) return answer(ctx, t('op-not-found'));
      if (topUp.state !== 'credited') {
        await answer(ctx, t('op-refund-not-possible', { state: t(`op-state-${topUp.state}`) }));
        return editPressed(ctx, views.topUpReceived(topUp));
      }
      await answer(ctx);
      const starsPaid = (JSON.parse(topUp.details) as { stars?: number }).stars ?? stars.starsFor(topUp.amountCents);
      const view = views.topUpReceived(topUp);
      await editPressed(ctx, {
        text: `${view.text}\n\n${t('op-refund-confirm', { amount: money(topUp.amountCents), stars: starsPaid })}`,
        keyboard: new InlineKeyboard()
          .text(t('op-refund-yes'), op.starsRefundConfirmed.pack({ topUpId: topUp.id }))
          .text(t('op-back'), op.starsRefundBack.pack({ topUpId: topUp.id })),
      });
    });

    onCallback(composer, op.starsRefundBack, async (ctx, { topUpId }) => {
      const topUp = starsTopUp(topUpId);
      if (!topUp) return answer(ctx, t('op-not-found'));
      await answer(ctx);
      await editPressed(ctx, views.topUpReceived(topUp));
    });

    onCallback(composer, op.starsRefundConfirmed, async (ctx, { topUpId }) => {
      const topUp = starsTopUp(topUpId);
      const customer = topUp ? services.users.byId(topUp.userId) : undefined;
      if (!topUp || !customer || !stars) return answer(ctx, t('op-not-found'));
      if (topUp.state !== 'credited') {
        await answer(ctx, t('op-refund-not-possible', { state: t(`op-state-${topUp.state}`) }));
        return editPressed(ctx, views.topUpReceived(topUp));
      }
      // Telegram may take a while: the admin's spinner stops now.
      await answer(ctx, t('op-refunding'));
      let askedTelegram = false;
      const result = await stars.refund(topUp.id, actorOf(ctx.from), customer.telegramId, (userId, chargeId) => {
        askedTelegram = true;
        return deps.refundStarPayment(userId, chargeId);
      });
      const after = topUps.get(topUp.id)!;
      let status: string;
      if (result.ok) status = t('op-refunded-by', { admin: adminName(ctx.from) });
      else if (after.state === 'refunding') status = t('op-refund-unknown');
      else if (askedTelegram) status = t('op-refund-refused');
      else status = t('op-refund-spent');
      logger.info('Stars refund by an operator', { topUpId: topUp.id, admin: ctx.from.id, ok: result.ok, state: after.state });
      await editPressed(ctx, views.topUpReceived(after, status));
    });
  }
}
