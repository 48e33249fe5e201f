/**
 * Labels of buttons that carry a price: the buy flow's period, traffic and
 * quantity choices, and a proxy's renewal terms. One place, so a discount
 * shown on a button (quantity or period tiers) is added here for all of them.
 * The price is today's from the catalog; the quote still locks the final one.
 */
import { money } from '../format.js';

/** "30 days · $3.25"; the bare label when no price is known. */
export function pricedLabel(label: string, priceCents: number | undefined): string {
  return priceCents === undefined ? label : `${label} · ${money(priceCents)}`;
}

/** A period or traffic button of the buy flow: the term, and what the smallest order of it costs today. */
export function termButtonLabel(termLabel: string, priceCents: number | undefined): string {
  return pricedLabel(termLabel, priceCents);
}

/** A quantity button of the buy flow: how many, and what that many cost today for the chosen term. */
export function quantityButtonLabel(quantity: number, priceCents: number | undefined): string {
  return pricedLabel(String(quantity), priceCents);
}
