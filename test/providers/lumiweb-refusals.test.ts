/**
 * LumiWeb's money refusal table, row by row, over real HTTP: each documented
 * failure is a refusal that bought nothing, each undocumented answer is
 * ambiguous, and the lost-purchase lookup (a replay of the same
 * Idempotency-Key) takes a replayed definite answer as the order's answer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLumiWebProvider } from '../../src/providers/lumiweb/index.js';
import { LUMIWEB_MONEY_REFUSALS } from '../../src/providers/lumiweb/refusals.js';
import type { OrderChoice, Outcome, ProxyProvider, PurchaseLookup } from '../../src/providers/types.js';
import { createLumiWebSimulator, type LumiWebSimulator } from '../../src/sandbox/upstreams/lumiweb/index.js';
import type { RunningSimulator } from '../../src/sandbox/upstreams/sim-server.js';

const BUY_PATH = '/proxy/api/v1/proxy/static';
const RENEW_PATH = /\/renew$/;
const START_BALANCE = 50_000;

const choice: OrderChoice = { productId: 'isp', countryCode: 'DE', termId: '30d', quantity: 2 };
const lookup = (reference: string): PurchaseLookup => ({
  reference,
  choice,
  sentAt: new Date().toISOString(),
  isKnownUpstreamId: () => false,
});

let sim: LumiWebSimulator;
let running: RunningSimulator & { apiBaseUrl: string };
let provider: ProxyProvider;

beforeEach(async () => {
  sim = createLumiWebSimulator({ balanceCents: START_BALANCE });
  running = await sim.start();
  // Long enough for a busy machine; the hang tests wait this out once each.
  provider = createLumiWebProvider({ apiKey: sim.apiKey, baseUrl: running.apiBaseUrl, timeoutMs: 1_000 });
});

afterEach(async () => {
  await running.close();
});

function expectKind(outcome: Outcome<unknown>, expected: Record<string, unknown>) {
  expect(outcome).toMatchObject(expected);
  // The key never reaches a message, whatever the answer.
  expect(JSON.stringify(outcome)).not.toContain(sim.apiKey);
}

function expectNothingBought(balanceCents = START_BALANCE) {
  expect(sim.purchaseCount()).toBe(0);
  expect(sim.subscriptions()).toEqual([]);
  expect(sim.balanceCents()).toBe(balanceCents);
}

/** How the simulator really gets into the situation each row describes. */
const provoke: Record<(typeof LUMIWEB_MONEY_REFUSALS)[number]['code'], (s: LumiWebSimulator) => void> = {
  insufficient: (s) => s.setBalanceCents(100),
  bad_request: (s) => s.setCategoryLive('isp', false),
  provider_misconfig: (s) => s.setProviderMisconfigured(true),
  forbidden_scope: (s) => s.setKeyScopes(['proxy:read']),
  money_disabled: (s) => s.setMoneyEnabled(false),
};

