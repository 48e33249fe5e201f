/**
 * The catalog across providers: cached answers, one upstream call for many
 * readers, and a provider that is down shown as such without breaking the rest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createCatalog } from '../../src/services/catalog.js';
import type { ProxyProvider } from '../../src/providers/types.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';

let upstreams: RunningUpstream[] = [];
afterEach(async () => {
  await Promise.all(upstreams.map((u) => u.close()));
  upstreams = [];
});

/** Counts catalog calls that reach the adapter, without changing what it does. */
function counted(provider: ProxyProvider) {
  const calls = { catalog: 0 };
  const wrapped: ProxyProvider = Object.assign(Object.create(provider) as ProxyProvider, {
    getCatalog: () => {
      calls.catalog++;
      return provider.getCatalog();
    },
  });
  return { wrapped, calls };
}

async function catalogOver(now: () => number) {
  const gate = await startUpstream('gateproxy');
  const lumi = await startUpstream('lumiweb');
  upstreams = [gate, lumi];
  const lumiProvider = counted(lumi.provider({ timeoutMs: 300 }));
  const catalog = createCatalog({ providers: [gate.provider({ timeoutMs: 300 }), lumiProvider.wrapped], logger: silentLogger, now });
  return { catalog, gate, lumi, lumiCalls: lumiProvider.calls };
}

describe('the catalog', () => {
  it('lists every enabled provider with its products and capabilities', async () => {
    const { catalog } = await catalogOver(Date.now);
    const entries = await catalog.listProviders();
    expect(entries.map((e) => [e.id, e.status.state])).toEqual([
      ['gateproxy', 'ok'],
      ['lumiweb', 'ok'],
    ]);
    expect(entries.every((e) => e.products.length > 0)).toBe(true);
    expect(catalog.provider('lumiweb')!.capabilities.renew).toBe(true);
    expect(catalog.provider('gateproxy')!.capabilities.renew).toBe(false);
  });

  it('shows a provider that is down as unavailable, keeps the others, and asks again later', async () => {
    let clock = Date.now();
    const { catalog, gate } = await catalogOver(() => clock);
    gate.simulator.faults.inject({ kind: 'error_before', status: 503 }, { times: Infinity });
    const entries = await catalog.listProviders();
    const down = entries.find((e) => e.id === 'gateproxy')!;
    expect(down.status.state).toBe('unavailable');
    expect(down.products).toEqual([]);
    expect(entries.find((e) => e.id === 'lumiweb')!.status.state).toBe('ok');

    gate.simulator.faults.clear();
    expect((await catalog.providerEntry('gateproxy'))!.status.state).toBe('unavailable'); // still within the retry pause
    clock += 31_000;
    expect((await catalog.providerEntry('gateproxy'))!.status.state).toBe('ok');
  });

  it('answers from its cache until the TTL passes, and many readers cause one upstream call', async () => {
    let clock = Date.now();
    const { catalog, lumi, lumiCalls } = await catalogOver(() => clock);
    lumi.simulator.faults.inject({ kind: 'slow', delayMs: 50 }, { path: /catalog/ });
    await Promise.all(Array.from({ length: 10 }, () => catalog.providerEntry('lumiweb')));
    expect(lumiCalls.catalog).toBe(1);
    // Break the upstream: a cached catalog is still served.
    lumi.simulator.faults.inject({ kind: 'error_before', status: 503 }, { times: Infinity });
    expect((await catalog.providerEntry('lumiweb'))!.status.state).toBe('ok');
    clock += 5 * 60_000 + 1;
    expect((await catalog.providerEntry('lumiweb'))!.status.state).toBe('unavailable');
    expect(lumiCalls.catalog).toBe(2);
  });

  it('checks a choice against the live catalog with a reason a customer understands', async () => {
    const { catalog } = await catalogOver(Date.now);
    const entry = (await catalog.providerEntry('lumiweb'))!;
    const product = entry.products[0]!;
    const base = { productId: product.id, countryCode: product.countries[0]!.code, termId: product.terms[0]!.id, quantity: 1 };
    expect((await catalog.checkChoice('lumiweb', base)).ok).toBe(true);
    expect(await catalog.checkChoice('lumiweb', { ...base, quantity: 0 })).toMatchObject({ ok: false, reason: 'bad_quantity' });
    expect(await catalog.checkChoice('lumiweb', { ...base, countryCode: 'XX' })).toMatchObject({ ok: false, reason: 'unknown_country' });
    expect(await catalog.checkChoice('lumiweb', { ...base, termId: 'nope' })).toMatchObject({ ok: false, reason: 'unknown_term' });
    expect(await catalog.checkChoice('nowhere', base)).toMatchObject({ ok: false, reason: 'provider_unavailable' });
  });
});
