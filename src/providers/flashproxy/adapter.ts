/**
 * FlashProxy behind the shop's common provider interface.
 *
 * Our order id travels as `end_user_reference` and as `X-Idempotency-Key`:
 * a repeated purchase with the same id is answered from FlashProxy's
 * idempotency cache instead of buying twice, and a purchase whose answer was
 * lost is found again with `GET /plans?search=<reference>`.
 */
import { randomInt } from 'node:crypto';
import {
  ambiguous,
  ok,
  refused,
  type CatalogProduct,
  type CredentialsChange,
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
} from '../types.js';
import { createFlashProxyClient, IDEMPOTENCY_KEY_PATTERN, type FlashProxyClient } from './client.js';
import {
  dedicatedProxies,
  gatewayProxy,
  isDedicatedPlan,
  planCostCents,
  planIdOf,
} from './mapping.js';
import { pricePerGbCents, pricePerIpCents, pricingEntry, sellsByTime } from './pricing.js';
import {
  BANDWIDTH_WIRE_PRODUCTS,
  createPlanBody,
  DEDICATED_MAX_QUANTITY,
  dedicatedTerm,
  extendPlanBody,
  parseTermId,
  SOLD_PRODUCTS,
  timeTerms,
  trafficTerms,
  type ProductDefinition,
} from './products.js';
import type { WirePlan, WirePool, WirePricing } from './schemas.js';

const CAPABILITIES: ProviderCapabilities = {
  quote: true,
  renew: true,
  changeCredentials: true,
  // The seed's rotate-ip is for dedicated mobile servers, which the openapi no longer lists and the shop does not sell.
  rotateIp: false,
  switchLocation: false,
  usage: true,
  balance: true,
  findPurchase: true,
};

/** Plans per `GET /plans` page (the documented maximum). */
const PLANS_PER_PAGE = 100;
/** A bound on pagination so a misbehaving upstream cannot keep us paging forever. */
const MAX_PLAN_PAGES = 100;

