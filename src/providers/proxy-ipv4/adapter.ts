/**
 * proxy-ipv4.com behind the common provider interface.
 *
 * The upstream takes no reference and its order answer says only "success",
 * so a purchase is recognized by what it leaves behind: the proxies listed
 * after the order that were not listed before. Our own purchases are
 * therefore run one at a time (snapshot → order → re-list), and a lost answer
 * is reconciled by looking for new proxies of the right type and country that
 * started after the order was sent.
 */
import { withIso } from '../../domain/countries.js';
import { dollarsToCents, MoneyParseError, type Rounding } from '../../domain/money.js';
import { ConcurrencyLimiter } from '../../lib/http.js';
import {
  ambiguous,
  ok,
  refused,
  type CatalogProduct,
  type OrderChoice,
  type Outcome,
  type ProviderCapabilities,
  type ProviderCatalog,
  type ProviderSettings,
  type ProxyProvider,
  type PurchaseLookup,
  type PurchaseRequest,
  type PurchaseResult,
  type Quote,
  type RenewRequest,
  type RenewResult,
  type TermOption,
  type UpstreamProxy,
} from '../types.js';
import { createProxyIpv4Client, isProxyType, PROXY_TYPES, type OrderRequest, type ProxyIpv4Client, type ProxyType } from './client.js';
import { listedProxies, parseUpstreamId, type ListedProxy } from './mapping.js';

export const PROXY_IPV4_BASE_URL = 'https://proxy-ipv4.com';

export interface ProxyIpv4Settings extends ProviderSettings {
  /**
   * Sent as `goal` with price and order calls. The upstream requires it (the
   * purpose of use, chosen from a list on its website) but does not publish
   * the values; "common" is the general-purpose choice.
   */
  goal?: string;
  /**
   * How much earlier than our `sentAt` the upstream's clock may stamp a new
   * proxy's `dateStart`. Default 10 minutes: hosts without working time sync
   * drift by minutes, and a window narrower than the drift would make a real
   * purchase look like none (the hold released for a sale); a wider one only
   * risks counting a website purchase, which then goes to a person.
   */
  clockSkewMs?: number;
  /** After an accepted order: how many listings to look for the new proxies in, and the pause between. */
  newProxyListings?: number;
  newProxyListingPauseMs?: number;
}

const PRODUCTS: Record<ProxyType, Pick<CatalogProduct, 'name' | 'kind' | 'protocols'>> = {
  ipv4: { name: 'Private IPv4 proxies', kind: 'static', protocols: ['http', 'socks5'] },
  // The seed lists one port and a `protocol` field that shows HTTP for IPv6.
  ipv6: { name: 'IPv6 proxies', kind: 'static', protocols: ['http'] },
  isp: { name: 'ISP proxies', kind: 'static', protocols: ['http', 'socks5'] },
  // Dedicated, rented by period, but the exit IP changes every `rotationTime` minutes and on demand:
  // for the buyer that is a rotating proxy.
  mobile: { name: 'Mobile proxies', kind: 'rotating', protocols: ['http', 'socks5'] },
};

/** The API documents no per-order limit; a cautious cap keeps a typo from buying a thousand. */
const MAX_QUANTITY = 100;

/** What this adapter can do: the module descriptor (index.ts) hands these same capabilities to the registry. */
export const PROXY_IPV4_CAPABILITIES: ProviderCapabilities = {
  quote: true,
  renew: true,
  changeCredentials: false,
  rotateIp: true,
  switchLocation: false,
  usage: false,
  balance: true,
  findPurchase: true,
  targeting: false,
};

export function createProxyIpv4Provider(settings: ProxyIpv4Settings): ProxyProvider {
  return new ProxyIpv4Provider(settings);
}

class ProxyIpv4Provider implements ProxyProvider {
  readonly id = 'proxy-ipv4' as const;
  readonly displayName = 'proxy-ipv4.com';
  readonly capabilities: ProviderCapabilities = PROXY_IPV4_CAPABILITIES;

  /** Only mobile proxies have a reboot link that rotates their IP. */
  productCapabilities(productId: string): Partial<ProviderCapabilities> {
    return productId === 'mobile' ? {} : { rotateIp: false };
  }

