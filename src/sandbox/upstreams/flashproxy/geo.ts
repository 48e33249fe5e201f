/**
 * `GET /geo/catalog?product=<key>`: one product's targeting catalog, shaped
 * as the openapi's `TargetingCatalogResponse`. "Issue one request per product
 * — `product` is required and singular. Aliases (residential to pool1,
 * shared_isp to isp, mobile_usa to mobile-usa, plus the underscored forms of
 * the hyphenated names) resolve to canonical keys; the response always echoes
 * the canonical key. Dedicated ISP is excluded."
 *
 * The values are a small deterministic sample, so tests know what to expect.
 */
import type { SimResponse } from '../sim-server.js';
import { failure, success } from './responses.js';

const CANONICAL_KEYS = [
  'pool1',
  'pool2',
  'pool3',
  'pool4',
  'pool5',
  'mobile',
  'mobile-usa',
  'residential-lite',
  'unlimited-residential',
  'datacenter',
  'isp',
  'ipv6-residential',
  'ipv6-datacenter',
] as const;
export type CanonicalKey = (typeof CANONICAL_KEYS)[number];

const ALIASES: Record<string, CanonicalKey> = { residential: 'pool1', shared_isp: 'isp', mobile_usa: 'mobile-usa' };

export function canonicalGeoProduct(requested: string): CanonicalKey | undefined {
  if (requested in ALIASES) return ALIASES[requested];
  const hyphenated = requested.replaceAll('_', '-');
  return (CANONICAL_KEYS as readonly string[]).includes(hyphenated) ? (hyphenated as CanonicalKey) : undefined;
}

const GENERATED_AT = '2026-01-01T00:00:00.000Z';

export interface Dimensions {
  country: string[];
  state: string[];
  city: Array<{ city: string; country: string }>;
  state_city: Array<{ state: string; city: string }>;
  asn: number[];
  zip: string[];
  session: boolean;
  asn_by_country?: Record<string, number[]>;
}

const NONE: Omit<Dimensions, 'country' | 'session'> = { state: [], city: [], state_city: [], asn: [], zip: [] };

/** Pool 1 (residential): country, US states by full name, US cities only with a state, ASN, sessions (per the pool table). */
const POOL1: Dimensions = {
  country: ['us', 'de', 'gb'],
  state: ['california', 'newyork'],
  city: [],
  state_city: [
    { state: 'california', city: 'losangeles' },
    { state: 'newyork', city: 'newyork' },
  ],
  asn: [7922, 701],
  zip: [],
  session: true,
};

const CATALOGS: Partial<Record<CanonicalKey, Dimensions>> = {
  pool1: POOL1,
  'residential-lite': {
    ...NONE,
    country: ['us', 'de', 'fr'],
    city: [
      { city: 'berlin', country: 'de' },
      { city: 'paris', country: 'fr' },
    ],
    session: true,
  },
  mobile: {
    ...NONE,
    country: ['us', 'de'],
    asn: [],
    asn_by_country: { us: [21928, 22394], de: [3320] },
    session: true,
  },
  // Country-only, and more countries than one screen of buttons holds (openapi: country targeting "All products").
  datacenter: {
    ...NONE,
    country: ['us', 'nl', 'de', 'gb', 'fr', 'ca', 'jp', 'sg', 'au', 'br', 'in', 'pl', 'se', 'es', 'it', 'ch'],
    session: true,
  },
  isp: { ...NONE, country: ['us'], session: true },
};

/** The dimensions a product's usernames may target: its catalog, or country-only US with sessions for a key without a sample. */
export function geoDimensionsOf(product: string): { key: CanonicalKey; dims: Dimensions } | undefined {
  const key = canonicalGeoProduct(product);
  return key ? { key, dims: CATALOGS[key] ?? { ...NONE, country: ['us'], session: true } } : undefined;
}

/** `capabilities`: "`false` means requests using that dimension will be rejected upstream of routing." */
export function capabilitiesOf(dims: Dimensions) {
  return {
    country: dims.country.length > 0,
    state: dims.state.length > 0,
    city: dims.city.length > 0 || dims.state_city.length > 0,
    state_city: dims.state_city.length > 0,
    asn: dims.asn.length > 0 || Object.keys(dims.asn_by_country ?? {}).length > 0,
    zip: dims.zip.length > 0,
    session: dims.session,
  };
}

export function geoCatalog(requested: string | null): SimResponse {
  if (!requested) return failure(400, 'MISSING_PARAM', 'product query parameter is required (e.g. ?product=pool1)');
  if (requested.includes(',')) {
    return failure(400, 'INVALID_PRODUCT', 'product must be a single key, not a comma-separated list. Issue one request per product.');
  }
  const found = geoDimensionsOf(requested);
  if (!found) return failure(400, 'INVALID_PRODUCT', `Unknown product type: ${requested}`);
  const { key, dims } = found;
  return success({
    product: key,
    supported: { country: dims.country, state: dims.state, city: dims.city, state_city: dims.state_city, asn: dims.asn, zip: dims.zip },
    capabilities: capabilitiesOf(dims),
    ...(dims.asn_by_country ? { asn_by_country: dims.asn_by_country } : {}),
    generated_at: GENERATED_AT,
    source: 'discovery',
  });
}