describe('each documented row', () => {
  it('quotes the documents and has one row per (status, code)', () => {
    for (const row of LUMIWEB_MONEY_REFUSALS) expect(row.documented).toMatch(/seed 003|upstream-facts/);
    const keys = LUMIWEB_MONEY_REFUSALS.map((row) => `${row.status} ${row.code}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual([
      '400 bad_request',
      '402 insufficient',
      '403 forbidden_scope',
      '403 money_disabled',
      '503 provider_misconfig',
    ]);
  });

  describe.each(LUMIWEB_MONEY_REFUSALS.map((row) => [`${row.status} ${row.code}`, row] as const))('%s', (_name, row) => {
    it('as the simulator really answers it: refused, nothing bought', async () => {
      provoke[row.code](sim);
      const balance = sim.balanceCents();
      const outcome = await provider.purchase({ choice, reference: `order-row-${row.code}` });
      expectKind(outcome, { kind: 'refused', code: row.refusal, httpStatus: row.status });
      expect(outcome.kind === 'refused' && outcome.message).toContain(row.code);
      expectNothingBought(balance);
    });

    it('as an exact (status, code) envelope, on a purchase and on a renewal', async () => {
      sim.failPurchasesBeforeWork({ status: row.status, code: row.code });
      expectKind(await provider.purchase({ choice, reference: `order-env-${row.code}` }), {
        kind: 'refused',
        code: row.refusal,
      });
      expectNothingBought();

      const bought = await provider.purchase({ choice, reference: 'order-to-renew' });
      if (bought.kind !== 'ok') throw new Error(`purchase failed: ${JSON.stringify(bought)}`);
      const expiresBefore = sim.subscriptions()[0]!.expiresAt;
      sim.faults.inject({ kind: 'error_before', status: row.status, body: { status: row.code } }, { method: 'POST', path: RENEW_PATH });
      const renewal = await provider.renew!({ upstreamId: bought.value.proxies[0]!.upstreamId, termId: '30d', reference: 'renewal-env' });
      expectKind(renewal, { kind: 'refused', code: row.refusal });
      expect(sim.subscriptions()[0]!.expiresAt).toBe(expiresBefore);
    });

    it(`on the lookup's replay of the key: ${row.speaksFor === 'key' ? 'nothing was bought (ok(null))' : 'a gate, so still unknown'}`, async () => {
      sim.setReplayStoredFailures(true);
      provoke[row.code](sim);
      const balance = sim.balanceCents();
      const found = await provider.findPurchase(lookup(`order-lookup-${row.code}`));
      if (row.speaksFor === 'key') expectKind(found, { kind: 'ok', value: null });
      else expectKind(found, { kind: 'ambiguous', reason: 'needs_operator' });
      expectNothingBought(balance);
    });
  });
});

describe('answers the documents do not list are ambiguous, never a refusal', () => {
  const undocumented: Array<[string, number, unknown, string]> = [
    ['500 internal_error', 500, { status: 'internal_error', error: 'internal_error' }, 'server_error'],
    ['503 without a code', 503, { message: 'maintenance' }, 'server_error'],
    ['503 with another code', 503, { status: 'maintenance' }, 'server_error'],
    ['502 from a proxy in front, a bare string', 502, '<html>Bad Gateway</html>', 'server_error'],
    ['401 unauthorized (no code in our documents)', 401, { status: 'unauthorized' }, 'undocumented'],
    ['404 not_found', 404, { error: { code: 'not_found', message: 'no such route' } }, 'undocumented'],
    ['409 idempotency_conflict (an order exists under the key)', 409, { error: 'idempotency_conflict' }, 'undocumented'],
    ['409 out_of_stock', 409, { status: 'out_of_stock' }, 'undocumented'],
    ['422 validation_error', 422, { code: 'validation_error' }, 'undocumented'],
    ['429 rate_limited', 429, { status: 'rate_limited' }, 'undocumented'],
    ['402 with a code other than insufficient', 402, { status: 'payment_pending' }, 'undocumented'],
    ['402 without a code', 402, {}, 'undocumented'],
    ['a documented code under another status', 400, { status: 'provider_misconfig' }, 'undocumented'],
    ['insufficient under 409', 409, { status: 'insufficient' }, 'undocumented'],
    ['fields that name two codes', 402, { status: 'insufficient', error: { code: 'internal_error' } }, 'undocumented'],
  ];

  it.each(undocumented)('%s, answered after the work: ambiguous (%#)', async (_name, status, body, reason) => {
    sim.faults.inject({ kind: 'error_after', status, ...(body === undefined ? {} : { body }) }, { method: 'POST', path: BUY_PATH });
    const outcome = await provider.purchase({ choice, reference: `order-undoc-${status}` });
    expectKind(outcome, { kind: 'ambiguous', reason, httpStatus: status });
    // The panel did buy: releasing the hold here would give away what it charged us for.
    expect(sim.purchaseCount()).toBe(1);
  });

  it('a 2xx whose status is a failure code, or an unknown one, is ambiguous', async () => {
    for (const [n, answered] of ['insufficient', 'provider_misconfig', 'failed', 'queued'].entries()) {
      sim.faults.inject({ kind: 'error_before', status: 200, body: { status: answered } }, { method: 'POST', path: BUY_PATH });
      expectKind(await provider.purchase({ choice, reference: `order-2xx-${n}` }), {
        kind: 'ambiguous',
        reason: 'undocumented',
        httpStatus: 200,
      });
    }
    sim.faults.inject({ kind: 'malformed_after' }, { method: 'POST', path: BUY_PATH });
    expectKind(await provider.purchase({ choice, reference: 'order-garbled' }), { kind: 'ambiguous', reason: 'malformed' });
    sim.faults.inject({ kind: 'error_before', status: 200, body: { subscription_id: 9 } }, { method: 'POST', path: BUY_PATH });
    expectKind(await provider.purchase({ choice, reference: 'order-no-status' }), { kind: 'ambiguous', reason: 'malformed' });
  });

  it('an undocumented answer on the lookup leaves it unknown; a later lookup settles it', async () => {
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: BUY_PATH });
    expectKind(await provider.purchase({ choice, reference: 'order-lost' }), { kind: 'ambiguous', reason: 'timeout' });
    sim.failPurchasesBeforeWork({ status: 500, code: 'internal_error' });
    expectKind(await provider.findPurchase(lookup('order-lost')), { kind: 'ambiguous', reason: 'server_error' });
    const found = await provider.findPurchase(lookup('order-lost'));
    expect(found.kind === 'ok' && found.value?.upstreamOrderId).toBe(String(sim.subscriptions()[0]!.orderId));
    expect(sim.purchaseCount()).toBe(1);
  });
});

