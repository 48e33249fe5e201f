/**
 * What every conversation does between its screens: wait for the customer's
 * answer, leave the flow when the update is not one, and show the next step
 * with the notice the last answer earned (an invalid amount, "use the
 * buttons"…) above it.
 */
import type { Conversation } from '@grammyjs/conversations';
import type { InlineKeyboard } from 'grammy';
import type { CallbackNamespace } from '../callback-data.js';
import type { BotContext, FlowContext } from '../context.js';
import { show, type Translate } from '../ui.js';

export type Flow = Conversation<BotContext, FlowContext>;

/** A press on one of the flow's own buttons, or a line of text. */
export type Answer = { ctx: FlowContext; data: string; text?: undefined } | { ctx: FlowContext; data?: undefined; text: string };

/**
 * The customer's next answer to the flow. Anything else — a command, a
 * photo, a payment, a button of another screen — ends the flow and goes on
 * to the rest of the bot, which handles it as usual.
 */
export async function nextAnswer(conversation: Flow, buttons: CallbackNamespace): Promise<Answer> {
  const ctx = await conversation.wait();
  const data = ctx.callbackQuery?.data;
  if (data !== undefined) {
    if (!buttons.owns(data)) return conversation.halt({ next: true });
    return { ctx, data };
  }
  const text = ctx.message?.text;
  if (text === undefined || text.startsWith('/')) return conversation.halt({ next: true });
  return { ctx, text };
}

/** Shows a step, with the notice about the previous answer above it. */
export function showStep(ctx: FlowContext, notice: string | undefined, text: string, keyboard: InlineKeyboard): Promise<void> {
  return show(ctx, notice ? `${notice}\n\n${text}` : text, keyboard);
}

/** The last row of a step: Back (where there is a step to go back to) and Cancel. */
export function backAndCancel(t: Translate, keyboard: InlineKeyboard, buttons: { back?: string; cancel: string }): InlineKeyboard {
  keyboard.row();
  if (buttons.back !== undefined) keyboard.text(t('btn-back'), buttons.back);
  return keyboard.text(t('btn-cancel'), buttons.cancel);
}
