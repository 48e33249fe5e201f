import type { ProviderModule } from '../types.js';
import { createFlashProxyProvider, FLASHPROXY_CAPABILITIES } from './adapter.js';
import { TRIAL_TERM_ID } from './products.js';

export { createFlashProxyProvider } from './adapter.js';

export const flashProxyModule: ProviderModule<'flashproxy'> = {
  id: 'flashproxy',
  displayName: 'FlashProxy',
  envPrefix: 'FLASHPROXY',
  defaultBaseUrl: 'https://rapi.flashproxy.com/api/v1',
  capabilities: FLASHPROXY_CAPABILITIES,
  // openapi POST /plans: "For trial: `product`, `duration: \"trial\"`" (unlimited_residential only).
  upstreamTrial: { productId: 'unlimited-residential-trial', termId: TRIAL_TERM_ID },
  create: createFlashProxyProvider,
};
