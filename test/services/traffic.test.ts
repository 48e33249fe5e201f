/**
 * Traffic plans against the FlashProxy and GateProxy simulators: usage read
 * through the cache (one upstream request per plan and period, shared by
 * concurrent readers), warnings at 80 %, 95 % and exhaustion told once per
 * plan and period, and auto top-up bought once per period through the saga.
 */
import { describe, expect, it } from 'vitest';
import { standaloneContext } from '../../src/lib/batches.js';
import { silentLogger } from '../../src/logger.js';
import { AUTO_TOPUP_RETRY_MS, createTraffic } from '../../src/services/traffic.js';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();

const BYTES_PER_GB = 1e9;
const CACHE_MS = 5 * 60_000;

/** A shop on a clock the test moves, so the cache's age is the test's to decide. */
async function trafficShop(providers: Array<'flashproxy' | 'gateproxy'> = ['flashproxy']) {
  const clock = { now: Date.parse('2026-03-01T00:00:00Z') };
  const shop = await newShop(providers, { now: () => clock.now, trafficUsageCacheMs: CACHE_MS, upstreamTimeoutMs: 5_000 });
  return { shop, clock };
}

async function buyTraffic(shop: TestShop, userId: number, providerId: 'flashproxy' | 'gateproxy' = 'flashproxy', productId?: string) {
  const choice = await firstChoice(shop, providerId, 1, productId ?? (providerId === 'flashproxy' ? 'residential' : undefined));
  const quoted = await shop.orders.quote(userId, providerId, choice);
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  return result.proxies[0]!;
}

const warnings = (shop: TestShop) =>
  shop.outbox.list({ kind: 'traffic_warning' }).map((m) => (JSON.parse(m.payload) as { threshold: number }).threshold);

describe('traffic usage', () => {
  it('is read from the upstream once per cache period, and concurrent readers share one request', async () => {
    const { shop, clock } = await trafficShop();
    const user = shop.customer(100_00);
    const proxy = await buyTraffic(shop, user.id);
    const sim = shop.upstream('flashproxy').simulator;
    sim.recordUsage(proxy.upstreamId, 0.25 * BYTES_PER_GB);

    const before = sim.requestCount();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => shop.traffic.usage(user.id, proxy.id)));
    expect(sim.requestCount() - before).toBe(1);
    for (const read of [a, b, c])
      expect(read).toMatchObject({ ok: true, value: { usedGb: 0.25, totalGb: 1, remainingGb: 0.75, usedPercent: 25 } });

    // Within the period the stored figures answer, even though the plan moved on upstream.
    sim.recordUsage(proxy.upstreamId, 0.25 * BYTES_PER_GB);
    clock.now += CACHE_MS - 1;
    expect(await shop.traffic.usage(user.id, proxy.id)).toMatchObject({ ok: true, value: { usedGb: 0.25 } });
    expect(sim.requestCount() - before).toBe(1);

    clock.now += 1;
    expect(await shop.traffic.usage(user.id, proxy.id)).toMatchObject({ ok: true, value: { usedGb: 0.5, usedPercent: 50 } });
    expect(sim.requestCount() - before).toBe(2);
  });

  it('keeps the last figures, marked stale, when the upstream stops answering', async () => {
    const { shop, clock } = await trafficShop();
    const user = shop.customer(100_00);
    const proxy = await buyTraffic(shop, user.id);
    shop.upstream('flashproxy').simulator.recordUsage(proxy.upstreamId, 0.1 * BYTES_PER_GB);
    await shop.traffic.usage(user.id, proxy.id);
    clock.now += CACHE_MS;
    shop.upstream('flashproxy').simulator.setSuspended(true);
    expect(await shop.traffic.usage(user.id, proxy.id)).toMatchObject({ ok: true, value: { usedGb: 0.1, stale: true } });
  });

  it('a time-billed plan reports usage but takes no traffic top-up', async () => {
    const { shop } = await trafficShop(['flashproxy']);
    const user = shop.customer(100_00);
    const dedicated = await buyTraffic(shop, user.id, 'flashproxy', 'datacenter-time');
    const read = await shop.traffic.usage(user.id, dedicated.id);
    // A time-billed plan reports usage but has no package: the job never looks at it, and it takes no top-up.
    expect(shop.traffic.offersTopup(shop.subscriptions.get(user.id, dedicated.id)!)).toBe(false);
    expect(read.ok).toBe(true);
  });
});

