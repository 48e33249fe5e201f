/**
 * Which upstreams the shop buys from: every module in `modules.ts` whose API
 * key is set. A new upstream joins by its line in that list, not here.
 */
import type { Config, ProviderKeyConfig } from '../config.js';
import { PROVIDER_MODULES } from './modules.js';
import type { ProviderModule, ProxyProvider } from './types.js';

/**
 * One instance per provider: several adapters serialize their own orders, which
 * only works when every caller shares the same instance.
 *
 * `modules` is the shipped list unless a test composes its own.
 */
export function createProviders(
  config: Pick<Config, 'providers' | 'upstreamTimeoutMs'>,
  modules: readonly ProviderModule[] = PROVIDER_MODULES,
): ProxyProvider[] {
  // Keyed by module id; a composed list may hold ids the shipped id type does not know.
  const enabled: Partial<Record<string, ProviderKeyConfig>> = config.providers;
  return modules.flatMap((module) => {
    const keys = enabled[module.id];
    if (!keys) return [];
    return [module.create({ apiKey: keys.apiKey, baseUrl: keys.baseUrl, timeoutMs: config.upstreamTimeoutMs })];
  });
}
