import type { ProviderModule } from '../types.js';
import { createProxyPanelProvider } from './adapter.js';

export { createProxyPanelProvider } from './adapter.js';

export const proxyPanelModule: ProviderModule<'proxy-panel'> = {
  id: 'proxy-panel',
  displayName: 'Proxy Panel',
  envPrefix: 'PROXY_PANEL',
  // A white-label panel lives on its reseller's own domain: there is no real default.
  defaultBaseUrl: 'https://your-domain.com',
  capabilities: {
    quote: false, // a quote is catalog arithmetic, not an upstream price call
    renew: true,
    changeCredentials: true,
    rotateIp: true,
    switchLocation: true,
    usage: false,
    balance: false,
    findPurchase: true, // by listing subscriptions against what we own
  },
  create: createProxyPanelProvider,
};
