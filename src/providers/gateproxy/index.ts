import type { ProviderModule } from '../types.js';
import { createGateProxyProvider } from './adapter.js';

export { createGateProxyProvider } from './adapter.js';

export const gateProxyModule: ProviderModule<'gateproxy'> = {
  id: 'gateproxy',
  displayName: 'GateProxy',
  envPrefix: 'GATEPROXY',
  defaultBaseUrl: 'https://api.gateproxy.store',
  capabilities: {
    quote: false, // no price endpoint: quotes are catalog arithmetic
    renew: false,
    changeCredentials: false,
    rotateIp: false,
    switchLocation: false,
    usage: true,
    balance: true,
    findPurchase: true,
  },
  create: createGateProxyProvider,
};
