/**
 * The simulated proxy-ipv4.com price list. Deterministic on purpose: tests and
 * the sandbox compute expected costs from it.
 *
 * Prices are kept in thousandths of a dollar per proxy for the whole rent
 * period, so the simulator's arithmetic stays in integers; the wire shows
 * them as USD floats, the way the real upstream does (e.g. `0.245`).
 */

export const SIM_PROXY_TYPES = ['ipv4', 'ipv6', 'isp', 'mobile'] as const;
export type SimProxyType = (typeof SIM_PROXY_TYPES)[number];

export function isSimProxyType(value: unknown): value is SimProxyType {
  return typeof value === 'string' && (SIM_PROXY_TYPES as readonly string[]).includes(value);
}

export interface SimCountry {
  /** Upper-case name, as the upstream shows it ("ENGLAND", "USA"). */
  name: string;
  alpha3code: string;
  /** Mobile proxies only: the carrier tag shown as `mobileOperator`. */
  mobileOperator?: string;
}

export interface SimTypeCatalog {
  countries: SimCountry[];
  /** Rent period in days → price per proxy for that period, in thousandths of a USD. */
  pricesMilli: Record<number, number>;
}

export type SimCatalog = Record<SimProxyType, SimTypeCatalog>;

export const DEFAULT_PROXY_IPV4_CATALOG: SimCatalog = {
  ipv4: {
    countries: [
      { name: 'ENGLAND', alpha3code: 'GBR' },
      { name: 'USA', alpha3code: 'USA' },
      { name: 'FRANCE', alpha3code: 'FRA' },
      { name: 'GERMANY', alpha3code: 'DEU' },
      { name: 'NETHERLANDS', alpha3code: 'NLD' },
    ],
    pricesMilli: { 1: 550, 7: 1_300, 14: 2_100, 30: 3_250, 60: 6_200, 90: 8_900 },
  },
  ipv6: {
    countries: [
      { name: 'USA', alpha3code: 'USA' },
      { name: 'GERMANY', alpha3code: 'DEU' },
      { name: 'NETHERLANDS', alpha3code: 'NLD' },
    ],
    // Sub-cent prices: a quote for several proxies exercises rounding costs up.
    pricesMilli: { 7: 245, 14: 390, 30: 650, 60: 1_200, 90: 1_725 },
  },
  isp: {
    countries: [
      { name: 'USA', alpha3code: 'USA' },
      { name: 'ENGLAND', alpha3code: 'GBR' },
      { name: 'GERMANY', alpha3code: 'DEU' },
    ],
    pricesMilli: { 30: 4_500, 60: 8_700, 90: 12_600 },
  },
  mobile: {
    countries: [
      { name: 'UKRAINE', alpha3code: 'UKR', mobileOperator: 'kyivstar' },
      { name: 'POLAND', alpha3code: 'POL', mobileOperator: 'play' },
      { name: 'USA', alpha3code: 'USA', mobileOperator: 't-mobile' },
    ],
    pricesMilli: { 1: 3_300, 7: 12_500, 30: 32_000 },
  },
};

/** The rent periods a type can be bought or extended for, ascending. */
export function daysOf(catalog: SimCatalog, type: SimProxyType): number[] {
  return Object.keys(catalog[type].pricesMilli)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Turns thousandths of a dollar into the float the wire carries. */
export function milliToUsd(milli: number): number {
  return milli / 1000;
}
