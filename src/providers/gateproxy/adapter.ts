/**
 * GateProxy behind the common provider interface.
 *
 * GateProxy resells other vendors' rotating traffic packages. Each of its
 * "providers" (abcproxy, nodemaven, …) is one product here; each pricing plan
 * is one term. One `POST /orders` buys one proxy, GateProxy runs one order at
 * a time per account, and orders carry no reference of ours, so a lost answer
 * is found again by listing orders and matching provider, plan and time.
 */
import { dollarsToCents, type Rounding } from '../../domain/money.js';
import { ConcurrencyLimiter } from '../http.js';
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
const LOOKUP_PAGE_SIZE = 50;
const LOOKUP_MAX_PAGES = 10;
const LIST_PAGE_SIZE = 100;
const LIST_MAX_PAGES = 50;

const CAPABILITIES: ProviderCapabilities = {
  quote: false, // no price endpoint: quotes are catalog arithmetic
  renew: false,
  changeCredentials: false,
  rotateIp: false,
  switchLocation: false,
  usage: true,
  balance: true,
  findPurchase: true,
};

export function createGateProxyProvider(settings: ProviderSettings): ProxyProvider {
  const client = createGateProxyClient(settings);
  // GateProxy answers 409 order_processing while another order of the account
  // runs, so our own orders go one at a time instead of refusing each other.
  const orders = new ConcurrencyLimiter(1);

  return {
    id: 'gateproxy',
    displayName: 'GateProxy',
    capabilities: CAPABILITIES,

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

    async purchase({ choice }) {
      const invalid = checkChoice(choice);
      if (invalid) return invalid;
      const placed = await orders.run(() => client.createOrder({ provider: choice.productId, plan: choice.termId }));
      if (placed.kind !== 'ok') return placed;
      // The documented answer names neither provider nor plan; they are the ones we sent.
      const order = { provider: choice.productId, plan: choice.termId, ...definedFields(placed.value) };
      return ok(purchaseResultFromOrder(order));
    },

    findPurchase: (lookup) => findLostPurchase(client, lookup),

    listProxies: () => listAllProxies(client),

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

  const pricing = await pricingFor(client, active.map((p) => p.id));
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
async function pricingFor(
  client: GateProxyClient,
  providerIds: string[],
): Promise<Outcome<Map<string, ProviderPricingWire>>> {
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

export function productFromPricing(
  provider: ProvidersWire['providers'][number],
  pricing: ProviderPricingWire,
): CatalogProduct {
  if (pricing.currency !== undefined && !isDollarCurrency(pricing.currency)) {
    throw new Error(`prices for ${provider.id} are in ${pricing.currency}`);
  }
  const terms = pricing.plans.map(termFromPlan);
  return {
    id: provider.id,
    name: provider.name ?? provider.id,
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

async function listAllProxies(client: GateProxyClient): Promise<Outcome<UpstreamProxy[]>> {
  const proxies: UpstreamProxy[] = [];
  for (let page = 1; page <= LIST_MAX_PAGES; page++) {
    const answer = await client.listOrders({ limit: LIST_PAGE_SIZE, page });
    if (answer.kind !== 'ok') return answer;
    for (const order of answer.value.orders) {
      const proxy = proxyFromOrder(order);
      if (proxy) proxies.push(proxy);
    }
    if (isLastPage(answer.value, LIST_PAGE_SIZE)) return ok(proxies);
  }
  return ambiguous('too_large', `GateProxy lists more than ${LIST_MAX_PAGES * LIST_PAGE_SIZE} orders`);
}

function isLastPage(page: { orders: unknown[]; has_more?: boolean | undefined }, limit: number): boolean {
  if (page.has_more !== undefined) return !page.has_more;
  return page.orders.length < limit;
}

/**
 * GateProxy orders carry no reference of ours, so a purchase whose answer was
 * lost is recognised by elimination: an order we have not recorded yet, for
 * the same provider and plan, created no earlier than just before we sent
 * ours. The earliest such order is ours: later ones belong to later attempts.
 */
async function findLostPurchase(
  client: GateProxyClient,
  lookup: PurchaseLookup,
): Promise<Outcome<PurchaseResult | null>> {
  const known = new Set(lookup.knownUpstreamIds);
  const sentAtMs = Date.parse(lookup.sentAt);
  if (Number.isNaN(sentAtMs)) return refused('rejected', `sentAt is not a time: ${lookup.sentAt}`);
  const notBefore = sentAtMs - ORDER_CLOCK_SKEW_MS;

  const candidates: Array<{ order: OrderWire; createdMs: number }> = [];
  let undatedMatch = false;
  // The history's order is undocumented. While it reads newest first, a page
  // with nothing recent means every later page is older still; otherwise every
  // page is read.
  let newestFirst = true;
  let previousMs = Infinity;
  const answerNow = (): Outcome<PurchaseResult | null> => {
    if (candidates.length > 0) {
      candidates.sort((a, b) => a.createdMs - b.createdMs);
      return ok(purchaseResultFromOrder(candidates[0]!.order));
    }
    if (undatedMatch) return ambiguous('malformed', 'GateProxy lists matching orders without a creation time');
    return ok(null);
  };

  for (let page = 1; page <= LOOKUP_MAX_PAGES; page++) {
    const answer = await client.listOrders({ limit: LOOKUP_PAGE_SIZE, page });
    if (answer.kind !== 'ok') return answer;
    let pageHasRecentOrders = false;
    for (const order of answer.value.orders) {
      const createdMs = orderTimeMs(order.created_at);
      if (createdMs === undefined || createdMs >= notBefore) pageHasRecentOrders = true;
      if (createdMs !== undefined) {
        if (createdMs > previousMs) newestFirst = false;
        previousMs = createdMs;
      }
      if (known.has(order.orderId) || soldNothing(order)) continue;
      // The list format is undocumented: a field that is missing cannot rule an order out.
      if (order.provider !== undefined && order.provider !== lookup.choice.productId) continue;
      if (order.plan !== undefined && order.plan !== lookup.choice.termId) continue;
      if (createdMs === undefined) undatedMatch = true;
      else if (createdMs >= notBefore) candidates.push({ order, createdMs });
    }
    if (isLastPage(answer.value, LOOKUP_PAGE_SIZE)) return answerNow();
    if (newestFirst && !pageHasRecentOrders) return answerNow();
  }
  // Absence cannot be proven from part of the history.
  return ambiguous('too_large', `no answer within the newest ${LOOKUP_MAX_PAGES * LOOKUP_PAGE_SIZE} GateProxy orders`);
}
