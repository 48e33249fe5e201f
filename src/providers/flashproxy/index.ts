import type { ProviderModule } from '../types.js';
import { createFlashProxyProvider } from './adapter.js';

export { createFlashProxyProvider } from './adapter.js';

export const flashProxyModule: ProviderModule<'flashproxy'> = {
  id: 'flashproxy',
  displayName: 'FlashProxy',
  envPrefix: 'FLASHPROXY',
  defaultBaseUrl: 'https://rapi.flashproxy.com/api/v1',
  capabilities: {
    quote: true,
    renew: true,
    changeCredentials: true,
    rotateIp: false,
    switchLocation: false,
    usage: true,
    balance: true,
    findPurchase: true,
  },
  create: createFlashProxyProvider,
};
