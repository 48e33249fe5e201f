import type { ProviderModule } from '../types.js';
import { createGateProxyProvider, GATEPROXY_CAPABILITIES } from './adapter.js';

export { createGateProxyProvider } from './adapter.js';

export const gateProxyModule: ProviderModule<'gateproxy'> = {
  id: 'gateproxy',
  displayName: 'GateProxy',
  envPrefix: 'GATEPROXY',
  defaultBaseUrl: 'https://api.gateproxy.store',
  capabilities: GATEPROXY_CAPABILITIES,
  create: createGateProxyProvider,
};
