/**
 * The one interface that services use to talk to any upstream proxy seller.
 *
 * Every call answers with an `Outcome`: a value, a definite refusal, or an
 * ambiguous result. The purchase saga depends on that distinction: a refusal
 * means "nothing happened upstream, release the customer's money", ambiguous
 * means "something may have happened, keep the money held and reconcile".
 */

import type { ExchangeAmbiguity } from '../lib/http.js';
import type { PROVIDER_MODULES } from './modules.js';

/** The upstreams this build knows: the ids of the modules in `modules.ts`. */
export type ProviderId = (typeof PROVIDER_MODULES)[number]['id'];

/**
 * Everything the shop needs to know about one upstream, exported by its
 * folder's `index.ts`. The id type, the settings and the registry are all
 * derived from the list of these in `modules.ts`.
 */
export interface ProviderModule<Id extends string = string> {
  readonly id: Id;
  /** What customers and operators see; the adapter reports the same name. */
  readonly displayName: string;
  /** Its settings are `<envPrefix>_API_KEY` (enables it) and `<envPrefix>_BASE_URL`. */
  readonly envPrefix: string;
  /** Used when `<envPrefix>_BASE_URL` is not set. */
  readonly defaultBaseUrl: string;
  /**
   * What its adapter can do, known without building one. A test checks that
   * the adapter declares the same and has exactly the matching optional methods.
   */
  readonly capabilities: ProviderCapabilities;
  /** How long the shop's trial of this upstream lasts. Absent: `as_term`. */
  readonly trialLength?: TrialLength;
  /**
   * A product and term that are the upstream's own documented trial, which
   * operators can make the shop's trial with `/trial <provider> upstream …`.
   */
  readonly upstreamTrial?: { productId: string; termId: string };
  create(settings: ProviderSettings): ProxyProvider;
}

/**
 * How long a trial delivered by this upstream lasts, so the shop never
 * promises more: `as_term` when the trial is an ordinary purchase of the
 * offered term; `set_by_upstream` when the upstream's own trial decides (at
 * most the offered term, which a refused upstream trial falls back to).
 */
export type TrialLength = 'as_term' | 'set_by_upstream';

/** Normalized reasons an upstream definitely refused a request. */
export type RefusalCode =
  | 'insufficient_upstream_balance'
  | 'out_of_stock'
  | 'invalid_option'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'not_found'
  | 'busy' // e.g. GateProxy 409 order_processing: nothing was done, try later
  | 'unsupported'
  | 'rejected'; // any other explicit "no" from the upstream

/** Why we cannot tell whether an upstream acted on a request. */
export type AmbiguityReason =
  | ExchangeAmbiguity // timeout, network, server_error (5xx), malformed (2xx we could not parse), too_large
  | 'undocumented' // an error status or code the upstream's document does not list as "nothing was done"
  | 'needs_operator'; // the facts point several ways (e.g. two unknown new upstream orders): a person decides

export type Outcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'refused'; code: RefusalCode; message: string; httpStatus?: number }
  | { kind: 'ambiguous'; reason: AmbiguityReason; message: string; httpStatus?: number };

export const ok = <T>(value: T): Outcome<T> => ({ kind: 'ok', value });
export const refused = (code: RefusalCode, message: string, httpStatus?: number): Outcome<never> => ({
  kind: 'refused',
  code,
  message,
  ...(httpStatus === undefined ? {} : { httpStatus }),
});
export const ambiguous = (reason: AmbiguityReason, message: string, httpStatus?: number): Outcome<never> => ({
  kind: 'ambiguous',
  reason,
  message,
  ...(httpStatus === undefined ? {} : { httpStatus }),
});

// ---------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------

export interface CountryOption {
  /** The code the upstream expects back (alpha-2 or alpha-3, as the upstream uses). */
  code: string;
  name: string;
  /** ISO 3166-1 alpha-2, when the upstream's value names a country (not a pool or a region); shown localized with a flag. */
  iso?: string;
  /** False when the upstream reports no stock for it right now. */
  available: boolean;
}

