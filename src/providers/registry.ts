/**
 * Which upstreams the shop buys from. A provider is enabled by setting its
 * API key; adding a sixth upstream is one folder plus one line here.
 */
import type { Config } from '../config.js';
import { createFlashProxyProvider } from './flashproxy/index.js';
import { createGateProxyProvider } from './gateproxy/index.js';
import { createLumiWebProvider } from './lumiweb/index.js';
import { createProxyIpv4Provider } from './proxy-ipv4/index.js';
import { createProxyPanelProvider } from './proxy-panel/index.js';
import type { ProviderId, ProviderSettings, ProxyProvider } from './types.js';

const FACTORIES: Record<ProviderId, (settings: ProviderSettings) => ProxyProvider> = {
  'proxy-ipv4': createProxyIpv4Provider,
  'proxy-panel': createProxyPanelProvider,
  flashproxy: createFlashProxyProvider,
  lumiweb: (settings) => createLumiWebProvider(settings),
  gateproxy: createGateProxyProvider,
};

export const PROVIDER_IDS = Object.keys(FACTORIES) as ProviderId[];

/**
 * One instance per provider: several adapters serialize their own orders, which
 * only works when every caller shares the same instance.
 */
export function createProviders(config: Pick<Config, 'providers' | 'upstreamTimeoutMs'>): ProxyProvider[] {
  return PROVIDER_IDS.flatMap((id) => {
    const keys = config.providers[id];
    if (!keys) return [];
    return [FACTORIES[id]({ apiKey: keys.apiKey, baseUrl: keys.baseUrl, timeoutMs: config.upstreamTimeoutMs })];
  });
}
