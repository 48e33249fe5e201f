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
  type CancelResult,
  type CatalogProduct,
  type CredentialsChange,
  type IpAllowlistRules,
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
import { dedicatedProxies, gatewayProxy, isDedicatedPlan, planCostCents, planIdOf } from './mapping.js';
import { pricePerGbCents, pricingEntry, sellsByTime } from './pricing.js';
import {
  BANDWIDTH_WIRE_PRODUCTS,
  createPlanBody,
  DEDICATED_MAX_QUANTITY,
  DEDICATED_WIRE_PRODUCT,
  dedicatedTerm,
  extendPlanBody,
  findProduct,
  parseTermId,
  SOLD_PRODUCTS,
  timeTerms,
  trafficTerms,
  trialTerm,
  type ProductDefinition,
} from './products.js';
import type { WirePlan, WirePool, WirePricing } from './schemas.js';
import { geoProductOf, isTargetableProduct, targetedCredentials, targetingOptionsFrom } from './targeting.js';

/** What this adapter can do: the module descriptor (index.ts) hands these same capabilities to the registry. */
export const FLASHPROXY_CAPABILITIES: ProviderCapabilities = {
  quote: true,
  renew: true,
  changeCredentials: true,
  // The seed's rotate-ip is for dedicated mobile servers, which the openapi no longer lists and the shop does not sell.
  rotateIp: false,
  switchLocation: false,
  usage: true,
  balance: true,
  findPurchase: true,
  // Username parameters, per the openapi's "Geo Targeting" section; see targeting.ts.
  targeting: true,
  // openapi `PUT /plans/{planId}/allowed-ips` ("Set plan IP allowlist") and the Plan's `allowed_ips`.
  allowedIps: true,
  // openapi `DELETE /plans/{planId}` ("Cancel a plan": "No refund will be issued").
  cancel: true,
  // Not offered: `/sub-users` ("Create a new sub-user under your reseller account … Initial
  // balance to allocate (from your balance)", each with its own `api_key`) are reseller
  // sub-accounts, not a split of one plan's traffic. Selling one would move the shop's upstream
  // balance outside the saga, which no DELETE or documented refund gives back, and hand the
  // customer a key that buys at the shop's wholesale prices.
};

/**
 * openapi `UpdateAllowedIpsRequest.allowed_ips`: "maxItems": 10, and
 * PUT /plans/{planId}/allowed-ips: "Each entry must be a valid IPv4 or IPv6
 * address. CIDR ranges are not supported."
 */
