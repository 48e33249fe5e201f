/**
 * GateProxy behind the common provider interface.
 *
 * GateProxy resells other vendors' rotating traffic packages. Each of its
 * "providers" (abcproxy, nodemaven, …) is one product here; each pricing plan
 * is one term. One `POST /orders` buys one proxy, GateProxy runs one order at
 * a time per account, and orders carry no reference of ours, so a lost answer
 * is found again by the order ids that appeared in the history since the
 * purchase was sent (see `findLostPurchase`).
 */
import { dollarsToCents, type Rounding } from '../../domain/money.js';
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
  type PurchaseResult,
  type Quote,
  type TermOption,
  type UpstreamProxy,
  type UsageReport,
} from '../types.js';
import {
  createGateProxyClient,
  type BalanceWire,
  type GateProxyClient,
  type OrderWire,
  type PricingPlanWire,
  type ProviderPricingWire,
  type ProvidersWire,
  type UsageWire,
} from './client.js';

/** Our clock and GateProxy's may disagree; an order stamped this much before `sentAt` may still be ours. */
export const ORDER_CLOCK_SKEW_MS = 2 * 60_000;
const LIST_PAGE_SIZE = 100;
const LIST_MAX_PAGES = 50;
/**
 * Snapshots kept for purchases whose result may still be looked for (lost
 * answers only, so few); beyond this the oldest go first and their lookup
 * uses the fallback.
 */
const MAX_SNAPSHOTS = 100;
/** Order ids remembered with the purchase they answered (ids only, so many). */
const MAX_ANSWERED_ORDERS = 10_000;
/** How many candidate ids an operator message names before it says "and N more". */
const NAMED_CANDIDATES = 10;

/** What this adapter can do: the module descriptor (index.ts) hands these same capabilities to the registry. */
export const GATEPROXY_CAPABILITIES: ProviderCapabilities = {
  quote: false, // no price endpoint: quotes are catalog arithmetic
  renew: false,
  changeCredentials: false,
  rotateIp: false,
  switchLocation: false,
  usage: true,
  balance: true,
  findPurchase: true,
  targeting: false,
  // Seed 004, "Create proxy order": `POST /orders` with `{"provider", "plan"}` — "The API deducts balance,
  // creates or delivers the proxy, records the order, and returns credentials" — is the only way it sells
  // traffic; no endpoint adds traffic to an order. More traffic for a card is therefore a new order of the
  // same provider and plan, linked to the card (services/linked-orders.ts), its usage read by its own order id.
  addTrafficByNewOrder: true,
};

