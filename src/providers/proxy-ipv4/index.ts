import type { ProviderModule } from '../types.js';
import { createProxyIpv4Provider, PROXY_IPV4_BASE_URL, PROXY_IPV4_CAPABILITIES } from './adapter.js';

export { createProxyIpv4Provider, PROXY_IPV4_BASE_URL, type ProxyIpv4Settings } from './adapter.js';

export const proxyIpv4Module: ProviderModule<'proxy-ipv4'> = {
  id: 'proxy-ipv4',
  displayName: 'proxy-ipv4.com',
  envPrefix: 'PROXY_IPV4',
  defaultBaseUrl: PROXY_IPV4_BASE_URL,
  capabilities: PROXY_IPV4_CAPABILITIES,
  create: createProxyIpv4Provider,
};
