/**
 * A manual top-up request: how much the customer sent → how (a note the
 * operators can find the money by) → confirm. The request goes to the
 * operators' group, where an admin confirms or rejects it; the customer
 * hears back through the outbox.
 */
import { InlineKeyboard } from 'grammy';
import type { ManualPayments } from '../../payments/manual.js';
import type { TopUpLimits } from '../../services/topups.js';
import { manualTopUpFlowCallbacks as flow } from '../callback-data.js';
import type { BotEnv, FlowContext } from '../context.js';
import { money } from '../format.js';
import { escapeHtml } from '../html.js';
import { checkTypedAmount, presetButtons } from '../features/topup-amounts.js';
import { walletAndMenu } from '../keyboards/main-menu.js';
import { show } from '../ui.js';
import type { FlowName } from './flows.js';
import { nextAnswer, showStep, type Flow } from './steps.js';

export const TOPUP_MANUAL_FLOW = { id: 'topup-manual', version: 1 } as const satisfies FlowName;
/** What fits in the operators' alert; the payments service refuses longer notes too. */
export const MAX_NOTE_LENGTH = 300;

type Step = 'amount' | 'note' | 'confirm';
type Requested = { ok: true; topUpId: string } | { ok: false };

export function createTopUpManualFlow(env: BotEnv, deps: { manual: ManualPayments; limits: TopUpLimits; instructions: string }) {
  const { manual, limits, instructions } = deps;

  return async function manualTopUp(conversation: Flow, first: FlowContext): Promise<void> {
    const userId = await conversation.external((outer) => outer.user.id);
    let step: Step = 'amount';
    let cents = 0;
    let note = '';
    let ctx = first;
    let notice: string | undefined;

    for (;;) {
      const t = ctx.t;
      const keyboard = new InlineKeyboard();
      let text: string;
      if (step === 'amount') {
        presetButtons(keyboard, limits, (preset) => flow.amount.pack({ cents: preset }));
        text = [
          t('manual-title'),
          '',
          t('manual-instructions'),
          escapeHtml(instructions),
          '',
          t('manual-ask-amount', { min: money(limits.minCents), max: money(limits.maxCents) }),
        ].join('\n');
      } else if (step === 'note') {
        keyboard.text(t('btn-back'), flow.back.pack());
        text = t('manual-ask-note', { amount: money(cents), max: MAX_NOTE_LENGTH });
      } else {
        keyboard.text(t('manual-send'), flow.send.pack()).row().text(t('btn-back'), flow.back.pack());
        text = t('manual-confirm', { amount: money(cents), note: escapeHtml(note) });
      }
      keyboard.text(t('btn-cancel'), flow.cancel.pack());
      await showStep(ctx, notice, text, keyboard);
      notice = undefined;

      const answer = await nextAnswer(conversation, flow.namespace);
      ctx = answer.ctx;
      const { data, text: typed } = answer;

      if (flow.cancel.parse(data)) {
        await show(ctx, ctx.t('topup-cancelled'), walletAndMenu(ctx.t));
        return;
      }
      if (flow.back.parse(data)) {
        step = step === 'confirm' ? 'note' : 'amount';
        continue;
      }

      if (step === 'amount') {
        const preset = flow.amount.parse(data);
        if (preset) {
          cents = preset.cents;
          step = 'note';
        } else if (typed !== undefined) {
          const checked = checkTypedAmount(ctx.t, typed, limits);
          if (checked.ok) {
            cents = checked.cents;
            step = 'note';
          } else {
            notice = checked.notice;
          }
        } else {
          notice = ctx.t('use-buttons');
        }
        continue;
      }

      if (step === 'note') {
        const candidate = typed?.trim() ?? '';
        if (data !== undefined || candidate.length === 0 || candidate.length > MAX_NOTE_LENGTH) {
          notice = ctx.t('manual-note-invalid', { max: MAX_NOTE_LENGTH });
          continue;
        }
        note = candidate;
        step = 'confirm';
        continue;
      }

      // step === 'confirm'
      if (!flow.send.parse(data)) {
        notice = ctx.t('use-buttons');
        continue;
      }
      const requested = await conversation.external((): Requested => {
        const result = manual.request(userId, cents, note);
        if (!result.ok) {
          env.logger.warn('manual top-up request refused', { userId, amountCents: cents, reason: result.message });
          return { ok: false };
        }
        return { ok: true, topUpId: result.topUp.id };
      });
      if (!requested.ok) {
        step = 'amount';
        notice = ctx.t('topup-amount-limits', { min: money(limits.minCents), max: money(limits.maxCents) });
        continue;
      }
      await show(ctx, ctx.t('manual-sent', { amount: money(cents) }), walletAndMenu(ctx.t));
      return;
    }
  };
}