describe('traffic warnings', () => {
  it('tell 80 %, 95 % and exhaustion once each per period, and again after a top-up', async () => {
    const { shop, clock } = await trafficShop();
    const user = shop.customer(100_00);
    const proxy = await buyTraffic(shop, user.id);
    const sim = shop.upstream('flashproxy').simulator;
    const pass = async (bytes: number) => {
      sim.recordUsage(proxy.upstreamId, bytes);
      clock.now += CACHE_MS;
      return shop.traffic.checkAll();
    };

    expect(await pass(0.5 * BYTES_PER_GB)).toMatchObject({ checked: 1, warned: 0 });
    expect(warnings(shop)).toEqual([]);
    expect(await pass(0.31 * BYTES_PER_GB)).toMatchObject({ warned: 1 });
    expect(warnings(shop)).toEqual([80]);
    // The same threshold seen again: no second warning.
    expect(await pass(0.01 * BYTES_PER_GB)).toMatchObject({ warned: 0 });
    expect(await pass(0.14 * BYTES_PER_GB)).toMatchObject({ warned: 1 });
    expect(warnings(shop)).toEqual([80, 95]);
    expect(await pass(0.1 * BYTES_PER_GB)).toMatchObject({ warned: 1 });
    expect(await pass(0)).toMatchObject({ warned: 0 });
    expect(warnings(shop)).toEqual([80, 95, 100]);

    // Adding traffic starts a new period: 2 GB with 1.06 used is 53 %, nothing to tell; 80 % of it is told anew.
    const quote = await shop.orders.quoteRenewal(user.id, proxy.id, '1gb');
    if (!quote.ok) throw new Error(quote.message);
    const topUp = await shop.orders.purchase({ userId: user.id, quoteId: quote.quote.id, intentKey: 'add-1gb', channel: 'bot' });
    expect(topUp.kind).toBe('delivered');
    await shop.subscriptions.syncProvider('flashproxy');
    expect(await pass(0)).toMatchObject({ warned: 0 });
    expect(await pass(0.55 * BYTES_PER_GB)).toMatchObject({ warned: 1 });
    expect(warnings(shop)).toEqual([80, 95, 100, 80]);
  });

  it('jumping from below 80 % to exhausted is one message, about exhaustion', async () => {
    const { shop, clock } = await trafficShop(['gateproxy']);
    const user = shop.customer(100_00);
    const proxy = await buyTraffic(shop, user.id, 'gateproxy');
    const sim = shop.upstream('gateproxy').simulator;
    expect(await shop.traffic.checkAll()).toMatchObject({ checked: 1, warned: 0 });
    sim.addUsageGb(proxy.upstreamId, 10_000);
    clock.now += CACHE_MS;
    expect(await shop.traffic.checkAll()).toMatchObject({ warned: 1 });
    expect(warnings(shop)).toEqual([100]);
    const recorded = shop.database.sqlite.prepare('SELECT threshold FROM traffic_warnings ORDER BY threshold').all();
    expect(recorded).toEqual([{ threshold: 80 }, { threshold: 95 }, { threshold: 100 }]);
  });
});

describe('the traffic job', () => {
  it('reads at most its budget from the upstreams per pass and goes on where it stopped', async () => {
    const { shop, clock } = await trafficShop();
    const user = shop.customer(100_00);
    const proxies = [await buyTraffic(shop, user.id), await buyTraffic(shop, user.id), await buyTraffic(shop, user.id)];
    const sim = shop.upstream('flashproxy').simulator;
    for (const proxy of proxies) sim.recordUsage(proxy.upstreamId, 0.9 * BYTES_PER_GB);
    const job = createTraffic({
      db: shop.database.db,
      subscriptions: shop.subscriptions,
      orders: shop.orders,
      outbox: shop.outbox,
      logger: silentLogger,
      now: () => clock.now,
      cacheMs: CACHE_MS,
      readsPerPass: 2,
    });
    const ctx = standaloneContext();
    const before = sim.requestCount();
    expect(await job.checkAll(ctx)).toMatchObject({ checked: 2, warned: 2 });
    expect(sim.requestCount() - before).toBe(2);
    // The next pass reads the third plan and, the first two being fresh, looks at them without asking.
    expect(await job.checkAll(ctx)).toMatchObject({ checked: 3, warned: 1 });
    expect(sim.requestCount() - before).toBe(3);
    const warned = new Set(
      shop.outbox.list({ kind: 'traffic_warning' }).map((m) => (JSON.parse(m.payload) as { subscriptionId: string }).subscriptionId),
    );
    expect(warned).toEqual(new Set(proxies.map((p) => p.id)));
    // Once their figures age, the walk starts over from the first plan.
    clock.now += CACHE_MS;
    expect(await job.checkAll(ctx)).toMatchObject({ checked: 2, warned: 0 });
    expect(sim.requestCount() - before).toBe(5);
  });
});

