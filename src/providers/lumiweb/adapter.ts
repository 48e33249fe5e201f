/**
 * LumiWeb as a `ProxyProvider`: static ISP and datacenter IPs sold as monthly
 * subscriptions, paid from a USD balance at the panel.
 *
 * Model:
 * - a product is a `static` catalog category (`isp`, `datacenter`). Rotating
 *   categories are left out: API v1 cannot buy them (the bot's interactive
 *   geo flow is needed), so offering them would only produce failed orders;
 * - the one term is `30d` (a subscription runs a month, a renewal adds one);
 * - the API takes any country by name or ISO code and has no list endpoint,
 *   so the countries offered are a setting (ISO codes are sent);
 * - one `UpstreamProxy` per static IP, with upstreamId `<subscription_id>:<ip>`.
 *   Renewal works on the whole subscription: renewing any of its IPs renews
 *   all of them, for the subscription's price. Services should renew once
 *   per subscription (the part before the first `:`); using one reference per
 *   renewal makes repeats harmless, as the upstream replays the first answer.
 */
import { withIso } from '../../domain/countries.js';
import { createHash } from 'node:crypto';
import { dollarsToCents } from '../../domain/money.js';
import {
  ambiguous,
  ok,
  refused,
  type CatalogProduct,
  type OrderChoice,
  type Outcome,
  type ProviderSettings,
  type ProviderCapabilities,
  type ProxyProvider,
  type PurchaseLookup,
  type PurchaseResult,
  type Quote,
  type RenewResult,
  type TermOption,
  type UpstreamProxy,
} from '../types.js';
import {
  createLumiWebClient,
  type LumiWebClient,
  type LumiWebSigner,
  type StaticPurchaseBody,
  type WireCatalog,
  type WireCredentials,
  type WirePurchaseAnswer,
  type WireQuote,
  type WireRenewAnswer,
  type WireSubscription,
} from './client.js';

export interface LumiWebCountry {
  /** ISO 3166-1 alpha-2; sent as `country_name`, which accepts codes and names. */
  code: string;
  name: string;
}

export const DEFAULT_LUMIWEB_COUNTRIES: readonly LumiWebCountry[] = [
  { code: 'US', name: 'United States' },
  { code: 'DE', name: 'Germany' },
  { code: 'NL', name: 'Netherlands' },
  { code: 'GB', name: 'United Kingdom' },
  { code: 'FR', name: 'France' },
];

export const LUMIWEB_TERM: Readonly<TermOption> = { id: '30d', label: '30 days', days: 30 };
/** Renewing a subscription: all its IPs for another month, at `costCents` for all of them. */
export function lumiWebRenewalTerm(costCents: number, ips: number): TermOption {
  const label = ips > 1 ? `${LUMIWEB_TERM.label} (all ${ips} IPs of the subscription)` : LUMIWEB_TERM.label;
  return { ...LUMIWEB_TERM, label, unitCostCents: costCents, renewsProxies: ips };
}
export const LUMIWEB_MIN_QUANTITY = 1;
export const LUMIWEB_MAX_QUANTITY = 500;

export interface LumiWebOptions {
  /** Required for an `operator` key (sent as `user_id`); omit for a `reseller` key. */
  userId?: number;
  /** Countries offered to customers; default US, DE, NL, GB, FR. */
  countries?: readonly LumiWebCountry[];
  /** Adds `X-Signature` (or whatever the panel wants) to money requests; off by default. */
  sign?: LumiWebSigner;
  fetchImpl?: typeof fetch;
}

const PAGE_SIZE = 100;
/** 100 pages of 100 subscriptions: far beyond any real account, but bounded. */
const MAX_PAGES = 100;

/** What this adapter can do: the module descriptor (index.ts) hands these same capabilities to the registry. */
export const LUMIWEB_CAPABILITIES: ProviderCapabilities = {
  quote: true,
  renew: true,
  changeCredentials: false,
  rotateIp: false,
  switchLocation: false,
  usage: false,
  balance: true,
  findPurchase: true,
  targeting: false,
};

