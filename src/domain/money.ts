/**
 * Money is integer cents (USD) everywhere inside the shop. Upstreams speak in
 * floats or decimal strings; they are converted once, at the adapter edge, by
 * the functions below, with the rounding rule named at the call site.
 */

/** Largest amount any single operation may move: $1,000,000. Guards against unit mix-ups. */
export const MAX_AMOUNT_CENTS = 100_000_000;

export type Rounding = 'up' | 'down' | 'nearest';

export class MoneyParseError extends Error {
  constructor(readonly input: unknown) {
    super(`not a money amount: ${JSON.stringify(input)}`);
    this.name = 'MoneyParseError';
  }
}

/**
 * Converts a decimal dollar amount ("12.50", 12.5, "0.45") into integer cents.
 * Works on the decimal digits, not on binary floats, so 0.1 + 0.2 style noise
 * cannot move a cent. Costs should round `up` (never under-estimate what we pay).
 */
export function dollarsToCents(value: number | string, rounding: Rounding): number {
  const text = typeof value === 'number' ? numberToPlainString(value) : value.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new MoneyParseError(value);
  const [, sign, whole, fraction = ''] = match;
  const centsDigits = `${fraction}00`.slice(0, 2);
  const rest = fraction.slice(2);
  let cents = Number(whole) * 100 + Number(centsDigits);
  const hasRemainder = /[1-9]/.test(rest);
  if (hasRemainder) {
    if (rounding === 'up') cents += 1;
    else if (rounding === 'nearest' && Number(rest[0]) >= 5) cents += 1;
  }
  if (!Number.isSafeInteger(cents)) throw new MoneyParseError(value);
  return sign === '-' ? -cents : cents;
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyParseError(value);
  // toFixed(10) avoids exponent notation; trailing float noise beyond the 10th digit is irrelevant.
  const fixed = value.toFixed(10);
  return fixed.replace(/0+$/, '').replace(/\.$/, '');
}

/** "$12.50" style display; the only place cents become a decimal string for people. */
export function formatCents(cents: number, currency = 'USD'): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const text = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return currency === 'USD' ? `${sign}$${text}` : `${sign}${text} ${currency}`;
}

/** True for a positive whole number of cents within the per-operation limit. */
export function isValidAmount(cents: unknown): cents is number {
  return typeof cents === 'number' && Number.isSafeInteger(cents) && cents > 0 && cents <= MAX_AMOUNT_CENTS;
}

/** Multiplies a cents amount by a percentage and rounds up to a whole cent. */
export function percentOfCentsRoundedUp(cents: number, percent: number): number {
  // Basis points keep the arithmetic in integers for percentages with up to two decimals.
  const basisPoints = Math.round(percent * 100);
  return Math.ceil((cents * basisPoints) / 10_000);
}
