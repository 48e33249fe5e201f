import { describe, expect, it } from 'vitest';
import { formatProxy, formatProxyList } from '../../src/domain/proxy-format.js';

const v4 = { host: '185.81.112.215', httpPort: 49162, socks5Port: 49163, login: 'u1', password: 'p@ss:1' };
const httpOnly = { host: '2001:db8::1', httpPort: 8080, socks5Port: null, login: 'u2', password: 'p2' };

describe('proxy export formats', () => {
  it('writes each format the way proxy tools read it', () => {
    expect(formatProxy(v4, 'host:port:login:password')).toBe('185.81.112.215:49162:u1:p@ss:1');
    expect(formatProxy(v4, 'login:password@host:port')).toBe('u1:p@ss:1@185.81.112.215:49162');
    // URLs need the reserved characters of credentials encoded.
    expect(formatProxy(v4, 'http')).toBe('http://u1:p%40ss%3A1@185.81.112.215:49162');
    expect(formatProxy(v4, 'socks5')).toBe('socks5://u1:p%40ss%3A1@185.81.112.215:49163');
  });

  it('brackets IPv6 hosts in URLs and skips a format the proxy has no port for', () => {
    expect(formatProxy(httpOnly, 'http')).toBe('http://u2:p2@[2001:db8::1]:8080');
    expect(formatProxy(httpOnly, 'socks5')).toBeNull();
  });

  it('makes one line per proxy, ready for a file', () => {
    expect(formatProxyList([v4, httpOnly], 'socks5')).toBe('socks5://u1:p%40ss%3A1@185.81.112.215:49163\n');
    expect(formatProxyList([v4, httpOnly], 'host:port:login:password').split('\n')).toHaveLength(3);
    expect(formatProxyList([], 'http')).toBe('');
  });
});