  private readonly client: ProxyIpv4Client;
  private readonly goal: string;
  private readonly clockSkewMs: number;
  private readonly newProxyListings: number;
  private readonly newProxyListingPauseMs: number;
  /** Purchases and lookups one at a time, so "new since the snapshot" means "ours". */
  private readonly purchases = new ConcurrencyLimiter(1);

  constructor(settings: ProxyIpv4Settings) {
    this.client = createProxyIpv4Client({
      apiKey: settings.apiKey,
      baseUrl: settings.baseUrl || PROXY_IPV4_BASE_URL,
      ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    });
    this.goal = settings.goal ?? 'common';
    this.clockSkewMs = settings.clockSkewMs ?? 10 * 60_000;
    this.newProxyListings = Math.max(1, settings.newProxyListings ?? 3);
    this.newProxyListingPauseMs = settings.newProxyListingPauseMs ?? 1_000;
  }

  // -------------------------------------------------------------------------
  // Catalog and prices
  // -------------------------------------------------------------------------

  async getCatalog(): Promise<Outcome<ProviderCatalog>> {
    const products: CatalogProduct[] = [];
    // One type at a time: eight small reads, no need to burst them.
    for (const type of PROXY_TYPES) {
      const product = await this.productFor(type);
      if (product.kind !== 'ok') return product;
      products.push(product.value);
    }
    return ok({ products });
  }

  private async productFor(type: ProxyType): Promise<Outcome<CatalogProduct>> {
    const [countries, days] = await Promise.all([this.client.getCountries(type), this.client.getDays(type)]);
    if (countries.kind !== 'ok') return countries;
    if (days.kind !== 'ok') return days;
    return ok({
      id: type,
      ...PRODUCTS[type],
      billing: 'period',
      // The list is of countries "available to buy in"; stock itself is only known when ordering.
      countries: countries.value.map((c) => withIso({ code: c.alpha3code, name: c.name, available: true }, c.alpha3code, c.name)),
      // Prices depend on country and quantity, so the catalog leaves unit costs to `quote`.
      terms: days.value.map(termForDays),
      minQuantity: 1,
      maxQuantity: MAX_QUANTITY,
      available: countries.value.length > 0 && days.value.length > 0,
    });
  }

  async quote(choice: OrderChoice): Promise<Outcome<Quote>> {
    const order = this.orderFor(choice);
    if (order.kind !== 'ok') return order;
    const price = await this.client.getOrderPrice(order.value);
    if (price.kind !== 'ok') return price;
    const total = this.cents(price.value.amount, 'up');
    if (total.kind !== 'ok') return total;
    const unit = price.value.price == null ? ok(Math.ceil(total.value / order.value.count)) : this.cents(price.value.price, 'up');
    if (unit.kind !== 'ok') return unit;
    return ok({ totalCostCents: total.value, unitCostCents: unit.value, exact: true });
  }

  // -------------------------------------------------------------------------
  // Purchase and its reconciliation
  // -------------------------------------------------------------------------

  purchase(request: PurchaseRequest): Promise<Outcome<PurchaseResult>> {
    const order = this.orderFor(request.choice);
    if (order.kind !== 'ok') return Promise.resolve(order);
    return this.purchases.run(() => this.placeAndCollect(order.value));
  }

