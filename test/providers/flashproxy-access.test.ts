/**
 * FlashProxy access control against its simulator over real HTTP: the plan
 * IP allowlist (`PUT /plans/{id}/allowed-ips`), cancellation
 * (`DELETE /plans/{id}`, no refund) and the simulator's sub-users, each with
 * the answers the openapi documents.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createFlashProxyProvider } from '../../src/providers/flashproxy/index.js';
import type { Outcome, ProxyProvider } from '../../src/providers/types.js';
import { createFlashProxySimulator, type FlashProxySimulator } from '../../src/sandbox/upstreams/flashproxy/index.js';
import type { RunningSimulator } from '../../src/sandbox/upstreams/sim-server.js';

const servers: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function expectOk<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

async function start(): Promise<{
  sim: FlashProxySimulator;
  provider: ProxyProvider;
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any }>;
}> {
  const sim = createFlashProxySimulator();
  const server = await sim.start();
  servers.push(server);
  const provider = createFlashProxyProvider({ apiKey: sim.apiKey, baseUrl: `${server.url}/api/v1`, timeoutMs: 2_000 });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json() };
  };
  return { sim, provider, call };
}

async function buyPlan(provider: ProxyProvider, reference: string) {
  const bought = expectOk(await provider.purchase({ choice: { productId: 'residential-lite', termId: '10gb', quantity: 1 }, reference }));
  return bought.proxies[0]!.upstreamId;
}

describe('FlashProxy IP allowlist', () => {
  it('lists, replaces and clears a plan’s allowlist, folded as FlashProxy stores it', async () => {
    const { sim, provider } = await start();
    const planId = await buyPlan(provider, 'ord_allowlist_1');
    expect(expectOk(await provider.allowedIps!(planId))).toEqual([]);

    const set = expectOk(await provider.setAllowedIps!(planId, ['203.0.113.5', '::ffff:198.51.100.42', '203.0.113.5', '2001:DB8::1']));
    expect(set).toEqual(['203.0.113.5', '198.51.100.42', '2001:db8::1']);
    expect(sim.plan(planId)!.allowedIps).toEqual(set);
    expect(expectOk(await provider.allowedIps!(planId))).toEqual(set);

    expect(expectOk(await provider.setAllowedIps!(planId, []))).toEqual([]);
    expect(sim.plan(planId)!.allowedIps).toEqual([]);
  });

  it('states FlashProxy’s documented rules: at most 10 single addresses, no CIDR', () => {
    const provider = createFlashProxyProvider({ apiKey: 'fp_test_x', baseUrl: 'http://127.0.0.1:9/api/v1' });
    expect(provider.capabilities).toMatchObject({ allowedIps: true, cancel: true });
    expect(provider.ipAllowlistRules).toEqual({ maxEntries: 10, cidr: false });
  });

  it('the simulator refuses a bad list with 400 VALIDATION_ERROR and keeps the old one', async () => {
    const { sim, provider, call } = await start();
    const planId = await buyPlan(provider, 'ord_allowlist_2');
    expectOk(await provider.setAllowedIps!(planId, ['203.0.113.5']));

    const eleven = Array.from({ length: 11 }, (_, i) => `198.51.100.${i + 1}`);
    for (const list of [eleven, ['10.0.0.0/8'], ['300.1.1.1'], ['not-an-ip']]) {
      const refused = await provider.setAllowedIps!(planId, list);
      expect(refused).toMatchObject({ kind: 'refused', code: 'invalid_option', httpStatus: 400 });
    }
    const notArray = await call('PUT', `/plans/${planId}/allowed-ips`, { allowed_ips: '203.0.113.9' });
    expect(notArray).toMatchObject({ status: 400, json: { success: false, error: { code: 'VALIDATION_ERROR' } } });
    expect(sim.plan(planId)!.allowedIps).toEqual(['203.0.113.5']);

    const missing = await provider.setAllowedIps!('3cd1f4b9-efc3-4252-b9f7-9cebc5236164', []);
    expect(missing).toMatchObject({ kind: 'refused', code: 'not_found', httpStatus: 404 });
  });

  it('the simulator replays a keyed PUT and refuses the same key with another list', async () => {
    const { sim, provider, call } = await start();
    const planId = await buyPlan(provider, 'ord_allowlist_3');
    const put = (ips: string[]) =>
      fetch(`${servers[0]!.url}/api/v1/plans/${planId}/allowed-ips`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json', 'x-idempotency-key': 'allow-key-1' },
        body: JSON.stringify({ allowed_ips: ips }),
      });
    expect((await put(['203.0.113.5'])).status).toBe(200);
    const replay = await put(['203.0.113.5']);
    expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect((await put(['203.0.113.6'])).status).toBe(409);
    expect((await call('GET', `/plans/${planId}`)).json.data.allowed_ips).toEqual(['203.0.113.5']);
  });
});

describe('FlashProxy cancellation', () => {
  it('cancels a plan with no refund, and a repeated cancel after a lost answer is recognised', async () => {
    const { sim, provider } = await start();
    const planId = await buyPlan(provider, 'ord_cancel_1');
    const balanceAfterPurchase = sim.balanceCents();
    expect(provider.cancelRefund!(planId)).toEqual({ kind: 'none' });

    const cancelled = expectOk(await provider.cancel!(planId));
    expect(cancelled.cancelledAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(sim.plan(planId)!.status).toBe('cancelled');
    // "No refund will be issued": the reseller's balance is what the purchase left.
    expect(sim.balanceCents()).toBe(balanceAfterPurchase);

    // Asked again (as after a lost answer): the plan says it is cancelled, so the cancel stands.
    expect(expectOk(await provider.cancel!(planId))).toEqual({});
  });

  it('a cancel whose answer is lost is confirmed by reading the plan', async () => {
    const { sim, provider } = await start();
    const planId = await buyPlan(provider, 'ord_cancel_2');
    sim.faults.inject({ kind: 'reset_after' }, { method: 'DELETE', path: /\/plans\/[^/]+$/ });
    expect((await provider.cancel!(planId)).kind).toBe('ok');
    expect(sim.plan(planId)!.status).toBe('cancelled');
  });

  it('an unknown plan is 404 NOT_FOUND, and nothing is cancelled', async () => {
    const { sim, provider } = await start();
    const planId = await buyPlan(provider, 'ord_cancel_3');
    expect(await provider.cancel!('3cd1f4b9-efc3-4252-b9f7-9cebc5236164')).toMatchObject({ kind: 'refused', code: 'not_found' });
    expect(sim.plan(planId)!.status).toBe('active');
  });
});

describe('FlashProxy simulator: sub-users', () => {
  it('creates, lists, tops up and suspends sub-users, drawing on the reseller balance', async () => {
    const { sim, call } = await start();
    const before = sim.balanceCents();
    const created = await call('POST', '/sub-users', { email: 'customer@example.com', name: 'John Doe', initial_balance_cents: 10_000 });
    expect(created.status).toBe(201);
    expect(created.json.data).toMatchObject({ email: 'customer@example.com', name: 'John Doe', status: 'active', balance_cents: 10_000 });
    expect(created.json.data.api_key).toMatch(/^fp_sub_/);
    expect(sim.balanceCents()).toBe(before - 10_000);
    const id = created.json.data.id as string;

    const topped = await call('PUT', `/sub-users/${id}`, { add_balance_cents: 500, status: 'suspended' });
    expect(topped.json.data).toMatchObject({ balance_cents: 10_500, status: 'suspended' });
    expect(sim.balanceCents()).toBe(before - 10_500);

    expect((await call('GET', '/sub-users?status=active')).json.data.items).toEqual([]);
    const all = await call('GET', '/sub-users');
    expect(all.json.data.items.map((u: { id: string }) => u.id)).toEqual([id]);
    expect(all.json.data.pagination).toEqual({ page: 1, per_page: 20, total: 1, total_pages: 1 });
    expect((await call('GET', `/sub-users/${id}`)).json.data.api_key).toBeUndefined();
  });

  it('answers 400, 402 and 404 as documented, moving no money', async () => {
    const { sim, call } = await start();
    const before = sim.balanceCents();
    const invalid = await call('POST', '/sub-users', { email: 'not-an-email', initial_balance_cents: -1 });
    expect(invalid.status).toBe(400);
    expect(Object.keys(invalid.json.error.details).sort()).toEqual(['email', 'initial_balance_cents', 'name']);
    const tooMuch = await call('POST', '/sub-users', { email: 'a@example.com', name: 'A', initial_balance_cents: before + 1 });
    expect(tooMuch.json).toMatchObject({ error: { code: 'INSUFFICIENT_BALANCE', required_cents: before + 1, available_cents: before } });
    expect(tooMuch.status).toBe(402);
    expect((await call('GET', '/sub-users/sub_nobody')).status).toBe(404);
    expect((await call('PUT', '/sub-users/sub_nobody', { name: 'x' })).status).toBe(404);
    expect((await call('GET', '/sub-users?per_page=101')).status).toBe(400);
    expect(sim.balanceCents()).toBe(before);
  });
});