/**
 * One purchasable term: a rent period (billing 'period') or a traffic amount
 * (billing 'traffic'). `id` is opaque to services and handed back on purchase.
 */
export interface TermOption {
  id: string;
  label: string;
  days?: number;
  trafficGb?: number;
  /**
   * Upstream cost per unit of quantity for this term, in cents, when the
   * catalog already tells it. `quote` gives the exact figure for a choice.
   * In `renewalTerms` it is the cost of the whole renewal: every proxy it renews.
   */
  unitCostCents?: number;
  /**
   * The countries (codes from the product's list) that offer this term, when
   * not all of them do; absent: every country of the product.
   */
  countryCodes?: string[];
  /**
   * Renewal terms only: how many proxies one renewal renews, when the upstream
   * renews a whole subscription, order or plan at once (absent means one). The
   * customer is quoted and charged for all of them.
   */
  renewsProxies?: number;
}

export interface CatalogProduct {
  /** Provider-local product id, stable across catalog refreshes. */
  id: string;
  name: string;
  kind: 'static' | 'rotating';
  billing: 'period' | 'traffic';
  protocols: Array<'http' | 'socks5'>;
  /** Empty when the product has no country choice (e.g. a global rotating pool). */
  countries: CountryOption[];
  terms: TermOption[];
  minQuantity: number;
  maxQuantity: number;
  available: boolean;
}

export interface ProviderCatalog {
  products: CatalogProduct[];
}

/** A concrete choice from the catalog. */
export interface OrderChoice {
  productId: string;
  /** Required when the product lists countries. */
  countryCode?: string;
  termId: string;
  quantity: number;
}

export interface Quote {
  /** What the upstream will charge us for the whole choice, in cents. */
  totalCostCents: number;
  unitCostCents: number;
  /** Whether the figure came from an upstream price call rather than catalog arithmetic. */
  exact: boolean;
}

// ---------------------------------------------------------------------------
// Proxies and orders
// ---------------------------------------------------------------------------

export interface UpstreamProxy {
  /** The upstream's id for this proxy or subscription; used for renew and actions. */
  upstreamId: string;
  host: string;
  httpPort?: number;
  socks5Port?: number;
  login: string;
  password: string;
  countryCode?: string;
  /** ISO 8601; absent for proxies that do not expire by time (traffic packages). */
  expiresAt?: string;
  status: 'active' | 'expired' | 'cancelled' | 'pending';
  /** Traffic packages: the purchased amount. */
  trafficLimitGb?: number;
  /** Mobile proxies: a URL that rotates the IP when fetched. */
  rotationUrl?: string;
}

export interface PurchaseRequest {
  choice: OrderChoice;
  /** Our order id; sent upstream as reference/idempotency key wherever accepted. */
  reference: string;
  /**
   * The shop's trial of this provider: an upstream with a trial of its own
   * (the white-label panel's `op trial`) may deliver it that way; the others
   * sell it as an ordinary purchase.
   */
  trial?: boolean;
}

export interface PurchaseResult {
  /** Upstream order id, or the first subscription id when the upstream has no order concept. */
  upstreamOrderId: string;
  proxies: UpstreamProxy[];
  /** What the upstream says it charged, when it says. */
  costCents?: number;
}

/**
 * What we know when looking for the result of a purchase whose answer was lost.
 * Upstreams that accept a reference search by it; the others compare their
 * list of proxies against the ids we already own and the time the order was sent.
 */
export interface PurchaseLookup {
  reference: string;
  choice: OrderChoice;
  /** ISO 8601 time just before the purchase request was sent. */
  sentAt: string;
  /** The order was the shop's trial (the upstream may have delivered it through a trial of its own). */
  trial?: boolean;
  /**
   * Whether the shop already recorded this upstream id for this provider, so
   * it is never claimed twice. A question rather than a list: a provider may
   * have hundreds of thousands of our proxies, and a lookup asks about a few.
   */
  isKnownUpstreamId(upstreamId: string): boolean;
}