describe('auto top-up', () => {
  it('buys the chosen package once per period through the saga, from the wallet', async () => {
    const { shop, clock } = await trafficShop();
    const user = shop.customer(100_00);
    const proxy = await buyTraffic(shop, user.id);
    const sim = shop.upstream('flashproxy').simulator;
    const set = await shop.traffic.setAutoTopup(user.id, proxy.id, { termId: '5gb', thresholdPercent: 80 });
    expect(set).toEqual({ ok: true, value: { termId: '5gb', thresholdPercent: 80 } });
    const balanceBefore = shop.wallet.balance(user.id).availableCents;

    sim.recordUsage(proxy.upstreamId, 0.7 * BYTES_PER_GB);
    expect(await shop.traffic.checkAll()).toMatchObject({ toppedUp: 0 });
    expect(sim.plan(proxy.upstreamId)!.maxGb).toBe(1);

    sim.recordUsage(proxy.upstreamId, 0.15 * BYTES_PER_GB);
    clock.now += CACHE_MS;
    expect(await shop.traffic.checkAll()).toMatchObject({ toppedUp: 1 });
    expect(sim.plan(proxy.upstreamId)!.maxGb).toBe(6);
    const [notice] = shop.outbox.list({ kind: 'traffic_auto_topped_up' });
    const { orderId, priceCents } = JSON.parse(notice!.payload) as { orderId: string; priceCents: number };
    expect(shop.orders.order(orderId)).toMatchObject({ kind: 'renewal', state: 'delivered', termId: '5gb' });
    expect(shop.wallet.balance(user.id).availableCents).toBe(balanceBefore - priceCents);
    // Topped up, so no 80 % warning about the old period.
    expect(warnings(shop)).toEqual([]);

    // The next passes see 0.85 of 6 GB: nothing more is bought.
    await shop.subscriptions.syncProvider('flashproxy');
    clock.now += CACHE_MS;
    expect(await shop.traffic.checkAll()).toMatchObject({ toppedUp: 0 });
    expect(sim.plan(proxy.upstreamId)!.maxGb).toBe(6);
    expect(shop.outbox.list({ kind: 'traffic_auto_topped_up' })).toHaveLength(1);
  });

  it('tells the customer once when the wallet cannot pay, and buys nothing', async () => {
    const { shop, clock } = await trafficShop();
    const user = shop.customer(100_00);
    const proxy = await buyTraffic(shop, user.id);
    const sim = shop.upstream('flashproxy').simulator;
    await shop.traffic.setAutoTopup(user.id, proxy.id, { termId: '100gb', thresholdPercent: 90 });
    sim.recordUsage(proxy.upstreamId, 0.95 * BYTES_PER_GB);
    expect(await shop.traffic.checkAll()).toMatchObject({ toppedUp: 0, failed: 1 });
    const quotes = () => (shop.database.sqlite.prepare(`SELECT count(*) AS n FROM quotes WHERE kind = 'renewal'`).get() as { n: number }).n;
    const quotedOnce = quotes();
    // The next passes within the hour do not ask for a price again.
    clock.now += CACHE_MS;
    expect(await shop.traffic.checkAll()).toMatchObject({ toppedUp: 0, failed: 0 });
    expect(quotes()).toBe(quotedOnce);
    const failures = shop.outbox.list({ kind: 'traffic_auto_topup_failed' });
    expect(failures.map((m) => (JSON.parse(m.payload) as { reason: string }).reason)).toEqual(['insufficient_funds']);
    expect(sim.plan(proxy.upstreamId)!.maxGb).toBe(1);
    // The 95 % warning still goes out: the customer must act.
    expect(warnings(shop)).toEqual([95]);

    // With money on the wallet, the hour after the failure the package is bought.
    shop.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'more-money', amountCents: 1_000_00 });
    clock.now += AUTO_TOPUP_RETRY_MS;
    expect(await shop.traffic.checkAll()).toMatchObject({ toppedUp: 1 });
    expect(sim.plan(proxy.upstreamId)!.maxGb).toBe(101);
  });

  it('is refused for a package the plan does not offer, a threshold out of range, or a plan without top-ups', async () => {
    const { shop } = await trafficShop(['flashproxy', 'gateproxy']);
    const user = shop.customer(100_00);
    const proxy = await buyTraffic(shop, user.id);
    expect(await shop.traffic.setAutoTopup(user.id, proxy.id, { termId: '7_days', thresholdPercent: 80 })).toMatchObject({ ok: false });
    expect(await shop.traffic.setAutoTopup(user.id, proxy.id, { termId: '5gb', thresholdPercent: 100 })).toMatchObject({ ok: false });
    const gate = await buyTraffic(shop, user.id, 'gateproxy');
    expect(await shop.traffic.setAutoTopup(user.id, gate.id, { termId: '5gb', thresholdPercent: 80 })).toMatchObject({
      ok: false,
      reason: 'unsupported',
    });
  });
});
