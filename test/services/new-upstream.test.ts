/**
 * Adding an upstream is one folder and one line: a throwaway provider from
 * test/fixtures/throwaway-upstream, composed into the module list here,
 * gets its settings, is built by the registry and shows up in the catalog
 * beside a shipped upstream.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, secretValues } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { PROVIDER_MODULES } from '../../src/providers/modules.js';
import { createProviders } from '../../src/providers/registry.js';
import { createCatalog } from '../../src/services/catalog.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';
import { throwawayModule } from '../fixtures/throwaway-upstream/index.js';

const THROWAWAY_KEY = 'tw_live_0f1e2d3c4b5a';
const WITH_THROWAWAY = [...PROVIDER_MODULES, throwawayModule];

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** The throwaway upstream's API: a price list for the right key, 401 for any other. */
async function startThrowawayUpstream(): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    if (req.headers.authorization !== `Bearer ${THROWAWAY_KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad key"}');
      return;
    }
    if (req.method !== 'GET' || req.url !== '/v1/plans') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify([{ code: 'dc-us', title: 'Datacenter US', days: 30, price_cents: 150 }]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests: () => requests };
}

async function startGateProxy(): Promise<RunningUpstream<'gateproxy'>> {
  const gate = await startUpstream('gateproxy');
  closers.push(() => gate.close());
  return gate;
}

describe('a sixth upstream', () => {
  it('added as one folder and one line, is enabled by its API key and listed in the catalog beside the others', async () => {
    const throwaway = await startThrowawayUpstream();
    const gate = await startGateProxy();
    const parsed = parseConfig({ ...gate.settings, THROWAWAY_API_KEY: THROWAWAY_KEY, THROWAWAY_BASE_URL: throwaway.url }, WITH_THROWAWAY);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    expect(secretValues(parsed.config)).toContain(THROWAWAY_KEY);

    const providers = createProviders(parsed.config, WITH_THROWAWAY);
    const catalog = createCatalog({ providers, logger: silentLogger });
    const entries = await catalog.listProviders();

    expect(entries.map((e) => [e.id, e.name, e.status.state])).toEqual([
      ['gateproxy', 'GateProxy', 'ok'],
      ['throwaway', 'Throwaway Proxies', 'ok'],
    ]);
    // The key and base URL from its settings reached its adapter: the upstream answered with its price list.
    expect(entries[1]!.products.map((p) => [p.id, p.name, p.terms[0]!.unitCostCents])).toEqual([['dc-us', 'Datacenter US', 150]]);
    expect(throwaway.requests()).toBe(1);
    expect(catalog.provider('throwaway')!.capabilities).toEqual(throwawayModule.capabilities);
  });

  it('without its line in the module list, its settings enable nothing', async () => {
    const throwaway = await startThrowawayUpstream();
    const parsed = parseConfig({ THROWAWAY_API_KEY: THROWAWAY_KEY, THROWAWAY_BASE_URL: throwaway.url });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    expect(parsed.config.providers).toEqual({});
    expect(createProviders(parsed.config)).toEqual([]);
  });

  it('gets the same settings rules as the shipped upstreams: default base URL, checked URL, key required', () => {
    const defaulted = parseConfig({ THROWAWAY_API_KEY: THROWAWAY_KEY }, WITH_THROWAWAY);
    expect(defaulted.ok && defaulted.config.providers).toEqual({
      throwaway: { apiKey: THROWAWAY_KEY, baseUrl: 'https://api.throwaway.invalid/v1' },
    });

    const bad = parseConfig({ THROWAWAY_API_KEY: THROWAWAY_KEY, THROWAWAY_BASE_URL: 'ftp://throwaway.example' }, WITH_THROWAWAY);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.map((p) => p.split(':')[0])).toEqual(['THROWAWAY_BASE_URL']);
    expect(bad.problems.join('\n')).not.toContain(THROWAWAY_KEY);

    const keyless = parseConfig({ THROWAWAY_BASE_URL: 'https://api.throwaway.example' }, WITH_THROWAWAY);
    expect(keyless.ok && keyless.config.providers).toEqual({});
  });
});
