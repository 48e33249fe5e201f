/**
 * Adding traffic to a GateProxy package in the real bot. GateProxy cannot add
 * traffic to an order it sold, so "Add traffic" buys a new order of the same
 * provider through the renewal saga and links it to the same card: the card
 * counts used / left / total over both orders and shows both logins. Against
 * the GateProxy simulator over HTTP, through the Telegram emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { formatCents } from '../../src/domain/money.js';
import { silentLogger } from '../../src/logger.js';
import type { EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { createNotifier } from '../../src/services/notifier.js';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { waitFor } from '../helpers/wait.js';

let world: BotShop | undefined;

afterEach(async () => {
  const errors = world?.errors() ?? [];
  const violations = world?.shop.orders.checkInvariants() ?? [];
  await world?.close();
  world = undefined;
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
});

/** Every read asks the upstream, so the test moves usage without moving a clock. */
const startGateShop = () => startBotShop(['gateproxy'], { shop: { trafficUsageCacheMs: 0, upstreamTimeoutMs: 5_000 } });

async function customerWithMoney(w: BotShop, cents: number) {
  const user = w.customer();
  await say(user, '/start', has('Proxy Storefront'));
  w.credit(user, cents);
  return user;
}

/** A 1 GB ABC Proxy package, bought through the services the way the bot's Confirm does. */
async function buyAbcOneGb(w: BotShop, user: EmulatedUser) {
  const { id } = w.account(user);
  const quoted = await w.shop.orders.quote(id, 'gateproxy', { productId: 'abcproxy', termId: '1GB', quantity: 1 });
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await w.shop.orders.purchase({ userId: id, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  return result.proxies[0]!;
}

async function openOnlyProxy(user: EmulatedUser) {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, /📋/, has('My proxies'));
  return press(user, /^1\. /, has('Status:'));
}

function confirmQuoteId(user: EmulatedUser): string {
  const button = user.buttons().find((b) => b.callback_data?.startsWith('o:ok:'));
  if (!button) throw new Error(`no Confirm button; buttons: ${JSON.stringify(user.buttons())}`);
  return button.callback_data!.slice('o:ok:'.length);
}

/** From the card to the confirm screen of the 5 GB package; answers its price. */
async function toFiveGbConfirm(user: EmulatedUser, w: BotShop) {
  const offers = await press(user, '➕ Add traffic', has('how much traffic to add'));
  const fiveGb = labels(user, offers).find((l) => /^5 GB · \$/.test(l));
  if (!fiveGb) throw new Error(`no 5 GB package; buttons: ${labels(user, offers).join(' | ')}`);
  await press(user, fiveGb, has('Renewal'));
  return w.shop.orders.quoteById(confirmQuoteId(user))!.priceCents;
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

/** The GateProxy orders the shop bought after `before` (newest first, as GateProxy lists them). */
const newOrders = (w: BotShop, before: ReadonlySet<string>) =>
  w.shop
    .upstream('gateproxy')
    .simulator.orders()
    .filter((o) => !before.has(o.orderId));

describe('adding traffic to a GateProxy package', () => {
  it('buys a new order once however often Confirm is tapped, links it to the card, and the card counts both', async () => {
    world = await startGateShop();
    const sim = world.shop.upstream('gateproxy').simulator;
    const ada = await customerWithMoney(world, 100_00);
    const { id } = world.account(ada);
    const proxy = await buyAbcOneGb(world, ada);
    sim.addUsageGb(proxy.upstreamId, 0.9);

    const card = await openOnlyProxy(ada);
    expect(card.plainText).toContain('Traffic: 1 GB · used 0.9 GB (90 %) · 0.1 GB left');
    expect(labels(ada, card)).toEqual(expect.arrayContaining(['➕ Add traffic', '⚙️ Auto top-up: off']));

    const price = await toFiveGbConfirm(ada, world);
    const ordersBefore = new Set(sim.orders().map((o) => o.orderId));
    const walletBefore = world.shop.wallet.balance(id).availableCents;
    const upstreamBefore = sim.balanceCents();
    await Promise.all([ada.press(/^✅ Confirm/), ada.press(/^✅ Confirm/)]);
    const done = await ada.waitForMessage(has('Traffic added'));
    expect(done.plainText).toContain('5 GB');
    await waitFor(() => world!.emu.updatesPending().length === 0 && world!.bot.background.size === 0, { what: 'both taps handled' });

    // One new upstream order of the same provider and package, paid once.
    const bought = newOrders(world, ordersBefore);
    expect(bought.map((o) => [o.provider, o.plan])).toEqual([['abcproxy', '5GB']]);
    expect(upstreamBefore - sim.balanceCents()).toBe(13_50);
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: walletBefore - price, heldCents: 0 });
    expect(world.shop.subscriptions.all(id)).toHaveLength(1);

    // The card: combined figures, and the new order's own login next to the first one.
    sim.addUsageGb(bought[0]!.orderId, 0.6);
    const after = await openOnlyProxy(ada);
    expect(after.plainText).toContain('Traffic: 6 GB · used 1.5 GB (25 %) · 4.5 GB left');
    const { host, port, username, password } = bought[0]!.proxy;
    expect(after.plainText).toContain(`➕ Added 5 GB: ${host}:${port}:${username}:${password}`);
    const formats = await press(ada, '🔐 Credentials', has('Choose a format'));
    const lines = await press(ada, labels(ada, formats)[0]!, has(username));
    expect(lines.plainText).toContain(`${host}:${port}:${username}:${password}`);
    expect(lines.plainText).toContain(`${proxy.host}:${proxy.httpPort}:${proxy.login}:${proxy.password}`);
  });

  it('keeps the money held when GateProxy loses its answer, and the reconciler links the order it finds, once', async () => {
    world = await startGateShop();
    const sim = world.shop.upstream('gateproxy').simulator;
    const bo = await customerWithMoney(world, 100_00);
    const { id } = world.account(bo);
    const proxy = await buyAbcOneGb(world, bo);
    await openOnlyProxy(bo);
    const price = await toFiveGbConfirm(bo, world);
    const ordersBefore = new Set(sim.orders().map((o) => o.orderId));
    const walletBefore = world.shop.wallet.balance(id).availableCents;

    // GateProxy makes the order, then answers a 500 the reference does not list: nobody can tell from the answer.
    sim.answerNextOrderWithError({ status: 500, code: 'internal_error', when: 'after' });
    await bo.press(/^✅ Confirm/);
    const slow = await bo.waitForMessage(has('The provider is slow to deliver'));
    expect(slow.plainText).toContain(`Your ${formatCents(price)} are held, not spent`);
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: walletBefore - price, heldCents: price });
    const [order] = world.shop.orders.ordersOfUser(id).filter((o) => o.kind === 'renewal');
    expect(order!.state).toBe('provisioning');
    expect(world.shop.subscriptions.linkedOrders(proxy.id)).toEqual([]);

    // The reconciler finds the one new order and links it; asking again changes nothing.
    expect((await world.shop.orders.reconcile(order!.id)).kind).toBe('delivered');
    expect((await world.shop.orders.reconcile(order!.id)).kind).toBe('delivered');
    const bought = newOrders(world, ordersBefore);
    expect(bought).toHaveLength(1);
    expect(world.shop.subscriptions.linkedOrders(proxy.id).map((o) => o.upstreamId)).toEqual([bought[0]!.orderId]);
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: walletBefore - price, heldCents: 0 });
    // A later purchase's lookup never takes the linked order for its own.
    expect(world.shop.orders.order(order!.id)!.upstreamOrderId).toBe(bought[0]!.orderId);

    await sendNotices(world);
    await bo.waitForMessage(has('Traffic added'));
    const card = await openOnlyProxy(bo);
    expect(card.plainText).toContain('Traffic: 6 GB · used 0 GB (0 %) · 6 GB left');
    expect(card.plainText).toContain(`➕ Added 5 GB: ${bought[0]!.proxy.host}`);
  });

  it('warns against the combined total, and tops up automatically with a new linked order at the chosen share', async () => {
    world = await startGateShop();
    const sim = world.shop.upstream('gateproxy').simulator;
    const cy = await customerWithMoney(world, 100_00);
    const { id } = world.account(cy);
    const proxy = await buyAbcOneGb(world, cy);

    await openOnlyProxy(cy);
    const packages = await press(cy, '⚙️ Auto top-up: off', has('which package'));
    const fiveGb = labels(cy, packages).find((l) => /^5 GB · \$/.test(l))!;
    await press(cy, fiveGb, has('how much of the traffic is used'));
    await press(cy, 'at 90 %', has('Auto top-up is on'));

    // 85 %: a warning at 80 %, no top-up yet.
    sim.addUsageGb(proxy.upstreamId, 0.85);
    expect(await world.shop.traffic.checkAll()).toMatchObject({ warned: 1, toppedUp: 0 });
    const ordersBefore = new Set(sim.orders().map((o) => o.orderId));
    const walletBefore = world.shop.wallet.balance(id).availableCents;

    // 95 %: the package is bought as a new order and linked; the next pass buys nothing more.
    sim.addUsageGb(proxy.upstreamId, 0.1);
    expect(await world.shop.traffic.checkAll()).toMatchObject({ toppedUp: 1 });
    expect(await world.shop.traffic.checkAll()).toMatchObject({ toppedUp: 0, warned: 0 });
    const bought = newOrders(world, ordersBefore);
    expect(bought.map((o) => [o.provider, o.plan])).toEqual([['abcproxy', '5GB']]);
    expect(world.shop.subscriptions.linkedOrders(proxy.id).map((o) => o.upstreamId)).toEqual([bought[0]!.orderId]);
    const [topup] = world.shop.orders.ordersOfUser(id).filter((o) => o.kind === 'renewal');
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: walletBefore - topup!.priceCents, heldCents: 0 });

    // 0.95 of 6 GB is 15 %: no warning; 80 % of the combined 6 GB is.
    expect((await world.shop.traffic.usage(id, proxy.id)).ok && (await world.shop.traffic.usage(id, proxy.id))).toMatchObject({
      value: { usedGb: 0.95, totalGb: 6, remainingGb: 5.05, usedPercent: 15 },
    });
    sim.addUsageGb(bought[0]!.orderId, 3.9);
    expect(await world.shop.traffic.checkAll()).toMatchObject({ warned: 1 });
    const warnings = world.shop.outbox
      .list({ kind: 'traffic_warning' })
      .map((m) => JSON.parse(m.payload) as { threshold: number; totalGb: number });
    expect(warnings.map((w) => [w.threshold, w.totalGb])).toEqual([
      [80, 1],
      [80, 6],
    ]);

    // What the customer is told (the notifier sends one message a second per chat, so it is read as rendered).
    const [topped] = world.shop.outbox.list({ kind: 'traffic_auto_topped_up' });
    expect(world.bot.renderNotice(topped!, 'en')?.text).toContain(
      `5 GB of traffic added automatically for ${formatCents(topup!.priceCents)}`,
    );
  });
});