const NEW_PASSWORD_LENGTH = 16;
const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function createFlashProxyProvider(settings: ProviderSettings): ProxyProvider {
  const client = createFlashProxyClient(settings);

  return {
    id: 'flashproxy',
    displayName: 'FlashProxy',
    capabilities: CAPABILITIES,

    getCatalog: () => loadCatalog(client),

    async quote(choice) {
      const body = createPlanBody(choice);
      if (body.kind !== 'ok') return body;
      const checked = await client.checkPrice(body.value);
      if (checked.kind === 'ok') {
        const total = checked.value.cost_cents;
        return ok({ totalCostCents: total, unitCostCents: Math.ceil(total / choice.quantity), exact: true });
      }
      // The seed does not list check-price; where it is missing, fall back to the price list.
      if (checked.kind === 'refused' && checked.code === 'not_found') return estimateFromPriceList(client, choice);
      return checked;
    },

    async purchase({ choice, reference }) {
      if (!IDEMPOTENCY_KEY_PATTERN.test(reference)) {
        return refused('invalid_option', 'the order reference must be 8–64 letters, digits, "-" or "_"');
      }
      const body = createPlanBody(choice);
      if (body.kind !== 'ok') return body;
      const created = await client.createPlan({ ...body.value, end_user_reference: reference }, reference);
      if (created.kind !== 'ok') return created;
      return purchaseResult(client, created.value);
    },

    findPurchase: (lookup) => findPurchase(client, lookup),

    async listProxies() {
      const plans = await allPlans(client);
      if (plans.kind !== 'ok') return plans;
      const perPlan = await Promise.all(plans.value.map((plan) => proxiesOfPlan(client, plan)));
      const proxies: UpstreamProxy[] = [];
      for (const outcome of perPlan) {
        // A partial list could make the reconciler believe proxies vanished: all or nothing.
        if (outcome.kind !== 'ok') return outcome;
        proxies.push(...outcome.value);
      }
      return ok(proxies);
    },

    async renewalTerms(upstreamId) {
      const plan = await client.getPlan(planIdOf(upstreamId));
      if (plan.kind !== 'ok') return plan;
      const pricing = await client.getPricing();
      if (pricing.kind !== 'ok') return pricing;
      return ok(renewalTermsFor(plan.value, pricing.value));
    },

    async renew({ upstreamId, termId, reference }) {
      if (!IDEMPOTENCY_KEY_PATTERN.test(reference)) {
        return refused('invalid_option', 'the renewal reference must be 8–64 letters, digits, "-" or "_"');
      }
      const body = extendPlanBody(termId);
      if (body.kind !== 'ok') return body;
      const extended = await client.extendPlan(planIdOf(upstreamId), body.value, reference);
      if (extended.kind !== 'ok') return extended;
      const { new_expires_at: newExpiresAt, cost_cents: costCents } = extended.value;
      return ok({
        ...(newExpiresAt ? { newExpiresAt: new Date(newExpiresAt).toISOString() } : {}),
        ...(costCents === undefined ? {} : { costCents }),
      });
    },

    async changeCredentials(upstreamId): Promise<Outcome<CredentialsChange>> {
      const planId = planIdOf(upstreamId);
      const newPassword = generatePassword();
      const changed = await client.changePassword(planId, newPassword);
      if (changed.kind !== 'ok') return changed;
      const password = changed.value.proxy_password ?? newPassword;
      if (changed.value.proxy_username) return ok({ login: changed.value.proxy_username, password });
      // The login does not change; read it back when the answer leaves it out.
      const plan = await client.getPlan(planId);
      if (plan.kind === 'ok' && plan.value.proxy_username) return ok({ login: plan.value.proxy_username, password });
      return ambiguous('malformed', 'FlashProxy changed the password but did not say the login');
    },

    async usage(upstreamId) {
      const usage = await client.getUsage(planIdOf(upstreamId));
      if (usage.kind !== 'ok') return usage;
      const { bytes_used: used, bytes_remaining: remaining, max_bytes: max } = usage.value.usage;
      return ok({
        usedGb: bytesToGb(used),
        ...(remaining === null || remaining === undefined ? {} : { remainingGb: bytesToGb(remaining) }),
        ...(max === null || max === undefined ? {} : { totalGb: bytesToGb(max) }),
      });
    },

    async balance() {
      const balance = await client.getBalance();
      if (balance.kind !== 'ok') return balance;
      return ok({ balanceCents: balance.value.balance_cents });
    },
  };
}

// ---------------------------------------------------------------------------
// Catalog and prices
// ---------------------------------------------------------------------------

async function loadCatalog(client: FlashProxyClient): Promise<Outcome<ProviderCatalog>> {
  const pricing = await client.getPricing();
  if (pricing.kind !== 'ok') return pricing;
  const products: CatalogProduct[] = [];
  for (const definition of SOLD_PRODUCTS) {
    // A product missing from the account's price list is not enabled for it.
    const entry = pricingEntry(pricing.value, definition.wireProduct);
    if (!entry) continue;
    if (definition.shape === 'traffic') {
      products.push(catalogProduct(definition, [], trafficTerms(pricePerGbCents(entry)), 1));
    } else if (definition.shape === 'time') {
      if (sellsByTime(entry)) products.push(catalogProduct(definition, [], timeTerms(), 1));
    } else {
      const pools = await client.listIspPools();
      if (pools.kind === 'ok') {
        products.push(dedicatedProduct(definition, pools.value, pricePerIpCents(entry)));
      } else if (!(pools.kind === 'refused' && ['forbidden', 'not_found', 'unsupported'].includes(pools.code))) {
        return pools;
      }
      // PRODUCT_DISABLED (or no pool endpoint): the account cannot buy Dedicated ISP.
    }
  }
  return ok({ products });
}

