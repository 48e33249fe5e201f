/**
 * How a GateProxy purchase whose answer was lost is found, over real HTTP
 * against the simulator, with only the fields seed 004 documents: the order
 * ids that appeared since the purchase was sent, then `GET /orders/{id}`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGateProxyProvider } from '../../src/providers/gateproxy/index.js';
import { ok, type OrderChoice, type Outcome, type ProxyProvider, type PurchaseLookup } from '../../src/providers/types.js';
import { createGateProxySimulator, type GateProxySimulator } from '../../src/sandbox/upstreams/gateproxy/index.js';
import type { RunningSimulator } from '../../src/sandbox/upstreams/sim-server.js';

const NODEMAVEN_1GB: OrderChoice = { productId: 'nodemaven', termId: '1', quantity: 1 };

let sim: GateProxySimulator;
let running: RunningSimulator;

beforeEach(async () => {
  sim = createGateProxySimulator();
  running = await sim.start();
});

afterEach(async () => {
  await running.close();
});

/** A fresh adapter, as after a restart: it holds no snapshot of earlier purchases. */
function gateProxy(): ProxyProvider {
  return createGateProxyProvider({ apiKey: sim.apiKey, baseUrl: running.url, timeoutMs: 300 });
}

function value<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

const buy = (gate: ProxyProvider, reference = 'shop-order-1', choice = NODEMAVEN_1GB) => gate.purchase({ choice, reference });

function lookupFor(reference: string, sentAt: string, knownUpstreamIds: readonly string[] = [], choice = NODEMAVEN_1GB): PurchaseLookup {
  return { reference, choice, sentAt, isKnownUpstreamId: (id: string) => knownUpstreamIds.includes(id) };
}

describe('GateProxy lost purchase, found from documented fields only', () => {
  beforeEach(() => {
    // Order reads carry only order_id, status and proxy: no created_at, provider, plan or price.
    sim.setOrderFields('documented');
  });

  it('the simulator lists orders without undocumented fields', async () => {
    value(await buy(gateProxy()));
    const answer = await fetch(`${running.url}/orders?limit=20&page=1`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
    const body = (await answer.json()) as { orders: Array<Record<string, unknown>> };
    expect(Object.keys(body.orders[0]!).sort()).toEqual(['order_id', 'proxy', 'status']);
  });

  it.each([
    [
      '500 internal_error after the order was made',
      () => sim.answerNextOrderWithError({ status: 500, code: 'internal_error', when: 'after' }),
    ],
    ['the answer lost by a timeout', () => sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: '/orders' })],
    ['a bare 500 after', () => sim.faults.inject({ kind: 'error_after', status: 500 }, { method: 'POST', path: '/orders' })],
    ['a garbage 2xx', () => sim.faults.inject({ kind: 'malformed_after' }, { method: 'POST', path: '/orders' })],
  ])('%s: the one new order is found, with its credentials', async (_, fault) => {
    sim.placeOrderElsewhere('nodemaven', '1', new Date(Date.now() - 60_000));
    const gate = gateProxy();
    const sentAt = new Date().toISOString();
    fault();
    expect(await buy(gate)).toMatchObject({ kind: 'ambiguous' });
    expect(sim.purchaseCount()).toBe(1);
    const ours = sim.orders().find((o) => o.createdAt.getTime() >= Date.parse(sentAt))!;

    const found = value(await gate.findPurchase(lookupFor('shop-order-1', sentAt)));
    expect(found).toEqual({
      upstreamOrderId: ours.orderId,
      proxies: [
        {
          upstreamId: ours.orderId,
          host: ours.proxy.host,
          httpPort: ours.proxy.port,
          login: ours.proxy.username,
          password: ours.proxy.password,
          status: 'active',
          trafficLimitGb: 1,
        },
      ],
    });
  });

  it('nothing new since the purchase was sent: not found', async () => {
    sim.placeOrderElsewhere('nodemaven', '1', new Date(Date.now() - 60_000));
    const gate = gateProxy();
    const sentAt = new Date().toISOString();
    sim.answerNextOrderWithError({ status: 500, code: 'internal_error', when: 'before' });
    expect(await buy(gate)).toMatchObject({ kind: 'ambiguous', reason: 'server_error' });
    expect(await gate.findPurchase(lookupFor('shop-order-1', sentAt))).toEqual(ok(null));
    expect(sim.purchaseCount()).toBe(0);
  });

  it('the details come from GET /orders/{order_id}: while it fails, the lookup stays unknown', async () => {
    const gate = gateProxy();
    const sentAt = new Date().toISOString();
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: '/orders' });
    await buy(gate);
    sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'GET', path: /^\/orders\/.+/, times: Infinity });
    expect(await gate.findPurchase(lookupFor('shop-order-1', sentAt))).toMatchObject({ kind: 'ambiguous' });
    sim.faults.clear();
    expect(value(await gate.findPurchase(lookupFor('shop-order-1', sentAt)))?.upstreamOrderId).toBe(sim.orders()[0]!.orderId);
  });

  it('a refused read during the lookup never reaches the saga as a refusal', async () => {
    const gate = gateProxy();
    const sentAt = new Date().toISOString();
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: '/orders' });
    await buy(gate);
    const revoked = { success: false, error: { code: 'unauthorized', message: 'Missing, invalid, or revoked token.' } };
    sim.faults.inject({ kind: 'error_before', status: 401, body: revoked }, { method: 'GET', path: '/orders' });
    expect(await gate.findPurchase(lookupFor('shop-order-1', sentAt))).toMatchObject({ kind: 'ambiguous', reason: 'needs_operator' });
    sim.faults.inject(
      { kind: 'error_before', status: 404, body: { success: false, error: { code: 'order_not_found' } } },
      { method: 'GET', path: /^\/orders\/.+/ },
    );
    expect(await gate.findPurchase(lookupFor('shop-order-1', sentAt))).toMatchObject({ kind: 'ambiguous' });
  });

  it('an order another purchase of ours just received is not a second candidate, even before the shop records it', async () => {
    const gate = createGateProxyProvider({ apiKey: sim.apiKey, baseUrl: running.url, timeoutMs: 1_000 });
    const sentAt = new Date().toISOString();
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: '/orders' });
    expect(await buy(gate, 'order-a')).toMatchObject({ kind: 'ambiguous', reason: 'timeout' });
    const ours = sim.orders()[0]!;

    // Order B is placed while A is looked for; B is not yet recorded by the shop when A's lookup asks about it.
    sim.setOrderProcessingMs(150);
    const [b, lookup] = await Promise.all([
      buy(gate, 'order-b', { productId: 'abcproxy', termId: '1GB', quantity: 1 }),
      gate.findPurchase(lookupFor('order-a', sentAt, [])),
    ]);
    expect(value(b).upstreamOrderId).not.toBe(ours.orderId);
    expect(value(lookup)?.upstreamOrderId).toBe(ours.orderId);
    expect(sim.purchaseCount()).toBe(2);
  });

  it('when the history cannot be read before sending, the purchase still goes ahead', async () => {
    sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'GET', path: '/orders', times: 3 });
    const bought = value(await buy(gateProxy()));
    expect(bought.upstreamOrderId).toBe(sim.orders()[0]!.orderId);
  });
});

