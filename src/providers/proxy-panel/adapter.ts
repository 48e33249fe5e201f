/**
 * The white-label proxy panel behind the common `ProxyProvider` interface.
 *
 * How the panel's model is mapped:
 * - A product is a group of plans with the same `network.networkType` and
 *   `connectionType` (id `mobile-private`); its countries are the plans'
 *   `network.country`; its terms are the plans' durations, each also offered
 *   ×2 and ×3 through the panel's `repeatCount`.
 * - A term id carries the duration and the repeat count (`30d`, `30d-x2`);
 *   with the chosen country it leads back to one exact plan.
 * - The panel has no quote, balance or usage operation: quotes are catalog
 *   arithmetic (`priceAmountCents × repeatCount × quantity`).
 * - The panel has no idempotency and no reference field, so purchases are sent
 *   one at a time and a lost answer is found again by listing subscriptions
 *   (see `findPurchase`).
 * - The shop's trial is asked for with the panel's own `op trial` (free for
 *   us, for selected keys only); when the panel refuses it — a key without
 *   trials, a plan whose trial this key has had — nothing happened, and the
 *   trial is bought as an ordinary purchase (the shop pays the upstream).
 */
import { withIso } from '../../domain/countries.js';
import { ConcurrencyLimiter } from '../../lib/http.js';
import {
  ambiguous,
  ok,
  refused,
  type CatalogProduct,
  type CountryOption,
  type OrderChoice,
  type Outcome,
  type ProviderSettings,
  type ProviderCapabilities,
  type ProxyProvider,
  type PurchaseLookup,
  type PurchaseResult,
  type RenewResult,
  type TermOption,
  type UpstreamProxy,
} from '../types.js';
import {
  createProxyPanelClient,
  type PanelNetworkOption,
  type PanelPlan,
  type PanelPurchaseAnswer,
  type PanelPurchasedItem,
  type PanelRenewAnswer,
  type PanelRenewalPlan,
  type PanelSubscription,
  type ProxyPanelClient,
} from './client.js';

const DAY_MS = 86_400_000;
/** Every plan is also sold for two and three times its duration (`repeatCount`). */
const REPEAT_CHOICES = [1, 2, 3] as const;
/** The panel documents no maximum; this is our own cap per order. */
const MAX_QUANTITY = 20;
/**
 * How far the panel's clock may be from ours when judging whether a
 * subscription was created after we sent a purchase. `activeUntil` is stamped
 * by the panel's clock and `sentAt` by ours; servers without working time
 * sync drift by minutes, and a window narrower than the drift makes a real
 * purchase look like none — the hold would be released for a sale. A wider
 * window only risks counting a dashboard purchase made around the same time,
 * which then shows up as one subscription too many and goes to a person.
 */
const CLOCK_SKEW_TOLERANCE_MS = 10 * 60_000;
/** How many times the credentials of a completed purchase are read (each read is retried by the HTTP layer too). */
const CREDENTIAL_READS = 2;

/** What this adapter can do: the module descriptor (index.ts) hands these same capabilities to the registry. */
export const PROXY_PANEL_CAPABILITIES: ProviderCapabilities = {
  quote: false, // a quote is catalog arithmetic, not an upstream price call
  renew: true,
  changeCredentials: true,
  rotateIp: true,
  switchLocation: true,
  usage: false,
  balance: false,
  findPurchase: true, // by listing subscriptions against what we own; see findPurchase
  targeting: false,
};