function catalogProduct(
  definition: ProductDefinition,
  countries: CatalogProduct['countries'],
  terms: TermOption[],
  maxQuantity: number,
  available = true,
): CatalogProduct {
  return {
    id: definition.id,
    name: definition.name,
    kind: definition.kind,
    billing: definition.shape === 'traffic' ? 'traffic' : 'period',
    protocols: definition.shape === 'dedicated' ? ['http'] : ['http', 'socks5'],
    countries,
    terms,
    minQuantity: 1,
    maxQuantity,
    available,
  };
}

function dedicatedProduct(definition: ProductDefinition, pools: WirePool[], pricePerIp: number | undefined) {
  const ispPools = pools.filter((pool) => pool.isSubnet !== true);
  const countries = ispPools.map((pool) => ({
    code: pool.pool,
    name: pool.title,
    available: pool.inStock && pool.stock > 0,
  }));
  const largestStock = Math.max(0, ...ispPools.filter((p) => p.inStock).map((p) => p.stock));
  const maxQuantity = Math.max(1, Math.min(DEDICATED_MAX_QUANTITY, largestStock));
  const available = countries.some((c) => c.available);
  return catalogProduct(definition, countries, [dedicatedTerm(pricePerIp)], maxQuantity, available);
}

/** Catalog arithmetic when FlashProxy cannot check a price itself; marked not exact. */
async function estimateFromPriceList(client: FlashProxyClient, choice: OrderChoice): Promise<Outcome<Quote>> {
  const pricing = await client.getPricing();
  if (pricing.kind !== 'ok') return pricing;
  const definition = SOLD_PRODUCTS.find((p) => p.id === choice.productId);
  const term = parseTermId(choice.termId);
  const entry = definition ? pricingEntry(pricing.value, definition.wireProduct) : undefined;
  let unit: number | undefined;
  if (term?.shape === 'traffic') {
    const perGb = pricePerGbCents(entry);
    unit = perGb === undefined ? undefined : Math.ceil(perGb * term.gb);
  } else if (term?.shape === 'dedicated') {
    unit = pricePerIpCents(entry);
  }
  if (unit === undefined) return refused('unsupported', 'FlashProxy gives no price for this choice');
  return ok({ totalCostCents: unit * choice.quantity, unitCostCents: unit, exact: false });
}

function renewalTermsFor(plan: WirePlan, pricing: WirePricing): TermOption[] {
  const entry = pricingEntry(pricing, plan.product);
  if (isDedicatedPlan(plan)) {
    const ips = plan.quantity ?? plan.proxy_list?.length;
    const perIp = pricePerIpCents(entry);
    const cost = ips !== undefined && perIp !== undefined ? ips * perIp : undefined;
    return [dedicatedTerm(cost, ips === undefined ? '30 days (whole plan)' : `30 days (all ${ips} IPs of the plan)`)];
  }
  if (BANDWIDTH_WIRE_PRODUCTS.has(plan.product) || plan.billing_type === 'bandwidth') {
    return trafficTerms(pricePerGbCents(entry));
  }
  // unlimited_residential is time-billed too, but FlashProxy cannot extend it.
  if (plan.billing_type === 'time' && plan.product !== 'unlimited_residential') return timeTerms();
  return [];
}

// ---------------------------------------------------------------------------
// Plans and proxies
// ---------------------------------------------------------------------------

/** Every plan (all statuses), following pagination; a repeated plan is kept once. */
async function allPlans(client: FlashProxyClient, search?: string): Promise<Outcome<WirePlan[]>> {
  const byId = new Map<string, WirePlan>();
  for (let page = 1; page <= MAX_PLAN_PAGES; page++) {
    const listed = await client.listPlans({ page, perPage: PLANS_PER_PAGE, status: 'all', search });
    if (listed.kind !== 'ok') return listed;
    for (const plan of listed.value.plans) if (!byId.has(plan.plan_id)) byId.set(plan.plan_id, plan);
    if (listed.value.plans.length === 0 || page >= listed.value.totalPages) return ok([...byId.values()]);
  }
  return ambiguous('too_large', `FlashProxy lists more than ${MAX_PLAN_PAGES} pages of plans`);
}

