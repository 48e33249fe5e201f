/**
 * The LumiWeb simulator's fixed catalog: categories, volume-tiered prices and
 * the countries it sells static IPs in. Deterministic, so tests can compute
 * the exact cost of any choice.
 */

export interface PriceTier {
  /** Smallest quantity this tier applies to. */
  minQuantity: number;
  unitCents: number;
}

export interface SimCategory {
  category: string;
  label: string;
  unit: 'IP' | 'GB';
  kind: 'static' | 'rotating';
  /** Tiers sorted by `minQuantity`, the first starting at 1. */
  tiers: PriceTier[];
}

export const DEFAULT_CATEGORIES: readonly SimCategory[] = [
  {
    category: 'isp',
    label: 'ISP',
    unit: 'IP',
    kind: 'static',
    tiers: [
      { minQuantity: 1, unitCents: 250 },
      { minQuantity: 10, unitCents: 220 },
      { minQuantity: 50, unitCents: 190 },
    ],
  },
  {
    category: 'datacenter',
    label: 'Datacenter',
    unit: 'IP',
    kind: 'static',
    tiers: [
      { minQuantity: 1, unitCents: 120 },
      { minQuantity: 10, unitCents: 105 },
      { minQuantity: 50, unitCents: 90 },
    ],
  },
  {
    category: 'residential',
    label: 'Residential',
    unit: 'GB',
    kind: 'rotating',
    tiers: [
      { minQuantity: 1, unitCents: 200 },
      { minQuantity: 10, unitCents: 175 },
      { minQuantity: 100, unitCents: 150 },
    ],
  },
  {
    category: 'mobile',
    label: 'Mobile',
    unit: 'GB',
    kind: 'rotating',
    tiers: [
      { minQuantity: 1, unitCents: 600 },
      { minQuantity: 10, unitCents: 540 },
    ],
  },
];

export interface SimCountry {
  /** ISO 3166-1 alpha-2, what the upstream echoes back as `country`. */
  code: string;
  name: string;
}

/** The API has no country list endpoint; these are the names/codes it accepts. */
export const DEFAULT_COUNTRIES: readonly SimCountry[] = [
  { code: 'US', name: 'United States' },
  { code: 'DE', name: 'Germany' },
  { code: 'NL', name: 'Netherlands' },
  { code: 'GB', name: 'United Kingdom' },
  { code: 'FR', name: 'France' },
  { code: 'CA', name: 'Canada' },
  { code: 'JP', name: 'Japan' },
  { code: 'SG', name: 'Singapore' },
];

export const MIN_STATIC_QUANTITY = 1;
export const MAX_STATIC_QUANTITY = 500;
/** A static subscription runs for a month; a renewal adds another. */
export const STATIC_TERM_DAYS = 30;

export function unitPriceCents(category: SimCategory, quantity: number): number {
  let unit = category.tiers[0]!.unitCents;
  for (const tier of category.tiers) if (quantity >= tier.minQuantity) unit = tier.unitCents;
  return unit;
}

export function totalPriceCents(category: SimCategory, quantity: number): number {
  return unitPriceCents(category, quantity) * quantity;
}

/** Accepts a country by ISO code or by name, case-insensitively, as the real API does. */
export function findCountry(countries: readonly SimCountry[], nameOrCode: string): SimCountry | undefined {
  const wanted = nameOrCode.trim().toLowerCase();
  return countries.find((c) => c.code.toLowerCase() === wanted || c.name.toLowerCase() === wanted);
}

/** "12.50": the upstream states money as decimal strings of dollars. */
export function centsToUsdString(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