export function createProxyPanelProvider(settings: ProviderSettings): ProxyProvider {
  const client = createProxyPanelClient(settings);
  // Without idempotency, a second purchase in flight would make a lost answer
  // impossible to attribute; one at a time keeps `findPurchase` sound.
  const purchases = new ConcurrencyLimiter(1);
  /**
   * Our reference → the subscription ids a successful purchase answer named,
   * while their credentials could not be read. In memory: after a restart the
   * time-window lookup finds them instead.
   */
  const boughtAwaitingCredentials = new Map<string, string[]>();

  const provider: ProxyProvider = {
    id: 'proxy-panel',
    displayName: 'Proxy Panel',
    capabilities: PROXY_PANEL_CAPABILITIES,

    async getCatalog() {
      const plans = await client.listPlans();
      if (plans.kind !== 'ok') return plans;
      return ok({ products: productsFromPlans(plans.value) });
    },

    async quote(choice) {
      const plans = await client.listPlans();
      if (plans.kind !== 'ok') return plans;
      const resolved = resolveChoice(plans.value, choice);
      if (resolved.kind !== 'ok') return resolved;
      const unitCostCents = planCostCents(resolved.value.plan) * resolved.value.repeatCount;
      return ok({ unitCostCents, totalCostCents: unitCostCents * choice.quantity, exact: false });
    },

    purchase(request) {
      return purchases.run(async (): Promise<Outcome<PurchaseResult>> => {
        const plans = await client.listPlans();
        if (plans.kind !== 'ok') return nothingWasSent(plans, 'reading plans');
        const resolved = resolveChoice(plans.value, request.choice);
        if (resolved.kind !== 'ok') return resolved;
        const { plan, repeatCount } = resolved.value;
        const quantity = request.choice.quantity;

        if (request.trial && repeatCount === 1 && quantity === 1) {
          const trial = await client.trial(plan.id);
          // A trial subscription costs us nothing.
          if (trial.kind === 'ok') return delivery(trial.value, 1, request.reference, 'trial', 0);
          // Sent and not answered: it may exist; the reconciler looks for it like for a purchase.
          if (trial.kind === 'ambiguous') return trial;
          // Refused (a documented "no": not a selected key, this plan's trial used): provably nothing was made.
        }
        const answer = await client.purchase({ planId: plan.id, repeatCount, quantity });
        if (answer.kind !== 'ok') return answer;
        return delivery(answer.value, quantity, request.reference, 'purchase');
      });
    },

    /**
     * The panel cannot search by our reference. First, a purchase this
     * process saw succeed but could not read the credentials of is taken by
     * its ids. Otherwise a subscription is taken as the lost purchase when we
     * do not own it yet, its labels do not name another country or connection
     * type, and its creation time (`activeUntil` minus the bought duration,
     * both documented) falls between `sentAt` and now, give or take the clock
     * skew. Purchases are sent one at a time, so exactly `quantity` such
     * subscriptions are ours; none → the purchase did not happen; any other
     * count → a person decides (`needs_operator`): we never guess.
     */
    async findPurchase(lookup: PurchaseLookup): Promise<Outcome<PurchaseResult | null>> {
      const term = parseCatalogTermId(lookup.choice.termId);
      if (!term) return refused('invalid_option', `proxy-panel: unknown term ${lookup.choice.termId}`);
      const listed = await client.listSubscriptions();
      if (listed.kind !== 'ok') return listed;

      const remembered = boughtAwaitingCredentials.get(lookup.reference);
      if (remembered) {
        const byId = new Map(listed.value.map((s) => [s.subscriptionId, s]));
        const bought = remembered.map((id) => byId.get(id));
        if (bought.some((s) => s === undefined)) {
          return ambiguous('malformed', `proxy-panel findPurchase: bought ${remembered.join(', ')} but not all are listed yet`);
        }
        const found = proxiesOf(bought as PanelSubscription[], settings.baseUrl, 'findPurchase');
        if (found.kind === 'ok') boughtAwaitingCredentials.delete(lookup.reference);
        return found;
      }
      const boughtMs = term.durationMs * term.repeatCount;
      const earliest = Date.parse(lookup.sentAt) - CLOCK_SKEW_TOLERANCE_MS;
      const latest = Date.now() + CLOCK_SKEW_TOLERANCE_MS;
      // A trial's length is the panel's to choose (at most the plan's, we
      // assume), so its creation time cannot be told from its end: any end
      // from the sending up to a whole term later fits — and covers the
      // ordinary purchase a refused trial falls back to.
      const fits = (s: PanelSubscription) =>
        lookup.trial
          ? s.activeUntil >= earliest && s.activeUntil <= latest + boughtMs
          : s.activeUntil - boughtMs >= earliest && s.activeUntil - boughtMs <= latest;
      const candidates = listed.value
        .filter((s) => !lookup.isKnownUpstreamId(s.subscriptionId))
        .filter((s) => mayBelongToChoice(s, lookup.choice))
        .filter(fits)
        .sort((a, b) => a.activeUntil - b.activeUntil || a.subscriptionId.localeCompare(b.subscriptionId));

      if (candidates.length === 0) return ok(null);
      if (candidates.length !== lookup.choice.quantity) {
        return ambiguous(
          'needs_operator',
          `proxy-panel findPurchase: ${candidates.length} unknown new subscription(s) (${candidates
            .map((s) => s.subscriptionId)
            .join(', ')}) could match an order of ${lookup.choice.quantity}; which are ours is for a person to decide`,
        );
      }
      return proxiesOf(candidates, settings.baseUrl, 'findPurchase');
    },

    async listProxies() {
      const listed = await client.listSubscriptions();
      if (listed.kind !== 'ok') return listed;
      // Entries without credentials or a proxy URL cannot be used; they are left out.
      return ok(listed.value.map((s) => proxyFromSubscription(s, settings.baseUrl)).filter((p): p is UpstreamProxy => p !== undefined));
    },

    async renewalTerms(upstreamId) {
      const plans = await client.listRenewalPlans(upstreamId);
      if (plans.kind !== 'ok') return plans;
      return ok(plans.value.flatMap(renewalTermsOf));
    },

    async renew(request) {
      const target = await renewalTarget(client, request.upstreamId, request.termId);
      if (target.kind !== 'ok') return target;
      const answer = await client.renew({ subscriptionId: request.upstreamId, ...target.value });
      if (answer.kind !== 'ok') return answer;
      return ok(renewResultOf(answer.value));
    },

    async changeCredentials(upstreamId) {
      // The answer holds only the new password; the login stays, so read it first.
      const current = await findSubscription(client, upstreamId);
      if (current.kind !== 'ok') return nothingWasSent(current, 'reading the subscription');
      const login = loginOf(current.value);
      if (login === undefined) return refused('rejected', `proxy-panel: subscription ${upstreamId} shows no login`);
      const answer = await client.changeCredentials(upstreamId);
      if (answer.kind !== 'ok') return answer;
      return ok({ login, password: answer.value.password });
    },

    /** Products are `<networkType>-<connectionType>`; only mobile exits change (rotate links). */
    productCapabilities(productId: string): Partial<ProviderCapabilities> {
      return productId.startsWith('mobile-') ? {} : { rotateIp: false };
    },

    async rotateIp(upstreamId) {
      const current = await findSubscription(client, upstreamId);
      if (current.kind !== 'ok') return nothingWasSent(current, 'reading the subscription');
      const rotate = current.value.rotate;
      if (!rotate || rotate.available === false) {
        return refused('unsupported', `proxy-panel: subscription ${upstreamId} cannot rotate its IP`);
      }
      const path = pathRelativeToBase(rotate.rotatePath, settings.baseUrl);
      if (path === undefined) return refused('unsupported', 'proxy-panel: the rotate link points at another host');
      return client.rotate(path);
    },

    async locations(upstreamId) {
      const networks = await client.listAvailableNetworks(upstreamId);
      if (networks.kind !== 'ok') return networks;
      return ok(networks.value.map(locationOf));
    },

    async switchLocation(upstreamId, locationCode) {
      const moved = await client.switchNetwork(upstreamId, locationCode);
      if (moved.kind !== 'ok') return moved;
      const proxy = proxyFromSubscription(moved.value, settings.baseUrl);
      if (!proxy) return ambiguous('malformed', 'proxy-panel switch-network: the answer lacks credentials or a proxy URL');
      return ok(proxy);
    },
  };

  /** A purchase or trial answer that named its subscriptions: the proxies, from the answer itself or read next. */
  async function delivery(
    answer: PanelPurchaseAnswer,
    quantity: number,
    reference: string,
    op: 'purchase' | 'trial',
    costCents?: number,
  ): Promise<Outcome<PurchaseResult>> {
    const ids = purchasedIds(answer);
    if (ids.length !== quantity) {
      return ambiguous(
        'malformed',
        `proxy-panel ${op}: asked for ${quantity} subscription(s), the answer names ${ids.length} (${ids.join(', ')})`,
      );
    }
    // The answer's items have the subscriptions' shape: when they carry
    // credentials and a proxy URL, they are the delivery.
    const given = proxiesFromItems(purchasedItems(answer), ids, settings.baseUrl);
    const delivered = given ? ok(canonicalResult(given)) : await deliver(ids, reference);
    return delivered.kind === 'ok' && costCents !== undefined ? ok({ ...delivered.value, costCents }) : delivered;
  }

  /**
   * Reads the credentials of subscriptions just bought. The purchase already
   * happened, so a failed read must not lose the sale: the ids are kept under
   * our reference, the outcome names them, and `findPurchase` then delivers
   * exactly these subscriptions (not a time-window guess).
   */
  async function deliver(ids: string[], reference: string): Promise<Outcome<PurchaseResult>> {
    let problem = '';
    for (let attempt = 0; attempt < CREDENTIAL_READS; attempt++) {
      const listed = await client.listSubscriptions();
      if (listed.kind !== 'ok') {
        problem = `could not read them: ${listed.message}`;
        continue;
      }
      const byId = new Map(listed.value.map((s) => [s.subscriptionId, s]));
      const bought = ids.map((id) => byId.get(id));
      if (bought.some((s) => s === undefined)) {
        problem = 'not all are listed yet';
        continue;
      }
      const delivered = proxiesOf(bought as PanelSubscription[], settings.baseUrl, 'purchase');
      if (delivered.kind === 'ok') return delivered;
      problem = delivered.message;
    }
    boughtAwaitingCredentials.set(reference, ids);
    return ambiguous(
      'malformed',
      `proxy-panel purchase: bought ${ids.join(', ')} (the upstream ids of this order) but ${problem}; the reconciler delivers them`,
    );
  }

  return provider;
}