export function createLumiWebProvider(settings: ProviderSettings, options: LumiWebOptions = {}): ProxyProvider {
  const client = createLumiWebClient({
    baseUrl: settings.baseUrl,
    apiKey: settings.apiKey,
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    ...(options.userId === undefined ? {} : { userId: options.userId }),
    ...(options.sign ? { sign: options.sign } : {}),
    ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
  });
  const countries = options.countries ?? DEFAULT_LUMIWEB_COUNTRIES;
  let ownUserId: string | undefined = options.userId === undefined ? undefined : String(options.userId);

  const checkChoice = (choice: OrderChoice, countryRequired: boolean): Outcome<never> | undefined => {
    if (choice.termId !== LUMIWEB_TERM.id) return refused('invalid_option', `unknown term ${choice.termId}`);
    if (!Number.isInteger(choice.quantity) || choice.quantity < LUMIWEB_MIN_QUANTITY || choice.quantity > LUMIWEB_MAX_QUANTITY) {
      return refused('invalid_option', `quantity must be ${LUMIWEB_MIN_QUANTITY}-${LUMIWEB_MAX_QUANTITY}`);
    }
    if (choice.countryCode === undefined) {
      return countryRequired ? refused('invalid_option', 'a country is required') : undefined;
    }
    if (!findCountry(countries, choice.countryCode)) {
      return refused('invalid_option', `country ${choice.countryCode} is not offered`);
    }
    return undefined;
  };

  const purchaseBody = (choice: OrderChoice): StaticPurchaseBody => ({
    category: choice.productId,
    country_name: findCountry(countries, choice.countryCode!)!.code,
    quantity: choice.quantity,
    // The shop runs its own renewals from the customer's wallet.
    auto_renew: false,
  });

  /** After an `ok`/`provisioning` answer: read the subscription's card and IPs. */
  const delivered = async (answer: WirePurchaseAnswer): Promise<Outcome<PurchaseResult>> => {
    const subscriptionId = answer.subscription_id;
    if (subscriptionId === undefined) {
      return ambiguous('malformed', `LumiWeb accepted the order (status ${answer.status}) without a subscription id`);
    }
    const [card, credentials] = await Promise.all([client.getSubscription(subscriptionId), client.getCredentials(subscriptionId)]);
    // The order exists upstream by now, so trouble reading it only means "not known yet".
    if (card.kind !== 'ok') return unreadable(subscriptionId, card);
    if (credentials.kind !== 'ok') return unreadable(subscriptionId, credentials);
    return safely(client, () => toPurchaseResult(answer, card.value, credentials.value));
  };

  /** The one renewal term of a subscription, priced for all its IPs; also checked again just before renewing. */
  async function renewalTerms(upstreamId: string): Promise<Outcome<TermOption[]>> {
    const subscriptionId = subscriptionIdOf(upstreamId);
    if (!subscriptionId) return refused('invalid_option', `not a LumiWeb proxy id: ${upstreamId}`);
    const card = await client.getSubscription(subscriptionId);
    if (card.kind !== 'ok') return card;
    if (card.value.kind === 'rotating') return refused('unsupported', 'rotating subscriptions are renewed in the bot');
    const { category, quantity } = card.value;
    // Without its size the renewal cannot be priced, and a one-IP guess would under-charge: not offered.
    if (category === undefined || quantity === undefined || quantity < 1) return ok([]);
    // A renewal renews every IP of the subscription, at the live tier price for its size.
    const price = await client.quote(category, quantity);
    if (price.kind !== 'ok') return price;
    return safely(client, () => ok([lumiWebRenewalTerm(toQuote(price.value, quantity).totalCostCents, quantity)]));
  }

  return {
    id: 'lumiweb',
    displayName: 'LumiWeb',
    capabilities: LUMIWEB_CAPABILITIES,

    async getCatalog() {
      const catalog = await client.getCatalog();
      if (catalog.kind !== 'ok') return catalog;
      return safely(client, () => ok({ products: toCatalogProducts(catalog.value, countries) }));
    },

    async quote(choice) {
      const invalid = checkChoice(choice, false);
      if (invalid) return invalid;
      const answer = await client.quote(choice.productId, choice.quantity);
      if (answer.kind !== 'ok') return answer;
      if (answer.value.available === false) {
        return refused('out_of_stock', `LumiWeb has no ${choice.productId} available right now`);
      }
      return safely(client, () => ok(toQuote(answer.value, choice.quantity)));
    },

    async purchase({ choice, reference }) {
      const invalid = checkChoice(choice, true);
      if (invalid) return invalid;
      const answer = await client.buyStatic(purchaseBody(choice), idempotencyKeyFor(reference));
      if (answer.kind !== 'ok') return answer;
      return delivered(answer.value);
    },

    /**
     * LumiWeb has no search by reference, but it replays money requests: the
     * same POST with the same `Idempotency-Key` answers the original response
     * without charging again. So we send the purchase again, exactly as first
     * sent, and take a definite answer as the answer for the order:
     * - `ok` / `provisioning`: the order (the original one, or placed now if
     *   the first attempt never arrived: the order the customer asked and paid
     *   a hold for, placed once, not a blind second purchase);
     * - a documented refusal that speaks for the key (`insufficient`,
     *   `bad_request`, `provider_misconfig`): nothing was bought under it, so
     *   `ok(null)`. Had the first attempt bought, the repeat would have
     *   answered that purchase, not a failure;
     * - a documented gate (`forbidden_scope`, `money_disabled`): the repeat was
     *   stopped before the key was looked at, which says nothing about the
     *   order; a person must fix the key or the panel;
     * - anything else (timeout, 5xx, an undocumented code such as a key
     *   conflict): still unknown.
     * A lookup never answers `refused`: the saga would release the hold.
     */
    async findPurchase(lookup: PurchaseLookup) {
      const invalid = checkChoice(lookup.choice, true);
      // Such a choice was never sent, so nothing exists upstream.
      if (invalid) return ok(null);
      const answer = await client.buyStatic(purchaseBody(lookup.choice), idempotencyKeyFor(lookup.reference));
      switch (answer.kind) {
        case 'ok':
          return delivered(answer.value);
        case 'ambiguous':
          return ambiguous(answer.reason, answer.message, answer.httpStatus);
        case 'refused':
          if (answer.documentedBy?.speaksFor === 'key') return ok(null);
          return ambiguous(
            'needs_operator',
            `the repeated purchase was stopped before LumiWeb looked up its key, so what it bought is unknown: ${answer.message}`,
            answer.httpStatus,
          );
      }
    },

    /**
     * Also the renewal lookup: the saga believes a renewal happened only if an
     * expiry moved. A list that could not be read is therefore never a
     * refusal (which would release the renewal's hold); it is unknown.
     */
    async listProxies() {
      const cards = await listAllSubscriptions(client);
      if (cards.kind !== 'ok') return unknownUnlessOk(cards);
      // Rotating subscriptions (bought in the bot) are not something this shop sells.
      const statics = cards.value.filter((card) => card.kind === undefined || card.kind === 'static');
      const credentials = await Promise.all(statics.map((card) => client.getCredentials(card.subscriptionId)));
      const proxies: UpstreamProxy[] = [];
      for (const [index, card] of statics.entries()) {
        const read = credentials[index]!;
        // A partial list would look like missing proxies to the reconciler: all or nothing.
        if (read.kind !== 'ok') return unknownUnlessOk(read);
        const mapped = safely(client, () => ok(toUpstreamProxies(card, read.value)));
        if (mapped.kind !== 'ok') return mapped;
        proxies.push(...mapped.value);
      }
      return ok(proxies);
    },

    renewalTerms,

    async renew({ upstreamId, termId, reference, maxCostCents }) {
      const subscriptionId = subscriptionIdOf(upstreamId);
      if (!subscriptionId) return refused('invalid_option', `not a LumiWeb proxy id: ${upstreamId}`);
      if (termId !== LUMIWEB_TERM.id) return refused('invalid_option', `unknown term ${termId}`);
      if (maxCostCents !== undefined) {
        // LumiWeb charges its live tier price for every IP: a renewal that would cost more than it was sold for is not sent.
        const terms = await renewalTerms(upstreamId);
        if (terms.kind === 'ambiguous')
          return refused('busy', `could not price the renewal before sending (${terms.message}); nothing was sent`);
        if (terms.kind !== 'ok') return terms;
        const cost = terms.value[0]?.unitCostCents;
        if (cost === undefined) return refused('unsupported', 'LumiWeb cannot price this renewal; nothing was sent');
        if (cost > maxCostCents) {
          return refused(
            'rejected',
            `LumiWeb now charges ${cost} cents for this renewal, more than its price of ${maxCostCents} cents; nothing was sent`,
          );
        }
      }
      const answer = await client.renew(subscriptionId, idempotencyKeyFor(reference));
      if (answer.kind !== 'ok') return answer;
      if (answer.value.status !== 'ok') {
        return ambiguous('timeout', `LumiWeb renewal of subscription ${subscriptionId} is still in progress`);
      }
      return safely(client, () => ok(toRenewResult(answer.value)));
    },

    async balance() {
      if (ownUserId === undefined) {
        const me = await client.getMe();
        if (me.kind !== 'ok') return me;
        if (me.value.userId === null) {
          return refused('invalid_option', 'this LumiWeb key is an operator key: set the userId option');
        }
        ownUserId = me.value.userId;
      }
      const balance = await client.getBalance(ownUserId);
      if (balance.kind !== 'ok') return balance;
      const { balance_cents: cents, balance_usd: usd, balance: plain, currency } = balance.value;
      if (currency !== undefined && currency.toUpperCase() !== 'USD') {
        return ambiguous('malformed', `LumiWeb balance is in ${currency.slice(0, 10)}, expected USD`);
      }
      // Money we have, not money we owe: round down so it is never over-stated.
      return safely(client, () => ok({ balanceCents: cents ?? dollarsToCents((usd ?? plain)!, 'down') }));
    },
  };
}

