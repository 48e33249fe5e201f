import type { ProviderModule } from '../types.js';
import { createFlashProxyProvider, FLASHPROXY_CAPABILITIES } from './adapter.js';

export { createFlashProxyProvider } from './adapter.js';

export const flashProxyModule: ProviderModule<'flashproxy'> = {
  id: 'flashproxy',
  displayName: 'FlashProxy',
  envPrefix: 'FLASHPROXY',
  defaultBaseUrl: 'https://rapi.flashproxy.com/api/v1',
  capabilities: FLASHPROXY_CAPABILITIES,
  create: createFlashProxyProvider,
};
