/**
 * One catalog across every enabled provider: provider → product → country →
 * term → quantity. Upstream answers are cached for a while; a provider that
 * fails drops out with a visible status instead of breaking the catalog.
 */
import { SingleFlight } from '../lib/single-flight.js';
import type { Logger } from '../logger.js';
import type { CatalogProduct, OrderChoice, ProviderCatalog, ProviderId, ProxyProvider, TermOption } from '../providers/types.js';

export const CATALOG_TTL_MS = 5 * 60_000;
/** A failed provider is asked again sooner than a healthy one is refreshed. */
export const FAILED_RETRY_MS = 30_000;

export type ProviderStatus = { state: 'ok'; fetchedAt: number } | { state: 'unavailable'; since: number; reason: string };

export interface ProviderEntry {
  id: ProviderId;
  name: string;
  status: ProviderStatus;
  products: CatalogProduct[];
}

interface CacheEntry {
  at: number;
  catalog?: ProviderCatalog;
  error?: string;
}

/** Why a choice cannot be priced, known before the upstream is asked. */
export type ChoiceRejection =
  | 'provider_unavailable'
  | 'unknown_product'
  | 'unknown_country'
  | 'unknown_term'
  | 'bad_quantity'
  | 'not_available';

export type ChoiceCheck =
  | { ok: true; provider: ProxyProvider; product: CatalogProduct; term: TermOption; countryName?: string; countryIso?: string }
  | { ok: false; reason: ChoiceRejection; message: string };

/** Message shown for a provider an operator took off sale (services/provider-availability.ts). */
export const OFF_SALE_REASON = 'taken off sale by the shop';

export function createCatalog(deps: {
  providers: ProxyProvider[];
  logger: Logger;
  now?: () => number;
  ttlMs?: number;
  /** Whether the shop sells a provider now; one an operator took off sale is listed unavailable and refuses new choices. */
  isOnSale?: (providerId: ProviderId) => boolean;
}) {
  const isOnSale = deps.isOnSale ?? (() => true);
  const now = deps.now ?? Date.now;
  const ttl = deps.ttlMs ?? CATALOG_TTL_MS;
  const byId = new Map(deps.providers.map((p) => [p.id, p]));
  const cache = new Map<ProviderId, CacheEntry>();
  const loading = new SingleFlight<ProviderId, CacheEntry>();

  const fresh = (entry: CacheEntry | undefined) => entry !== undefined && now() - entry.at < (entry.catalog ? ttl : FAILED_RETRY_MS);

  const load = async (provider: ProxyProvider): Promise<CacheEntry> => {
    const cached = cache.get(provider.id);
    if (fresh(cached)) return cached!;
    // Many users opening the menu at once cause one upstream call, not many.
    return loading.run(provider.id, async () => {
      const outcome = await provider.getCatalog();
      const entry: CacheEntry = outcome.kind === 'ok' ? { at: now(), catalog: outcome.value } : { at: now(), error: outcome.message };
      if (outcome.kind !== 'ok') {
        deps.logger.warn('provider catalog unavailable', { provider: provider.id, outcome: outcome.kind, reason: outcome.message });
      }
      cache.set(provider.id, entry);
      return entry;
    });
  };

  const entryFor = async (provider: ProxyProvider): Promise<ProviderEntry> => {
    // Off sale: not even asked, so a misbehaving upstream costs nothing while it is off.
    if (!isOnSale(provider.id)) {
      return {
        id: provider.id,
        name: provider.displayName,
        status: { state: 'unavailable', since: now(), reason: OFF_SALE_REASON },
        products: [],
      };
    }
    const entry = await load(provider);
    if (entry.catalog) {
      return {
        id: provider.id,
        name: provider.displayName,
        status: { state: 'ok', fetchedAt: entry.at },
        products: entry.catalog.products,
      };
    }
    return {
      id: provider.id,
      name: provider.displayName,
      status: { state: 'unavailable', since: entry.at, reason: entry.error ?? 'unknown' },
      products: [],
    };
  };

  return {
    provider(id: string): ProxyProvider | undefined {
      return byId.get(id as ProviderId);
    },

    providers(): ProxyProvider[] {
      return [...byId.values()];
    },

    /** False when an operator took the provider off sale: no new quotes or orders for it. */
    isOnSale(id: string): boolean {
      return byId.has(id as ProviderId) && isOnSale(id as ProviderId);
    },

    /** Every enabled provider with its status; fetched in parallel. */
    async listProviders(): Promise<ProviderEntry[]> {
      return Promise.all([...byId.values()].map(entryFor));
    },

    async providerEntry(id: string): Promise<ProviderEntry | undefined> {
      const provider = byId.get(id as ProviderId);
      return provider ? entryFor(provider) : undefined;
    },

    /** Checks a choice against the live catalog before anything is priced. */
    async checkChoice(providerId: string, choice: OrderChoice): Promise<ChoiceCheck> {
      const provider = byId.get(providerId as ProviderId);
      if (!provider) return { ok: false, reason: 'provider_unavailable', message: 'this provider is not offered' };
      const entry = await entryFor(provider);
      if (entry.status.state !== 'ok') {
        return { ok: false, reason: 'provider_unavailable', message: `${provider.displayName} is unavailable right now` };
      }
      const product = entry.products.find((p) => p.id === choice.productId);
      if (!product) return { ok: false, reason: 'unknown_product', message: 'this product is no longer offered' };
      if (!product.available) return { ok: false, reason: 'not_available', message: `${product.name} is sold out right now` };
      let countryName: string | undefined;
      let countryIso: string | undefined;
      if (product.countries.length > 0) {
        const country = product.countries.find((c) => c.code === choice.countryCode);
        if (!country) return { ok: false, reason: 'unknown_country', message: 'this country is not offered for the product' };
        if (!country.available) return { ok: false, reason: 'not_available', message: `${country.name} is sold out right now` };
        countryName = country.name;
        countryIso = country.iso;
      }
      const term = product.terms.find((t) => t.id === choice.termId);
      if (!term || (term.countryCodes && !term.countryCodes.includes(choice.countryCode ?? ''))) {
        return { ok: false, reason: 'unknown_term', message: 'this period or traffic size is not offered' };
      }
      if (!Number.isSafeInteger(choice.quantity) || choice.quantity < product.minQuantity || choice.quantity > product.maxQuantity) {
        return {
          ok: false,
          reason: 'bad_quantity',
          message: `quantity must be a whole number from ${product.minQuantity} to ${product.maxQuantity}`,
        };
      }
      return { ok: true, provider, product, term, countryName, ...(countryIso ? { countryIso } : {}) };
    },

    /** Forgets cached answers (an operator's "refresh", or tests). */
    invalidate(providerId?: string): void {
      if (providerId) cache.delete(providerId as ProviderId);
      else cache.clear();
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
