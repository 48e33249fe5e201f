/**
 * Which answers to GateProxy's `POST /orders` are refusals, over real HTTP
 * against the simulator: the reference's error table row by row, and every
 * other answer ambiguous.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGateProxyProvider } from '../../src/providers/gateproxy/index.js';
import { GATEPROXY_ORDER_CODES_KEPT_AMBIGUOUS, GATEPROXY_ORDER_REFUSALS } from '../../src/providers/gateproxy/refusals.js';
import type { OrderChoice, ProxyProvider } from '../../src/providers/types.js';
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

/** An adapter pointed at the simulator. */
function gateProxy(): ProxyProvider {
  return createGateProxyProvider({ apiKey: sim.apiKey, baseUrl: running.url, timeoutMs: 300 });
}

const buy = (gate: ProxyProvider, reference = 'shop-order-1', choice = NODEMAVEN_1GB) => gate.purchase({ choice, reference });

describe('GateProxy order refusals: the reference error table, row by row', () => {
  it.each(GATEPROXY_ORDER_REFUSALS.map((row) => [row.status, row.code!, row.refusal, row] as const))(
    'HTTP %i %s on POST /orders is refused as %s, and nothing was bought',
    async (status, code, refusal, row) => {
      expect(row.documented).toContain(code);
      sim.answerNextOrderWithError({ status, code, message: 'as documented', when: 'before' });
      const outcome = await buy(gateProxy());
      expect(outcome).toMatchObject({ kind: 'refused', code: refusal, httpStatus: status });
      expect(sim.purchaseCount()).toBe(0);
    },
  );

  it.each(GATEPROXY_ORDER_CODES_KEPT_AMBIGUOUS.map((row) => [row.status, row.code] as const))(
    'HTTP %i %s on POST /orders is documented, yet ambiguous: it does not prove nothing was bought',
    async (status, code) => {
      sim.answerNextOrderWithError({ status, code, when: 'before' });
      expect(await buy(gateProxy())).toMatchObject({ kind: 'ambiguous', httpStatus: status });
    },
  );

  it.each([
    [400, 'plan_disabled', 'undocumented'],
    [403, 'forbidden', 'undocumented'],
    [409, 'duplicate_order', 'undocumented'],
    [422, 'validation_failed', 'undocumented'],
    // A documented code under a status the table does not give it.
    [400, 'insufficient_balance', 'undocumented'],
    [500, 'internal_error', 'server_error'],
    [503, 'maintenance', 'server_error'],
    // A 5xx is never a refusal, whatever its code says.
    [500, 'insufficient_balance', 'server_error'],
  ] as const)('HTTP %i %s after the order was made is ambiguous (%s)', async (status, code, reason) => {
    sim.answerNextOrderWithError({ status, code, when: 'after' });
    const outcome = await buy(gateProxy());
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason, httpStatus: status });
    if (outcome.kind === 'ambiguous') expect(outcome.message).toContain(code);
    // The simulator did the work: a refusal here would have released money for a sale.
    expect(sim.purchaseCount()).toBe(1);
  });

  it('a 4xx or 5xx without an error envelope is ambiguous', async () => {
    sim.faults.inject({ kind: 'error_after', status: 400, body: { message: 'bad' } }, { method: 'POST', path: '/orders' });
    sim.faults.inject({ kind: 'error_after', status: 500 }, { method: 'POST', path: '/orders' });
    const gate = gateProxy();
    expect(await buy(gate, 'o-1')).toMatchObject({ kind: 'ambiguous', reason: 'undocumented', httpStatus: 400 });
    expect(await buy(gate, 'o-2')).toMatchObject({ kind: 'ambiguous', reason: 'server_error', httpStatus: 500 });
  });

  it('a 2xx we cannot read as an order is ambiguous: an error envelope, no order id, garbage', async () => {
    const envelopeOn200 = { success: false, error: { code: 'order_processing', message: 'Another order is running.' } };
    sim.faults.inject({ kind: 'error_after', status: 200, body: envelopeOn200 }, { method: 'POST', path: '/orders' });
    sim.faults.inject(
      { kind: 'error_after', status: 200, body: { success: true, status: 'completed' } },
      { method: 'POST', path: '/orders' },
    );
    sim.faults.inject({ kind: 'malformed_after' }, { method: 'POST', path: '/orders' });
    const gate = gateProxy();
    expect(await buy(gate, 'o-1')).toMatchObject({ kind: 'ambiguous', reason: 'undocumented', httpStatus: 200 });
    expect(await buy(gate, 'o-2')).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
    expect(await buy(gate, 'o-3')).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
    expect(sim.purchaseCount()).toBe(3);
  });
});
