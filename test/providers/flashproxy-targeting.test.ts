/**
 * FlashProxy geo and session targeting: the simulator's `GET /geo/catalog`
 * as the openapi describes it, the adapter's options read from it over HTTP,
 * and usernames built in the documented `-key-value` format.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createFlashProxyProvider } from '../../src/providers/flashproxy/index.js';
import type { Outcome, ProxyProvider, TargetableProxy } from '../../src/providers/types.js';
import { createFlashProxySimulator } from '../../src/sandbox/upstreams/flashproxy/index.js';
import type { RunningSimulator } from '../../src/sandbox/upstreams/sim-server.js';

const servers: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(): Promise<{ provider: ProxyProvider; server: RunningSimulator; apiKey: string }> {
  const sim = createFlashProxySimulator();
  const server = await sim.start();
  servers.push(server);
  const provider = createFlashProxyProvider({ apiKey: sim.apiKey, baseUrl: `${server.url}/api/v1`, timeoutMs: 2_000 });
  return { provider, server, apiKey: sim.apiKey };
}

function expectOk<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

/** The fields of `TargetingCatalogResponse` (and the error envelope) these checks read. */
interface GeoAnswer {
  success: boolean;
  data: { product: string; supported: { country: string[] }; capabilities: Record<string, boolean> };
  error?: { code: string; message: string };
}

describe('FlashProxy simulator: GET /geo/catalog', () => {
  it('answers one product by its canonical key, and refuses what the openapi says it refuses', async () => {
    const { server, apiKey } = await start();
    const get = async (query: string) => {
      const response = await fetch(`${server.url}/api/v1/geo/catalog${query}`, { headers: { authorization: `Bearer ${apiKey}` } });
      return { status: response.status, body: (await response.json()) as GeoAnswer };
    };
    // "Aliases (residential to pool1, shared_isp to isp …) resolve to canonical keys; the response always echoes the canonical key."
    const residential = await get('?product=residential');
    expect(residential.status).toBe(200);
    expect(residential.body.data.product).toBe('pool1');
    expect(residential.body.data.supported.country).toContain('us');
    expect(residential.body.data.capabilities).toMatchObject({ country: true, state: true, asn: true, session: true });
    expect((await get('?product=shared_isp')).body.data.product).toBe('isp');
    expect((await get('?product=residential_lite')).body.data.product).toBe('residential-lite');

    expect(await get('')).toMatchObject({ status: 400, body: { success: false, error: { code: 'MISSING_PARAM' } } });
    expect(await get('?product=pool1,pool2')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_PRODUCT' } } });
    // "Dedicated ISP is excluded — that product is stock-based (no geo targeting)."
    expect(await get('?product=dedicated-isp')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_PRODUCT', message: 'Unknown product type: dedicated-isp' } },
    });
  });
});

describe('FlashProxy targeting options', () => {
  it('offers residential country → US state → city, networks and Pool 1 session lengths', async () => {
    const { provider } = await start();
    const options = expectOk(await provider.targetingOptions!('residential'));
    expect(options.countries.map((c) => c.code)).toEqual(['us', 'de', 'gb']);
    const us = options.countries.find((c) => c.code === 'us')!;
    expect(us.iso).toBe('US');
    expect(us.regions.map((r) => r.code)).toEqual(['california', 'newyork']);
    expect(us.regions.find((r) => r.code === 'california')!.cities.map((c) => c.code)).toEqual(['losangeles']);
    // Pool 1: "City: US (needs state)" — no city-only targets.
    expect(us.cities).toEqual([]);
    expect(us.asns).toEqual([7922, 701]);
    // States are a US dimension: Germany has none.
    expect(options.countries.find((c) => c.code === 'de')!.regions).toEqual([]);
    expect(options.stickyLifetimes.map((l) => l.id)).toEqual(['short', 'long']);
    expect(options.stickyLifetimes.find((l) => l.id === 'long')!.maxMinutes).toBe(24 * 60);
  });

  it('takes mobile networks per country and Lite cities without a region', async () => {
    const { provider } = await start();
    const mobile = expectOk(await provider.targetingOptions!('mobile'));
    expect(mobile.countries.find((c) => c.code === 'de')!.asns).toEqual([3320]);
    expect(mobile.countries.find((c) => c.code === 'us')!.asns).toEqual([21928, 22394]);
    const lite = expectOk(await provider.targetingOptions!('residential-lite'));
    expect(lite.countries.find((c) => c.code === 'de')!.cities.map((c) => c.code)).toEqual(['berlin']);
    expect(lite.countries.find((c) => c.code === 'us')!.asns).toEqual([]);
    expect(lite.stickyLifetimes.map((l) => l.id)).toEqual(['default']);
  });

  it('hides targeting on Dedicated ISP, which the catalog excludes', async () => {
    const { provider } = await start();
    expect(provider.capabilities.targeting).toBe(true);
    expect(provider.productCapabilities!('dedicated-isp')).toEqual({ targeting: false });
    expect(provider.productCapabilities!('residential')).toEqual({});
  });
});

describe('FlashProxy targeted usernames', () => {
  const provider = createFlashProxyProvider({ apiKey: 'fp_test_x', baseUrl: 'http://127.0.0.1:9/api/v1' });
  const proxy = (productId: string): TargetableProxy => ({ productId, login: 'user123', password: 'secret' });

  it('builds the documented examples', () => {
    const build = provider.targetedCredentials!;
    // openapi "Geo Targeting" examples.
    expect(expectOk(build(proxy('residential'), { countryCode: 'us', session: { mode: 'rotating' } }))).toEqual({
      login: 'user123-country-us',
      password: 'secret',
    });
    expect(
      expectOk(
        build(proxy('residential'), { countryCode: 'us', regionCode: 'california', cityCode: 'losangeles', session: { mode: 'rotating' } }),
      ).login,
    ).toBe('user123-country-us-state-california-city-losangeles');
    // "Sticky session: user123-country-us-session-abc123 — All products" (no duration control on Lite).
    expect(
      expectOk(
        build(proxy('residential-lite'), { countryCode: 'us', session: { mode: 'sticky', lifetimeId: 'default', sessionId: 'abc123' } }),
      ).login,
    ).toBe('user123-country-us-session-abc123');
    // Pool 1: "user-country-us-session-abc-time-long".
    expect(
      expectOk(build(proxy('residential'), { countryCode: 'us', session: { mode: 'sticky', lifetimeId: 'long', sessionId: 'abc' } })).login,
    ).toBe('user123-country-us-session-abc-time-long');
    // Seed, GET /geo/asn: "Use: user-country-US-asn-7922".
    expect(expectOk(build(proxy('mobile'), { countryCode: 'US', asn: 7922, session: { mode: 'rotating' } })).login).toBe(
      'user123-country-us-asn-7922',
    );
  });

  it('refuses what would not parse upstream or does not exist', () => {
    const build = provider.targetedCredentials!;
    expect(build(proxy('residential'), { countryCode: 'us', cityCode: 'los-angeles', session: { mode: 'rotating' } })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
    expect(build(proxy('residential'), { cityCode: 'berlin', session: { mode: 'rotating' } })).toMatchObject({ kind: 'refused' });
    expect(build(proxy('residential-lite'), { session: { mode: 'sticky', lifetimeId: 'long', sessionId: 'abc' } })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
    expect(build(proxy('dedicated-isp'), { countryCode: 'us', session: { mode: 'rotating' } })).toMatchObject({
      kind: 'refused',
      code: 'unsupported',
    });
  });
});
