/**
 * Retail prices from upstream costs. Pure arithmetic in integer cents.
 *
 * price = max(cost + markup% of cost, cost + minimum margin × quantity),
 * rounded up to a whole cent. A cost that is missing, zero or negative has no
 * price: the shop never sells at 0 because an upstream answered nonsense.
 */
import { MAX_AMOUNT_CENTS } from './money.js';

export interface MarkupRule {
  /** 2500 = 25 %. */
  markupBasisPoints: number;
  /** The least the shop earns per unit of quantity. */
  minMarginCents: number;
}

export const DEFAULT_MARKUP: MarkupRule = { markupBasisPoints: 3000, minMarginCents: 50 };

export type RetailPrice = { ok: true; priceCents: number; marginCents: number } | { ok: false; reason: string };

export function retailPrice(upstreamCostCents: number, quantity: number, rule: MarkupRule): RetailPrice {
  if (!Number.isSafeInteger(upstreamCostCents) || upstreamCostCents <= 0) {
    return { ok: false, reason: 'the upstream cost is unknown' };
  }
  if (!Number.isSafeInteger(quantity) || quantity <= 0) return { ok: false, reason: 'invalid quantity' };
  const byPercent = upstreamCostCents + Math.ceil((upstreamCostCents * rule.markupBasisPoints) / 10_000);
  const byMinimum = upstreamCostCents + rule.minMarginCents * quantity;
  const priceCents = Math.max(byPercent, byMinimum);
  if (priceCents > MAX_AMOUNT_CENTS) return { ok: false, reason: 'the price is over the per-order limit' };
  return { ok: true, priceCents, marginCents: priceCents - upstreamCostCents };
}