// ---------------------------------------------------------------------------
// Wire → shop model
// ---------------------------------------------------------------------------

export function toCatalogProducts(catalog: WireCatalog, countries: readonly LumiWebCountry[]): CatalogProduct[] {
  return catalog.categories
    .filter((c) => c.kind === 'static')
    .map((c) => {
      const available = c.live !== false;
      return {
        id: c.category,
        name: c.label ?? c.category,
        kind: 'static',
        billing: 'period',
        protocols: ['http', 'socks5'],
        countries: countries.map((country) => withIso({ code: country.code, name: country.name, available }, country.code, country.name)),
        terms: [
          {
            ...LUMIWEB_TERM,
            // First-tier price; larger orders cost less per IP (ask `quote`).
            ...(c.sample_price_usd === undefined ? {} : { unitCostCents: dollarsToCents(c.sample_price_usd, 'up') }),
          },
        ],
        minQuantity: LUMIWEB_MIN_QUANTITY,
        maxQuantity: LUMIWEB_MAX_QUANTITY,
        available,
      };
    });
}

export function toQuote(answer: WireQuote, quantity: number): Quote {
  const totalCostCents = dollarsToCents(answer.price_usd, 'up');
  // Volume tiers make the per-IP price depend on quantity; round up so it never under-states.
  return { totalCostCents, unitCostCents: Math.ceil(totalCostCents / quantity), exact: true };
}

