export { createProxyIpv4Provider, PROXY_IPV4_BASE_URL, type ProxyIpv4Settings } from './adapter.js';
