/**
 * The amount picker every pay-an-amount top-up method shows (Stars, Crypto
 * Pay): `top:<id>` opens it with the method's own intro, a preset pays at
 * once, "Other amount" asks in a conversation (conversations/topup-amount.ts).
 */
import type { Composer } from 'grammy';
import type { TopUpLimits } from '../../services/topups.js';
import { onCallback, topUpCallbacks, walletCallbacks } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { TOPUP_AMOUNT_FLOW } from '../conversations/topup-amount.js';
import { menuButton } from '../keyboards/main-menu.js';
import { show } from '../ui.js';
import { amountKeyboard, runDirectly, type AmountPayer } from './topup-amounts.js';

export function registerAmountPicker(
  composer: Composer<BotContext>,
  method: { payer: AmountPayer; limits: TopUpLimits; intro(ctx: BotContext): string },
): void {
  const { payer, limits } = method;
  const buttons = topUpCallbacks(payer.id);

  onCallback(composer, buttons.open, async (ctx) => {
    const text = [method.intro(ctx), '', ctx.t('topup-choose-amount')].join('\n');
    const keyboard = amountKeyboard(ctx.t, buttons, limits).text(ctx.t('btn-back'), walletCallbacks.topUp.pack());
    await show(ctx, text, menuButton(ctx.t, keyboard));
  });

  onCallback(composer, buttons.amount, async (ctx, { cents }) => {
    await payer.pay(ctx, ctx.user.id, cents, runDirectly);
  });

  onCallback(composer, buttons.otherAmount, async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(TOPUP_AMOUNT_FLOW.id, payer.id);
  });
}
