/**
 * Card top-ups through Telegram Payments: an invoice in the configured
 * currency, sent with the provider token from @BotFather, checked again at
 * pre-checkout, credited only on `successful_payment`, once per
 * `telegram_payment_charge_id` (the top-up's external id, UNIQUE per method).
 * The grammY handlers in bot/features/topup-card.ts call these.
 *
 * Unlike Stars, a card payment cannot be refunded through the Bot API: the
 * money is at the payment provider. Operators refund it there and record it
 * in the wallet with /debit; the alert for each card top-up says so.
 */
import type { TopUps } from '../services/topups.js';

/** Currencies whose smallest unit is the whole unit (Telegram's currencies.json, `exp: 0`). */
const ZERO_DECIMAL_CURRENCIES = new Set(['CLP', 'COP', 'HUF', 'IDR', 'ISK', 'JPY', 'KRW', 'PYG', 'TWD', 'UGX', 'VND']);

/** Digits after the decimal point in amounts of `currency`, as Telegram counts its smallest units. */
export function currencyExponent(currency: string): number {
  return ZERO_DECIMAL_CURRENCIES.has(currency) ? 0 : 2;
}

/**
 * Price in the currency's smallest units of a USD amount, rounded up so the
 * shop never credits more than it was paid.
 */
export function cardPriceFor(amountCents: number, currency: string, perUsd: number): number {
  const units = (amountCents / 100) * perUsd * 10 ** currencyExponent(currency);
  // A rate like 0.9 makes 9.000000000000002: rounding noise is not a unit to charge.
  return Math.ceil(Number(units.toFixed(6)));
}

/** Why a card payment is refused at pre-checkout; the bot words each for the customer. */
export type CardRefusal = 'not_valid' | 'already_used' | 'expired' | 'outside_limits' | 'amount_changed';

export type CardCheck = { ok: true } | { ok: false; refusal: CardRefusal };

export interface CardInvoice {
  /** Our top-up id: it comes back in pre-checkout and in the payment. */
  payload: string;
  currency: string;
  /** In the currency's smallest units. */
  totalAmount: number;
}

export interface CardSettings {
  providerToken: string;
  currency: string;
  /** Units of `currency` one US dollar costs. */
  perUsd: number;
}

interface CardDetails {
  currency?: string;
  totalAmount?: number;
  providerChargeId?: string;
}

export function createCardPayments(deps: { topUps: TopUps; settings: CardSettings; invoiceTtlMs?: number; now?: () => number }) {
  const { topUps, settings } = deps;
  const now = deps.now ?? Date.now;
  const ttl = deps.invoiceTtlMs ?? 60 * 60_000;
  const priceFor = (amountCents: number) => cardPriceFor(amountCents, settings.currency, settings.perUsd);
  /** What the invoice asked for, as recorded when it was sent: a rate changed since does not move it. */
  const invoiced = (details: string) => JSON.parse(details) as CardDetails;

  return {
    currency: settings.currency,
    providerToken: settings.providerToken,
    priceFor,

    /** Records the top-up and describes the invoice to send. */
    start(userId: number, amountCents: number): { ok: true; invoice: CardInvoice } | { ok: false; message: string } {
      const totalAmount = priceFor(amountCents);
      const created = topUps.create({
        userId,
        method: 'card',
        amountCents,
        details: { currency: settings.currency, totalAmount },
        expiresAt: now() + ttl,
      });
      if (!created.ok) return created;
      return { ok: true, invoice: { payload: created.topUp.id, currency: settings.currency, totalAmount } };
    },

    /** The answer for `answerPreCheckoutQuery`: a quick local check (Telegram waits 10 s). */
    preCheckout(input: { userId: number | undefined; payload: string; currency: string; totalAmount: number }): CardCheck {
      const topUp = topUps.get(input.payload);
      if (input.userId === undefined || topUp?.method !== 'card' || topUp.userId !== input.userId)
        return { ok: false, refusal: 'not_valid' };
      if (topUp.state !== 'created') return { ok: false, refusal: 'already_used' };
      if (topUp.expiresAt !== null && topUp.expiresAt <= now()) return { ok: false, refusal: 'expired' };
      if (topUps.checkAmount(topUp.amountCents)) return { ok: false, refusal: 'outside_limits' };
      const asked = invoiced(topUp.details);
      if (input.currency !== asked.currency || input.totalAmount !== asked.totalAmount) return { ok: false, refusal: 'amount_changed' };
      return { ok: true };
    },

    /**
     * Credits a successful payment; a repeated update for the same charge
     * credits nothing. The payment must be what the invoice asked for.
     */
    successfulPayment(input: {
      userId: number;
      payload: string;
      currency: string;
      totalAmount: number;
      chargeId: string;
      providerChargeId: string;
    }) {
      const topUp = topUps.get(input.payload);
      if (topUp?.method !== 'card' || topUp.userId !== input.userId) {
        return { ok: false as const, reason: 'not_found' as const, message: 'no such top-up' };
      }
      const asked = invoiced(topUp.details);
      if (input.currency !== asked.currency || input.totalAmount !== asked.totalAmount) {
        return { ok: false as const, reason: 'amount_mismatch' as const, message: 'the payment differs from the invoice' };
      }
      // The customer paid: credit what the top-up says even if it expired meanwhile.
      const result = topUps.credit({ topUpId: topUp.id, externalId: input.chargeId, actor: 'payment:card' });
      // The provider's own id is what an operator looks up in the provider's dashboard to refund.
      if (result.ok && result.credited) topUps.attach(topUp.id, input.chargeId, { providerChargeId: input.providerChargeId });
      return result;
    },

    /** What an operator needs to refund a card top-up at the provider. */
    refundFacts(details: string): { currency?: string; totalAmount?: number; providerChargeId?: string } {
      return invoiced(details);
    },
  };
}

export type CardPayments = ReturnType<typeof createCardPayments>;
