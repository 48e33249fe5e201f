/**
 * Top-ups with Telegram Stars: the customer picks an amount, gets an XTR
 * invoice whose payload is the top-up id, and Telegram asks us once more
 * (pre-checkout) before taking the Stars. The wallet is credited only on
 * `successful_payment`, once per `telegram_payment_charge_id`, so a repeated
 * update changes nothing.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { StarsPayments, StarsRefusal } from '../../payments/stars.js';
import type { TopUps } from '../../services/topups.js';
import { orderCallbacks } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { money } from '../format.js';
import { walletAndMenu } from '../keyboards/main-menu.js';
import type { Translate } from '../ui.js';
import { registerAmountPicker } from './amount-picker.js';
import { limitsNotice, type AmountPayer } from './topup-amounts.js';
import type { TopUpMethod } from './topup.js';
import { answerPreCheckout, payerTranslator } from './invoice-checkout.js';

export const STARS_METHOD_ID = 'stars';

/** The customer's receipt: amount, new balance, and the way back to an order that was short of money. */
export function receiptKeyboard(t: Translate, env: BotEnv, userId: number): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  if (env.pendingQuotes.read(String(userId))) keyboard.text(t('btn-resume-order'), orderCallbacks.resume.pack()).row();
  return walletAndMenu(t, keyboard);
}

/** The customer's words for each refusal at pre-checkout; the decision is the payments service's. */
const REFUSAL_KEYS: Record<StarsRefusal, string> = {
  not_valid: 'stars-refused-invalid',
  already_used: 'stars-refused-used',
  expired: 'stars-refused-expired',
  outside_limits: 'stars-refused-invalid',
  wrong_currency: 'stars-refused-invalid',
  amount_changed: 'stars-refused-changed',
};

export function createStarsTopUp(env: BotEnv, deps: { stars: StarsPayments; topUps: TopUps }): { method: TopUpMethod; payer: AmountPayer } {
  const { stars, topUps } = deps;
  const { users, wallet, outbox } = env.services;
  const translator = payerTranslator(env);

  const payer: AmountPayer = {
    id: STARS_METHOD_ID,
    async pay(ctx, userId, cents, run) {
      const started = await run(() => stars.start(userId, cents));
      if (!started.ok) {
        await ctx.reply(limitsNotice(ctx.t, topUps.limits));
        return;
      }
      const amount = money(cents);
      await ctx.replyWithInvoice(
        ctx.t('stars-invoice-title'),
        ctx.t('stars-invoice-description', { amount }),
        started.invoice.payload,
        'XTR',
        [{ label: ctx.t('stars-invoice-label', { amount }), amount: started.invoice.stars }],
        // Stars take no payment provider: the token must be present and empty.
        { provider_token: '' },
      );
    },
  };

  const composer = new Composer<BotContext>();

  registerAmountPicker(composer, {
    payer,
    limits: topUps.limits,
    intro: (ctx) => [ctx.t('stars-title'), ctx.t('stars-rate', { amount: money(1_000), stars: stars.starsFor(1_000) })].join('\n'),
  });

  const payments = new Composer<BotContext>();

  // Payments in a real currency are card top-ups (topup-card.ts).
  payments.on(
    'pre_checkout_query',
    answerPreCheckout(env, {
      accepts: (currency) => currency === 'XTR',
      check: (input) => stars.preCheckout(input),
      refusalKeys: REFUSAL_KEYS,
      what: 'stars',
    }),
  );

  payments.on('message:successful_payment', async (ctx, next) => {
    const payment = ctx.message.successful_payment;
    if (payment.currency !== 'XTR') return next();
    const user = users.byTelegramId(ctx.from.id);
    const t = translator(user, ctx.from.language_code);
    const facts = {
      telegramUserId: ctx.from.id,
      payload: payment.invoice_payload,
      currency: payment.currency,
      totalAmount: payment.total_amount,
      chargeId: payment.telegram_payment_charge_id,
    };
    const result = user
      ? stars.successfulPayment({
          userId: user.id,
          payload: facts.payload,
          currency: facts.currency,
          totalAmount: facts.totalAmount,
          chargeId: facts.chargeId,
        })
      : ({ ok: false, reason: 'not_found', message: 'no such customer' } as const);
    if (!result.ok) {
      // The Stars are ours but the wallet is not credited: people have to look at it.
      env.logger.error('Stars payment could not be credited', { ...facts, reason: result.reason });
      outbox.enqueue({
        audience: 'operators',
        kind: 'stars_payment_unmatched',
        payload: { ...facts, reason: result.reason },
        dedupeKey: `stars-unmatched:${facts.chargeId}`,
      });
      await ctx.reply(t('stars-paid-unmatched'));
      return;
    }
    // A repeated update for a payment already credited: the customer has had their receipt.
    if (!result.credited) {
      env.logger.info('repeated Stars payment update ignored', { topUpId: result.topUp.id, chargeId: facts.chargeId });
      return;
    }
    const balance = wallet.balance(result.topUp.userId).availableCents;
    await ctx.reply(t('topup-receipt', { amount: money(result.topUp.amountCents), balance: money(balance) }), {
      reply_markup: receiptKeyboard(t, env, result.topUp.userId),
    });
  });

  // Telegram's own service message after an operator's refund; say what it did to the wallet.
  payments.on('message:refunded_payment', async (ctx) => {
    const refund = ctx.message.refunded_payment;
    const topUp = topUps.get(refund.invoice_payload);
    const user = users.byTelegramId(ctx.from.id);
    if (!topUp || !user || topUp.userId !== user.id) return;
    const t = translator(user, ctx.from.language_code);
    const balance = wallet.balance(user.id).availableCents;
    await ctx.reply(t('stars-refunded', { stars: refund.total_amount, amount: money(topUp.amountCents), balance: money(balance) }));
  });

  return {
    payer,
    method: { id: STARS_METHOD_ID, label: (t) => t('stars-label'), composer, payments },
  };
}
