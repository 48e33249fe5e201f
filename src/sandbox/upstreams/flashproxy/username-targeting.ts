/**
 * How FlashProxy's gateways read a targeted username: the plan's login with
 * `-key-value` pairs after it. The live proxy admits a targeted login only
 * when every pair is one the plan's product documents, and routes it through
 * the named country.
 *
 * Sources (openapi `info.description`, seed 002):
 * - "For rotating proxies (residential, mobile, datacenter), use username
 *   parameters: `{base_username}-country-{CC}-state-{STATE}-city-{CITY}-session-{SESSION}`";
 *   "Sticky session: `user123-country-us-session-abc123` — All products".
 * - "Pool username format: `{username}-country-{CC}-state-{STATE}-city-{CITY}-session-{ID}-time-{DURATION}`";
 *   "Targeting is appended directly to the username using `-key-value` pairs."
 * - `GET /geo/asn`: "Use: `user-country-US-asn-7922`"; pool 3: `user-country-us-zip-10001`.
 * - `GET /geo/catalog` `capabilities`: "`false` means requests using that dimension
 *   will be rejected upstream of routing"; `city`: "City + country pairs supported as a
 *   city-only target (no state)"; `state_city`: "Required when the pool only accepts
 *   city when scoped by state".
 * - Pool 1 (what `residential` resolves to): "uses `-time-short` or `-time-long`
 *   instead of seconds"; "Pools 2, 3, 5 … Use `-time-<seconds>`"; "Pool 4 … No
 *   duration control available". No other product documents `-time-`.
 *
 * The documents write the keys in one order (country, state, city, then
 * session and time; zip and asn follow the country in their examples) but do
 * not say another order is refused, so any order is taken. Each key may come
 * once; a username with a key twice, an unknown key, a key without a value, or
 * a value the product's catalog does not list is refused.
 */
import { capabilitiesOf, geoDimensionsOf, type CanonicalKey } from './geo.js';

const TARGET_KEYS = ['country', 'state', 'city', 'zip', 'asn', 'session', 'time'] as const;
type TargetKey = (typeof TARGET_KEYS)[number];

/** `-time-` values per pool; a product not listed documents none. */
const TIME_VALUES: Partial<Record<CanonicalKey, RegExp>> = {
  pool1: /^(short|long)$/,
  pool2: /^\d{1,6}$/,
  pool3: /^\d{1,6}$/,
  pool5: /^\d{1,6}$/,
};

/** The documents' session ids are letters and digits (`abc123`); `_` is safe too, as it is no separator. */
const SESSION_ID = /^[A-Za-z0-9_]{1,64}$/;

export type UsernameRoute = { ok: true; base: string; countryCode: string | undefined } | { ok: false; reason: string };

/** The base login and its `-key-value` pairs, without looking at any product yet. */
export function splitTargetedUsername(username: string): { base: string; pairs: Array<[string, string]> } | undefined {
  const [base = '', ...rest] = username.split('-');
  if (base.length === 0 || rest.length % 2 !== 0) return undefined;
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < rest.length; i += 2) pairs.push([rest[i]!, rest[i + 1]!]);
  return { base, pairs };
}

/** Where a gateway routes `pairs` for a plan of `product`, or why it refuses them. */
export function routeTargetedUsername(product: string, base: string, pairs: ReadonlyArray<[string, string]>): UsernameRoute {
  const refuse = (reason: string): UsernameRoute => ({ ok: false, reason });
  if (pairs.length === 0) return { ok: true, base, countryCode: undefined };
  const found = geoDimensionsOf(product);
  if (!found) return refuse(`${product} takes no username targeting`);
  const { key: pool, dims } = found;
  const can = capabilitiesOf(dims);
  const values: Partial<Record<TargetKey, string>> = {};
  for (const [key, value] of pairs) {
    if (!TARGET_KEYS.includes(key as TargetKey)) return refuse(`unknown parameter ${key}`);
    if (values[key as TargetKey] !== undefined) return refuse(`${key} repeated`);
    if (value.length === 0) return refuse(`${key} without a value`);
    values[key as TargetKey] = value;
  }
  const country = values.country?.toLowerCase();
  if (!country && (values.state || values.city || values.zip || values.asn)) return refuse('a place needs a country');
  if (country && !(can.country && dims.country.includes(country))) return refuse(`country ${country} not offered`);
  const state = values.state;
  // Every sample catalog's states are US states ("State: US (full name)").
  if (state !== undefined && !(can.state && country === 'us' && dims.state.includes(state))) return refuse(`state ${state} not offered`);
  const city = values.city;
  if (city !== undefined) {
    const offered =
      state !== undefined
        ? dims.state_city.some((p) => p.state === state && p.city === city)
        : dims.city.some((p) => p.city === city && p.country.toLowerCase() === country);
    if (!offered) return refuse(`city ${city} not offered${state === undefined ? ' without a state' : ''}`);
  }
  if (values.zip !== undefined && !(can.zip && dims.zip.includes(values.zip))) return refuse(`zip ${values.zip} not offered`);
  if (values.asn !== undefined) {
    const asns = dims.asn_by_country?.[country!] ?? dims.asn;
    if (!(can.asn && /^\d{1,10}$/.test(values.asn) && asns.includes(Number(values.asn)))) return refuse(`asn ${values.asn} not offered`);
  }
  if (values.session !== undefined && !(can.session && SESSION_ID.test(values.session))) return refuse('session not accepted');
  if (values.time !== undefined) {
    const time = TIME_VALUES[pool];
    if (values.session === undefined || !time?.test(values.time)) return refuse(`time ${values.time} not accepted`);
  }
  return { ok: true, base, countryCode: country };
}