// ---------------------------------------------------------------------------
// Catalog: products, countries and terms from the plan list
// ---------------------------------------------------------------------------

export function productIdOf(plan: Pick<PanelPlan, 'connectionType' | 'network'>): string {
  return `${plan.network.networkType}-${plan.connectionType}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
}

export function productsFromPlans(plans: PanelPlan[]): CatalogProduct[] {
  const groups = new Map<string, PanelPlan[]>();
  for (const plan of plans) {
    const id = productIdOf(plan);
    groups.set(id, [...(groups.get(id) ?? []), plan]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, group]): CatalogProduct => {
      const { networkType } = group[0]!.network;
      const countries = [...new Set(group.map((p) => p.network.country.toUpperCase()))].sort();
      const durations = [...new Set(group.map((p) => p.durationMs))].sort((a, b) => a - b);
      return {
        id,
        name: `${capitalize(networkType)} proxies, ${group[0]!.connectionType}`,
        // Mobile exits change (rotationPolicy, rotate links); the others keep one address.
        kind: networkType.toLowerCase() === 'mobile' ? 'rotating' : 'static',
        billing: 'period',
        protocols: ['http', 'socks5'],
        countries: countries.map((code) => withIso({ code, name: countryName(code), available: true }, code)),
        terms: durations.flatMap((durationMs) => catalogTermsFor(group, countries, durationMs)),
        minQuantity: 1,
        maxQuantity: MAX_QUANTITY,
        available: true,
      };
    });
}

/**
 * Terms of one duration. The unit cost is given only when every country
 * charges the same for it; otherwise it depends on the country and `quote`
 * gives it.
 */
function catalogTermsFor(group: PanelPlan[], countries: string[], durationMs: number): TermOption[] {
  const prices = new Set(
    countries
      .map((country) => planFor(group, country, durationMs))
      .filter((p): p is PanelPlan => p !== undefined)
      .map(planCostCents),
  );
  const uniformPrice = prices.size === 1 ? [...prices][0]! : undefined;
  // A duration only some countries sell (1 day in Germany only) is offered only there.
  const offeredIn = countries.filter((country) => planFor(group, country, durationMs) !== undefined);
  return REPEAT_CHOICES.map((repeatCount) => ({
    id: catalogTermId(durationMs, repeatCount),
    label: termLabel(durationMs, repeatCount),
    days: (durationMs * repeatCount) / DAY_MS,
    ...(uniformPrice === undefined ? {} : { unitCostCents: uniformPrice * repeatCount }),
    ...(offeredIn.length < countries.length ? { countryCodes: offeredIn } : {}),
  }));
}

/** The plan sold for a country and duration; the cheapest when several networks offer it. */
function planFor(group: PanelPlan[], country: string, durationMs: number): PanelPlan | undefined {
  return group
    .filter((p) => p.network.country.toUpperCase() === country && p.durationMs === durationMs)
    .reduce<PanelPlan | undefined>((best, p) => (best && planCostCents(best) <= planCostCents(p) ? best : p), undefined);
}

/** The exact plan and repeat count behind a choice, or why the choice is not on offer. */
export function resolveChoice(plans: PanelPlan[], choice: OrderChoice): Outcome<{ plan: PanelPlan; repeatCount: number }> {
  const group = plans.filter((p) => productIdOf(p) === choice.productId);
  if (group.length === 0) return refused('invalid_option', `proxy-panel: no product ${choice.productId}`);
  if (!choice.countryCode) return refused('invalid_option', 'proxy-panel: a country must be chosen');
  const term = parseCatalogTermId(choice.termId);
  if (!term) return refused('invalid_option', `proxy-panel: unknown term ${choice.termId}`);
  if (!Number.isInteger(choice.quantity) || choice.quantity < 1 || choice.quantity > MAX_QUANTITY) {
    return refused('invalid_option', `proxy-panel: quantity must be 1 to ${MAX_QUANTITY}`);
  }
  const plan = planFor(group, choice.countryCode.toUpperCase(), term.durationMs);
  if (!plan) {
    return refused(
      'invalid_option',
      `proxy-panel: ${choice.productId} is not sold for ${termLabel(term.durationMs, 1)} in ${choice.countryCode}`,
    );
  }
  return ok({ plan, repeatCount: term.repeatCount });
}

// ---------------------------------------------------------------------------
// Term ids
// ---------------------------------------------------------------------------

/** `30d`, `30d-x2`; durations that are not whole days are written in ms (`5400000ms`). */
export function catalogTermId(durationMs: number, repeatCount: number): string {
  const base = durationMs % DAY_MS === 0 ? `${durationMs / DAY_MS}d` : `${durationMs}ms`;
  return repeatCount === 1 ? base : `${base}-x${repeatCount}`;
}

export function parseCatalogTermId(termId: string): { durationMs: number; repeatCount: number } | undefined {
  const match = /^(\d+)(d|ms)(?:-x(\d+))?$/.exec(termId);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const durationMs = match[2] === 'd' ? amount * DAY_MS : amount;
  const repeatCount = match[3] === undefined ? 1 : Number(match[3]);
  if (durationMs <= 0 || repeatCount < 1) return undefined;
  return { durationMs, repeatCount };
}

/** Renewal terms name the renewal plan itself: `plan-<planId>`, `plan-<planId>-x2`. */
export function renewalTermId(planId: string, repeatCount: number): string {
  return repeatCount === 1 ? `plan-${planId}` : `plan-${planId}-x${repeatCount}`;
}

export function parseRenewalTermId(termId: string): { planId: string; repeatCount: number } | undefined {
  const match = /^plan-(.+?)(?:-x(\d+))?$/.exec(termId);
  if (!match) return undefined;
  const repeatCount = match[2] === undefined ? 1 : Number(match[2]);
  if (repeatCount < 1) return undefined;
  return { planId: match[1]!, repeatCount };
}

export function renewalTermsOf(plan: PanelRenewalPlan): TermOption[] {
  return REPEAT_CHOICES.map((repeatCount) => ({
    id: renewalTermId(plan.id, repeatCount),
    label: termLabel(plan.durationMs, repeatCount),
    days: (plan.durationMs * repeatCount) / DAY_MS,
    unitCostCents: planCostCents(plan) * repeatCount,
  }));
}

/**
 * The renewal plan and repeat count for a term: a renewal term names its plan;
 * a catalog term (`30d-x2`) is matched by duration among the renewal plans.
 */
async function renewalTarget(
  client: ProxyPanelClient,
  upstreamId: string,
  termId: string,
): Promise<Outcome<{ planId: string; repeatCount: number }>> {
  const named = parseRenewalTermId(termId);
  if (named) return ok(named);
  const term = parseCatalogTermId(termId);
  if (!term) return refused('invalid_option', `proxy-panel: unknown renewal term ${termId}`);
  const plans = await client.listRenewalPlans(upstreamId);
  if (plans.kind !== 'ok') return nothingWasSent(plans, 'reading renewal plans');
  const plan = plans.value.filter((p) => p.durationMs === term.durationMs).sort((a, b) => planCostCents(a) - planCostCents(b))[0];
  if (!plan) return refused('invalid_option', `proxy-panel: no renewal plan of ${termLabel(term.durationMs, 1)}`);
  return ok({ planId: plan.id, repeatCount: term.repeatCount });
}

function termLabel(durationMs: number, repeatCount: number): string {
  const one = durationLabel(durationMs);
  return repeatCount === 1 ? one : `${durationLabel(durationMs * repeatCount)} (${repeatCount} × ${one})`;
}

function durationLabel(ms: number): string {
  if (ms % DAY_MS === 0) return ms === DAY_MS ? '1 day' : `${ms / DAY_MS} days`;
  const hours = Math.round((ms / 3_600_000) * 10) / 10;
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

// ---------------------------------------------------------------------------
// Subscriptions → proxies
// ---------------------------------------------------------------------------

/**
 * A subscription as a proxy: login and password from `credentials`, host and
 * ports from the `protocols.http`/`protocols.socks5` URLs. `undefined` when
 * the subscription does not show enough to connect.
 */
export function proxyFromSubscription(s: PanelPurchasedItem, baseUrl: string): UpstreamProxy | undefined {
  const http = parseProxyUrl(s.protocols?.http, 80);
  const socks5 = parseProxyUrl(s.protocols?.socks5, 1080);
  const host = http?.host ?? socks5?.host;
  const login = loginOf(s);
  const password = s.credentials?.password ?? http?.password ?? socks5?.password;
  if (!host || login === undefined || password === undefined) return undefined;
  const countryCode = countryOf(s);
  const rotationUrl = s.rotate && s.rotate.available !== false ? absoluteUrl(s.rotate.rotatePath, baseUrl) : undefined;
  return {
    upstreamId: s.subscriptionId,
    host,
    ...(http ? { httpPort: http.port } : {}),
    ...(socks5 ? { socks5Port: socks5.port } : {}),
    login,
    password,
    ...(countryCode ? { countryCode } : {}),
    ...(s.activeUntil == null ? {} : { expiresAt: new Date(s.activeUntil).toISOString() }),
    status: statusOf(s),
    ...(rotationUrl ? { rotationUrl } : {}),
  };
}

/** A network a subscription can switch to; its id is what `switch-network` takes. */
export function locationOf(network: PanelNetworkOption): CountryOption {
  return { code: network.id, name: network.networkLabel ?? network.country ?? network.id, available: true };
}

/** The panel does not say what a renewal cost; only the new end date. */
export function renewResultOf(answer: PanelRenewAnswer): RenewResult {
  return answer.endAt == null ? {} : { newExpiresAt: new Date(answer.endAt).toISOString() };
}

/** The items of a purchase answer, from whichever of the documented shapes it used. */
export function purchasedItems(answer: PanelPurchaseAnswer): PanelPurchasedItem[] {
  return [...(answer.subscriptions ?? []), ...(answer.subscription ? [answer.subscription] : [])];
}

/**
 * The proxies a purchase answer itself delivers: one per bought id, each from
 * its item, or `undefined` when any item is missing or shows no credentials
 * or proxy URL (then they are read from the subscription list).
 */
export function proxiesFromItems(items: PanelPurchasedItem[], ids: string[], baseUrl: string): UpstreamProxy[] | undefined {
  const byId = new Map(items.map((item) => [item.subscriptionId, item]));
  const proxies = ids.map((id) => {
    const item = byId.get(id);
    return item ? proxyFromSubscription(item, baseUrl) : undefined;
  });
  return proxies.every((p) => p !== undefined) ? (proxies as UpstreamProxy[]) : undefined;
}

/** The new subscription ids, from whichever of the documented shapes the answer used. */
export function purchasedIds(answer: PanelPurchaseAnswer): string[] {
  const ids = [
    ...(answer.subscriptionIds ?? []),
    ...(answer.subscriptions ?? []).map((s) => s.subscriptionId),
    ...(answer.subscription ? [answer.subscription.subscriptionId] : []),
    ...(answer.subscriptionId ? [answer.subscriptionId] : []),
  ];
  return [...new Set(ids)];
}

function proxiesOf(subscriptions: PanelSubscription[], baseUrl: string, what: string): Outcome<PurchaseResult> {
  const proxies = subscriptions.map((s) => proxyFromSubscription(s, baseUrl));
  if (proxies.some((p) => p === undefined)) {
    return ambiguous('malformed', `proxy-panel ${what}: a subscription shows no credentials or proxy URL`);
  }
  return ok(canonicalResult(proxies as UpstreamProxy[]));
}

/**
 * One order of the proxies, by end and then id, whichever path found them
 * (the answer, a re-read, a lookup), so the order is always named by the
 * same subscription.
 */
function canonicalResult(unordered: UpstreamProxy[]): PurchaseResult {
  const proxies = [...unordered].sort(
    (a, b) => (a.expiresAt ?? '').localeCompare(b.expiresAt ?? '') || a.upstreamId.localeCompare(b.upstreamId),
  );
  return { upstreamOrderId: proxies[0]!.upstreamId, proxies };
}

async function findSubscription(client: ProxyPanelClient, upstreamId: string): Promise<Outcome<PanelSubscription>> {
  const listed = await client.listSubscriptions();
  if (listed.kind !== 'ok') return listed;
  const found = listed.value.find((s) => s.subscriptionId === upstreamId);
  return found ? ok(found) : refused('not_found', `proxy-panel: no subscription ${upstreamId}`, 404);
}

function loginOf(s: PanelPurchasedItem): string | undefined {
  return s.credentials?.username ?? parseProxyUrl(s.protocols?.http, 80)?.login ?? parseProxyUrl(s.protocols?.socks5, 1080)?.login;
}

function parseProxyUrl(
  text: string | null | undefined,
  defaultPort: number,
): { host: string; port: number; login?: string; password?: string } | undefined {
  if (!text) return undefined;
  try {
    const url = new URL(text);
    if (!url.hostname) return undefined;
    return {
      host: url.hostname,
      port: url.port ? Number(url.port) : defaultPort,
      ...(url.username ? { login: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    };
  } catch {
    return undefined;
  }
}

function statusOf(s: PanelPurchasedItem): UpstreamProxy['status'] {
  // A purchase item without a status was just bought.
  if (s.status == null) return 'active';
  switch (s.status.toLowerCase()) {
    case 'active':
      return 'active';
    case 'expired':
      return 'expired';
    case 'pending':
    case 'provisioning':
      return 'pending';
    case 'cancelled':
    case 'canceled':
    case 'deleted':
      return 'cancelled';
    default:
      // An undocumented status: judge by the end date.
      return s.activeUntil == null || s.activeUntil > Date.now() ? 'active' : 'expired';
  }
}

/** The country from the label (`12001 - NL - Private`) or the network label (`NL-AMS Amsterdam`). */
function countryOf(s: PanelPurchasedItem): string | undefined {
  const fromLabel = /^\s*\d+\s*-\s*([A-Za-z]{2})\s*-/.exec(s.label ?? '');
  if (fromLabel) return fromLabel[1]!.toUpperCase();
  const fromNetwork = /^([A-Za-z]{2})-/.exec(s.networkLabel ?? '');
  return fromNetwork ? fromNetwork[1]!.toUpperCase() : undefined;
}

/** The connection type from the label's last part (`… - Private`). */
function connectionTypeOf(s: PanelPurchasedItem): string | undefined {
  const match = /-\s*([A-Za-z]+)\s*$/.exec(s.label ?? '');
  return match ? match[1]!.toLowerCase() : undefined;
}

/**
 * Whether a subscription could come from this choice. What the labels do not
 * tell is not held against it: a false "no" would make a real purchase look
 * like none, while a false "yes" only makes the lookup ambiguous.
 */
function mayBelongToChoice(s: PanelSubscription, choice: OrderChoice): boolean {
  const country = countryOf(s);
  if (country && choice.countryCode && country !== choice.countryCode.toUpperCase()) return false;
  const connection = connectionTypeOf(s);
  if (connection && !choice.productId.endsWith(`-${connection}`)) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/**
 * A failure before any write was sent means nothing was bought or changed:
 * definite refusals stay as they are, and an ambiguous read becomes `busy`.
 */
function nothingWasSent(outcome: Outcome<never>, step: string): Outcome<never> {
  if (outcome.kind !== 'ambiguous') return outcome;
  return refused('busy', `${outcome.message} (while ${step}; nothing was sent)`, outcome.httpStatus);
}

/** Prices are already cents; a fractional value is rounded up, as costs always are. */
function planCostCents(plan: { priceAmountCents: number }): number {
  return Math.ceil(plan.priceAmountCents);
}

function absoluteUrl(path: string, baseUrl: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

/** `rotatePath` is relative to the base URL; an absolute link is accepted only on the same host. */
function pathRelativeToBase(rotatePath: string, baseUrl: string): string | undefined {
  if (!/^https?:\/\//i.test(rotatePath)) return rotatePath.startsWith('/') ? rotatePath : `/${rotatePath}`;
  const link = new URL(rotatePath);
  const base = new URL(baseUrl);
  if (link.origin !== base.origin) return undefined;
  const basePath = base.pathname.replace(/\/+$/, '');
  if (!link.pathname.startsWith(basePath)) return undefined;
  return link.pathname.slice(basePath.length) + link.search;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

function countryName(code: string): string {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}
