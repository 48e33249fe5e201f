/**
 * Geo and session targeting chosen with a purchase: the options a product
 * offers before it is bought, the check of a customer's choice against them,
 * and the credentials of the delivered proxy built for that choice.
 *
 * The target is not sent to the upstream with the purchase: the providers
 * that take one (FlashProxy, openapi "Geo Targeting": "For rotating proxies
 * … use username parameters") route by the proxy's username, so the same
 * plan serves any target. The shop keeps the choice on the order and builds
 * the delivered credentials from it with the provider's own builder
 * (`targetedCredentials`, the one the card's connection-string builder uses).
 * The subscription keeps the upstream's base login, because a sync writes the
 * upstream's record back over it and the card builds other targets from it.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { orderTargets, quoteTargets } from '../db/schema/index.js';
import type { ProxyTarget, TargetingOptions } from '../providers/types.js';
import type { Catalog } from './catalog.js';
import type { SubscriptionRow } from './order-store.js';
import { offers } from './subscriptions.js';
import { checkTarget, TARGETING_CACHE_MS, type TargetingResult, type TargetRequest } from './targeting.js';

/** Where a purchase target is written and read; the writes run inside the saga's own transactions. */
export function createTargetStore(db: Db) {
  const parse = (row: { target: string } | undefined): ProxyTarget | undefined =>
    row ? (JSON.parse(row.target) as ProxyTarget) : undefined;
  return {
    saveForQuote(quoteId: string, target: ProxyTarget): void {
      db.insert(quoteTargets)
        .values({ quoteId, target: JSON.stringify(target) })
        .run();
    },
    ofQuote(quoteId: string): ProxyTarget | undefined {
      return parse(db.select({ target: quoteTargets.target }).from(quoteTargets).where(eq(quoteTargets.quoteId, quoteId)).get());
    },
    /** The quote's target becomes the order's; a replayed reserve finds it there already. */
    copyToOrder(quoteId: string, orderId: string): void {
      const target = db.select({ target: quoteTargets.target }).from(quoteTargets).where(eq(quoteTargets.quoteId, quoteId)).get();
      if (target) db.insert(orderTargets).values({ orderId, target: target.target }).onConflictDoNothing().run();
    },
    ofOrder(orderId: string): ProxyTarget | undefined {
      return parse(db.select({ target: orderTargets.target }).from(orderTargets).where(eq(orderTargets.orderId, orderId)).get());
    },
  };
}

export type TargetStore = ReturnType<typeof createTargetStore>;

/** A delivered proxy's credentials for the target it was bought with. */
export interface TargetedCredentials {
  target: ProxyTarget;
  login: string;
  password: string;
}

export function createPurchaseTargets(deps: { db: Db; catalog: Pick<Catalog, 'provider'>; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const store = createTargetStore(deps.db);
  const cache = new Map<string, { at: number; options: TargetingOptions }>();

  const targetable = (providerId: string, productId: string) => {
    const provider = deps.catalog.provider(providerId);
    return provider?.targetingOptions && provider.targetedCredentials && offers(provider, productId, 'targeting') ? provider : undefined;
  };

  /** Whether a product takes a target at all, by its provider's capabilities (no upstream call). */
  function supports(providerId: string, productId: string): boolean {
    return targetable(providerId, productId) !== undefined;
  }

  /** The targets a product's proxies accept; `unsupported` when none (the buy flow then has no targeting step). */
  async function options(providerId: string, productId: string): Promise<TargetingResult<TargetingOptions>> {
    const provider = targetable(providerId, productId);
    if (!provider) return { ok: false, reason: 'unsupported', message: 'this product takes no geo or session target' };
    const key = `${providerId}\u0000${productId}`;
    const cached = cache.get(key);
    if (cached && now() - cached.at < TARGETING_CACHE_MS) return { ok: true, value: cached.options };
    const outcome = await provider.targetingOptions!(productId);
    if (outcome.kind !== 'ok') {
      return { ok: false, reason: 'provider_unavailable', message: `${provider.displayName} did not answer; please try again later` };
    }
    if (outcome.value.countries.length === 0 && outcome.value.stickyLifetimes.length === 0) {
      return { ok: false, reason: 'unsupported', message: 'this product takes no geo or session target' };
    }
    cache.set(key, { at: now(), options: outcome.value });
    return { ok: true, value: outcome.value };
  }

  /**
   * The customer's request as a target the product documents, or which field
   * is not one of its options. A sticky lifetime may be named by its id or by
   * its documented length in minutes (FlashProxy Pool 1 `-time-long`: "up to
   * 24 hours" is 1440); a length no lifetime documents is refused, never rounded.
   */
  async function resolve(
    providerId: string,
    productId: string,
    request: TargetRequest & { lifetimeMinutes?: number },
  ): Promise<TargetingResult<ProxyTarget>> {
    const available = await options(providerId, productId);
    if (!available.ok) return available;
    const { lifetimeMinutes, ...rest } = request;
    if (lifetimeMinutes === undefined) return checkTarget(available.value, rest);
    const lifetimes = available.value.stickyLifetimes;
    const named = lifetimes.find((l) => l.maxMinutes === lifetimeMinutes);
    if (request.session !== 'sticky' || !named || (rest.lifetime !== undefined && rest.lifetime !== named.id)) {
      const documented = lifetimes.filter((l) => l.maxMinutes !== undefined).map((l) => `${l.maxMinutes} (${l.id})`);
      const offered = documented.length > 0 ? `offered: ${documented.join(', ')}` : 'no lifetime of this product has a documented length';
      return {
        ok: false,
        reason: 'invalid_target',
        field: 'lifetime',
        message: `no sticky lifetime of ${lifetimeMinutes} minutes; ${offered}`,
      };
    }
    return checkTarget(available.value, { ...rest, lifetime: named.id });
  }

  /** The credentials a delivered proxy was bought for; undefined when it was bought without a target. */
  function credentialsOf(sub: Pick<SubscriptionRow, 'orderId' | 'providerId' | 'productId' | 'login' | 'password'>) {
    const target = store.ofOrder(sub.orderId);
    if (!target) return undefined;
    const provider = deps.catalog.provider(sub.providerId);
    const built = provider?.targetedCredentials?.({ productId: sub.productId, login: sub.login, password: sub.password }, target);
    // Checked when quoted; a provider no longer enabled still shows the target, with the base login.
    if (!built || built.kind !== 'ok') return { target, login: sub.login, password: sub.password };
    return { target, login: built.value.login, password: built.value.password } satisfies TargetedCredentials;
  }

  /** The proxy as the customer uses it: the targeted login in place of the base one. */
  function asDelivered<S extends Pick<SubscriptionRow, 'orderId' | 'providerId' | 'productId' | 'login' | 'password'>>(
    sub: S,
  ): S & { target?: ProxyTarget } {
    const targeted = credentialsOf(sub);
    return targeted ? { ...sub, login: targeted.login, password: targeted.password, target: targeted.target } : sub;
  }

  return { supports, options, resolve, credentialsOf, asDelivered, store };
}

export type PurchaseTargets = ReturnType<typeof createPurchaseTargets>;
