/**
 * Telegram Stars top-ups: an XTR invoice for a USD amount, checked again at
 * pre-checkout, credited only on `successful_payment`, once per
 * `telegram_payment_charge_id`. The grammY handlers in the bot call these.
 */
import type { TopUps } from '../services/topups.js';

export interface StarsInvoice {
  title: string;
  description: string;
  /** Our top-up id: it comes back in pre-checkout and in the payment. */
  payload: string;
  currency: 'XTR';
  stars: number;
}

/** Why a Stars payment is refused at pre-checkout; the bot words each for the customer. */
export type StarsRefusal = 'not_valid' | 'already_used' | 'expired' | 'outside_limits' | 'wrong_currency' | 'amount_changed';

/** What Telegram is told with a refusal (the bot says it in the customer's language instead). */
const REFUSAL_MESSAGES: Record<StarsRefusal, string> = {
  not_valid: 'This top-up is not valid.',
  already_used: 'This top-up was already used. Please start a new one.',
  expired: 'This invoice has expired. Please start a new top-up.',
  outside_limits: 'This amount is outside the allowed range.',
  wrong_currency: 'The invoice amount changed. Please start a new top-up.',
  amount_changed: 'The invoice amount changed. Please start a new top-up.',
};

export type StarsCheck = { ok: true } | { ok: false; refusal: StarsRefusal; error: string };

/** Stars cost of a USD amount, rounded up to a whole star. */
export function starsFor(amountCents: number, starsPerUsd: number): number {
  return Math.ceil((amountCents * starsPerUsd) / 100);
}

/** Refunds a Stars payment at Telegram; 'refused' means Telegram said no, 'unknown' that we cannot tell. */
export type RefundStarPayment = (telegramUserId: number, chargeId: string) => Promise<'ok' | 'refused' | 'unknown'>;

export function createStarsPayments(deps: { topUps: TopUps; starsPerUsd: number; invoiceTtlMs?: number; now?: () => number }) {
  const { topUps, starsPerUsd } = deps;
  const now = deps.now ?? Date.now;
  const ttl = deps.invoiceTtlMs ?? 60 * 60_000;

  /** Why a payment for this payload can no longer be accepted, or null. */
  const problemWith = (userId: number | undefined, payload: string, currency: string, totalAmount: number): StarsRefusal | null => {
    const topUp = topUps.get(payload);
    if (userId === undefined || !topUp || topUp.method !== 'stars' || topUp.userId !== userId) return 'not_valid';
    if (topUp.state !== 'created') return 'already_used';
    if (topUp.expiresAt !== null && topUp.expiresAt <= now()) return 'expired';
    if (topUps.checkAmount(topUp.amountCents)) return 'outside_limits';
    if (currency !== 'XTR') return 'wrong_currency';
    if (totalAmount !== starsFor(topUp.amountCents, starsPerUsd)) return 'amount_changed';
    return null;
  };

  return {
    starsFor: (amountCents: number) => starsFor(amountCents, starsPerUsd),

    /** Records the top-up and describes the invoice to send. */
    start(userId: number, amountCents: number): { ok: true; invoice: StarsInvoice } | { ok: false; message: string } {
      const created = topUps.create({
        userId,
        method: 'stars',
        amountCents,
        details: { stars: starsFor(amountCents, starsPerUsd) },
        expiresAt: now() + ttl,
      });
      if (!created.ok) return created;
      const stars = starsFor(amountCents, starsPerUsd);
      return {
        ok: true,
        invoice: {
          title: 'Wallet top-up',
          description: `Adds $${(amountCents / 100).toFixed(2)} to your wallet.`,
          payload: created.topUp.id,
          currency: 'XTR',
          stars,
        },
      };
    },

    /**
     * The answer for `answerPreCheckoutQuery`; must be quick (Telegram waits
     * 10 s). `userId` is undefined when the payer is not a customer we know.
     */
    preCheckout(input: { userId: number | undefined; payload: string; currency: string; totalAmount: number }): StarsCheck {
      const refusal = problemWith(input.userId, input.payload, input.currency, input.totalAmount);
      return refusal ? { ok: false, refusal, error: REFUSAL_MESSAGES[refusal] } : { ok: true };
    },

    /** Credits a successful payment; a repeated update for the same charge credits nothing. */
    successfulPayment(input: { userId: number; payload: string; currency: string; totalAmount: number; chargeId: string }) {
      const topUp = topUps.get(input.payload);
      if (topUp?.method !== 'stars' || topUp.userId !== input.userId) {
        return { ok: false as const, reason: 'not_found' as const, message: 'no such top-up' };
      }
      if (input.currency !== 'XTR') return { ok: false as const, reason: 'amount_mismatch' as const, message: 'not a Stars payment' };
      // The customer paid: credit what the top-up says even if it expired meanwhile.
      return topUps.credit({ topUpId: topUp.id, externalId: input.chargeId, actor: 'payment:stars' });
    },

    /**
     * Finishes refunds whose answer from Telegram was lost: asks again (a
     * refund already made answers as done) and settles each one.
     */
    async settlePendingRefunds(refundStarPayment: RefundStarPayment, telegramIdOf: (userId: number) => number | undefined) {
      const settled = { refunded: 0, restored: 0, pending: 0 };
      for (const topUp of topUps.inState('stars', 'refunding')) {
        const telegramId = telegramIdOf(topUp.userId);
        const answer = telegramId === undefined ? 'unknown' : await refundStarPayment(telegramId, topUp.externalId!);
        if (answer === 'unknown') {
          settled.pending++;
          continue;
        }
        topUps.finishRefund(topUp.id, answer === 'ok', 'system');
        if (answer === 'ok') settled.refunded++;
        else settled.restored++;
      }
      return settled;
    },

    /** An operator's refund: the money leaves the wallet first, then Telegram is asked. */
    async refund(topUpId: string, actor: string, telegramUserId: number, refundStarPayment: RefundStarPayment) {
      const started = topUps.beginRefund(topUpId, actor, 'operator refund of a Stars top-up');
      if (!started.ok) return started;
      const answer = await refundStarPayment(telegramUserId, started.topUp.externalId!);
      if (answer === 'unknown') return { ok: false as const, message: 'Telegram did not answer; the refund stays pending' };
      topUps.finishRefund(topUpId, answer === 'ok', actor);
      return answer === 'ok'
        ? { ok: true as const }
        : { ok: false as const, message: 'Telegram refused the refund; the money is back in the wallet' };
    },
  };
}

export type StarsPayments = ReturnType<typeof createStarsPayments>;
