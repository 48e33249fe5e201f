export { createFlashProxyProvider } from './adapter.js';
