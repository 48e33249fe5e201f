/**
 * Top-ups through Crypto Pay (@CryptoBot): the customer picks an amount and
 * gets a link to a US-dollar invoice they pay in crypto. The wallet is
 * credited by the signed webhook or, when one is missed, by polling; the
 * receipt comes through the outbox either way. "Check payment" runs the
 * poll at once for a customer who does not want to wait.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { CryptoPayTopUps } from '../../payments/cryptopay/topups.js';
import type { TopUps } from '../../services/topups.js';
import { SingleFlight } from '../../lib/single-flight.js';
import { onCallback, topUpCallbacks } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { isoDateTime, money } from '../format.js';
import { escapeHtml } from '../html.js';
import { menuButton } from '../keyboards/main-menu.js';
import { show, type Translate } from '../ui.js';
import { registerAmountPicker } from './amount-picker.js';
import { limitsNotice, type AmountPayer } from './topup-amounts.js';
import { receiptKeyboard } from './topup-stars.js';
import type { TopUpMethod } from './topup.js';

export const CRYPTOPAY_METHOD_ID = 'cryptopay';
const buttons = topUpCallbacks(CRYPTOPAY_METHOD_ID);

function invoiceKeyboard(t: Translate, payUrl: string, topUpId: string): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  if (payUrl) keyboard.url(t('cryptopay-pay'), payUrl).row();
  return menuButton(t, keyboard.text(t('cryptopay-check'), buttons.check.pack({ topUpId })).row());
}

export function createCryptoPayTopUp(
  env: BotEnv,
  deps: { cryptopay: CryptoPayTopUps; topUps: TopUps; assets: readonly string[] },
): { method: TopUpMethod; payer: AmountPayer } {
  const { cryptopay, topUps, assets } = deps;

  // Presses that arrive while a check runs share it: one getInvoices call, not one per tap.
  const checks = new SingleFlight<'poll', void>();
  const checkNow = () =>
    checks.run('poll', async () => {
      await cryptopay.poll();
    });

  const payer: AmountPayer = {
    id: CRYPTOPAY_METHOD_ID,
    async pay(ctx, userId, cents, run) {
      if (topUps.checkAmount(cents)) {
        await ctx.reply(limitsNotice(ctx.t, topUps.limits));
        return;
      }
      const started = await run(async () => {
        const result = await cryptopay.start(userId, cents);
        return result.ok ? { ok: true as const, topUpId: result.topUp.id, payUrl: result.payUrl } : { ok: false as const };
      });
      if (!started.ok) {
        await ctx.reply(ctx.t('cryptopay-unavailable'), {
          reply_markup: new InlineKeyboard().text(ctx.t('btn-back'), buttons.open.pack()),
        });
        return;
      }
      await ctx.reply(ctx.t('cryptopay-invoice', { amount: money(cents) }), {
        reply_markup: invoiceKeyboard(ctx.t, started.payUrl, started.topUpId),
        link_preview_options: { is_disabled: true },
      });
    },
  };

  const composer = new Composer<BotContext>();

  registerAmountPicker(composer, {
    payer,
    limits: topUps.limits,
    intro: (ctx) => ctx.t('cryptopay-title', { assets: escapeHtml(assets.join(', ')) }),
  });

  onCallback(composer, buttons.check, async (ctx, { topUpId }) => {
    let topUp = topUps.get(topUpId);
    if (!topUp || topUp.userId !== ctx.user.id || topUp.method !== 'cryptopay') return;
    let checkFailed = false;
    if (topUp.state === 'created') {
      try {
        await checkNow();
      } catch (error) {
        checkFailed = true;
        env.logger.warn('Crypto Pay check failed', { topUpId: topUp.id, error });
      }
      topUp = topUps.get(topUp.id)!;
    }
    const amount = money(topUp.amountCents);
    if (topUp.state === 'credited' || topUp.state === 'refunding' || topUp.state === 'refunded') {
      // The receipt with the new balance comes from the outbox, as for a webhook.
      await show(ctx, ctx.t('cryptopay-paid', { amount }), receiptKeyboard(ctx.t, env, ctx.user.id));
      return;
    }
    if (topUp.state !== 'created') {
      await show(
        ctx,
        ctx.t('cryptopay-expired', { amount }),
        menuButton(ctx.t, new InlineKeyboard().text(ctx.t('cryptopay-new'), buttons.open.pack())),
      );
      return;
    }
    const payUrl = (JSON.parse(topUp.details) as { payUrl?: string }).payUrl ?? '';
    const status = checkFailed ? ctx.t('cryptopay-check-failed') : ctx.t('cryptopay-not-paid', { time: isoDateTime(env.now()) });
    await show(ctx, `${ctx.t('cryptopay-invoice', { amount })}\n\n${status}`, invoiceKeyboard(ctx.t, payUrl, topUp.id));
  });

  return { payer, method: { id: CRYPTOPAY_METHOD_ID, label: (t) => t('cryptopay-label'), composer } };
}
