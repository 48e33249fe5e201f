/**
 * FlashProxy geo and session targeting. Nothing is bought or changed
 * upstream: FlashProxy routes by parameters appended to the plan's proxy
 * username, so a new target is a new username for the same plan.
 *
 * Sources (openapi `info.description` and `/geo/catalog`, seed 002):
 * - "For rotating proxies (residential, mobile, datacenter), use username
 *   parameters: `{base_username}-country-{CC}-state-{STATE}-city-{CITY}-session-{SESSION}`";
 *   "Sticky session: `user123-country-us-session-abc123` — All products".
 * - Seed 002, `GET /geo/asn`: "Get ASNs for mobile targeting. Use: `user-country-US-asn-7922`".
 * - `GET /geo/catalog?product=`: "Returns one product's targeting catalog (countries,
 *   states, cities, ASNs, ZIPs). Issue one request per product … Aliases (residential
 *   to pool1, shared_isp to isp …) resolve to canonical keys … Dedicated ISP is
 *   excluded — that product is stock-based (no geo targeting)." `capabilities`:
 *   "`false` means requests using that dimension will be rejected upstream of routing."
 *   `supported.country`: "ISO-3166-1 alpha-2 country codes (lowercase)"; `state`:
 *   "Normalized state names — lowercase, no spaces"; `city`: "City + country pairs
 *   supported as a city-only target (no state)"; `state_city`: "State + city pairs …
 *   Required when the pool only accepts city when scoped by state"; `asn_by_country`:
 *   "Mobile catalog only: country code to list of ASN integers."
 * - Pool 1 (what `residential` resolves to): "State: US (full name)", "City: US (needs
 *   state)", "Pool 1 uses `-time-short` or `-time-long` instead of seconds … `-time-long`:
 *   … stable sticky sessions up to 24 hours; Default (no `-time-`): short behavior".
 *
 * The catalog's states carry no country; every document example and the pool
 * table place them in the US ("US (full name)"), so they are offered under `us` only.
 */
import { z } from 'zod';
import {
  ok,
  refused,
  type CredentialsChange,
  type Outcome,
  type ProxyTarget,
  type StickyLifetime,
  type TargetableProxy,
  type TargetingCountry,
  type TargetingOptions,
  type TargetingPlace,
} from '../types.js';

/** Sticky sessions on products whose documents give no duration control: the upstream's own length. */
const UPSTREAM_DEFAULT_LIFETIME: StickyLifetime = { id: 'default', label: 'Sticky (provider default length)' };

/** Pool 1's two documented session behaviours; `long` holds "up to 24 hours". */
const POOL1_LIFETIMES: StickyLifetime[] = [
  { id: 'short', label: 'Sticky, short (random device)' },
  { id: 'long', label: 'Sticky, long (up to 24 h)', maxMinutes: 24 * 60 },
];

interface ProductTargeting {
  /** The `product` sent to `GET /geo/catalog` (an alias FlashProxy resolves). */
  geoProduct: string;
  lifetimes: StickyLifetime[];
}

/** Our product ids (products.ts) that route by username; Dedicated ISP is stock-based and absent. */
const TARGETABLE_PRODUCTS: Record<string, ProductTargeting> = {
  'residential-lite': { geoProduct: 'residential-lite', lifetimes: [UPSTREAM_DEFAULT_LIFETIME] },
  residential: { geoProduct: 'residential', lifetimes: POOL1_LIFETIMES },
  mobile: { geoProduct: 'mobile', lifetimes: [UPSTREAM_DEFAULT_LIFETIME] },
  'datacenter-time': { geoProduct: 'datacenter', lifetimes: [UPSTREAM_DEFAULT_LIFETIME] },
  'shared-isp-time': { geoProduct: 'shared_isp', lifetimes: [UPSTREAM_DEFAULT_LIFETIME] },
};

export function isTargetableProduct(productId: string): boolean {
  return productId in TARGETABLE_PRODUCTS;
}

export function geoProductOf(productId: string): string | undefined {
  return TARGETABLE_PRODUCTS[productId]?.geoProduct;
}

