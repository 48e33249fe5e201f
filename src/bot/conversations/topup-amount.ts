/**
 * "Other amount" for a top-up method: asks for a dollar amount until it is
 * a valid one within the limits, then hands it to the method, which creates
 * the payment. The method id comes in as the conversation's argument, so one
 * flow serves Stars and Crypto Pay alike.
 */
import { InlineKeyboard } from 'grammy';
import type { TopUpLimits } from '../../services/topups.js';
import { topUpAmountFlowCallbacks as flow, topUpCallbacks } from '../callback-data.js';
import type { BotEnv, FlowContext } from '../context.js';
import { money } from '../format.js';
import { checkTypedAmount, type AmountPayer } from '../features/topup-amounts.js';
import { walletAndMenu } from '../keyboards/main-menu.js';
import { show } from '../ui.js';
import type { FlowName } from './flows.js';
import { nextAnswer, showStep, type Flow } from './steps.js';

export const TOPUP_AMOUNT_FLOW = { id: 'topup-amount', version: 1 } as const satisfies FlowName;

export function createTopUpAmountFlow(env: BotEnv, payers: AmountPayer[], limits: TopUpLimits) {
  return async function topUpAmount(conversation: Flow, first: FlowContext, methodId: string): Promise<void> {
    const payer = payers.find((p) => p.id === methodId);
    if (!payer) return;
    const userId = await conversation.external((outer) => outer.user.id);
    let ctx = first;
    let notice: string | undefined;

    for (;;) {
      const t = ctx.t;
      const ask = t('topup-ask-amount', { min: money(limits.minCents), max: money(limits.maxCents) });
      // Back is the method's own button: it leaves this flow for the method's amount picker.
      const keyboard = new InlineKeyboard()
        .text(t('btn-back'), topUpCallbacks(methodId).open.pack())
        .text(t('btn-cancel'), flow.cancel.pack());
      await showStep(ctx, notice, ask, keyboard);
      notice = undefined;

      const answer = await nextAnswer(conversation, flow.namespace);
      ctx = answer.ctx;
      if (flow.cancel.parse(answer.data)) {
        await show(ctx, ctx.t('topup-cancelled'), walletAndMenu(ctx.t));
        return;
      }
      if (answer.data !== undefined) continue;

      const checked = checkTypedAmount(ctx.t, answer.text, limits);
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
