/**
 * Traffic plans in the real bot, against the FlashProxy and GateProxy
 * simulators: the card shows used / left / total, the warnings arrive in the
 * chat once each, and auto top-up is set from the card and buys the package
 * when the share is reached. GateProxy's linked-order top-ups have their own file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { silentLogger } from '../../src/logger.js';
import type { ProviderId } from '../../src/providers/types.js';
import type { EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { createNotifier } from '../../src/services/notifier.js';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';

let world: BotShop | undefined;

afterEach(async () => {
  const errors = world?.errors() ?? [];
  await world?.close();
  world = undefined;
  expect(errors).toEqual([]);
});

const BYTES_PER_GB = 1e9;

/** Every read asks the upstream, so the test moves usage without moving a clock. */
const startTrafficShop = (ids: ProviderId[]) => startBotShop(ids, { shop: { trafficUsageCacheMs: 0, upstreamTimeoutMs: 5_000 } });

async function customerWithMoney(w: BotShop, cents: number, languageCode = 'en') {
  const user = w.customer({ languageCode });
  await say(user, '/start', has('Proxy Storefront'));
  w.credit(user, cents);
  return user;
}

async function buy(w: BotShop, user: EmulatedUser, providerId: ProviderId, productId?: string) {
  const { id } = w.account(user);
  const quoted = await w.shop.orders.quote(id, providerId, await firstChoice(w.shop, providerId, 1, productId));
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await w.shop.orders.purchase({ userId: id, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  return result.proxies[0]!;
}

function sendNotices(w: BotShop) {
  return createNotifier({
    outbox: w.shop.outbox,
    users: w.shop.users,
    sender: telegramMessageSender(w.bot.api),
    render: w.bot.renderNotice,
    logger: silentLogger,
  }).runOnce();
}

async function openOnlyProxy(user: EmulatedUser, status = 'Status:') {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, /📋/, has(/My proxies|Мои прокси/));
  return press(user, /^1\. /, has(status));
}

describe('a per-GB plan in the bot', () => {
  it('shows used / left / total on the card, warns once at 80 %, and tops up automatically as set from the card', async () => {
    world = await startTrafficShop(['flashproxy']);
    const sim = world.shop.upstream('flashproxy').simulator;
    const ada = await customerWithMoney(world, 200_00);
    const proxy = await buy(world, ada, 'flashproxy', 'residential');
    sim.recordUsage(proxy.upstreamId, 0.85 * BYTES_PER_GB);

    const card = await openOnlyProxy(ada);
    expect(card.plainText).toContain('Traffic: 1 GB · used 0.85 GB (85 %) · 0.15 GB left');
    expect(labels(ada, card)).toEqual(expect.arrayContaining(['➕ Add traffic', '⚙️ Auto top-up: off']));

    expect(await world.shop.traffic.checkAll()).toMatchObject({ warned: 1 });
    expect(await world.shop.traffic.checkAll()).toMatchObject({ warned: 0 });
    await sendNotices(world);
    const warning = await ada.waitForMessage(has('80 % of the traffic is used'));
    expect(warning.plainText).toContain('0.85 of 1 GB');
    expect(labels(ada, warning)).toContain('Open the proxy');

    await openOnlyProxy(ada);
    const packages = await press(ada, '⚙️ Auto top-up: off', has('which package'));
    const fiveGb = labels(ada, packages).find((l) => /^5 GB · \$/.test(l))!;
    const price = fiveGb.split(' · ')[1]!;
    await press(ada, fiveGb, has('how much of the traffic is used'));
    const on = await press(ada, 'at 90 %', has('Auto top-up is on'));
    expect(on.plainText).toContain(`5 GB for ${price}`);
    const again = await press(ada, '« The proxy', has('Status:'));
    expect(labels(ada, again)).toContain('⚙️ Auto top-up: at 90 %');

    // 85 % is below the chosen 90 %: nothing is bought; at 95 % the package is.
    expect(await world.shop.traffic.checkAll()).toMatchObject({ toppedUp: 0 });
    sim.recordUsage(proxy.upstreamId, 0.1 * BYTES_PER_GB);
    expect(await world.shop.traffic.checkAll()).toMatchObject({ toppedUp: 1 });
    expect(sim.plan(proxy.upstreamId)!.maxGb).toBe(6);
    await sendNotices(world);
    const topped = await ada.waitForMessage(has('added automatically'));
    expect(topped.plainText).toContain(`5 GB of traffic added automatically for ${price}`);

    await world.shop.orders.drain();
    await world.shop.subscriptions.syncProvider('flashproxy');
    const after = await openOnlyProxy(ada);
    expect(after.plainText).toContain('Traffic: 6 GB · used 0.95 GB (15 %) · 5.05 GB left');

    await press(ada, '⚙️ Auto top-up: at 90 %', has('which package'));
    await press(ada, 'Turn auto top-up off', has('Auto top-up is off'));
    expect(world.shop.traffic.autoTopupOf(proxy.id)).toBeUndefined();
  });

  it('drops a queued warning about a package the customer has since added traffic to', async () => {
    world = await startTrafficShop(['flashproxy']);
    const sim = world.shop.upstream('flashproxy').simulator;
    const cy = await customerWithMoney(world, 200_00);
    const { id } = world.account(cy);
    const proxy = await buy(world, cy, 'flashproxy', 'residential');
    sim.recordUsage(proxy.upstreamId, 0.9 * BYTES_PER_GB);
    expect(await world.shop.traffic.checkAll()).toMatchObject({ warned: 1 });
    const [queued] = world.shop.outbox.list({ kind: 'traffic_warning' });
    expect(world.bot.renderNotice(queued!, 'en')?.text).toContain('80 % of the traffic is used');

    const quote = await world.shop.orders.quoteRenewal(id, proxy.id, '1gb');
    if (!quote.ok) throw new Error(quote.message);
    expect((await world.shop.orders.purchase({ userId: id, quoteId: quote.quote.id, intentKey: 'add-1gb', channel: 'bot' })).kind).toBe(
      'delivered',
    );
    await world.shop.orders.drain();
    await world.shop.subscriptions.syncProvider('flashproxy');
    expect(world.bot.renderNotice(queued!, 'en')).toBeNull();
  });

  it('does not keep the card waiting on a slow upstream: the last figures are shown, marked with their time', async () => {
    world = await startTrafficShop(['flashproxy']);
    const sim = world.shop.upstream('flashproxy').simulator;
    const bo = await customerWithMoney(world, 200_00);
    const proxy = await buy(world, bo, 'flashproxy', 'residential');
    sim.recordUsage(proxy.upstreamId, 0.2 * BYTES_PER_GB);
    const first = await openOnlyProxy(bo);
    expect(first.plainText).toContain('Traffic: 1 GB · used 0.2 GB (20 %) · 0.8 GB left');
    expect(first.plainText).not.toContain('as of');

    // The next usage read takes longer than the card waits; its answer would say 0.5 GB.
    sim.recordUsage(proxy.upstreamId, 0.3 * BYTES_PER_GB);
    sim.faults.inject({ kind: 'slow', delayMs: 2_500 }, { path: /\/usage$/ });
    const second = await press(bo, '« My proxies', has('My proxies')).then(() => press(bo, /^1\. /, has('Status:')));
    expect(second.plainText).toMatch(/Traffic: 1 GB · used 0\.2 GB \(20 %\) · 0\.8 GB left · as of \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });

  it('tells a Russian-speaking customer in Russian that a GateProxy package ran out, and offers to add traffic', async () => {
    world = await startTrafficShop(['gateproxy']);
    const sim = world.shop.upstream('gateproxy').simulator;
    const ivan = await customerWithMoney(world, 200_00, 'ru');
    const proxy = await buy(world, ivan, 'gateproxy');
    sim.addUsageGb(proxy.upstreamId, 10_000);

    const card = await openOnlyProxy(ivan, 'Статус');
    expect(card.plainText).toMatch(/Трафик: [\d.]+ ГБ · израсходовано [\d.]+ ГБ \(100 %\) · осталось 0 ГБ · ⛔ закончился/);
    // GateProxy adds traffic as a new order linked to the card (test/e2e/bot-traffic-gateproxy.test.ts).
    expect(labels(ivan, card).some((l) => l.includes('Добавить трафик'))).toBe(true);

    expect(await world.shop.traffic.checkAll()).toMatchObject({ warned: 1 });
    await sendNotices(world);
    const notice = await ivan.waitForMessage(has('трафик закончился'));
    expect(notice.plainText).toContain('Добавьте трафик');
  });
});
