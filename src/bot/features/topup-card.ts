/**
 * Top-ups by bank card through Telegram Payments: the customer picks an
 * amount, gets an invoice in the shop's payment currency sent with the
 * provider token from @BotFather, and Telegram asks us once more
 * (pre-checkout) before charging the card. The wallet is credited only on
 * `successful_payment`, once per `telegram_payment_charge_id`, so a
 * repeated update changes nothing. These handlers take only payments in a
 * real currency; Stars (XTR) are topup-stars.ts's.
 */
import { Composer } from 'grammy';
import type { CardPayments, CardRefusal } from '../../payments/card.js';
import { formatCents } from '../../domain/money.js';
import { currencyExponent } from '../../payments/card.js';
import type { TopUps } from '../../services/topups.js';
import type { BotContext, BotEnv } from '../context.js';
import { money } from '../format.js';
import { registerAmountPicker } from './amount-picker.js';
import { limitsNotice, type AmountPayer } from './topup-amounts.js';
import { receiptKeyboard } from './topup-stars.js';
import type { TopUpMethod } from './topup.js';
import { answerPreCheckout, payerTranslator } from './invoice-checkout.js';

export const CARD_METHOD_ID = 'card';

/** The customer's words for each refusal at pre-checkout; the decision is the payments service's. */
const REFUSAL_KEYS: Record<CardRefusal, string> = {
  not_valid: 'card-refused-invalid',
  already_used: 'card-refused-used',
  expired: 'card-refused-expired',
  outside_limits: 'card-refused-invalid',
  amount_changed: 'card-refused-changed',
};

/** An amount in a currency's smallest units, for people: "€9.20", "¥1,500". */
export function priceText(units: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const value = units / 10 ** exponent;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: exponent }).format(value);
  } catch {
    return `${value.toFixed(exponent)} ${currency}`;
  }
}

const isCardCurrency = (currency: string) => currency !== 'XTR';

export function createCardTopUp(env: BotEnv, deps: { card: CardPayments; topUps: TopUps }): { method: TopUpMethod; payer: AmountPayer } {
  const { card, topUps } = deps;
  const { users, wallet, outbox } = env.services;
  const translator = payerTranslator(env);

  const payer: AmountPayer = {
    id: CARD_METHOD_ID,
    async pay(ctx, userId, cents, run) {
      const started = await run(() => card.start(userId, cents));
      if (!started.ok) {
        await ctx.reply(limitsNotice(ctx.t, topUps.limits));
        return;
      }
      const amount = money(cents);
      const { invoice } = started;
      await ctx.replyWithInvoice(
        ctx.t('card-invoice-title'),
        ctx.t('card-invoice-description', { amount }),
        invoice.payload,
        invoice.currency,
        [{ label: ctx.t('card-invoice-label', { amount }), amount: invoice.totalAmount }],
        { provider_token: card.providerToken },
      );
    },
  };

  const composer = new Composer<BotContext>();
  registerAmountPicker(composer, {
    payer,
    limits: topUps.limits,
    intro: (ctx) =>
      [
        ctx.t('card-title'),
        ctx.t('card-rate', { currency: card.currency, amount: money(1_000), price: priceText(card.priceFor(1_000), card.currency) }),
      ].join('\n'),
  });

  const payments = new Composer<BotContext>();

  payments.on(
    'pre_checkout_query',
    answerPreCheckout(env, { accepts: isCardCurrency, check: (input) => card.preCheckout(input), refusalKeys: REFUSAL_KEYS, what: 'card' }),
  );

  payments.on('message:successful_payment', async (ctx, next) => {
    const payment = ctx.message.successful_payment;
    if (!isCardCurrency(payment.currency)) return next();
    const user = users.byTelegramId(ctx.from.id);
    const t = translator(user, ctx.from.language_code);
    const facts = {
      telegramUserId: ctx.from.id,
      payload: payment.invoice_payload,
      currency: payment.currency,
      totalAmount: payment.total_amount,
      chargeId: payment.telegram_payment_charge_id,
      providerChargeId: payment.provider_payment_charge_id,
    };
    const result = user
      ? card.successfulPayment({ userId: user.id, ...facts })
      : ({ ok: false, reason: 'not_found', message: 'no such customer' } as const);
    if (!result.ok) {
      // The card was charged but the wallet is not credited: people have to look at it.
      env.logger.error('card payment could not be credited', { ...facts, reason: result.reason });
      outbox.enqueue({
        audience: 'operators',
        kind: 'card_payment_unmatched',
        payload: { ...facts, reason: result.reason },
        dedupeKey: `card-unmatched:${facts.chargeId}`,
      });
      await ctx.reply(t('card-paid-unmatched'));
      return;
    }
    // A repeated update for a payment already credited: the customer has had their receipt.
    if (!result.credited) {
      env.logger.info('repeated card payment update ignored', { topUpId: result.topUp.id, chargeId: facts.chargeId });
      return;
    }
    const balance = wallet.balance(result.topUp.userId).availableCents;
    await ctx.reply(t('topup-receipt', { amount: money(result.topUp.amountCents), balance: money(balance) }), {
      reply_markup: receiptKeyboard(t, env, result.topUp.userId),
    });
  });

  return { payer, method: { id: CARD_METHOD_ID, label: (t) => t('card-label'), composer, payments } };
}

/** The price as the operators' alert shows it. */
export function cardPriceForAlert(totalAmount: number | undefined, currency: string | undefined, amountCents: number): string {
  return totalAmount !== undefined && currency ? priceText(totalAmount, currency) : formatCents(amountCents);
}