describe('GateProxy lost purchase after a restart (no snapshot): the ids the shop does not know', () => {
  it('one order the shop has not recorded is ours', async () => {
    sim.setOrderFields('documented');
    const recorded = value(await buy(gateProxy(), 'earlier-order'));
    const before = gateProxy();
    const sentAt = new Date().toISOString();
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: '/orders' });
    expect(await buy(before)).toMatchObject({ kind: 'ambiguous', reason: 'timeout' });

    const afterRestart = gateProxy();
    const found = value(await afterRestart.findPurchase(lookupFor('shop-order-1', sentAt, [recorded.upstreamOrderId])));
    expect(found?.upstreamOrderId).toBe(sim.orders().find((o) => o.orderId !== recorded.upstreamOrderId)!.orderId);
    expect(await afterRestart.findPurchase(lookupFor('shop-order-1', sentAt, [recorded.upstreamOrderId, found!.upstreamOrderId]))).toEqual(
      ok(null),
    );
  });

  it('an unrecorded order from elsewhere besides ours, without timestamps: a person decides', async () => {
    sim.setOrderFields('documented');
    const elsewhere = sim.placeOrderElsewhere('abcproxy', '1GB', new Date(Date.now() - 3_600_000));
    const sentAt = new Date().toISOString();
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: '/orders' });
    await buy(gateProxy());
    const ours = sim.orders().find((o) => o.orderId !== elsewhere.orderId)!;

    const outcome = await gateProxy().findPurchase(lookupFor('shop-order-1', sentAt));
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'needs_operator' });
    if (outcome.kind !== 'ambiguous') return;
    expect(outcome.message).toContain(ours.orderId);
    expect(outcome.message).toContain(elsewhere.orderId);
  });

  it('when created_at happens to be listed, it singles ours out among older unrecorded orders', async () => {
    const elsewhere = sim.placeOrderElsewhere('nodemaven', '1', new Date(Date.now() - 3_600_000));
    const sentAt = new Date().toISOString();
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: '/orders' });
    await buy(gateProxy());
    const found = value(await gateProxy().findPurchase(lookupFor('shop-order-1', sentAt)));
    expect(found?.upstreamOrderId).not.toBe(elsewhere.orderId);
    expect(found?.upstreamOrderId).toBe(sim.orders()[0]!.orderId);
  });

  it('but an undocumented field never rules out the only new order: a person decides instead of "not bought"', async () => {
    const only = sim.placeOrderElsewhere('nodemaven', '1', new Date(Date.now() - 3_600_000));
    const outcome = await gateProxy().findPurchase(lookupFor('shop-order-1', new Date().toISOString()));
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'needs_operator' });
    if (outcome.kind === 'ambiguous') expect(outcome.message).toContain(only.orderId);
  });
});