/**
 * A purchase is delivered when the subscription hands out as many IPs as were
 * ordered; until then LumiWeb took the order but we cannot deliver it yet.
 */
export function toPurchaseResult(
  answer: WirePurchaseAnswer,
  card: WireSubscription,
  credentials: WireCredentials,
): Outcome<PurchaseResult> {
  const proxies = toUpstreamProxies(card, credentials);
  const expected = answer.quantity ?? card.quantity ?? 1;
  if (proxies.length === 0 || proxies.length < expected || proxies.some((p) => p.status === 'pending')) {
    // Not a timeout of ours: the order exists and its IPs are not handed out yet.
    return ambiguous('timeout', `LumiWeb subscription ${card.subscriptionId} is still being provisioned`);
  }
  return ok({
    upstreamOrderId: answer.order_id ?? card.order_id ?? card.subscriptionId,
    proxies,
    ...(answer.price_usd == null ? {} : { costCents: dollarsToCents(answer.price_usd, 'up') }),
  });
}

export function toRenewResult(answer: WireRenewAnswer): RenewResult {
  const newExpiresAt = isoTime(answer.new_expires_at);
  return {
    ...(newExpiresAt === undefined ? {} : { newExpiresAt }),
    ...(answer.price_usd == null ? {} : { costCents: dollarsToCents(answer.price_usd, 'up') }),
  };
}

