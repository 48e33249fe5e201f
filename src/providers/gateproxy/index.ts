export { createGateProxyProvider } from './adapter.js';
