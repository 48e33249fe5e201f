/**
 * The checker end to end on 127.0.0.1: the sandbox's real HTTP and SOCKS5
 * proxy, and a check URL that answers `{ ip, country }` with the address it
 * saw — so an exit IP other than a direct connection's proves the request
 * went through the proxy.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProxy, type CheckTarget } from '../../src/services/proxy-checker.js';
import {
  startCheckEndpoint,
  startSimProxy,
  type RunningCheckEndpoint,
  type RunningSimProxy,
} from '../../src/sandbox/upstreams/proxy-server.js';

let proxy: RunningSimProxy;
let endpoint: RunningCheckEndpoint;

beforeAll(async () => {
  proxy = await startSimProxy({ accepts: (login, password) => login === 'alice' && password === 'wonder1and' });
  endpoint = await startCheckEndpoint((ip) => (ip === proxy.exitAddress ? 'DE' : 'ZZ'));
});

afterAll(async () => {
  await proxy.close();
  await endpoint.close();
});

const target = (overrides: Partial<CheckTarget> = {}): CheckTarget => ({
  host: proxy.host,
  httpPort: proxy.httpPort,
  socks5Port: proxy.socks5Port,
  login: 'alice',
  password: 'wonder1and',
  ...overrides,
});

/** A port nothing listens on: taken, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('proxy checker', () => {
  it('reaches the check URL through a working proxy over HTTP CONNECT and SOCKS5, with its exit IP and country', async () => {
    const checks = await checkProxy(target(), { url: endpoint.url, timeoutMs: 3_000 });
    expect(checks).toHaveLength(2);
    for (const protocol of ['http', 'socks5'] as const) {
      const check = checks.find((c) => c.protocol === protocol);
      expect(check).toMatchObject({ reachable: true, exitIp: proxy.exitAddress, country: 'DE' });
      expect(check?.reachable && check.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('serves both protocols on one port, as upstreams that sell one port for both do', async () => {
    const checks = await checkProxy(target({ socks5Port: proxy.httpPort }), { url: endpoint.url, timeoutMs: 3_000 });
    expect(checks.map((c) => c.reachable)).toEqual([true, true]);
  });

  it('says the login was refused when the password is wrong, on either protocol', async () => {
    const checks = await checkProxy(target({ password: 'guessed' }), { url: endpoint.url, timeoutMs: 3_000 });
    expect(checks).toEqual([
      { protocol: 'http', reachable: false, failure: 'auth_rejected' },
      { protocol: 'socks5', reachable: false, failure: 'auth_rejected' },
    ]);
  });

  it('says the proxy does not answer when nothing listens on its port', async () => {
    const port = await deadPort();
    const checks = await checkProxy(target({ httpPort: port, socks5Port: port }), { url: endpoint.url, timeoutMs: 3_000 });
    expect(checks.map((c) => c.reachable || c.failure)).toEqual(['proxy_unreachable', 'proxy_unreachable']);
  });

  it('gives up at the timeout when the proxy is too slow', async () => {
    proxy.setDelayMs(5_000);
    try {
      const started = Date.now();
      const checks = await checkProxy(target(), { url: endpoint.url, timeoutMs: 300 });
      expect(checks.map((c) => c.reachable || c.failure)).toEqual(['timeout', 'timeout']);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      proxy.setDelayMs(0);
    }
  });

  it('gives up at the timeout when the check URL is too slow to answer', async () => {
    endpoint.setDelayMs(5_000);
    try {
      const checks = await checkProxy(target({ socks5Port: null }), { url: endpoint.url, timeoutMs: 300 });
      expect(checks).toEqual([{ protocol: 'http', reachable: false, failure: 'timeout' }]);
    } finally {
      endpoint.setDelayMs(0);
    }
  });

  it('tells a proxy that cannot reach the check URL from one that does not answer', async () => {
    const checks = await checkProxy(target(), { url: `http://127.0.0.1:${await deadPort()}/`, timeoutMs: 3_000 });
    expect(checks.map((c) => c.reachable || c.failure)).toEqual(['target_unreachable', 'target_unreachable']);
  });
});