export function createGateProxyProvider(settings: ProviderSettings): ProxyProvider {
  const client = createGateProxyClient(settings);
  // GateProxy answers 409 order_processing while another order of the account
  // runs, so our own orders go one at a time instead of refusing each other.
  const orders = new ConcurrencyLimiter(1);
  // Order ids GateProxy listed just before each purchase was sent, by our
  // reference. In memory only: after a restart the lookup falls back to the
  // ids the shop already recorded.
  const snapshots = new OrderIdSnapshots(MAX_SNAPSHOTS);
  // Which of our references each order id was the answer to. The saga reads
  // `isKnownUpstreamId` before a lookup starts, so an order another purchase
  // of ours has just received is not in it yet; this keeps it from counting
  // as a second new order.
  const answered = new BoundedMap<string, string>(MAX_ANSWERED_ORDERS);

  return {
    id: 'gateproxy',
    displayName: 'GateProxy',
    capabilities: GATEPROXY_CAPABILITIES,

    getCatalog: () => loadCatalog(client),

    async quote(choice) {
      const invalid = checkChoice(choice);
      if (invalid) return invalid;
      const plan = await findPlan(client, choice);
      if (plan.kind !== 'ok') return plan;
      const unitCostCents = centsOrUndefined(plan.value.price, 'up');
      if (unitCostCents === undefined) return ambiguous('malformed', 'GateProxy price is not a money amount');
      const quote: Quote = { unitCostCents, totalCostCents: unitCostCents * choice.quantity, exact: false };
      return ok(quote);
    },

    async purchase({ choice, reference }) {
      const invalid = checkChoice(choice);
      if (invalid) return invalid;
      const placed = await orders.run(async () => {
        // Inside the one-at-a-time section, so no order of ours lands between
        // the snapshot and the send. Without a snapshot the purchase still
        // goes ahead; only a lost answer would then need the fallback.
        const before = await listAllOrders(client);
        if (before.kind === 'ok')
          snapshots.remember(
            reference,
            before.value.map((order) => order.orderId),
          );
        else snapshots.forget(reference);
        return client.createOrder({ provider: choice.productId, plan: choice.termId });
      });
      // Kept only while the result may still be looked for: after a refusal
      // no order was made, and a delivered order is recorded by the shop.
      const mayBeLookedFor = placed.kind === 'ambiguous' || (placed.kind === 'ok' && !placed.value.proxy);
      if (!mayBeLookedFor) snapshots.forget(reference);
      if (placed.kind !== 'ok') return placed;
      answered.set(placed.value.orderId, reference);
      // The documented answer names neither provider nor plan; they are the ones we sent.
      const order = { provider: choice.productId, plan: choice.termId, ...definedFields(placed.value) };
      return ok(purchaseResultFromOrder(order));
    },

    // In the one-at-a-time section too: an order of ours made while we list
    // would otherwise show up as a second unknown new order.
    findPurchase: (lookup) =>
      orders.run(() =>
        findLostPurchase(client, lookup, {
          snapshot: snapshots.get(lookup.reference),
          answeredFor: (orderId) => answered.get(orderId),
        }),
      ),

    listProxies: () => listAllProxies(client),

    /** A CD-key product sells a key to the vendor's own app: GateProxy reports no traffic usage for it. */
    productCapabilities(productId: string): Partial<ProviderCapabilities> {
      return productId.endsWith('_cd_key') ? { usage: false } : {};
    },

    /**
     * Seed 004, "Check proxy traffic usage": `GET /proxies/{proxy_id}/{proxy_username}/usage` — "Use order
     * ID with auto for the easiest flow" — answering `"used": "1.2GB", "remaining": "3.8GB", "total": "5GB"`;
     * `400 usage_not_available` ("Provider has no API usage checker") is `unsupported`. The seed documents
     * no way to add traffic to an order, so a top-up is a new order linked to the card
     * (`addTrafficByNewOrder`), and the card adds up each order's usage, read by each order's id.
     */
    async usage(upstreamId) {
      const usage = await client.usageByOrder(upstreamId);
      return usage.kind === 'ok' ? usageFromWire(usage.value) : usage;
    },

    async balance() {
      const balance = await client.balance();
      return balance.kind === 'ok' ? balanceFromWire(balance.value) : balance;
    },
  };
}

// ---------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------

