/**
 * Geo and session targeting of a proxy the customer owns: the options its
 * provider documents for its product (country → region → city → network,
 * rotating or sticky), and the connection string for a chosen target, built
 * in the provider's format. Re-targeting buys nothing and changes nothing
 * upstream or in our records: it is the same proxy under other credentials,
 * so the customer can issue as many strings as they like.
 */
import { randomInt } from 'node:crypto';
import { EXPORT_FORMATS, formatProxy, type ExportFormat } from '../domain/proxy-format.js';
import type { ProxyTarget, TargetingCountry, TargetingOptions } from '../providers/types.js';
import type { Catalog } from './catalog.js';
import type { SubscriptionRow } from './order-store.js';
import { offers, type ProxyActionRefusal } from './subscriptions.js';

/** Options change when the upstream discovers new places, not from minute to minute. */
export const TARGETING_CACHE_MS = 10 * 60_000;
const SESSION_ID_LENGTH = 10;
const SESSION_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** What the customer asks for, in the words of the API and the bot; codes come from the options. */
export interface TargetRequest {
  country?: string;
  region?: string;
  city?: string;
  asn?: number;
  session: 'rotating' | 'sticky';
  /** Sticky only; the first offered lifetime when absent. */
  lifetime?: string;
  /** Sticky only; a fresh one when absent (a new exit IP). Reusing one keeps the IP. */
  sessionId?: string;
}

export type TargetField = 'country' | 'region' | 'city' | 'asn' | 'session' | 'lifetime' | 'session_id';

export type TargetingResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: ProxyActionRefusal; message: string }
  | { ok: false; reason: 'invalid_target'; field: TargetField; message: string };

export interface TargetedConnection {
  target: ProxyTarget;
  login: string;
  password: string;
  host: string;
  httpPort: number | null;
  socks5Port: number | null;
  /** The string in every export format; null where the proxy has no port for it. */
  lines: Record<ExportFormat, string | null>;
}

export function createTargeting(deps: {
  catalog: Pick<Catalog, 'provider'>;
  subscriptions: { get(userId: number, id: string): SubscriptionRow | undefined };
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const cache = new Map<string, { at: number; options: TargetingOptions }>();

  const found = (userId: number, id: string) => {
    const sub = deps.subscriptions.get(userId, id);
    if (!sub) return { ok: false as const, reason: 'not_found' as const, message: 'no such proxy' };
    const provider = deps.catalog.provider(sub.providerId);
    if (!provider?.targetingOptions || !provider.targetedCredentials || !offers(provider, sub.productId, 'targeting')) {
      return { ok: false as const, reason: 'unsupported' as const, message: 'this proxy has no targeting' };
    }
    return { ok: true as const, sub, provider };
  };

  async function options(userId: number, id: string): Promise<TargetingResult<TargetingOptions>> {
    const proxy = found(userId, id);
    if (!proxy.ok) return proxy;
    const key = `${proxy.sub.providerId}\u0000${proxy.sub.productId}`;
    const cached = cache.get(key);
    if (cached && now() - cached.at < TARGETING_CACHE_MS) return { ok: true, value: cached.options };
    const outcome = await proxy.provider.targetingOptions!(proxy.sub.productId);
    if (outcome.kind !== 'ok') {
      return { ok: false, reason: 'provider_unavailable', message: `${proxy.provider.displayName} did not answer; please try again later` };
    }
    if (outcome.value.countries.length === 0 && outcome.value.stickyLifetimes.length === 0) {
      return { ok: false, reason: 'unsupported', message: 'this proxy has no targeting' };
    }
    cache.set(key, { at: now(), options: outcome.value });
    return { ok: true, value: outcome.value };
  }

  async function connection(userId: number, id: string, request: TargetRequest): Promise<TargetingResult<TargetedConnection>> {
    const available = await options(userId, id);
    if (!available.ok) return available;
    const target = checkTarget(available.value, request);
    if (!target.ok) return target;
    const proxy = found(userId, id);
    if (!proxy.ok) return proxy;
    const { sub, provider } = proxy;
    const built = provider.targetedCredentials!({ productId: sub.productId, login: sub.login, password: sub.password }, target.value);
    if (built.kind !== 'ok') return { ok: false, reason: 'invalid_target', field: 'session', message: built.message };
    const credentials = { host: sub.host, httpPort: sub.httpPort, socks5Port: sub.socks5Port, ...built.value };
    const lines = Object.fromEntries(EXPORT_FORMATS.map((f) => [f, formatProxy(credentials, f)])) as Record<ExportFormat, string | null>;
    return { ok: true, value: { target: target.value, ...credentials, lines } };
  }

  return { options, connection };
}

export type Targeting = ReturnType<typeof createTargeting>;

const invalid = (field: TargetField, message: string) => ({ ok: false as const, reason: 'invalid_target' as const, field, message });

/** The request as a target the provider documents, or which field is not one of its options. */
export function checkTarget(options: TargetingOptions, request: TargetRequest): TargetingResult<ProxyTarget> {
  let country: TargetingCountry | undefined;
  if (request.country !== undefined) {
    country = options.countries.find((c) => c.code.toLowerCase() === request.country!.toLowerCase());
    if (!country) return invalid('country', 'not a country this proxy can target');
  } else if (request.region !== undefined || request.city !== undefined || request.asn !== undefined) {
    return invalid('country', 'a region, city or network needs a country');
  }
  const region = request.region === undefined ? undefined : country?.regions.find((r) => r.code === request.region);
  if (request.region !== undefined && !region) return invalid('region', 'not a region of that country');
  if (request.city !== undefined) {
    const cities = region ? region.cities : (country?.cities ?? []);
    if (!cities.some((c) => c.code === request.city))
      return invalid('city', region ? 'not a city of that region' : 'not a city of that country');
  }
  if (request.asn !== undefined && !country?.asns.includes(request.asn)) return invalid('asn', 'not a network of that country');

  const target: ProxyTarget = {
    ...(country ? { countryCode: country.code } : {}),
    ...(region ? { regionCode: region.code } : {}),
    ...(request.city !== undefined ? { cityCode: request.city } : {}),
    ...(request.asn !== undefined ? { asn: request.asn } : {}),
    session: { mode: 'rotating' },
  };
  if (request.session === 'rotating') {
    if (request.lifetime !== undefined || request.sessionId !== undefined)
      return invalid('session', 'a rotating session has no lifetime or id');
    return { ok: true, value: target };
  }
  if (options.stickyLifetimes.length === 0) return invalid('session', 'this proxy has no sticky sessions');
  const lifetime =
    request.lifetime === undefined ? options.stickyLifetimes[0] : options.stickyLifetimes.find((l) => l.id === request.lifetime);
  if (!lifetime) return invalid('lifetime', 'not a sticky lifetime this proxy offers');
  const sessionId = request.sessionId ?? newSessionId();
  if (!/^[a-z0-9]{1,32}$/i.test(sessionId)) return invalid('session_id', 'letters and digits only, at most 32');
  const maxMinutes = lifetime.maxMinutes === undefined ? {} : { maxMinutes: lifetime.maxMinutes };
  return { ok: true, value: { ...target, session: { mode: 'sticky', lifetimeId: lifetime.id, sessionId, ...maxMinutes } } };
}

function newSessionId(): string {
  let id = '';
  for (let i = 0; i < SESSION_ID_LENGTH; i++) id += SESSION_ID_ALPHABET[randomInt(SESSION_ID_ALPHABET.length)];
  return id;
}
