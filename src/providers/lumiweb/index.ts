export {
  createLumiWebProvider,
  DEFAULT_LUMIWEB_COUNTRIES,
  LUMIWEB_TERM,
  type LumiWebCountry,
  type LumiWebOptions,
} from './adapter.js';
export type { LumiWebSigner } from './client.js';
