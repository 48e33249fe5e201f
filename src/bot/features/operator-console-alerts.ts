/**
 * The operator console's alerts: an upstream balance below or back above its
 * threshold, a broadcast's final report, and the summary of alerts folded
 * during a storm (services/operator-alerts.ts) with a button per order that
 * brings back that order's alert and its settle buttons.
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import { unreachable } from '../../domain/unreachable.js';
import type { Logger } from '../../logger.js';
import type { OperatorEvent } from '../../services/outbox-events.js';
import { id, onCallback, operatorCallbacks } from '../callback-data.js';
import type { BotContext, BotServices } from '../context.js';
import { money } from '../format.js';
import { escapeHtml } from '../html.js';
import type { Translate } from '../ui.js';
import type { OperatorView, OperatorViews } from './operators.js';

/** "Show this order's alert", on a summary of folded alerts. */
export const showOrderAlert = operatorCallbacks.namespace.action('oas', { orderId: id('ord') });

/** How a summary names each kind of alert it counts. */
const FOLDED_KIND_WORDING: Partial<Record<OperatorEvent['kind'], string>> = {
  order_needs_attention: 'oa-kind-order_needs_attention',
  delivered_proxy_check_failed: 'oa-kind-delivered_proxy_check_failed',
  topup_received: 'oa-kind-topup_received',
  upstream_balance_low: 'oa-kind-upstream_balance_low',
  upstream_auth_failed: 'oa-kind-upstream_auth_failed',
  stars_payment_unmatched: 'oa-kind-stars_payment_unmatched',
  upstream_balance_below: 'oa-kind-upstream_balance_below',
  upstream_balance_recovered: 'oa-kind-upstream_balance_recovered',
};

export type ConsoleAlertEvent = Extract<
  OperatorEvent,
  { kind: 'broadcast_finished' | 'upstream_balance_below' | 'upstream_balance_recovered' | 'alerts_folded' }
>;

/** The final report of a broadcast, also used for the last edit of its progress message. */
export function broadcastReportText(
  t: Translate,
  broadcastId: string,
  progress: { recipients: number; delivered: number; blocked: number; failed: number; pending: number },
  finished: boolean,
): string {
  const vars = { id: broadcastId, ...progress };
  return t(finished ? 'bc-report' : 'bc-progress', vars);
}

/** One branch per alert the console adds; undefined when what it is about is gone. */
export function renderConsoleAlert(
  event: ConsoleAlertEvent,
  t: Translate,
  services: Pick<BotServices, 'broadcasts'>,
): OperatorView | undefined {
  switch (event.kind) {
    case 'upstream_balance_below':
    case 'upstream_balance_recovered':
      return {
        text: t(event.kind === 'upstream_balance_below' ? 'oa-balance-below' : 'oa-balance-recovered', {
          provider: escapeHtml(event.payload.provider),
          balance: money(event.payload.balanceCents),
          threshold: money(event.payload.thresholdCents),
        }),
      };
    case 'broadcast_finished': {
      const broadcasts = services.broadcasts;
      if (!broadcasts?.get(event.payload.broadcastId)) return undefined;
      return { text: broadcastReportText(t, event.payload.broadcastId, broadcasts.progress(event.payload.broadcastId), true) };
    }
    case 'alerts_folded': {
      const { counts, orderIds } = event.payload;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const lines = [t('oa-folded-title', { total })];
      for (const [kind, count] of Object.entries(counts)) {
        const wording = FOLDED_KIND_WORDING[kind as OperatorEvent['kind']];
        // A kind without wording of its own (one added later) still counts, under its name.
        const what = wording ? t(wording) : t('oa-kind-other', { kind: escapeHtml(kind) });
        lines.push(t('oa-folded-line', { count, what }));
      }
      if (orderIds.length === 0) return { text: lines.join('\n') };
      lines.push('', t('oa-folded-orders'));
      const keyboard = new InlineKeyboard();
      orderIds.forEach((orderId, index) => {
        keyboard.text(`🔎 ${orderId}`, showOrderAlert.pack({ orderId }));
        if (index % 2 === 1) keyboard.row();
      });
      return { text: lines.join('\n'), keyboard };
    }
    default:
      return unreachable(event);
  }
}

export interface ConsoleAlertsDeps {
  views: OperatorViews;
  services: Pick<BotServices, 'orders'>;
  operatorChatId: number | undefined;
  adminIds: readonly number[];
  logger: Logger;
}

/**
 * The summary's order buttons. Registered before the operators' feature,
 * which answers every other button in the namespace; this one answers its
 * own, and refuses anyone but an admin in the operator group.
 */
export function createConsoleAlertsFeature(deps: ConsoleAlertsDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { views, services, logger } = deps;
  const isAdminHere = (ctx: Context) =>
    deps.operatorChatId !== undefined &&
    ctx.chat?.id === deps.operatorChatId &&
    ctx.from !== undefined &&
    deps.adminIds.includes(ctx.from.id);
  const answer = (ctx: Context, text?: string, alert = false) =>
    ctx.answerCallbackQuery(text === undefined ? undefined : { text, show_alert: alert }).catch((error: unknown) => {
      logger.debug('operator callback not answered', { error });
    });

  onCallback(composer, showOrderAlert, async (ctx, { orderId }) => {
    if (!isAdminHere(ctx)) {
      logger.warn('operator button refused', { telegramUserId: ctx.from.id, chatId: ctx.chat?.id, data: ctx.callbackQuery.data });
      return answer(ctx, views.t('op-not-allowed'), true);
    }
    const order = services.orders.order(orderId);
    if (!order) return answer(ctx, views.t('op-order-not-found'));
    await answer(ctx);
    const view = views.orderAlertOf(order);
    const threadId = ctx.callbackQuery.message?.message_thread_id;
    await ctx.reply(view.text, {
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(view.keyboard ? { reply_markup: view.keyboard } : {}),
      ...(threadId !== undefined ? { message_thread_id: threadId } : {}),
    });
  });

  return composer;
}