  private async placeAndCollect(order: OrderRequest): Promise<Outcome<PurchaseResult>> {
    const before = await this.listType(order.proxyType);
    if (before.kind === 'refused') return before;
    if (before.kind === 'ambiguous') {
      // No order was sent: without a snapshot we could not tell our new proxies apart.
      return refused('busy', `could not list existing proxies before ordering (${before.message})`);
    }
    const alreadyThere = new Set(before.value.map((p) => p.proxy.upstreamId));
    const affordable = await this.precheck(order);
    if (affordable.kind !== 'ok') return affordable;

    const placed = await this.client.placeOrder(order);
    if (placed.kind !== 'ok') {
      // An error answer (not a lost one) means the upstream is done with the request: if it did
      // the work anyway, its proxies are listed now, and they are ours (orders go one at a time).
      if (placed.kind !== 'ambiguous' || placed.httpStatus === undefined) return placed;
      const after = await this.listType(order.proxyType);
      if (after.kind !== 'ok') return placed;
      const fresh = after.value.filter((p) => !alreadyThere.has(p.proxy.upstreamId) && sameCountry(p, order.country));
      return fresh.length === order.count ? ok(purchaseResult(fresh)) : placed;
    }

    let lastProblem = 'the new proxies did not appear in the listing';
    for (let listing = 0; listing < this.newProxyListings; listing++) {
      if (listing > 0) await pause(this.newProxyListingPauseMs);
      const after = await this.listType(order.proxyType);
      if (after.kind !== 'ok') {
        lastProblem = `listing after the order failed (${after.message})`;
        continue;
      }
      const fresh = after.value.filter((p) => !alreadyThere.has(p.proxy.upstreamId) && sameCountry(p, order.country));
      if (fresh.length === order.count) return ok(purchaseResult(fresh));
      if (fresh.length > order.count) {
        // Someone else bought the same kind meanwhile (the website): which are ours is not ours to guess.
        return ambiguous('needs_operator', `order accepted; ${fresh.length} new proxies appeared for an order of ${order.count}`);
      }
      lastProblem = `only ${fresh.length} of ${order.count} new proxies are listed`;
    }
    // The upstream took the order (and the money); which proxies are ours is for findPurchase to settle.
    return ambiguous('timeout', `order accepted but its proxies could not be identified: ${lastProblem}`);
  }

  /**
   * What can be refused is refused before a money POST is sent, from
   * documented reads (refusals.ts, PROXY_IPV4_PRECHECKS): the upstream's
   * price for exactly this order, and our balance. A read that fails says
   * nothing was sent (`busy`); a price read the upstream refuses (unknown
   * type, period or country) is that refusal.
   */
  private async precheck(order: OrderRequest): Promise<Outcome<{ costCents: number }>> {
    const [price, balance] = await Promise.all([this.client.getOrderPrice(order), this.client.getBalance()]);
    for (const read of [price, balance]) {
      if (read.kind === 'ambiguous') return refused('busy', `could not check price and balance before sending (${read.message})`);
      if (read.kind === 'refused') return read;
    }
    if (price.kind !== 'ok' || balance.kind !== 'ok') throw new Error('unreachable');
    const cost = this.cents(price.value.amount, 'up');
    if (cost.kind !== 'ok') return refused('busy', `the price could not be read (${cost.message}); nothing was sent`);
    const held = this.cents(balance.value.balance, 'down');
    if (held.kind !== 'ok') return refused('busy', `the balance could not be read (${held.message}); nothing was sent`);
    if (held.value < cost.value) {
      return refused(
        'insufficient_upstream_balance',
        `proxy-ipv4: the order costs ${cost.value} cents, our balance there is ${held.value} cents; nothing was sent`,
      );
    }
    return ok({ costCents: cost.value });
  }

  /**
   * No reference travels with an order, so a lost one is recognized by what
   * it leaves behind, using only documented fields: proxies of the ordered
   * type and country (`country`), not already ours, whose rent started
   * (`dateStart`) after the order was sent, give or take the clock skew; a
   * proxy without a readable `dateStart` cannot be ruled out, so it counts.
   * Orders go one at a time, so exactly `count` of them are ours; none → no
   * purchase; fewer → perhaps still provisioning; more → a person decides.
   */
  findPurchase(lookup: PurchaseLookup): Promise<Outcome<PurchaseResult | null>> {
    const order = this.orderFor(lookup.choice);
    if (order.kind !== 'ok') return Promise.resolve(order);
    const sentAt = Date.parse(lookup.sentAt);
    if (Number.isNaN(sentAt)) return Promise.resolve(refused('invalid_option', `sentAt is not a date: ${lookup.sentAt}`));
    return this.purchases.run(async () => {
      const listed = await this.listType(order.value.proxyType);
      if (listed.kind !== 'ok') return listed;
      const since = sentAt - this.clockSkewMs;
      const candidates = listed.value.filter(
        (p) =>
          !lookup.isKnownUpstreamId(p.proxy.upstreamId) &&
          sameCountry(p, order.value.country) &&
          (p.startedAt === undefined || p.startedAt >= since),
      );
      const wanted = order.value.count;
      if (candidates.length === 0) return ok(null);
      if (candidates.length === wanted) return ok(purchaseResult(candidates));
      if (candidates.length < wanted) {
        return ambiguous('timeout', `found ${candidates.length} of ${wanted} new proxies; the order may still be provisioning`);
      }
      return ambiguous(
        'needs_operator',
        `${candidates.length} unknown new proxies (${candidates
          .map((p) => p.proxy.upstreamId)
          .join(', ')}) could belong to an order of ${wanted}; which are ours is for a person to decide`,
      );
    });
  }

