/**
 * Which upstreams the shop buys from: every module in `modules.ts` whose API
 * key is set. A new upstream joins by its line in that list, not here.
 */
import { PROVIDER_MODULES } from './modules.js';
import type { ProviderModule, ProviderSettings, ProxyProvider } from './types.js';

/** An upstream's key and address, as the settings give them. */
export type ProviderKeyConfig = Pick<ProviderSettings, 'apiKey' | 'baseUrl'>;

/** What the registry reads from the settings (`Config` has both). */
export interface ProviderRegistrySettings {
  /** Keyed by module id (a composed list may hold ids the shipped id type does not know); only upstreams whose key is set. */
  providers: Partial<Record<string, ProviderKeyConfig>>;
  upstreamTimeoutMs: number;
}

/**
 * One instance per provider: several adapters serialize their own orders, which
 * only works when every caller shares the same instance.
 *
 * `modules` is the shipped list unless a test composes its own.
 */
export function createProviders(config: ProviderRegistrySettings, modules: readonly ProviderModule[] = PROVIDER_MODULES): ProxyProvider[] {
  return modules.flatMap((module) => {
    const keys = config.providers[module.id];
    if (!keys) return [];
    return [module.create({ apiKey: keys.apiKey, baseUrl: keys.baseUrl, timeoutMs: config.upstreamTimeoutMs })];
  });
}