describe('the lookup replays the key and believes a definite answer', () => {
  it('503 provider_misconfig with the answer lost: the replayed stored failure means nothing was bought', async () => {
    sim.setReplayStoredFailures(true);
    sim.setProviderMisconfigured(true);
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: BUY_PATH });
    expectKind(await provider.purchase({ choice, reference: 'order-misconfig' }), { kind: 'ambiguous', reason: 'timeout' });

    // Fixed meanwhile: the repeat still gets the stored answer, not a new purchase.
    sim.setProviderMisconfigured(false);
    expectKind(await provider.findPurchase(lookup('order-misconfig')), { kind: 'ok', value: null });
    expect(sim.replayCount()).toBe(1);
    expectNothingBought();
  });

  it('without stored failures the repeat is tried anew: still failing → ok(null); fixed → bought once', async () => {
    sim.setProviderMisconfigured(true);
    expectKind(await provider.purchase({ choice, reference: 'order-retried' }), { kind: 'refused', code: 'rejected' });
    expectKind(await provider.findPurchase(lookup('order-retried')), { kind: 'ok', value: null });
    expectNothingBought();

    sim.setProviderMisconfigured(false);
    const found = await provider.findPurchase(lookup('order-retried'));
    expect(found.kind === 'ok' && found.value?.proxies).toHaveLength(2);
    expect(await provider.findPurchase(lookup('order-retried'))).toEqual(found);
    expect(sim.purchaseCount()).toBe(1);
  });

  it('an undocumented 500 after the work: the replay returns the stored success, bought once', async () => {
    sim.failPurchasesAfterWork({ status: 500, code: 'internal_error' });
    expectKind(await provider.purchase({ choice, reference: 'order-500-after' }), { kind: 'ambiguous', reason: 'server_error' });
    expect(sim.purchaseCount()).toBe(1);

    const found = await provider.findPurchase(lookup('order-500-after'));
    const [upstream] = sim.subscriptions();
    expect(found.kind === 'ok' && found.value?.proxies.map((p) => p.password)).toEqual(upstream!.proxies.map((p) => p.password));
    expect(sim.purchaseCount()).toBe(1);
    expect(sim.replayCount()).toBe(1);
  });

  it('a gate on the repeat after a lost success (money switched off) never reads as "nothing bought"', async () => {
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: BUY_PATH });
    await provider.purchase({ choice, reference: 'order-gated' });
    expect(sim.purchaseCount()).toBe(1);
    sim.setMoneyEnabled(false);
    expectKind(await provider.findPurchase(lookup('order-gated')), { kind: 'ambiguous', reason: 'needs_operator' });
    sim.setMoneyEnabled(true);
    const found = await provider.findPurchase(lookup('order-gated'));
    expect(found.kind === 'ok' && found.value?.proxies).toHaveLength(2);
    expect(sim.purchaseCount()).toBe(1);
  });
});