  async listProxies(): Promise<Outcome<UpstreamProxy[]>> {
    const list = await this.client.getProxies();
    if (list.kind !== 'ok') return list;
    return ok(listedProxies(list.value, Date.now()).map((p) => p.proxy));
  }

  // -------------------------------------------------------------------------
  // Renewal
  // -------------------------------------------------------------------------

  /**
   * The rent periods of the proxy's type, each priced by the upstream's own
   * quote. `get/extend/price` exists but its parameters are not published, so
   * the renewal is priced with `get/order/price` for the same type, period
   * and country, for as many proxies as the extend renews (one; for IPv6 its
   * whole order) — the documented price of exactly that many proxies for that
   * term. A term whose price cannot be read is not offered with a guessed
   * one: the whole answer fails, and the shop says the provider is unavailable
   * (a later fallback to a one-proxy quote would under-charge an IPv6 order).
   */
  async renewalTerms(upstreamId: string): Promise<Outcome<TermOption[]>> {
    const found = await this.locate(upstreamId);
    if (found.kind !== 'ok') return found;
    const { type, proxy, renewedTogether } = found.value;
    if (!proxy.countryCode) return refused('unsupported', 'the proxy shows no country, so its renewal cannot be priced');
    const days = await this.client.getDays(type);
    if (days.kind !== 'ok') return days;
    const terms: TermOption[] = [];
    for (const period of days.value) {
      const price = await this.client.getOrderPrice({
        proxyType: type,
        days: period,
        goal: this.goal,
        country: proxy.countryCode,
        count: renewedTogether,
      });
      if (price.kind !== 'ok') return price;
      const cents = this.cents(price.value.amount, 'up');
      if (cents.kind !== 'ok') return cents;
      terms.push({
        ...termForDays(period),
        ...(renewedTogether > 1 ? { label: `${termForDays(period).label} (all ${renewedTogether} IPv6 proxies of the order)` } : {}),
        unitCostCents: cents.value,
        renewsProxies: renewedTogether,
      });
    }
    return ok(terms);
  }

  /**
   * Extends one proxy (an IPv6 proxy's whole order). The proxy must still be
   * listed and our balance must cover the renewal's price before the extend
   * is sent; after that, any error is ambiguous and the saga checks the
   * proxy's new end date.
   */
  async renew(request: RenewRequest): Promise<Outcome<RenewResult>> {
    const ref = parseUpstreamId(request.upstreamId);
    if (!ref) return refused('not_found', 'not a proxy-ipv4 proxy id');
    const days = daysOfTerm(request.termId);
    if (days === undefined) return refused('invalid_option', `unknown term ${request.termId}`);
    const found = await this.locate(request.upstreamId);
    if (found.kind === 'ambiguous') return refused('busy', `could not find the proxy before renewing (${found.message}); nothing was sent`);
    if (found.kind !== 'ok') return found;
    const { proxy, renewedTogether } = found.value;
    if (proxy.countryCode) {
      const affordable = await this.precheck({
        proxyType: ref.type,
        days,
        goal: this.goal,
        country: proxy.countryCode,
        count: renewedTogether,
      });
      if (affordable.kind !== 'ok') return affordable;
    }
    const extended = await this.client.extend({ proxyType: ref.type, days, ids: [ref.extendId] });
    if (extended.kind !== 'ok') return extended;
    // The answer does not carry the new end date; the listing does. If that read fails, the renewal still stands.
    const after = await this.listType(ref.type);
    const renewed = after.kind === 'ok' ? after.value.find((p) => p.proxy.upstreamId === request.upstreamId) : undefined;
    return ok(renewed?.proxy.expiresAt ? { newExpiresAt: renewed.proxy.expiresAt } : {});
  }

  // -------------------------------------------------------------------------
  // Mobile IP rotation and balance
  // -------------------------------------------------------------------------

