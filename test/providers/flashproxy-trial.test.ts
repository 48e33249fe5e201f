/**
 * FlashProxy's documented trial, over real HTTP against the simulator:
 * `POST /plans {product: "unlimited_residential", duration: "trial"}`
 * (openapi "For trial: `product`, `duration: \"trial\"`"), priced by
 * check-price with its daily tiers, delivered with its real end, refused as
 * the error table says, and never renewed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createFlashProxyProvider } from '../../src/providers/flashproxy/index.js';
import type { OrderChoice, Outcome, ProxyProvider } from '../../src/providers/types.js';
import { createFlashProxySimulator, type FlashProxySimulator } from '../../src/sandbox/upstreams/flashproxy/index.js';

const TRIAL: OrderChoice = { productId: 'unlimited-residential-trial', termId: 'trial', quantity: 1 };

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(sellsTrials = true): Promise<{ sim: FlashProxySimulator; provider: ProxyProvider }> {
  const sim = createFlashProxySimulator();
  if (sellsTrials) sim.sellUnlimitedTrials(true);
  const server = await sim.start();
  servers.push(server);
  return { sim, provider: createFlashProxyProvider({ apiKey: sim.apiKey, baseUrl: `${server.url}/api/v1`, timeoutMs: 1_000 }) };
}

function expectOk<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

describe('FlashProxy unlimited residential trial', () => {
  it('is in the catalog only for an account that may buy it, with one term that says the shorter documented length', async () => {
    const without = await start(false);
    expect(expectOk(await without.provider.getCatalog()).products.map((p) => p.id)).not.toContain('unlimited-residential-trial');

    const { provider } = await start();
    const trial = expectOk(await provider.getCatalog()).products.find((p) => p.id === 'unlimited-residential-trial');
    expect(trial).toMatchObject({ maxQuantity: 1, terms: [{ id: 'trial', label: '30 minutes' }] });
  });

  it('is priced by check-price at the day’s tier and bought with the documented body; the plan’s real end comes back', async () => {
    const { sim, provider } = await start();
    expect(expectOk(await provider.quote(TRIAL))).toMatchObject({ totalCostCents: 50, exact: true });
    const balance = sim.balanceCents();
    const sentAt = Date.now();
    const bought = expectOk(await provider.purchase({ choice: TRIAL, reference: 'ord_trial_0001', trial: true }));
    // The simulator makes an unlimited residential plan for `duration: "trial"` only (it sells no full one).
    expect(sim.findPlanByReference('ord_trial_0001')).toMatchObject({ product: 'unlimited_residential', planId: bought.upstreamOrderId });
    const doneAt = Date.now();
    expect(bought.costCents).toBe(50);
    expect(sim.balanceCents()).toBe(balance - 50);
    const [proxy] = bought.proxies;
    expect(proxy).toMatchObject({ host: 'unlim.proxyserver.bot', httpPort: 10507, status: 'active' });
    const plan = sim.plan(bought.upstreamOrderId)!;
    expect(proxy!.expiresAt).toBe(plan.expiresAt);
    // An hour, as the created example shows; the shop's term said the shorter 30 minutes.
    const ends = Date.parse(proxy!.expiresAt!);
    expect(ends - sentAt).toBeGreaterThanOrEqual(3_600_000);
    expect(ends - doneAt).toBeLessThanOrEqual(3_600_000);
    expect(expectOk(await provider.renewalTerms!(bought.upstreamOrderId))).toEqual([]);
  });

  it('a trial whose answer was lost is ambiguous, and is found again by its reference, once', async () => {
    const { sim, provider } = await start();
    sim.undocumentedErrorAfterWork('create');
    const sentAt = new Date().toISOString();
    const lost = await provider.purchase({ choice: TRIAL, reference: 'ord_trial_lost', trial: true });
    expect(lost.kind).toBe('ambiguous');
    const found = expectOk(
      await provider.findPurchase({ reference: 'ord_trial_lost', choice: TRIAL, sentAt, trial: true, isKnownUpstreamId: () => false }),
    );
    expect(found?.upstreamOrderId).toBe(sim.findPlanByReference('ord_trial_lost')!.planId);
    expect(sim.plans()).toHaveLength(1);
  });

  it('costs the full price after the day’s ten discounted trials', async () => {
    const { provider } = await start();
    for (let i = 0; i < 10; i++) expectOk(await provider.purchase({ choice: TRIAL, reference: `ord_trial_${i}000` }));
    expect(expectOk(await provider.quote(TRIAL)).totalCostCents).toBe(150);
    expect(expectOk(await provider.purchase({ choice: TRIAL, reference: 'ord_trial_full' })).costCents).toBe(150);
  });

  it('a trial the account may not buy, out of stock or beyond the balance is refused, and nothing is bought', async () => {
    const disabled = await start(false);
    expect(await disabled.provider.purchase({ choice: TRIAL, reference: 'ord_trial_off1' })).toMatchObject({
      kind: 'refused',
      code: 'forbidden',
    });
    expect(disabled.sim.plans()).toEqual([]);

    const { sim, provider } = await start();
    sim.setOutOfStock(true, 'unlimited_residential');
    expect(await provider.purchase({ choice: TRIAL, reference: 'ord_trial_oos1' })).toMatchObject({
      kind: 'refused',
      code: 'out_of_stock',
    });
    sim.setOutOfStock(false, 'unlimited_residential');
    sim.setBalanceCents(10);
    expect(await provider.purchase({ choice: TRIAL, reference: 'ord_trial_poor' })).toMatchObject({
      kind: 'refused',
      code: 'insufficient_upstream_balance',
    });
    expect(sim.plans()).toEqual([]);
    expect(await provider.purchase({ choice: { ...TRIAL, quantity: 2 }, reference: 'ord_trial_two1' })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
  });
});
