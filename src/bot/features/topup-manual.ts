/**
 * Manual top-ups: the customer sends money by a way the shop describes in
 * its settings and tells the operators about it (conversations/topup-manual.ts).
 * Operators confirm or reject in their group (features/operators.ts).
 */
import { Composer } from 'grammy';
import { onCallback, topUpCallbacks } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { TOPUP_MANUAL_FLOW } from '../conversations/topup-manual.js';
import type { TopUpMethod } from './topup.js';

export const MANUAL_METHOD_ID = 'manual';

export function createManualTopUp(): TopUpMethod {
  const composer = new Composer<BotContext>();
  onCallback(composer, topUpCallbacks(MANUAL_METHOD_ID).open, async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(TOPUP_MANUAL_FLOW.id);
  });
  return { id: MANUAL_METHOD_ID, label: (t) => t('manual-label'), composer };
}