  async rotateIp(upstreamId: string): Promise<Outcome<{ rotated: true }>> {
    const ref = parseUpstreamId(upstreamId);
    if (ref && ref.type !== 'mobile') return refused('unsupported', `${ref.type} proxies have no IP rotation`);
    const found = await this.locate(upstreamId);
    if (found.kind !== 'ok') return found;
    const link = found.value.proxy.rotationUrl;
    if (!link) return refused('unsupported', 'this proxy has no reboot link');
    return this.client.openRebootLink(link);
  }

  async balance(): Promise<Outcome<{ balanceCents: number }>> {
    const answer = await this.client.getBalance();
    if (answer.kind !== 'ok') return answer;
    // What we hold rounds down: never count on a fraction of a cent we may not have.
    const cents = this.cents(answer.value.balance, 'down');
    return cents.kind === 'ok' ? ok({ balanceCents: cents.value }) : cents;
  }

  // -------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------

  /** Checks a catalog choice locally and turns it into the upstream's order fields. */
  private orderFor(choice: OrderChoice): Outcome<OrderRequest> {
    if (!isProxyType(choice.productId)) return refused('invalid_option', `unknown product ${choice.productId}`);
    const days = daysOfTerm(choice.termId);
    if (days === undefined) return refused('invalid_option', `unknown term ${choice.termId}`);
    const country = choice.countryCode?.trim().toUpperCase();
    if (!country) return refused('invalid_option', 'a country is required');
    if (!Number.isSafeInteger(choice.quantity) || choice.quantity < 1 || choice.quantity > MAX_QUANTITY) {
      return refused('invalid_option', `quantity must be between 1 and ${MAX_QUANTITY}`);
    }
    return ok({ proxyType: choice.productId, days, goal: this.goal, country, count: choice.quantity });
  }

  private async listType(type: ProxyType): Promise<Outcome<ListedProxy[]>> {
    const list = await this.client.getProxiesOfType(type);
    if (list.kind !== 'ok') return list;
    return ok(listedProxies(list.value, Date.now(), type));
  }

  /** Finds a proxy of ours by id, with how many proxies a renewal of it covers. */
  private async locate(upstreamId: string): Promise<Outcome<{ type: ProxyType; proxy: UpstreamProxy; renewedTogether: number }>> {
    const ref = parseUpstreamId(upstreamId);
    if (!ref) return refused('not_found', 'not a proxy-ipv4 proxy id');
    const listed = await this.listType(ref.type);
    if (listed.kind !== 'ok') return listed;
    const match = listed.value.find((p) => p.proxy.upstreamId === upstreamId);
    if (!match) return refused('not_found', 'no such active proxy at proxy-ipv4');
    const renewedTogether = ref.type === 'ipv6' ? listed.value.filter((p) => p.orderId === ref.extendId).length : 1;
    return ok({ type: ref.type, proxy: match.proxy, renewedTogether });
  }

  private cents(value: number | string, rounding: Rounding): Outcome<number> {
    try {
      const cents = dollarsToCents(value, rounding);
      return cents >= 0 ? ok(cents) : ambiguous('malformed', `negative amount from upstream: ${value}`);
    } catch (error) {
      if (error instanceof MoneyParseError) return ambiguous('malformed', error.message);
      throw error;
    }
  }
}

function termForDays(days: number): TermOption {
  return { id: String(days), label: days === 1 ? '1 day' : `${days} days`, days };
}

function daysOfTerm(termId: string): number | undefined {
  if (!/^\d+$/.test(termId)) return undefined;
  const days = Number(termId);
  return days > 0 && Number.isSafeInteger(days) ? days : undefined;
}

function sameCountry(listed: ListedProxy, country: string): boolean {
  return listed.proxy.countryCode === country;
}

function purchaseResult(unordered: ListedProxy[]): PurchaseResult {
  // Earliest-started first, so repeated lookups name the same first proxy as the order.
  const proxies = [...unordered].sort(
    (a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0) || a.proxy.upstreamId.localeCompare(b.proxy.upstreamId),
  );
  const first = proxies[0]!;
  // No order id comes back; IPv6 proxies show theirs, the others are known by their first proxy.
  return { upstreamOrderId: first.orderId ?? first.proxy.upstreamId, proxies: proxies.map((p) => p.proxy) };
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
