/**
 * The simulated FlashProxy account's products, prices and Dedicated ISP pools.
 * Deterministic, so tests can compute what a purchase costs.
 *
 * Prices are integer cents, as FlashProxy sends them:
 * - bandwidth: `price_per_gb` cents per GB (fractional GB rounds the total up);
 * - time-billed hybrids: `price_per_day_cents` per day at 100 Mbps, scaled by
 *   the plan's speed (`mbps / 100`); `1_hour` is 1/8 of a day;
 * - Dedicated ISP: `price_per_ip_30_days` cents per IP.
 */

/** Every product name FlashProxy's `POST /plans` accepts (openapi enum). */
export const DOCUMENTED_PRODUCTS = [
  'residential-lite',
  'residential',
  'mobile',
  'mobile_usa',
  'datacenter',
  'shared_isp',
  'ipv6-residential',
  'ipv6-datacenter',
  'pool1',
  'pool2',
  'pool3',
  'pool4',
  'pool5',
  'unlimited_residential',
  'dedicated_isp',
] as const;

export type ProductFamily = 'bandwidth' | 'hybrid' | 'dedicated';

export interface SimProductPrice {
  family: ProductFamily;
  pricePerGbCents?: number;
  pricePerDayCents?: number;
  pricePerIpCents?: number;
}

/** The products this account can buy. Others in the documented enum answer PRODUCT_DISABLED. */
export const DEFAULT_PRICES: Readonly<Record<string, SimProductPrice>> = {
  'residential-lite': { family: 'bandwidth', pricePerGbCents: 50 },
  residential: { family: 'bandwidth', pricePerGbCents: 300 },
  mobile: { family: 'bandwidth', pricePerGbCents: 500 },
  datacenter: { family: 'hybrid', pricePerGbCents: 100, pricePerDayCents: 200 },
  shared_isp: { family: 'hybrid', pricePerGbCents: 150, pricePerDayCents: 350 },
  dedicated_isp: { family: 'dedicated', pricePerIpCents: 1500 },
};

/**
 * Unlimited residential trials, openapi `POST /plans` example
 * "unlimited_residential_trial": "Tiered Pricing (resets daily at midnight UTC):
 * First 10 trials/day: $0.50 each; Additional trials: $1.50 each", 200 Mbps cap.
 * (The pricing example's `trial_price_cents: 2000` disagrees; check-price and the
 * created plan's `billing` say what is charged, and the shop reads only those.)
 */
export const UNLIMITED_TRIAL = { discountedCents: 50, fullCents: 150, dailyDiscountLimit: 10, mbps: 200 } as const;

/**
 * The openapi says "30 minutes" in two places and "1 hour" in another; its
 * created example expires an hour after creation. The simulator gives an hour
 * unless a test asks for the other length.
 */
export const DEFAULT_UNLIMITED_TRIAL_MINUTES = 60;

/** Where a product's gateway listens (openapi "Complete Proxy Connection Reference"). */
export const GATEWAYS: Readonly<Record<string, { hostname: string; portHttp: number; portSocks: number }>> = {
  'residential-lite': { hostname: 'lite.proxyserver.bot', portHttp: 6969, portSocks: 9696 },
  residential: { hostname: 'geo.proxyserver.bot', portHttp: 8080, portSocks: 1080 },
  mobile: { hostname: 'geo.proxyserver.bot', portHttp: 8080, portSocks: 1080 },
  datacenter: { hostname: 'v3-dc.proxyserver.bot', portHttp: 777, portSocks: 666 },
  shared_isp: { hostname: 'v3-isp.proxyserver.bot', portHttp: 30, portSocks: 31 },
  // The created trial example: `unlim.proxyserver.bot`, `port_http: 10507`; the reference says "HTTP/SOCKS5" on one port.
  unlimited_residential: { hostname: 'unlim.proxyserver.bot', portHttp: 10507, portSocks: 10507 },
};

export const DEDICATED_PORT = 61234;

export interface SimPoolSeed {
  pool: string;
  title: string;
  stock: number;
  isSubnet: boolean;
  /** First three octets of the addresses handed out from this pool. */
  subnet: string;
}

export const DEFAULT_POOLS: readonly SimPoolSeed[] = [
  { pool: 'ISP_US_SNEAKERS', title: 'USA Sneaker Proxies (ISP)', stock: 150, isSubnet: false, subnet: '159.197.238' },
  { pool: 'ISP_US_TICKETS', title: 'USA Ticket Proxies (ISP)', stock: 80, isSubnet: false, subnet: '159.197.239' },
  { pool: 'ISP_UK_SNEAKERS', title: 'United Kingdom Sneaker Proxies (ISP)', stock: 45, isSubnet: false, subnet: '185.244.40' },
  { pool: 'ISP_DE_GENERAL', title: 'Germany General Proxies (ISP)', stock: 60, isSubnet: false, subnet: '193.32.160' },
  { pool: 'ISP_AU_GENERAL', title: 'Australia General Proxies (ISP)', stock: 0, isSubnet: false, subnet: '103.75.118' },
  { pool: 'SN_US_GENERAL', title: 'USA Subnet /24 (SN)', stock: 4, isSubnet: true, subnet: '45.88.12' },
];

/** Durations `POST /plans` accepts, in hours (trial is for unlimited_residential only). */
export const DURATION_HOURS: Readonly<Record<string, number>> = {
  '1_hour': 1,
  '1_day': 24,
  '7_days': 7 * 24,
  '14_days': 14 * 24,
  '30_days': 30 * 24,
  '60_days': 60 * 24,
  '90_days': 90 * 24,
};

export function timePlanCostCents(pricePerDayCents: number, hours: number, mbps: number): number {
  // One hour costs 1/8 of a day (documented); longer durations are whole days.
  const dayFraction = hours === 1 ? 1 / 8 : hours / 24;
  return Math.ceil(pricePerDayCents * dayFraction * (mbps / 100));
}

export function bandwidthCostCents(pricePerGbCents: number, gb: number): number {
  // Rounded to 6 decimals first so float noise (0.1 × 3) cannot add a cent.
  return Math.ceil(Number((pricePerGbCents * gb).toFixed(6)));
}

/** "$5,000.00" */
export function formatUsd(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}