async function loadCatalog(client: GateProxyClient): Promise<Outcome<ProviderCatalog>> {
  const listed = await client.listProviders();
  if (listed.kind !== 'ok') return listed;
  const active = listed.value.providers.filter((p) => (p.status ?? 'active').toLowerCase() === 'active');

  const pricing = await pricingFor(
    client,
    active.map((p) => p.id),
  );
  if (pricing.kind !== 'ok') return pricing;

  try {
    const products = active.flatMap((provider) => {
      const prices = pricing.value.get(provider.id);
      return prices ? [productFromPricing(provider, prices)] : [];
    });
    return ok({ products });
  } catch (error) {
    // A price we cannot read as money must not become a guessed price.
    return ambiguous('malformed', `GateProxy pricing unreadable: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * One `GET /pricing` covers every provider; providers it leaves out (or all of
 * them, when that endpoint is unavailable) are asked one by one.
 */
async function pricingFor(client: GateProxyClient, providerIds: string[]): Promise<Outcome<Map<string, ProviderPricingWire>>> {
  const byProvider = new Map<string, ProviderPricingWire>();
  const all = await client.allPricing();
  if (all.kind === 'ok') for (const entry of all.value) byProvider.set(entry.provider, entry);
  else if (all.kind === 'refused' && all.code === 'unauthorized') return all;

  const missing = providerIds.filter((id) => !byProvider.has(id));
  const answers = await Promise.all(missing.map((id) => client.providerPricing(id)));
  for (const [index, answer] of answers.entries()) {
    // A provider deactivated between the two calls simply drops out of the catalog.
    if (answer.kind === 'refused' && answer.code === 'invalid_option') continue;
    if (answer.kind !== 'ok') return answer;
    byProvider.set(missing[index]!, answer.value);
  }
  return ok(byProvider);
}

export function productFromPricing(provider: ProvidersWire['providers'][number], pricing: ProviderPricingWire): CatalogProduct {
  if (pricing.currency !== undefined && !isDollarCurrency(pricing.currency)) {
    throw new Error(`prices for ${provider.id} are in ${pricing.currency}`);
  }
  const terms = pricing.plans.map(termFromPlan);
  return {
    id: provider.id,
    // GateProxy resells other networks' residential traffic: the brand alone tells a customer nothing.
    name: `${provider.name ?? provider.id} residential proxies, pay per GB`,
    kind: 'rotating',
    billing: 'traffic',
    // Pricing does not name a protocol; the documented deliveries are HTTP.
    // The delivered proxy's own `protocol` decides its port field.
    protocols: ['http'],
    countries: [],
    terms,
    minQuantity: 1,
    // One order buys one proxy; several would be several serialized orders
    // with partial failures in between, so the shop sells one at a time.
    maxQuantity: 1,
    available: terms.length > 0,
  };
}

function termFromPlan(plan: PricingPlanWire): TermOption {
  const term: TermOption = {
    id: plan.plan,
    label: plan.traffic ?? plan.plan,
    // Pricing is in USDT and the balance in USD; GateProxy debits one for the other 1:1.
    unitCostCents: dollarsToCents(plan.price, 'up'),
  };
  const trafficGb = trafficToGb(plan.traffic ?? plan.plan);
  if (trafficGb !== undefined) term.trafficGb = trafficGb;
  return term;
}

function definedFields<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Money conversion that reports an unreadable amount instead of throwing out of the adapter. */
function centsOrUndefined(amount: number | string, rounding: Rounding): number | undefined {
  try {
    return dollarsToCents(amount, rounding);
  } catch {
    return undefined;
  }
}

/** USDT is a dollar stablecoin; GateProxy itself mixes it with USD. Anything else is not ours to convert. */
function isDollarCurrency(currency: string): boolean {
  return ['USD', 'USDT'].includes(currency.trim().toUpperCase());
}

function checkChoice(choice: OrderChoice): Outcome<never> | undefined {
  if (!Number.isInteger(choice.quantity) || choice.quantity !== 1) {
    return refused('invalid_option', 'GateProxy sells one proxy per order');
  }
  if (choice.countryCode !== undefined) {
    return refused('invalid_option', 'GateProxy products have no country choice');
  }
  return undefined;
}

async function findPlan(client: GateProxyClient, choice: OrderChoice): Promise<Outcome<PricingPlanWire>> {
  const pricing = await client.providerPricing(choice.productId);
  if (pricing.kind !== 'ok') return pricing;
  const plan = pricing.value.plans.find((p) => p.plan === choice.termId);
  if (!plan) return refused('invalid_option', `GateProxy has no plan ${choice.termId} for ${choice.productId}`);
  if (pricing.value.currency !== undefined && !isDollarCurrency(pricing.value.currency)) {
    return ambiguous('malformed', `GateProxy prices for ${choice.productId} are in ${pricing.value.currency}`);
  }
  return ok(plan);
}

// ---------------------------------------------------------------------------
// Account
// ---------------------------------------------------------------------------

export function balanceFromWire(balance: BalanceWire): Outcome<{ balanceCents: number }> {
  if (balance.currency !== undefined && !isDollarCurrency(balance.currency)) {
    return ambiguous('malformed', `GateProxy balance is in ${balance.currency}, not USD`);
  }
  // Our money at the upstream rounds down: never count on a cent we do not have.
  const balanceCents = centsOrUndefined(balance.balance, 'down');
  if (balanceCents === undefined) return ambiguous('malformed', 'GateProxy balance is not a money amount');
  return ok({ balanceCents });
}

export function usageFromWire(usage: UsageWire): Outcome<UsageReport> {
  const usedGb = trafficToGb(usage.used);
  if (usedGb === undefined) return ambiguous('malformed', 'GateProxy usage figure is not a traffic amount');
  const report: UsageReport = { usedGb };
  const remainingGb = usage.remaining === undefined ? undefined : trafficToGb(usage.remaining);
  const totalGb = usage.total === undefined ? undefined : trafficToGb(usage.total);
  if (remainingGb !== undefined) report.remainingGb = remainingGb;
  if (totalGb !== undefined) report.totalGb = totalGb;
  return ok(report);
}

// ---------------------------------------------------------------------------
// Orders and proxies
// ---------------------------------------------------------------------------

/**
 * Reads "1.2GB", "120 MB", "0.120" or a number as gigabytes. Units are
 * decimal (GateProxy sells "120 MB" as plan "0.120"); a bare number is GB.
 */
export function trafficToGb(amount: string | number): number | undefined {
  if (typeof amount === 'number') return Number.isFinite(amount) && amount >= 0 ? amount : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?\s*$/i.exec(amount);
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = (match[2] ?? 'GB').toUpperCase();
  const gbPerUnit: Record<string, number> = { B: 1e-9, KB: 1e-6, MB: 1e-3, GB: 1, TB: 1e3 };
  // toPrecision trims binary noise such as 120 × 0.001 = 0.12000000000000001.
  return Number((value * gbPerUnit[unit]!).toPrecision(12));
}

/** Epoch milliseconds from ISO text or epoch seconds/milliseconds; undefined when unreadable. */
export function orderTimeMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function proxyStatus(orderStatus: string | undefined): UpstreamProxy['status'] {
  switch ((orderStatus ?? 'completed').toLowerCase()) {
    case 'pending':
    case 'processing':
      return 'pending';
    case 'expired':
    case 'exhausted':
      return 'expired';
    case 'cancelled':
    case 'canceled':
    case 'refunded':
    case 'failed':
      return 'cancelled';
    default:
      return 'active';
  }
}

/** Orders that sold nothing (the money went back) are never claimed as a lost purchase. */
function soldNothing(order: OrderWire): boolean {
  return ['failed', 'cancelled', 'canceled', 'refunded'].includes((order.status ?? '').toLowerCase());
}

/** The proxy an order delivered, in the common model; undefined while it has no credentials yet. */
export function proxyFromOrder(order: OrderWire): UpstreamProxy | undefined {
  if (!order.proxy) return undefined;
  const { host, port, username, password, protocol } = order.proxy;
  const isSocks = (protocol ?? 'HTTP').toUpperCase().startsWith('SOCKS');
  const proxy: UpstreamProxy = {
    upstreamId: order.orderId,
    host,
    ...(isSocks ? { socks5Port: port } : { httpPort: port }),
    login: username,
    password,
    status: proxyStatus(order.status),
  };
  // Traffic packages do not expire by time: no expiresAt.
  const trafficGb = trafficToGb(order.traffic ?? order.plan ?? '');
  if (trafficGb !== undefined && trafficGb > 0) proxy.trafficLimitGb = trafficGb;
  return proxy;
}

/**
 * A completed order comes with its proxy. An order accepted but still without
 * credentials is still a purchase (GateProxy has debited us); its proxy shows
 * up later in `listProxies`.
 */
export function purchaseResultFromOrder(order: OrderWire): PurchaseResult {
  const proxy = proxyFromOrder(order);
  const result: PurchaseResult = { upstreamOrderId: order.orderId, proxies: proxy ? [proxy] : [] };
  const costCents = order.price === undefined ? undefined : centsOrUndefined(order.price, 'up');
  if (costCents !== undefined) result.costCents = costCents;
  return result;
}

/** Every order in GateProxy's history, each once; ambiguous when the history is longer than we read. */
async function listAllOrders(client: GateProxyClient): Promise<Outcome<OrderWire[]>> {
  // By id: when an order arrives between two page reads, a newest-first
  // history shifts by one and an order is seen twice.
  const byId = new Map<string, OrderWire>();
  for (let page = 1; page <= LIST_MAX_PAGES; page++) {
    const answer = await client.listOrders({ limit: LIST_PAGE_SIZE, page });
    if (answer.kind !== 'ok') return answer;
    for (const order of answer.value.orders) if (!byId.has(order.orderId)) byId.set(order.orderId, order);
    if (isLastPage(answer.value, LIST_PAGE_SIZE)) return ok([...byId.values()]);
  }
  return ambiguous('too_large', `GateProxy lists more than ${LIST_MAX_PAGES * LIST_PAGE_SIZE} orders`);
}

async function listAllProxies(client: GateProxyClient): Promise<Outcome<UpstreamProxy[]>> {
  const listed = await listAllOrders(client);
  if (listed.kind !== 'ok') return listed;
  return ok(listed.value.flatMap((order) => proxyFromOrder(order) ?? []));
}

function isLastPage(page: { orders: unknown[]; has_more?: boolean | undefined }, limit: number): boolean {
  if (page.has_more !== undefined) return !page.has_more;
  return page.orders.length < limit;
}

/** A Map that forgets its oldest entries beyond `limit`. */
class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly limit: number) {}

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }
}

/** The order ids listed just before each purchase, by our reference. */
class OrderIdSnapshots {
  private readonly byReference: BoundedMap<string, ReadonlySet<string>>;

  constructor(limit: number) {
    this.byReference = new BoundedMap(limit);
  }

  remember(reference: string, orderIds: string[]): void {
    this.byReference.set(reference, new Set(orderIds));
  }

  forget(reference: string): void {
    this.byReference.delete(reference);
  }

  get(reference: string): ReadonlySet<string> | undefined {
    return this.byReference.get(reference);
  }
}

/** What this process remembers of its own purchases (nothing after a restart). */
interface PurchaseMemory {
  /** Order ids listed just before this purchase was sent. */
  snapshot: ReadonlySet<string> | undefined;
  /** The reference of the purchase an order id was the answer to. */
  answeredFor(orderId: string): string | undefined;
}

/**
 * GateProxy orders carry no reference of ours, and seed 004 documents no
 * field of `GET /orders` items (not even a creation time). What it does
 * document: one order at a time per account (we serialize ours) and
 * `GET /orders/{order_id}`. So a purchase whose answer was lost is the order
 * that appeared since it was sent:
 *
 * - new = listed now − listed just before sending (`snapshot`, when this
 *   process sent it) − ids the shop already recorded (`isKnownUpstreamId`:
 *   GateProxy order ids, since `upstreamId` of a GateProxy proxy is its
 *   order id) − ids GateProxy gave as the answer to another purchase of
 *   ours. After a restart there is no snapshot, and every order the shop
 *   has not recorded counts as new.
 * - none → `ok(null)` (the saga waits a grace period before believing it);
 * - exactly one → ours: its details come from `GET /orders/{order_id}`;
 * - several → a person decides (`needs_operator`), never a guess.
 *
 * Undocumented fields (provider, plan, created_at) may single one out among
 * several, but never rule the last one out: their format is unknown (the
 * docs themselves show plan "1" and "1GB"), and wrongly concluding "not
 * bought" would release money for a sale.
 */
async function findLostPurchase(
  client: GateProxyClient,
  lookup: PurchaseLookup,
  memory: PurchaseMemory,
): Promise<Outcome<PurchaseResult | null>> {
  const { snapshot, answeredFor } = memory;
  const listed = await listAllOrders(client);
  if (listed.kind !== 'ok') return stillUnknown(listed, 'listing GateProxy orders');
  // GateProxy answered this purchase with its order id (e.g. before credentials were ready).
  const answeredToUs = listed.value.find(
    (order) => answeredFor(order.orderId) === lookup.reference && !lookup.isKnownUpstreamId(order.orderId),
  );
  if (answeredToUs) return readFoundOrder(client, answeredToUs, lookup);

  const fresh = listed.value.filter(
    (order) =>
      !lookup.isKnownUpstreamId(order.orderId) &&
      !snapshot?.has(order.orderId) &&
      answeredFor(order.orderId) === undefined &&
      !soldNothing(order),
  );
  if (fresh.length === 0) return ok(null);

  const plausible = fresh.filter((order) => !contradictsLookup(order, lookup));
  if (plausible.length === 1) return readFoundOrder(client, plausible[0]!, lookup);

  const named = plausible.length > 1 ? plausible : fresh;
  const ids = named.map((order) => order.orderId);
  const shown =
    ids.slice(0, NAMED_CANDIDATES).join(', ') + (ids.length > NAMED_CANDIDATES ? ` and ${ids.length - NAMED_CANDIDATES} more` : '');
  const since = snapshot ? 'since this purchase was sent' : 'that the shop has not recorded (no snapshot from before the purchase)';
  const what =
    plausible.length > 1
      ? `${ids.length} GateProxy orders appeared ${since} and any of them could be this purchase`
      : `${ids.length} GateProxy order${ids.length === 1 ? '' : 's'} appeared ${since}, none looking like this purchase`;
  return ambiguous('needs_operator', `${what}: ${shown}; a person must decide which one, if any, is ours`);
}

/**
 * True when a field GateProxy happens to send (undocumented) says the order
 * is not this purchase: another provider or plan, or created well before the
 * purchase was sent.
 */
function contradictsLookup(order: OrderWire, lookup: PurchaseLookup): boolean {
  if (order.provider !== undefined && order.provider !== lookup.choice.productId) return true;
  if (order.plan !== undefined && order.plan !== lookup.choice.termId) return true;
  const createdMs = orderTimeMs(order.created_at);
  const sentAtMs = Date.parse(lookup.sentAt);
  if (createdMs !== undefined && !Number.isNaN(sentAtMs) && createdMs < sentAtMs - ORDER_CLOCK_SKEW_MS) return true;
  return false;
}

/** The one new order, read again with the documented `GET /orders/{order_id}`. */
async function readFoundOrder(client: GateProxyClient, listed: OrderWire, lookup: PurchaseLookup): Promise<Outcome<PurchaseResult | null>> {
  const detail = await client.getOrder(listed.orderId);
  if (detail.kind !== 'ok') return stillUnknown(detail, `reading GateProxy order ${listed.orderId}`);
  if (detail.value.orderId !== listed.orderId) {
    return ambiguous('malformed', `GateProxy answered order ${detail.value.orderId} when asked for ${listed.orderId}`);
  }
  // Ours, but it sold nothing (the money went back): nothing to deliver.
  if (soldNothing(detail.value)) return ok(null);
  // Provider and plan are the ones we sent; the list item fills what the details leave out.
  const order: OrderWire = {
    provider: lookup.choice.productId,
    plan: lookup.choice.termId,
    ...definedFields(listed),
    ...definedFields(detail.value),
  };
  return ok(purchaseResultFromOrder(order));
}

/**
 * A failed read during a lookup proves nothing about the purchase: even a
 * refusal (e.g. 401 after a key rotation) must not reach the saga as one,
 * or it would release money for an order that may exist.
 */
function stillUnknown(outcome: Outcome<never>, what: string): Outcome<never> {
  if (outcome.kind === 'ambiguous') return outcome;
  if (outcome.kind === 'refused') {
    const reason = outcome.code === 'unauthorized' || outcome.code === 'forbidden' ? 'needs_operator' : 'undocumented';
    return ambiguous(reason, `${what}: ${outcome.message}`, outcome.httpStatus);
  }
  return outcome;
}
