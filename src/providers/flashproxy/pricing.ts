/**
 * Reading FlashProxy's price list (`GET /balance/pricing`). Only fields whose
 * unit the documents pin down are read: `price_per_gb` (the openapi's pricing
 * example pairs 50 with "$0.50") and `price_per_day_cents`. A fractional
 * figure is rounded up, never down, when a cost is computed from it.
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

/*
 * No reader for `price_per_ip_30_days` (Dedicated ISP): the openapi names the
 * field ("Cost = number_of_IPs × price_per_ip_30_days") but never its unit, and
 * a dollar figure read as cents would show customers a price 100× too low.
 * Dedicated ISP prices come from `POST /plans/check-price` only.
 */

/** Whether the entry can be bought with `billing_type: time`. */
export function sellsByTime(entry: WirePricingEntry | undefined): boolean {
  if (!entry) return false;
  return entry.billing === 'time' || entry.billing === 'hybrid' || entry.price_per_day_cents !== undefined;
}