export interface RenewRequest {
  upstreamId: string;
  /** A term id from `renewalTerms` (or the product's terms). */
  termId: string;
  reference: string;
  /**
   * The most the shop may pay for it (the customer's price). An upstream that
   * charges a live price refuses before sending when the price is higher.
   */
  maxCostCents?: number;
}

export interface RenewResult {
  newExpiresAt?: string;
  costCents?: number;
}

export interface UsageReport {
  usedGb: number;
  remainingGb?: number;
  totalGb?: number;
}

export interface CredentialsChange {
  login: string;
  password: string;
}

/**
 * What a provider can do. Services show an action only when its capability is
 * true; the matching optional method must then be present (a test checks it).
 */
export interface ProviderCapabilities {
  quote: boolean;
  renew: boolean;
  changeCredentials: boolean;
  rotateIp: boolean;
  switchLocation: boolean;
  usage: boolean;
  balance: boolean;
  /** Can find a purchase by our reference (or by an equivalent unambiguous method). */
  findPurchase: boolean;
  /**
   * Geo and session targeting in the proxy credentials (country → region →
   * city → ASN, rotating or sticky): `targetingOptions` and `targetedCredentials`.
   */
  targeting: boolean;
  /**
   * Keeps a list of source IPs allowed to use a proxy's credentials
   * (`allowedIps`, `setAllowedIps`, `ipAllowlistRules`). Absent: not offered.
   */
  allowedIps?: boolean;
  /** Cancels a proxy before its end (`cancel`, `cancelRefund`). Absent: not offered. */
  cancel?: boolean;
  /**
   * Traffic is added to a traffic package by buying a new order of the same
   * product and term (`purchase`, found again by `findPurchase`), which the
   * shop links to the same proxy card; for upstreams that cannot add traffic
   * to an order they sold. Absent: traffic is added by `renew`, or not at all.
   */
  addTrafficByNewOrder?: boolean;
}

/** What an upstream accepts in a proxy's IP allowlist (domain/ip-allowlist.ts). */
export type { IpAllowlistRules } from '../domain/ip-allowlist.js';
import type { IpAllowlistRules } from '../domain/ip-allowlist.js';

/**
 * What the upstream gives back when a proxy is cancelled. Only the upstream's
 * documented rule: the shop refunds a customer no more than the upstream
 * refunds the shop. FlashProxy refunds nothing; a future upstream that
 * refunds would add its rule here.
 */
export type CancelRefund = { kind: 'none' };

export interface CancelResult {
  /** ISO 8601, when the upstream says. */
  cancelledAt?: string;
}

export interface ProxyProvider {
  readonly id: ProviderId;
  readonly displayName: string;
  readonly capabilities: ProviderCapabilities;
  /**
   * What one of its products cannot do although the provider can (private
   * IPv4 has no IP rotation): the actions here that are false are not offered
   * on that product's proxies. Absent: every product can do all of `capabilities`.
   */
  productCapabilities?(productId: string): Partial<ProviderCapabilities>;

  getCatalog(): Promise<Outcome<ProviderCatalog>>;
  quote(choice: OrderChoice): Promise<Outcome<Quote>>;
  purchase(request: PurchaseRequest): Promise<Outcome<PurchaseResult>>;
  /** `ok(null)` means the upstream definitely has no such purchase. */
  findPurchase(lookup: PurchaseLookup): Promise<Outcome<PurchaseResult | null>>;
  listProxies(): Promise<Outcome<UpstreamProxy[]>>;

