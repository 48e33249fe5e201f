/**
 * Proxy credentials in the formats customers paste into their tools, one
 * line per proxy, ready to be saved as a file.
 */

export const EXPORT_FORMATS = ['host:port:login:password', 'login:password@host:port', 'http', 'socks5'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ProxyCredentials {
  host: string;
  httpPort: number | null;
  socks5Port: number | null;
  login: string;
  password: string;
}

/** IPv6 hosts need brackets in URLs and `login:password@host:port` lines. */
function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** One line, or null when the proxy has no port for the format (e.g. socks5 on an HTTP-only proxy). */
export function formatProxy(proxy: ProxyCredentials, format: ExportFormat): string | null {
  const port = format === 'socks5' ? proxy.socks5Port : (proxy.httpPort ?? proxy.socks5Port);
  if (port === null || port === undefined) return null;
  const login = encodeURIComponent(proxy.login);
  const password = encodeURIComponent(proxy.password);
  switch (format) {
    case 'host:port:login:password':
      return `${proxy.host}:${port}:${proxy.login}:${proxy.password}`;
    case 'login:password@host:port':
      return `${proxy.login}:${proxy.password}@${hostForUrl(proxy.host)}:${port}`;
    case 'http':
      return `http://${login}:${password}@${hostForUrl(proxy.host)}:${port}`;
    case 'socks5':
      return `socks5://${login}:${password}@${hostForUrl(proxy.host)}:${port}`;
  }
}

/** Every proxy that has a port for the format, one per line, with a final newline. */
export function formatProxyList(proxies: ProxyCredentials[], format: ExportFormat): string {
  const lines = proxies.map((p) => formatProxy(p, format)).filter((l): l is string => l !== null);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
