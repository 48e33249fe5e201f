/**
 * The default networks and plans of the simulated proxy panel.
 *
 * Everything here is fixed (ids, prices, durations) so tests and the sandbox
 * can compute expected costs by hand. Two ids are the ones the API reference
 * uses in its examples (the NL-AMS private mobile plan and the DE-BER network),
 * so the documented requests work against the simulator as written.
 */

export type NetworkType = 'mobile' | 'residential' | 'datacenter';
export type ConnectionType = 'private' | 'shared';

export interface SimNetwork {
  id: string;
  /** Short code shown to customers, e.g. `NL-AMS`. */
  name: string;
  city: string;
  /** ISO 3166 alpha-2. */
  country: string;
  networkType: NetworkType;
  active: boolean;
}

export interface SimPlan {
  id: string;
  networkId: string;
  connectionType: ConnectionType;
  durationMs: number;
  priceAmountCents: number;
  popular: boolean;
  active: boolean;
  soldOut: boolean;
  /** Subscriptions left to sell; `undefined` means unlimited. */
  stock?: number;
}

export const DAY_MS = 86_400_000;

/** Ids on the panel are 24 lowercase alphanumerics; this pads a readable stem to that shape. */
export function fixedId(stem: string): string {
  const clean = stem.toLowerCase().replace(/[^a-z0-9]/g, '');
  return clean.padEnd(24, '0').slice(0, 24);
}

/** The plan and network the API reference uses in its examples. */
export const SEED_PLAN_ID = 'k17m3q5v7n9p1r2t4w6y8z0a';
export const SEED_NETWORK_ID = 'b1c2d3e4f5g6h7j8k9m0n1p2';

export const NETWORK_IDS = {
  nlAms: fixedId('netnlams'),
  deBer: SEED_NETWORK_ID,
  usNyc: fixedId('netusnyc'),
  gbLon: fixedId('netgblon'),
  usMia: fixedId('netusmia'),
  deFra: fixedId('netdefra'),
  usLax: fixedId('netuslax'),
} as const;

export function defaultNetworks(): SimNetwork[] {
  const n = (id: string, name: string, city: string, country: string, networkType: NetworkType): SimNetwork => ({
    id,
    name,
    city,
    country,
    networkType,
    active: true,
  });
  return [
    n(NETWORK_IDS.nlAms, 'NL-AMS', 'Amsterdam', 'NL', 'mobile'),
    n(NETWORK_IDS.deBer, 'DE-BER', 'Berlin', 'DE', 'mobile'),
    n(NETWORK_IDS.usNyc, 'US-NYC', 'New York', 'US', 'mobile'),
    n(NETWORK_IDS.gbLon, 'GB-LON', 'London', 'GB', 'residential'),
    n(NETWORK_IDS.usMia, 'US-MIA', 'Miami', 'US', 'residential'),
    n(NETWORK_IDS.deFra, 'DE-FRA', 'Frankfurt', 'DE', 'datacenter'),
    n(NETWORK_IDS.usLax, 'US-LAX', 'Los Angeles', 'US', 'datacenter'),
  ];
}

/** Plan ids by a readable name, for tests that need a specific plan. */
export const PLAN_IDS = {
  nlAmsMobilePrivate30d: SEED_PLAN_ID,
  nlAmsMobilePrivate7d: fixedId('plnlamsmobpriv7d'),
  deBerMobilePrivate30d: fixedId('pldebermobpriv30d'),
  deBerMobilePrivate7d: fixedId('pldebermobpriv7d'),
  usNycMobilePrivate30d: fixedId('plusnycmobpriv30d'),
  nlAmsMobileShared30d: fixedId('plnlamsmobshar30d'),
  deBerMobileShared30d: fixedId('pldebermobshar30d'),
  gbLonResidentialPrivate30d: fixedId('plgblonresipriv30d'),
  gbLonResidentialPrivate7d: fixedId('plgblonresipriv7d'),
  usMiaResidentialPrivate30d: fixedId('plusmiaresipriv30d'),
  deFraDatacenterShared30d: fixedId('pldefradcshar30d'),
  deFraDatacenterShared1d: fixedId('pldefradcshar1d'),
  usLaxDatacenterShared30d: fixedId('pluslaxdcshar30d'),
  deFraDatacenterPrivate30d: fixedId('pldefradcpriv30d'),
  usLaxDatacenterPrivate30d: fixedId('pluslaxdcpriv30d'),
} as const;

export function defaultPlans(): SimPlan[] {
  const p = (
    id: string,
    networkId: string,
    connectionType: ConnectionType,
    days: number,
    priceAmountCents: number,
    popular = false,
  ): SimPlan => ({
    id,
    networkId,
    connectionType,
    durationMs: days * DAY_MS,
    priceAmountCents,
    popular,
    active: true,
    soldOut: false,
  });
  return [
    p(PLAN_IDS.nlAmsMobilePrivate30d, NETWORK_IDS.nlAms, 'private', 30, 1200, true),
    p(PLAN_IDS.nlAmsMobilePrivate7d, NETWORK_IDS.nlAms, 'private', 7, 400),
    p(PLAN_IDS.deBerMobilePrivate30d, NETWORK_IDS.deBer, 'private', 30, 1200),
    p(PLAN_IDS.deBerMobilePrivate7d, NETWORK_IDS.deBer, 'private', 7, 400),
    p(PLAN_IDS.usNycMobilePrivate30d, NETWORK_IDS.usNyc, 'private', 30, 1500),
    p(PLAN_IDS.nlAmsMobileShared30d, NETWORK_IDS.nlAms, 'shared', 30, 600),
    p(PLAN_IDS.deBerMobileShared30d, NETWORK_IDS.deBer, 'shared', 30, 650),
    p(PLAN_IDS.gbLonResidentialPrivate30d, NETWORK_IDS.gbLon, 'private', 30, 900, true),
    p(PLAN_IDS.gbLonResidentialPrivate7d, NETWORK_IDS.gbLon, 'private', 7, 300),
    p(PLAN_IDS.usMiaResidentialPrivate30d, NETWORK_IDS.usMia, 'private', 30, 900),
    p(PLAN_IDS.deFraDatacenterShared30d, NETWORK_IDS.deFra, 'shared', 30, 200),
    p(PLAN_IDS.deFraDatacenterShared1d, NETWORK_IDS.deFra, 'shared', 1, 20),
    p(PLAN_IDS.usLaxDatacenterShared30d, NETWORK_IDS.usLax, 'shared', 30, 250),
    p(PLAN_IDS.deFraDatacenterPrivate30d, NETWORK_IDS.deFra, 'private', 30, 450),
    p(PLAN_IDS.usLaxDatacenterPrivate30d, NETWORK_IDS.usLax, 'private', 30, 500),
  ];
}

/** Coupons the simulator accepts: code → percent off. The adapter never sends one. */
export function defaultCoupons(): Record<string, number> {
  return { SANDBOX10: 10 };
}
