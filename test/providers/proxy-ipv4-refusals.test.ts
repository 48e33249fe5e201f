/**
 * proxy-ipv4's refusal table over real HTTP. Its documents list no failure of
 * `order` or `extend` as "nothing was done", so every error answer to them is
 * ambiguous; the refusals it can make are made from documented reads before
 * anything is sent (PROXY_IPV4_PRECHECKS), one test per row.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProxyIpv4Provider } from '../../src/providers/proxy-ipv4/index.js';
import { createProxyIpv4Client } from '../../src/providers/proxy-ipv4/client.js';
import { PROXY_IPV4_MONEY_REFUSALS, PROXY_IPV4_PRECHECKS } from '../../src/providers/proxy-ipv4/refusals.js';
import type { OrderChoice, ProxyProvider } from '../../src/providers/types.js';
import { createProxyIpv4Simulator, type ProxyIpv4Simulator } from '../../src/sandbox/upstreams/proxy-ipv4/index.js';
import { FaultPlan, startSimServer, type RunningSimulator, type SimResponse } from '../../src/sandbox/upstreams/sim-server.js';

const API_KEY = 'k7Qm2ZpX9vR4tLw8';
const IPV4_GBR: OrderChoice = { productId: 'ipv4', countryCode: 'GBR', termId: '30', quantity: 2 };

describe('proxy-ipv4: no error answer to a money POST is a refusal', () => {
  let stub: RunningSimulator;
  let reply: SimResponse;
  beforeEach(async () => {
    stub = await startSimServer(() => reply, new FaultPlan());
  });
  afterEach(async () => {
    await stub.close();
  });

  it('the documents list none', () => {
    expect(PROXY_IPV4_MONEY_REFUSALS).toEqual([]);
  });

  it.each([
    { status: 200, body: { success: false, error: { code: 'INSUFFICIENT_FUNDS', message: 'Insufficient funds' } }, reason: 'undocumented' },
    { status: 200, body: { success: false, error: { code: 'NO_PROXIES_AVAILABLE', message: 'No proxies' } }, reason: 'undocumented' },
    { status: 200, body: { success: false, error: { code: 'INVALID_PARAMS', message: 'bad days' } }, reason: 'undocumented' },
    { status: 200, body: { success: false }, reason: 'undocumented' },
    { status: 200, body: { balance: 1 }, reason: 'malformed' },
    { status: 400, body: { success: false, message: 'Bad request' }, reason: 'undocumented' },
    { status: 429, body: {}, reason: 'undocumented' },
    { status: 500, body: { success: false }, reason: 'server_error' },
  ])('order and extend answered $status $body → ambiguous $reason', async ({ status, body, reason }) => {
    reply = { status, body };
    const client = createProxyIpv4Client({ apiKey: API_KEY, baseUrl: stub.url, timeoutMs: 2_000 });
    const order = { proxyType: 'ipv4' as const, days: 30, goal: 'common', country: 'GBR', count: 1 };
    expect(await client.placeOrder(order)).toMatchObject({ kind: 'ambiguous', reason });
    expect(await client.extend({ proxyType: 'ipv4', days: 30, ids: ['id1'] })).toMatchObject({ kind: 'ambiguous', reason });
  });
});

describe('proxy-ipv4: refusals made from documented reads, before anything is sent', () => {
  let sim: ProxyIpv4Simulator;
  let running: RunningSimulator;
  let provider: ProxyProvider;
  beforeEach(async () => {
    sim = createProxyIpv4Simulator({ apiKey: API_KEY, balanceCents: 100_00 });
    running = await sim.start();
    provider = createProxyIpv4Provider({ apiKey: API_KEY, baseUrl: running.url, timeoutMs: 2_000, newProxyListingPauseMs: 0 });
  });
  afterEach(async () => {
    await running.close();
  });
  const posts = () => sim.requests().filter((r) => r.method === 'POST').length;

  it.each(PROXY_IPV4_PRECHECKS.map((row) => ({ ...row, name: row.check })))('$name: $documented', async (row) => {
    if (row.check === 'price') {
      // A country the upstream does not sell in: the price read refuses, the order is never sent.
      expect(await provider.purchase({ choice: { ...IPV4_GBR, countryCode: 'BRA' }, reference: 'o1' })).toMatchObject({
        kind: 'refused',
        code: 'invalid_option',
      });
    } else {
      sim.setBalanceCents(6_49); // two IPv4 for 30 days cost $6.50
      expect(await provider.purchase({ choice: IPV4_GBR, reference: 'o1' })).toMatchObject({
        kind: 'refused',
        code: row.refusal,
      });
      sim.setBalanceCents(6_50);
      expect((await provider.purchase({ choice: IPV4_GBR, reference: 'o2' })).kind).toBe('ok');
      expect(posts()).toBe(1);
      return;
    }
    expect(posts()).toBe(0);
  });

  it('a renewal our balance cannot pay is refused before the extend is sent', async () => {
    const bought = await provider.purchase({ choice: { ...IPV4_GBR, quantity: 1 }, reference: 'o1' });
    if (bought.kind !== 'ok') throw new Error(JSON.stringify(bought));
    sim.setBalanceCents(3_24); // a 30-day IPv4 renewal costs $3.25
    const renewed = await provider.renew!({ upstreamId: bought.value.proxies[0]!.upstreamId, termId: '30', reference: 'r1' });
    expect(renewed).toMatchObject({ kind: 'refused', code: 'insufficient_upstream_balance' });
    expect(sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/extend'))).toHaveLength(0);
  });
});
