/**
 * FlashProxy's refusal table, row by row, over real HTTP: each answer the
 * openapi documents as "nothing was done" refuses a purchase and a renewal;
 * every other answer to a money POST is ambiguous, whatever its status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FLASHPROXY_MONEY_REFUSALS } from '../../src/providers/flashproxy/errors.js';
import { createFlashProxyProvider } from '../../src/providers/flashproxy/index.js';
import type { OrderChoice, Outcome, ProxyProvider } from '../../src/providers/types.js';
import { createFlashProxySimulator, type FlashProxySimulator } from '../../src/sandbox/upstreams/flashproxy/index.js';
import type { Fault } from '../../src/sandbox/upstreams/sim-server.js';

const LITE_10GB: OrderChoice = { productId: 'residential-lite', termId: '10gb', quantity: 1 };
const CREATE = { method: 'POST', path: /\/plans$/ };
const EXTEND = { method: 'POST', path: /\/plans\/[^/]+\/extend$/ };

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(): Promise<{ sim: FlashProxySimulator; provider: ProxyProvider }> {
  const sim = createFlashProxySimulator();
  const server = await sim.start();
  servers.push(server);
  return { sim, provider: createFlashProxyProvider({ apiKey: sim.apiKey, baseUrl: `${server.url}/api/v1`, timeoutMs: 1_000 }) };
}

const envelope = (code: string, message = 'as documented') => ({ success: false, error: { code, message } });

function expectOk<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

describe('FlashProxy refusal table', () => {
  it.each(FLASHPROXY_MONEY_REFUSALS.map((row) => ({ ...row, name: `${row.status} ${row.code}` })))(
    '$name refuses a purchase and a renewal with $refusal, and nothing is bought',
    async (row) => {
      expect(row.documented).toContain(row.code!);
      const { sim, provider } = await start();
      sim.faults.inject({ kind: 'error_before', status: row.status, body: envelope(row.code!) }, CREATE);
      expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_refused_01' })).toMatchObject({
        kind: 'refused',
        code: row.refusal,
      });
      expect(sim.plans()).toEqual([]);

      const bought = expectOk(await provider.purchase({ choice: LITE_10GB, reference: 'order_bought_01' }));
      const balance = sim.balanceCents();
      sim.faults.inject({ kind: 'error_before', status: row.status, body: envelope(row.code!) }, EXTEND);
      expect(await provider.renew!({ upstreamId: bought.upstreamOrderId, termId: '5gb', reference: 'renew_refused_01' })).toMatchObject({
        kind: 'refused',
        code: row.refusal,
      });
      expect(sim.balanceCents()).toBe(balance);
    },
  );

  const notRefusals: Array<{ what: string; fault: Fault; reason: string }> = [
    { what: 'an undocumented code', fault: { kind: 'error_before', status: 400, body: envelope('PROVIDER_BUSY') }, reason: 'undocumented' },
    {
      what: 'a documented code under another status',
      fault: { kind: 'error_before', status: 400, body: envelope('OUT_OF_STOCK') },
      reason: 'undocumented',
    },
    {
      what: 'PRICING_ERROR (documented for check-price only)',
      fault: { kind: 'error_before', status: 400, body: envelope('PRICING_ERROR') },
      reason: 'undocumented',
    },
    {
      what: 'UPGRADE_FAILED (not said to charge nothing)',
      fault: { kind: 'error_before', status: 400, body: envelope('UPGRADE_FAILED') },
      reason: 'undocumented',
    },
    {
      what: 'a 4xx without the envelope',
      fault: { kind: 'error_before', status: 404, body: { message: 'no route' } },
      reason: 'undocumented',
    },
    { what: 'INTERNAL_ERROR 500', fault: { kind: 'error_before', status: 500, body: envelope('INTERNAL_ERROR') }, reason: 'server_error' },
    {
      what: 'a 5xx with a documented refusal code',
      fault: { kind: 'error_before', status: 503, body: envelope('OUT_OF_STOCK') },
      reason: 'server_error',
    },
    { what: 'a 2xx success:false', fault: { kind: 'error_before', status: 200, body: envelope('OUT_OF_STOCK') }, reason: 'malformed' },
    { what: 'an unparseable 2xx', fault: { kind: 'malformed_after' }, reason: 'malformed' },
  ];

  it.each(notRefusals)('$what is ambiguous on a purchase and a renewal', async ({ fault, reason }) => {
    const { sim, provider } = await start();
    sim.faults.inject(fault, CREATE);
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_unclear_01' })).toMatchObject({ kind: 'ambiguous', reason });

    const bought = expectOk(await provider.purchase({ choice: LITE_10GB, reference: 'order_bought_02' }));
    sim.faults.inject(fault, EXTEND);
    expect(await provider.renew!({ upstreamId: bought.upstreamOrderId, termId: '5gb', reference: 'renew_unclear_01' })).toMatchObject({
      kind: 'ambiguous',
      reason,
    });
  });

  it('409 IDEMPOTENCY_KEY_CONFLICT on a purchase returns the plan made under our key', async () => {
    const { sim, provider } = await start();
    sim.keyConflictAfterLostAnswer('create');
    const found = expectOk(await provider.purchase({ choice: LITE_10GB, reference: 'order_conflict_01' }));
    expect(sim.plans()).toHaveLength(1);
    expect(found.upstreamOrderId).toBe(sim.findPlanByReference('order_conflict_01')!.planId);
    expect(found.proxies).toHaveLength(1);
  });

  it('409 IDEMPOTENCY_KEY_CONFLICT with no plan under our reference is ambiguous, not a refusal', async () => {
    const { sim, provider } = await start();
    sim.faults.inject(
      {
        kind: 'error_before',
        status: 409,
        body: envelope('IDEMPOTENCY_KEY_CONFLICT', 'This idempotency key was already used with different request parameters.'),
      },
      CREATE,
    );
    expect(await provider.purchase({ choice: LITE_10GB, reference: 'order_conflict_02' })).toMatchObject({
      kind: 'ambiguous',
      httpStatus: 409,
    });
  });

  it('409 IDEMPOTENCY_KEY_CONFLICT on a renewal is ambiguous: the extension may have been made', async () => {
    const { sim, provider } = await start();
    const bought = expectOk(await provider.purchase({ choice: LITE_10GB, reference: 'order_bought_03' }));
    sim.keyConflictAfterLostAnswer('extend');
    expect(await provider.renew!({ upstreamId: bought.upstreamOrderId, termId: '5gb', reference: 'renew_conflict_01' })).toMatchObject({
      kind: 'ambiguous',
    });
    expect(sim.plan(bought.upstreamOrderId)!.maxGb).toBe(15);
  });
});

describe('FlashProxy lookups', () => {
  it('a lookup the upstream refuses is ambiguous, never "no such purchase"', async () => {
    const { sim, provider } = await start();
    sim.faults.inject(
      { kind: 'error_before', status: 403, body: envelope('FORBIDDEN', 'Account suspended') },
      { method: 'GET', path: /\/plans$/ },
    );
    const lookup = { reference: 'order_lookup_01', choice: LITE_10GB, sentAt: new Date().toISOString(), isKnownUpstreamId: () => false };
    expect(await provider.findPurchase(lookup)).toMatchObject({ kind: 'ambiguous', reason: 'needs_operator' });
  });

  it('finds a plan by reference when list items carry only plan_id', async () => {
    const { sim, provider } = await start();
    const bought = expectOk(await provider.purchase({ choice: LITE_10GB, reference: 'order_lookup_02' }));
    sim.omitFromListItems([
      'product',
      'billing_type',
      'proxy_username',
      'proxy_password',
      'connection',
      'limits',
      'expires_at',
      'status',
      'created_at',
      'updated_at',
      'purchase_price_cents',
      'end_user_reference',
    ]);
    const lookup = { reference: 'order_lookup_02', choice: LITE_10GB, sentAt: new Date().toISOString(), isKnownUpstreamId: () => false };
    expect(expectOk(await provider.findPurchase(lookup))).toEqual(bought);
    expect(expectOk(await provider.findPurchase({ ...lookup, reference: 'order_lookup_99' }))).toBeNull();
  });

  it('a plan under our reference that is another product is for a person to settle', async () => {
    const { provider } = await start();
    expectOk(await provider.purchase({ choice: LITE_10GB, reference: 'order_lookup_03' }));
    const lookup = {
      reference: 'order_lookup_03',
      choice: { productId: 'datacenter-time', termId: '7_days', quantity: 1 },
      sentAt: new Date().toISOString(),
      isKnownUpstreamId: () => false,
    };
    expect(await provider.findPurchase(lookup)).toMatchObject({ kind: 'ambiguous', reason: 'needs_operator' });
  });
});
