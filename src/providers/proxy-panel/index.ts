export { createProxyPanelProvider } from './adapter.js';
