import type { ProviderModule } from '../types.js';
import { createLumiWebProvider, LUMIWEB_CAPABILITIES } from './adapter.js';

export {
  createLumiWebProvider,
  DEFAULT_LUMIWEB_COUNTRIES,
  LUMIWEB_TERM,
  type LumiWebCountry,
  type LumiWebOptions,
} from './adapter.js';
export type { LumiWebSigner } from './client.js';

export const lumiWebModule: ProviderModule<'lumiweb'> = {
  id: 'lumiweb',
  displayName: 'LumiWeb',
  envPrefix: 'LUMIWEB',
  defaultBaseUrl: 'https://panel.scamprojecttest.xyz/proxy/api/v1',
  capabilities: LUMIWEB_CAPABILITIES,
  // The shop runs it with its default countries and signer.
  create: (settings) => createLumiWebProvider(settings),
};
