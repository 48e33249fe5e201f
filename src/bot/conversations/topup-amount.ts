/**
 * "Other amount" for a top-up method: asks for a dollar amount until it is
 * a valid one within the limits, then hands it to the method, which creates
 * the payment. The method id comes in as the conversation's argument, so one
 * flow serves Stars and Crypto Pay alike.
 */
import type { Conversation } from '@grammyjs/conversations';
import { InlineKeyboard } from 'grammy';
import type { TopUpLimits } from '../../services/topups.js';
import type { BotContext, BotEnv, FlowContext } from '../context.js';
import { money } from '../format.js';
import { checkTypedAmount, type AmountPayer } from '../features/topup-amounts.js';
import { show } from '../ui.js';

export const TOPUP_AMOUNT_FLOW = 'topup-amount';

export function createTopUpAmountFlow(env: BotEnv, payers: AmountPayer[], limits: TopUpLimits) {
  return async function topUpAmount(conversation: Conversation<BotContext, FlowContext>, first: FlowContext, methodId: string): Promise<void> {
    const payer = payers.find((p) => p.id === methodId);
    if (!payer) return;
    const userId = await conversation.external((outer) => outer.user.id);
    let ctx = first;
    let notice: string | undefined;

    for (;;) {
      const t = ctx.t;
      const ask = t('topup-ask-amount', { min: money(limits.minCents), max: money(limits.maxCents) });
      const keyboard = new InlineKeyboard().text(t('btn-back'), `top:${methodId}`).text(t('btn-cancel'), 'ta:cancel');
      await show(ctx, notice ? `${notice}\n\n${ask}` : ask, keyboard);
      notice = undefined;

      ctx = await conversation.wait();
      const data = ctx.callbackQuery?.data;
      const text = ctx.message?.text;
      if (data === 'ta:cancel') {
        await show(ctx, ctx.t('topup-cancelled'), new InlineKeyboard().text(ctx.t('menu-wallet'), 'm:wallet').text(ctx.t('btn-main-menu'), 'm:main'));
        return;
      }
      // Another button, a command or a payment: not an answer to this question, so the flow ends and it is handled as usual.
      if (data !== undefined || text === undefined || text.startsWith('/')) await conversation.halt({ next: true });

      const checked = checkTypedAmount(ctx.t, text!, limits);
      if (!checked.ok) {
        notice = checked.notice;
        continue;
      }
      env.logger.debug('top-up amount chosen', { userId, method: methodId, amountCents: checked.cents });
      await payer.pay(ctx, userId, checked.cents, (effect) => conversation.external(effect));
      return;
    }
  };
}