// The openapi's TargetingCatalogResponse; dimensions default to empty (its "empty arrays mean … unsupported").
const geoCatalogSchema = z.object({
  success: z.literal(true),
  data: z.object({
    product: z.string(),
    supported: z
      .object({
        country: z.array(z.string()).default([]),
        state: z.array(z.string()).default([]),
        city: z.array(z.object({ city: z.string(), country: z.string() })).default([]),
        state_city: z.array(z.object({ state: z.string(), city: z.string() })).default([]),
        asn: z.array(z.number().int()).default([]),
      })
      .passthrough(),
    capabilities: z
      .object({
        country: z.boolean().default(false),
        state: z.boolean().default(false),
        city: z.boolean().default(false),
        state_city: z.boolean().default(false),
        asn: z.boolean().default(false),
        session: z.boolean().default(false),
      })
      .passthrough(),
    asn_by_country: z.record(z.string(), z.array(z.number().int())).optional(),
  }),
});
export const geoCatalogResponseSchema = geoCatalogSchema;
export type WireGeoCatalog = z.infer<typeof geoCatalogSchema>['data'];

/** `newyork` → `Newyork`: the catalog gives normalized names only. */
const displayName = (value: string) => value.charAt(0).toUpperCase() + value.slice(1);
const place = (code: string): TargetingPlace => ({ code, name: displayName(code) });

/** The options a product's proxies accept, from its catalog. */
export function targetingOptionsFrom(productId: string, catalog: WireGeoCatalog): TargetingOptions {
  const product = TARGETABLE_PRODUCTS[productId];
  if (!product) return { countries: [], stickyLifetimes: [] };
  const { supported, capabilities } = catalog;
  const countries: TargetingCountry[] = capabilities.country
    ? supported.country.map((raw) => {
        const code = raw.toLowerCase();
        const regions =
          capabilities.state && code === 'us'
            ? supported.state.map((state) => ({
                ...place(state),
                cities: capabilities.state_city ? supported.state_city.filter((p) => p.state === state).map((p) => place(p.city)) : [],
              }))
            : [];
        const cities = capabilities.city ? supported.city.filter((p) => p.country.toLowerCase() === code).map((p) => place(p.city)) : [];
        const asns = capabilities.asn
          ? (catalog.asn_by_country?.[code] ?? catalog.asn_by_country?.[code.toUpperCase()] ?? supported.asn)
          : [];
        return { code, name: code.toUpperCase(), iso: code.toUpperCase(), regions, cities, asns };
      })
    : [];
  return { countries, stickyLifetimes: capabilities.session ? product.lifetimes : [] };
}

/** Username parameters are `-key-value` pairs: a value with `-` (or anything odd) would be read as another key. */
const SAFE_VALUE = /^[a-z0-9_]{1,64}$/i;

/**
 * `{username}-country-{CC}-state-{STATE}-city-{CITY}-asn-{ASN}-session-{ID}-time-{DURATION}`;
 * the password never changes.
 */
export function targetedCredentials(proxy: TargetableProxy, target: ProxyTarget): Outcome<CredentialsChange> {
  const product = TARGETABLE_PRODUCTS[proxy.productId];
  if (!product) return refused('unsupported', `FlashProxy ${proxy.productId} has no username targeting`);
  const parts = [proxy.login];
  const add = (key: string, value: string | number | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const text = String(value);
    if (!SAFE_VALUE.test(text)) return `${key} "${text}" is not a value FlashProxy accepts in a username`;
    parts.push(key, text);
    return undefined;
  };
  if ((target.regionCode || target.cityCode || target.asn !== undefined) && !target.countryCode) {
    return refused('invalid_option', 'a region, city or network needs a country');
  }
  const problem =
    add('country', target.countryCode?.toLowerCase()) ??
    add('state', target.regionCode) ??
    add('city', target.cityCode) ??
    add('asn', target.asn) ??
    (target.session.mode === 'sticky' ? add('session', target.session.sessionId) : undefined);
  if (problem) return refused('invalid_option', problem);
  if (target.session.mode === 'sticky') {
    const lifetimeId = target.session.lifetimeId;
    if (!product.lifetimes.some((l) => l.id === lifetimeId)) return refused('invalid_option', `no sticky lifetime ${lifetimeId}`);
    if (lifetimeId !== UPSTREAM_DEFAULT_LIFETIME.id) parts.push('time', lifetimeId);
  }
  return ok({ login: parts.join('-'), password: proxy.password });
}