  /** Terms a given proxy can be renewed for (with upstream unit cost where known). */
  renewalTerms?(upstreamId: string): Promise<Outcome<TermOption[]>>;
  renew?(request: RenewRequest): Promise<Outcome<RenewResult>>;
  changeCredentials?(upstreamId: string): Promise<Outcome<CredentialsChange>>;
  rotateIp?(upstreamId: string): Promise<Outcome<{ rotated: true }>>;
  /** Locations a proxy can move to; `switchLocation` takes one of their codes. */
  locations?(upstreamId: string): Promise<Outcome<CountryOption[]>>;
  switchLocation?(upstreamId: string, locationCode: string): Promise<Outcome<UpstreamProxy>>;
  usage?(upstreamId: string): Promise<Outcome<UsageReport>>;
  /** The targeting a product's proxies accept; `ok` with no countries and no lifetimes means none. */
  targetingOptions?(productId: string): Promise<Outcome<TargetingOptions>>;
  /**
   * The credentials for a target, built in the upstream's documented format
   * without calling it (no new purchase). The target is assumed checked
   * against `targetingOptions`.
   */
  targetedCredentials?(proxy: TargetableProxy, target: ProxyTarget): Outcome<CredentialsChange>;
  /** Our account balance at the upstream, in cents. */
  balance?(): Promise<Outcome<{ balanceCents: number }>>;

  /** The IP allowlist rules, where `capabilities.allowedIps`. */
  readonly ipAllowlistRules?: IpAllowlistRules;
  /** The source IPs allowed to use this proxy; empty: any IP with the credentials. */
  allowedIps?(upstreamId: string): Promise<Outcome<string[]>>;
  /** Replaces the allowlist; answers the list as the upstream now keeps it. */
  setAllowedIps?(upstreamId: string, ips: readonly string[]): Promise<Outcome<string[]>>;
  /** The refund rule of `cancel` for this proxy, stated to the customer before they confirm. */
  cancelRefund?(upstreamId: string): CancelRefund;
  /** Cancels the proxy at the upstream now (for an upstream plan: every proxy of that plan). */
  cancel?(upstreamId: string): Promise<Outcome<CancelResult>>;
}

// ---------------------------------------------------------------------------
// Targeting
// ---------------------------------------------------------------------------

export interface TargetingPlace {
  /** The value the upstream expects in the credentials. */
  code: string;
  name: string;
}

export interface TargetingRegion extends TargetingPlace {
  /** Cities the upstream accepts only together with this region. */
  cities: TargetingPlace[];
}

export interface TargetingCountry extends TargetingPlace {
  /** ISO 3166-1 alpha-2, for a localized name and flag. */
  iso?: string;
  regions: TargetingRegion[];
  /** Cities the upstream accepts without a region. */
  cities: TargetingPlace[];
  /** Networks (autonomous systems) the upstream can route through in this country. */
  asns: number[];
}

/** How long a sticky session keeps its exit IP; `id` is handed back in a target. */
export interface StickyLifetime {
  id: string;
  label: string;
  /** The longest the upstream promises, when it says. */
  maxMinutes?: number;
}

export interface TargetingOptions {
  /** Empty: no geo choice (the product still may offer sticky sessions). */
  countries: TargetingCountry[];
  /** Empty: rotating only. */
  stickyLifetimes: StickyLifetime[];
}

export type TargetSession =
  | { mode: 'rotating' }
  /** `maxMinutes`: the lifetime's documented length, when the upstream gives one. */
  | { mode: 'sticky'; lifetimeId: string; sessionId: string; maxMinutes?: number };

/** One choice from `TargetingOptions`; a region or city needs its country, an ASN needs its country. */
export interface ProxyTarget {
  countryCode?: string;
  regionCode?: string;
  cityCode?: string;
  asn?: number;
  session: TargetSession;
}

/** What a proxy is given so its credentials can be re-targeted. */
export interface TargetableProxy {
  productId: string;
  login: string;
  password: string;
}

/** Settings every adapter factory receives. */
export interface ProviderSettings {
  apiKey: string;
  baseUrl: string;
  /** Total time for one HTTP exchange, including reading the body. */
  timeoutMs?: number;
}