/**
 * Gateway plans carry their credentials; Dedicated ISP IPs are read from
 * `GET /plans/{id}/proxies` (fresh data). When that endpoint no longer serves
 * a plan (e.g. cancelled), the list embedded in the plan is used, if any.
 */
async function proxiesOfPlan(client: FlashProxyClient, plan: WirePlan): Promise<Outcome<UpstreamProxy[]>> {
  if (!isDedicatedPlan(plan)) {
    const proxy = gatewayProxy(plan);
    return ok(proxy ? [proxy] : []);
  }
  const listed = await client.getPlanProxies(plan.plan_id);
  if (listed.kind === 'ok') {
    return ok(dedicatedProxies(plan, listed.value.proxies, listed.value.expires_at ?? plan.expires_at));
  }
  if (listed.kind === 'refused' && (listed.code === 'not_found' || listed.code === 'unsupported')) {
    return ok(dedicatedProxies(plan, plan.proxy_list ?? []));
  }
  return listed;
}

/**
 * The result of a created (or found) plan. A Dedicated ISP plan whose IPs
 * cannot be read yet is reported as ambiguous: the plan exists and was paid,
 * so the saga must keep the order open and find it again later.
 */
async function purchaseResult(client: FlashProxyClient, plan: WirePlan): Promise<Outcome<PurchaseResult>> {
  const cost = planCostCents(plan);
  const result = (proxies: UpstreamProxy[]): PurchaseResult => ({
    upstreamOrderId: plan.plan_id,
    proxies,
    ...(cost === undefined ? {} : { costCents: cost }),
  });
  if (!isDedicatedPlan(plan)) {
    const proxy = gatewayProxy(plan);
    return ok(result(proxy ? [proxy] : []));
  }
  // The embedded list may be abbreviated (the docs show 2 of 5 IPs); then the full list is read.
  const embedded = plan.proxy_list ?? [];
  if (embedded.length > 0 && embedded.length >= (plan.quantity ?? 0)) {
    return ok(result(dedicatedProxies(plan, embedded)));
  }
  const listed = await client.getPlanProxies(plan.plan_id);
  if (listed.kind === 'ok') {
    return ok(result(dedicatedProxies(plan, listed.value.proxies, listed.value.expires_at ?? plan.expires_at)));
  }
  const why = `FlashProxy plan ${plan.plan_id} exists but its IPs could not be read: ${listed.message}`;
  return ambiguous(listed.kind === 'ambiguous' ? listed.reason : 'malformed', why, listed.httpStatus);
}

async function findPurchase(
  client: FlashProxyClient,
  lookup: PurchaseLookup,
): Promise<Outcome<PurchaseResult | null>> {
  // Search is a case-insensitive partial match over several fields; only an exact reference counts.
  const candidates = await allPlans(client, lookup.reference);
  if (candidates.kind !== 'ok') return candidates;
  const oldestFirst = [...candidates.value].sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''));
  const match = oldestFirst.find((plan) => plan.end_user_reference === lookup.reference);
  if (match) return purchaseResult(client, match);

  // A list item that does not show its reference at all cannot be ruled out without reading it.
  for (const plan of oldestFirst.filter((p) => p.end_user_reference === undefined)) {
    const detail = await client.getPlan(plan.plan_id);
    if (detail.kind !== 'ok') return detail;
    if (detail.value.end_user_reference === lookup.reference) return purchaseResult(client, detail.value);
    if (detail.value.end_user_reference === undefined) {
      return ambiguous('malformed', `FlashProxy does not show the reference of plan ${plan.plan_id}`);
    }
  }
  return ok(null);
}

function generatePassword(): string {
  let password = '';
  for (let i = 0; i < NEW_PASSWORD_LENGTH; i++) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

/** FlashProxy counts decimal gigabytes (2 500 000 000 bytes = "2.5 GB"). */
function bytesToGb(bytes: number): number {
  return Math.round(bytes / 1e6) / 1e3;
}
