import type { ProviderModule } from '../types.js';
import { createProxyIpv4Provider, PROXY_IPV4_BASE_URL } from './adapter.js';

export { createProxyIpv4Provider, PROXY_IPV4_BASE_URL, type ProxyIpv4Settings } from './adapter.js';

export const proxyIpv4Module: ProviderModule<'proxy-ipv4'> = {
  id: 'proxy-ipv4',
  displayName: 'proxy-ipv4.com',
  envPrefix: 'PROXY_IPV4',
  defaultBaseUrl: PROXY_IPV4_BASE_URL,
  capabilities: {
    quote: true,
    renew: true,
    changeCredentials: false,
    rotateIp: true,
    switchLocation: false,
    usage: false,
    balance: true,
    findPurchase: true,
  },
  create: createProxyIpv4Provider,
};
