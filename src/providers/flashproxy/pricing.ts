/**
 * Reading FlashProxy's price list (`GET /balance/pricing`). Prices are already
 * integer cents; a fractional figure is rounded up, never down, when a cost is
 * computed from it.
 */
import { pricingEntrySchema, type WirePricing, type WirePricingEntry } from './schemas.js';

/** The entry for one product, or undefined when the account has no price for it. */
export function pricingEntry(pricing: WirePricing, wireProduct: string): WirePricingEntry | undefined {
  // FlashProxy also accepts underscore spellings (residential_lite) for hyphenated names.
  const raw = pricing[wireProduct] ?? pricing[wireProduct.replaceAll('-', '_')];
  if (raw === undefined) return undefined;
  const parsed = pricingEntrySchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Cents per GB; the openapi names it `price_per_gb` (shown in cents), the seed `price_per_gb_cents`. */
export function pricePerGbCents(entry: WirePricingEntry | undefined): number | undefined {
  return entry?.price_per_gb_cents ?? entry?.price_per_gb;
}

/** Cents per Dedicated ISP IP for 30 days. */
export function pricePerIpCents(entry: WirePricingEntry | undefined): number | undefined {
  const price = entry?.price_per_ip_30_days_cents ?? entry?.price_per_ip_30_days;
  return price === undefined ? undefined : Math.ceil(price);
}

/** Whether the entry can be bought with `billing_type: time`. */
export function sellsByTime(entry: WirePricingEntry | undefined): boolean {
  if (!entry) return false;
  return entry.billing === 'time' || entry.billing === 'hybrid' || entry.price_per_day_cents !== undefined;
}