export const FLASHPROXY_ALLOWLIST_RULES: IpAllowlistRules = { maxEntries: 10, cidr: false };

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
    capabilities: FLASHPROXY_CAPABILITIES,

    // Dedicated ISP is "stock-based (no geo targeting)" (openapi, GET /geo/catalog).
    productCapabilities: (productId) => (isTargetableProduct(productId) ? {} : { targeting: false }),

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
      if (created.kind === 'key_conflict') {
        // Our key (= our order id) was already used: a request under it was processed and its
        // answer lost. Every plan we create carries the same id as end_user_reference, so the
        // plan it made is found by that; if it cannot be found now, the reconciler decides.
        const found = await findPurchase(client, { reference, choice });
        if (found.kind === 'ok' && found.value !== null) return ok(found.value);
        if (found.kind === 'ok') {
          return ambiguous('undocumented', `FlashProxy says key ${reference} was already used, but no plan carries it yet`, 409);
        }
        return found;
      }
      if (created.kind !== 'ok') return created;
      return purchaseResult(client, created.value, choice);
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
      if (isDedicatedPlan(plan.value)) return dedicatedRenewalTerms(client, plan.value);
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
      if (extended.kind === 'key_conflict') {
        // A request under this key was processed: the plan may already be extended. The
        // reconciler compares the plan's expiry with where it was before and decides.
        return ambiguous('undocumented', `FlashProxy says renewal key ${reference} was already used`, 409);
      }
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

    /**
     * A plan's traffic, from `GET /plans/{planId}/usage` — openapi: "Includes: Total bytes used; Bytes
     * remaining (for bandwidth plans); Usage percentage", its example `usage: { bytes_used: 2500000000,
     * bytes_used_formatted: "2.5 GB", bytes_remaining, max_bytes, usage_percent }` (decimal GB). The shop
     * caches it (services/traffic.ts): 100 requests a minute per key is shared with every other call.
     * Traffic is added with `POST /plans/{planId}/extend` `add_bandwidth_gb` ("GB to add. For:
     * residential-lite, residential, mobile, bandwidth-billed hybrid products"): the renewal path, with
     * `trafficTerms` as its packages. `POST /plans/{planId}/upgrade` is "unlimited_residential only" and unused.
     */
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

    async targetingOptions(productId) {
      const geoProduct = geoProductOf(productId);
      if (!geoProduct) return ok({ countries: [], stickyLifetimes: [] });
      const catalog = await client.getGeoCatalog(geoProduct);
      if (catalog.kind !== 'ok') return catalog;
      return ok(targetingOptionsFrom(productId, catalog.value));
    },

    targetedCredentials,

    async balance() {
      const balance = await client.getBalance();
      if (balance.kind !== 'ok') return balance;
      return ok({ balanceCents: balance.value.balance_cents });
    },

    ipAllowlistRules: FLASHPROXY_ALLOWLIST_RULES,

    async allowedIps(upstreamId) {
      const plan = await client.getPlan(planIdOf(upstreamId));
      if (plan.kind !== 'ok') return plan;
      // An answer without the field says nothing about the list: editing from an
      // assumed empty list would silently drop every address already allowed.
      if (!Array.isArray(plan.value.allowed_ips)) return ambiguous('malformed', 'FlashProxy did not say the plan’s allowed IPs');
      return ok(plan.value.allowed_ips);
    },

    async setAllowedIps(upstreamId, ips) {
      // "The list completely replaces any prior allowlist on the plan"; "Pass an empty array to clear".
      const set = await client.setAllowedIps(planIdOf(upstreamId), ips);
      if (set.kind !== 'ok') return set;
      return ok(set.value.allowed_ips);
    },

    // DELETE /plans/{planId}: "No refund will be issued"; upstream-facts.md: "cancels without refund".
    cancelRefund: () => ({ kind: 'none' }),

    async cancel(upstreamId): Promise<Outcome<CancelResult>> {
      const planId = planIdOf(upstreamId);
      const cancelled = await client.cancelPlan(planId);
      if (cancelled.kind === 'ok') {
        const at = cancelled.value.cancelled_at;
        return ok(at ? { cancelledAt: new Date(at).toISOString() } : {});
      }
      // The openapi documents no answer for cancelling twice; a retry after a lost
      // answer is recognised by the plan itself being cancelled already.
      const plan = await client.getPlan(planId);
      if (plan.kind === 'ok' && plan.value.status === 'cancelled') return ok({});
      return cancelled;
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
    } else if (definition.shape === 'trial') {
      // Listed in the price list: the account may buy unlimited_residential, whose trial check-price prices.
      products.push(catalogProduct(definition, [], [trialTerm()], 1));
    } else {
      const pools = await client.listIspPools();
      if (pools.kind === 'ok') {
        products.push(dedicatedProduct(definition, pools.value));
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

/** No catalog price: the price list's `price_per_ip_30_days` has no documented unit; check-price tells. */
function dedicatedProduct(definition: ProductDefinition, pools: WirePool[]) {
  const ispPools = pools.filter((pool) => pool.isSubnet !== true);
  const countries = ispPools.map((pool) => ({
    code: pool.pool,
    name: pool.title,
    available: pool.inStock && pool.stock > 0,
  }));
  const largestStock = Math.max(0, ...ispPools.filter((p) => p.inStock).map((p) => p.stock));
  const maxQuantity = Math.max(1, Math.min(DEDICATED_MAX_QUANTITY, largestStock));
  const available = countries.some((c) => c.available);
  return catalogProduct(definition, countries, [dedicatedTerm(undefined)], maxQuantity, available);
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
  }
  // Dedicated ISP has no estimate: `price_per_ip_30_days` has no documented unit.
  if (unit === undefined) return refused('unsupported', 'FlashProxy gives no price for this choice');
  return ok({ totalCostCents: unit * choice.quantity, unitCostCents: unit, exact: false });
}

/**
 * The Dedicated ISP renewal (`extend_30_days`, the whole plan) priced by
 * FlashProxy itself. The openapi documents no price call for extensions, only
 * "Cost = number_of_IPs × price_per_ip_30_days", and a new plan is priced
 * "Per-IP for 30-day periods (see `price_per_ip_30_days` in your pricing)":
 * both are the same per-IP 30-day price times the IPs. So the renewal costs
 * what `POST /plans/check-price` says a new plan of the same pool and number
 * of IPs costs — in `cost_cents`, a documented unit. The price list's
 * `price_per_ip_30_days` is never read: its unit is not stated.
 *
 * The term always carries that price: without it the saga would price one IP
 * of a new plan, not every IP the extension charges for. When FlashProxy
 * cannot price it, the renewal is not offered rather than offered at a guess.
 */
async function dedicatedRenewalTerms(client: FlashProxyClient, plan: WirePlan): Promise<Outcome<TermOption[]>> {
  const ips = plan.quantity ?? plan.proxy_list?.length;
  if (!ips || !plan.pool) return ok([]);
  const priced = await client.checkPrice({ product: DEDICATED_WIRE_PRODUCT, quantity: ips, pool: plan.pool });
  if (priced.kind !== 'ok') return priced;
  return ok([{ ...dedicatedTerm(priced.value.cost_cents, `30 days (all ${ips} IPs of the plan)`), renewsProxies: ips }]);
}

function renewalTermsFor(plan: WirePlan, pricing: WirePricing): TermOption[] {
  const product = plan.product ?? '';
  const entry = pricingEntry(pricing, product);
  if (BANDWIDTH_WIRE_PRODUCTS.has(product) || plan.billing_type === 'bandwidth') {
    return trafficTerms(pricePerGbCents(entry));
  }
  // unlimited_residential is time-billed too, but FlashProxy cannot extend it.
  if (plan.billing_type === 'time' && product !== 'unlimited_residential') return timeTerms();
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
async function proxiesOfPlan(client: FlashProxyClient, listed: WirePlan): Promise<Outcome<UpstreamProxy[]>> {
  const plan = await completePlan(client, listed);
  if (plan.kind !== 'ok') return plan;
  return proxiesOfCompletePlan(client, plan.value);
}

/**
 * A list item as it came, or its `GET /plans/{id}` when the item leaves out
 * what the shop needs (its product, its expiry, a gateway's credentials): the
 * openapi's Plan promises none of them, and a proxy silently missing from the
 * list would tell the reconciler that a renewal never happened.
 */
async function completePlan(client: FlashProxyClient, plan: WirePlan): Promise<Outcome<WirePlan>> {
  const knowsKind = Boolean(plan.product) || Boolean(plan.billing_type);
  const usable = isDedicatedPlan(plan) || gatewayProxy(plan) !== undefined;
  if (knowsKind && usable && plan.expires_at !== undefined) return ok(plan);
  return client.getPlan(plan.plan_id);
}

async function proxiesOfCompletePlan(client: FlashProxyClient, plan: WirePlan): Promise<Outcome<UpstreamProxy[]>> {
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
 * so the saga must keep the order open and find it again later. `choice`
 * says what was bought when the plan itself leaves `product` out.
 */
async function purchaseResult(client: FlashProxyClient, plan: WirePlan, choice: OrderChoice): Promise<Outcome<PurchaseResult>> {
  const cost = planCostCents(plan);
  const result = (proxies: UpstreamProxy[]): PurchaseResult => ({
    upstreamOrderId: plan.plan_id,
    proxies,
    ...(cost === undefined ? {} : { costCents: cost }),
  });
  const dedicated = plan.product ? isDedicatedPlan(plan) : isDedicatedPlan(plan) || findProduct(choice.productId)?.shape === 'dedicated';
  if (!dedicated) {
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

/**
 * Finds the plan a purchase made by our reference, using only documented
 * fields: `GET /plans?search=` ("search across plan_id, proxy_username, and
 * end_user_reference … case-insensitive and matches partial strings"), then
 * the exact `end_user_reference` of each hit — read from `GET /plans/{id}`
 * when a list item leaves it out, as the openapi's list example does.
 *
 * `ok(null)` only when every candidate was seen to carry another reference.
 * A lookup that could not be done is ambiguous, never a refusal: a refused
 * read says nothing about whether the purchase happened.
 */
async function findPurchase(
  client: FlashProxyClient,
  lookup: Pick<PurchaseLookup, 'reference' | 'choice'>,
): Promise<Outcome<PurchaseResult | null>> {
  const candidates = await allPlans(client, lookup.reference);
  if (candidates.kind !== 'ok') return lookupFailed(candidates);
  const oldestFirst = [...candidates.value].sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''));
  const match = oldestFirst.find((plan) => plan.end_user_reference === lookup.reference);
  if (match) return settleFound(client, match, lookup.choice);

  // `null` says "no reference" (we always send one, so not ours); a field left out says nothing.
  for (const plan of oldestFirst.filter((p) => p.end_user_reference === undefined)) {
    const detail = await client.getPlan(plan.plan_id);
    if (detail.kind !== 'ok') return lookupFailed(detail);
    if (detail.value.end_user_reference === lookup.reference) return settleFound(client, detail.value, lookup.choice);
    if (detail.value.end_user_reference === undefined) {
      return ambiguous('malformed', `FlashProxy does not show the reference of plan ${plan.plan_id}`);
    }
  }
  return ok(null);
}

/**
 * A found plan's result; its IPs not being readable keeps the lookup
 * ambiguous. A plan under our reference that is another product than the
 * order bought is not settled either way: a person looks at it.
 */
async function settleFound(client: FlashProxyClient, plan: WirePlan, choice: OrderChoice): Promise<Outcome<PurchaseResult | null>> {
  const ordered = findProduct(choice.productId)?.wireProduct;
  const sameProduct = (a: string, b: string) => a.replaceAll('_', '-') === b.replaceAll('_', '-');
  if (plan.product && ordered && !sameProduct(plan.product, ordered)) {
    return ambiguous(
      'needs_operator',
      `FlashProxy plan ${plan.plan_id} carries this order's reference but is ${plan.product}, not ${ordered}`,
    );
  }
  const result = await purchaseResult(client, plan, choice);
  return result.kind === 'refused' ? lookupFailed(result) : result;
}

function lookupFailed(outcome: Exclude<Outcome<unknown>, { kind: 'ok' }>): Outcome<never> {
  if (outcome.kind === 'ambiguous') return outcome;
  return ambiguous('needs_operator', `FlashProxy refused the lookup (${outcome.code}): ${outcome.message}`, outcome.httpStatus);
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
