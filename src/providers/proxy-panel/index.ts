import type { ProviderModule } from '../types.js';
import { createProxyPanelProvider, PROXY_PANEL_CAPABILITIES } from './adapter.js';

export { createProxyPanelProvider } from './adapter.js';

export const proxyPanelModule: ProviderModule<'proxy-panel'> = {
  id: 'proxy-panel',
  displayName: 'Proxy Panel',
  envPrefix: 'PROXY_PANEL',
  // A white-label panel lives on its reseller's own domain: there is no real default.
  defaultBaseUrl: 'https://your-domain.com',
  capabilities: PROXY_PANEL_CAPABILITIES,
  // `op trial` is only listed on the docs page (upstream-facts.md); seed 001 says nothing of its
  // length, and the simulator's one day is a guess: the panel decides.
  trialLength: 'set_by_upstream',
  create: createProxyPanelProvider,
};
