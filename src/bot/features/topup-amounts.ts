/**
 * What the top-up methods share: the payment services the bot is given, the
 * amount presets and the parsing of an amount a customer types. The methods
 * themselves live in topup-stars.ts, topup-cryptopay.ts and topup-manual.ts.
 */
import { InlineKeyboard } from 'grammy';
import type { CardPayments } from '../../payments/card.js';
import type { CryptoPayTopUps } from '../../payments/cryptopay/topups.js';
import type { ManualPayments } from '../../payments/manual.js';
import type { StarsPayments } from '../../payments/stars.js';
import type { TopUpLimits, TopUps } from '../../services/topups.js';
import type { topUpCallbacks } from '../callback-data.js';
import type { FlowContext } from '../context.js';
import { money } from '../format.js';
import type { Translate } from '../ui.js';

/** The payment services behind the top-up methods; a method is offered when its part is here. */
export interface BotPayments {
  topUps: TopUps;
  stars?: StarsPayments;
  /** Card top-ups through Telegram Payments (a provider token is set). */
  card?: CardPayments;
  cryptopay?: { service: CryptoPayTopUps; assets: readonly string[] };
  /** Operators can settle manual requests whenever this is here… */
  manual?: ManualPayments;
  /** …but customers are offered manual top-ups only with instructions on where to send money. */
  manualInstructions?: string;
}

type TopUpButtons = ReturnType<typeof topUpCallbacks>;

/** $5, $10, $25, $50: whichever of them the limits allow. */
export const AMOUNT_PRESETS_CENTS = [500, 1_000, 2_500, 5_000] as const;

export function presetsWithin(limits: TopUpLimits): number[] {
  return AMOUNT_PRESETS_CENTS.filter((cents) => cents >= limits.minCents && cents <= limits.maxCents);
}

/** "$10" for whole dollars, "$12.50" otherwise: short enough for a button. */
export function shortMoney(cents: number): string {
  return cents % 100 === 0 ? `$${cents / 100}` : money(cents);
}

/**
 * A US dollar amount as people type it: `12`, `12.5`, `12,50`, `$12.50`,
 * `12.50 USD`. At most two decimals; `1,000` is refused rather than guessed
 * (thousands separator or decimal comma?).
 */
export function parseUsdAmount(input: string): number | null {
  const match = /^\$?\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*(?:\$|usd)?$/i.exec(input.trim());
  if (!match) return null;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(cents) && cents > 0 ? cents : null;
}

export type AmountCheck = { ok: true; cents: number } | { ok: false; notice: string };

/** The typed amount, or the notice that says what is wrong with it, in the customer's language. */
export function checkTypedAmount(t: Translate, input: string, limits: TopUpLimits): AmountCheck {
  const cents = parseUsdAmount(input);
  if (cents === null) return { ok: false, notice: t('topup-amount-invalid') };
  if (cents < limits.minCents || cents > limits.maxCents) return { ok: false, notice: limitsNotice(t, limits) };
  return { ok: true, cents };
}

export function limitsNotice(t: Translate, limits: TopUpLimits): string {
  return t('topup-amount-limits', { min: money(limits.minCents), max: money(limits.maxCents) });
}

/** The presets the limits allow as buttons, two per row, each sending `data(cents)`. */
export function presetButtons(keyboard: InlineKeyboard, limits: TopUpLimits, data: (cents: number) => string): InlineKeyboard {
  presetsWithin(limits).forEach((cents, i) => {
    keyboard.text(shortMoney(cents), data(cents));
    if (i % 2 === 1) keyboard.row();
  });
  return keyboard.row();
}

/** A method's presets, then "Other amount". */
export function amountKeyboard(t: Translate, buttons: Pick<TopUpButtons, 'amount' | 'otherAmount'>, limits: TopUpLimits): InlineKeyboard {
  const keyboard = presetButtons(new InlineKeyboard(), limits, (cents) => buttons.amount.pack({ cents }));
  return keyboard.text(t('topup-other-amount'), buttons.otherAmount.pack()).row();
}

/**
 * Runs a side effect once: `conversation.external` inside a conversation (so
 * a replay does not create a second invoice), a plain call outside.
 */
export type RunOnce = <T>(effect: () => T | Promise<T>) => Promise<T>;
export const runDirectly: RunOnce = async (effect) => effect();

/** A method that takes an amount and then asks the customer to pay it. */
export interface AmountPayer {
  id: string;
  /** Creates the payment for `cents` and shows the customer how to pay. */
  pay(ctx: FlowContext, userId: number, cents: number, run: RunOnce): Promise<void>;
}