export function toUpstreamProxies(card: WireSubscription, credentials: WireCredentials): UpstreamProxy[] {
  if (credentials.kind !== 'static') return [];
  const status = statusOf(card);
  const expiresAt = isoTime(card.expires_at);
  return (credentials.static_proxies ?? []).map((p) => ({
    upstreamId: `${card.subscriptionId}:${p.ip}`,
    host: p.ip,
    ...(p.port_http == null ? {} : { httpPort: p.port_http }),
    ...(p.port_socks == null ? {} : { socks5Port: p.port_socks }),
    login: p.login,
    password: p.password,
    ...(card.country ? { countryCode: card.country } : {}),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    status,
  }));
}

function statusOf(card: WireSubscription): UpstreamProxy['status'] {
  switch (card.status?.toLowerCase()) {
    case 'active':
    case 'ok':
      return 'active';
    case 'expired':
      return 'expired';
    case 'cancelled':
    case 'canceled':
    case 'terminated':
      return 'cancelled';
    case 'provisioning':
    case 'pending':
      return 'pending';
    default: {
      // Unknown or missing status: judge by the clock when we can.
      const expires = isoTime(card.expires_at);
      return expires !== undefined && Date.parse(expires) <= Date.now() ? 'expired' : 'active';
    }
  }
}

/** ISO 8601 of an upstream time, or undefined when it does not parse (never a made-up time). */
function isoTime(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/**
 * LumiWeb wants 8-200 characters. Our order ids may be shorter (or contain
 * characters unsafe in a header), so those are replaced by a hash of the
 * reference: the same reference always gives the same key.
 */
export function idempotencyKeyFor(reference: string): string {
  if (/^[\x21-\x7e]{8,200}$/.test(reference)) return reference;
  return `sf-${createHash('sha256').update(reference).digest('hex')}`;
}

/** `<subscription_id>:<ip>` (IPv6 addresses contain `:` too, so split at the first one). */
export function subscriptionIdOf(upstreamId: string): string | undefined {
  const end = upstreamId.indexOf(':');
  const id = end === -1 ? upstreamId : upstreamId.slice(0, end);
  return id.length > 0 ? id : undefined;
}

function findCountry(countries: readonly LumiWebCountry[], code: string): LumiWebCountry | undefined {
  const wanted = code.trim().toUpperCase();
  return countries.find((c) => c.code.toUpperCase() === wanted);
}

/** A refused read says the list is out of reach (key, scope, limit), not that nothing happened. */
function unknownUnlessOk(read: Exclude<Outcome<unknown>, { kind: 'ok' }>): Outcome<never> {
  if (read.kind === 'ambiguous') return read;
  return ambiguous('needs_operator', `LumiWeb would not list subscriptions: ${read.message}`, read.httpStatus);
}

function unreadable(subscriptionId: string, read: Exclude<Outcome<unknown>, { kind: 'ok' }>): Outcome<never> {
  return ambiguous(
    read.kind === 'ambiguous' ? read.reason : 'server_error',
    `LumiWeb subscription ${subscriptionId} was ordered but could not be read: ${read.message}`,
  );
}

async function listAllSubscriptions(client: LumiWebClient): Promise<Outcome<WireSubscription[]>> {
  // Keyed by id: a subscription created while paging may shift another onto the next page twice.
  const cards = new Map<string, WireSubscription>();
  let seen = 0;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await client.listSubscriptions(page, PAGE_SIZE);
    if (answer.kind !== 'ok') return answer;
    const { items, total, hasMore, nextPage } = answer.value;
    for (const card of items) cards.set(card.subscriptionId, card);
    seen += items.length;
    // Trust the most explicit paging hint given; with none, read until an empty page
    // (the server may cap `per_page` below what we asked).
    let more: boolean;
    if (hasMore !== undefined) more = hasMore;
    else if (nextPage !== undefined) more = nextPage !== null;
    else if (total !== undefined) more = seen < total;
    else more = items.length > 0;
    if (!more || items.length === 0) return ok([...cards.values()]);
  }
  return ambiguous('too_large', `LumiWeb lists more than ${MAX_PAGES * PAGE_SIZE} subscriptions`);
}

/** Runs a mapping step; an amount or date that does not convert is an unparseable answer. */
function safely<T>(client: LumiWebClient, map: () => Outcome<T>): Outcome<T> {
  try {
    return map();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return ambiguous('malformed', client.redact(`unexpected LumiWeb answer: ${why}`));
  }
}
