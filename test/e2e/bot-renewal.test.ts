/**
 * Renewals, auto-renewal and reminders in the real bot, as the customer sees
 * them: over HTTP to the Telegram emulator, against the real services and
 * upstream simulators. Proxies are bought through the services.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatCents } from '../../src/domain/money.js';
import type { ProviderId } from '../../src/providers/types.js';
import type { EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { createLogger } from '../../src/logger.js';
import { createAutoRenewJob } from '../../src/scheduler/jobs/auto-renew.js';
import { createReminderJob } from '../../src/scheduler/jobs/reminders.js';
import { createNotifier } from '../../src/services/notifier.js';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';
import { waitFor } from '../helpers/wait.js';

let world: BotShop | undefined;

afterEach(async () => {
  const errors = world?.errors() ?? [];
  await world?.close();
  world = undefined;
  expect(errors).toEqual([]);
});

async function customerWithMoney(w: BotShop, cents: number) {
  const user = w.customer();
  await say(user, '/start', has('Proxy Storefront'));
  w.credit(user, cents);
  return user;
}

/** Buys through the services, the way the bot's Confirm does. */
async function buy(w: BotShop, user: EmulatedUser, providerId: ProviderId, quantity = 1, productId?: string, termId?: string) {
  const { id } = w.account(user);
  const choice = { ...(await firstChoice(w.shop, providerId, quantity, productId)), ...(termId ? { termId } : {}) };
  const quoted = await w.shop.orders.quote(id, providerId, choice);
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await w.shop.orders.purchase({ userId: id, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  return result.proxies;
}

async function openFirstProxy(user: EmulatedUser) {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, '📋 My proxies', has('My proxies'));
  return press(user, /^1\. /, has('Status:'));
}

function confirmQuoteId(user: EmulatedUser): string {
  const button = user.buttons().find((b) => b.callback_data?.startsWith('o:ok:'));
  if (!button) throw new Error(`no Confirm button; buttons: ${JSON.stringify(user.buttons())}`);
  return button.callback_data!.slice('o:ok:'.length);
}

describe('renewing a whole subscription', () => {
  it('LumiWeb: the confirm screen names every IP renewed, and the customer pays for all of them', async () => {
    world = await startBotShop(['lumiweb']);
    const sim = world.shop.upstream('lumiweb').simulator;
    const ada = await customerWithMoney(world, 100_00);
    const { id } = world.account(ada);
    await buy(world, ada, 'lumiweb', 2);
    await openFirstProxy(ada);
    const terms = await press(ada, '🔁 Renew', has('renew'));
    expect(labels(ada, terms)[0]).toMatch(/^30 days \(all 2 IPs of the subscription\) · \$\d+\.\d\d$/);
    const summary = await press(ada, /^30 days \(all 2 IPs of the subscription\) · \$/, has('Renewal'));
    expect(summary.plainText).toContain('Quantity: 2');
    const quote = world.shop.orders.quoteById(confirmQuoteId(ada))!;
    expect(summary.plainText).toContain(`Price: ${formatCents(quote.priceCents)}`);

    const upstreamBefore = sim.balanceCents();
    const walletBefore = world.shop.wallet.balance(id).availableCents;
    await ada.press(/^✅ Confirm/);
    await ada.waitForMessage(has('Renewed'));
    const upstreamCharge = upstreamBefore - sim.balanceCents();
    expect(quote.priceCents).toBeGreaterThanOrEqual(upstreamCharge);
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: walletBefore - quote.priceCents, heldCents: 0 });
  });
});

const silentLogger = createLogger({ level: 'error', write: () => undefined });

/** Sends what the outbox holds to the emulator, as the running shop's notifier does. */
function sendNotices(w: BotShop) {
  return createNotifier({
    outbox: w.shop.outbox,
    users: w.shop.users,
    sender: telegramMessageSender(w.bot.api),
    render: w.bot.renderNotice,
    logger: silentLogger,
  }).runOnce();
}

/** The auto-renew job as the scheduler runs it, with its clock `hoursBefore` the proxy's expiry. */
function autoRenewAt(w: BotShop, expiresAt: number, hoursBefore: number) {
  return createAutoRenewJob({ ...w.shop, logger: silentLogger, now: () => expiresAt - hoursBefore * 3_600_000 })();
}

describe('auto-renew', () => {
  it("asks for the term with today's price (the bought term first), renews for exactly that, and says what was charged and why", async () => {
    world = await startBotShop(['proxy-panel']);
    const sim = world.shop.upstream('proxy-panel').simulator;
    const bea = await customerWithMoney(world, 100_00);
    const { id } = world.account(bea);
    const [proxy] = await buy(world, bea, 'proxy-panel', 1, 'datacenter-shared', '1d');
    expect(proxy!.countryCode).toBe('DE');
    await openFirstProxy(bea);

    const offer = await press(bea, 'Turn auto-renew on', has('Auto-renew'));
    expect(offer.plainText).toMatch(/Today: 1 day for \$\d+\.\d\d/);
    const first = labels(bea, offer)[0]!;
    expect(first).toMatch(/^1 day · \$\d+\.\d\d$/);
    expect(labels(bea, offer)).toEqual(expect.arrayContaining([expect.stringMatching(/^30 days · \$/)]));
    // Nothing is switched on until a term is chosen.
    expect(world.shop.subscriptions.get(id, proxy!.id)!.autoRenew).toBe(false);
    const todayPrice = first.split(' · ')[1]!;

    const on = await press(bea, first, has('Auto-renew is on'));
    expect(on.plainText).toContain(`Auto-renew is on: 1 day, today ${todayPrice}`);
    expect(on.plainText).toContain('Auto-renew: on');

    const upstreamBefore = sim.subscription(proxy!.upstreamId)!.activeUntil;
    const walletBefore = world.shop.wallet.balance(id).availableCents;
    expect(await autoRenewAt(world, proxy!.expiresAt!, 1)).toEqual({ renewed: 1, failed: 0 });
    expect(sim.subscription(proxy!.upstreamId)!.activeUntil - upstreamBefore).toBe(86_400_000);
    const charged = walletBefore - world.shop.wallet.balance(id).availableCents;
    expect(formatCents(charged)).toBe(todayPrice);

    await sendNotices(world);
    const notice = await bea.waitForMessage(has('renewed automatically'));
    expect(notice.plainText).toContain(
      `renewed automatically for 1 day: ${todayPrice} was taken from your wallet, because auto-renew is on`,
    );
  });

  it('a proxy put on auto-renew without a term is renewed for the term it was bought for, never another', async () => {
    world = await startBotShop(['proxy-panel']);
    const sim = world.shop.upstream('proxy-panel').simulator;
    const cid = await customerWithMoney(world, 100_00);
    const { id } = world.account(cid);
    const [proxy] = await buy(world, cid, 'proxy-panel', 1, 'datacenter-shared', '1d');
    // As the REST API does when no term is named.
    expect(world.shop.subscriptions.setAutoRenew(id, proxy!.id, true).ok).toBe(true);
    const upstreamBefore = sim.subscription(proxy!.upstreamId)!.activeUntil;
    expect(await autoRenewAt(world, proxy!.expiresAt!, 1)).toEqual({ renewed: 1, failed: 0 });
    expect(sim.subscription(proxy!.upstreamId)!.activeUntil - upstreamBefore).toBe(86_400_000);
  });
});

const HOUR = 3_600_000;

/** Sets when the proxy was bought and when it expires (epoch ms), as if it had been so from the start. */
function boughtAt(w: BotShop, subscriptionId: string, createdAt: number, expiresAt: number) {
  w.shop.database.sqlite
    .prepare('UPDATE subscriptions SET created_at = ?, expires_at = ? WHERE id = ?')
    .run(createdAt, expiresAt, subscriptionId);
}

const reminderTexts = (user: EmulatedUser) => user.messages().filter((m) => m.plainText.includes('⏳'));

describe('expiry reminders', () => {
  it('bought 2 h before the 3-day moment: nothing at once, the 3-day reminder at its moment, once, then the 1-day one', async () => {
    world = await startBotShop(['proxy-panel']);
    const dan = await customerWithMoney(world, 100_00);
    const [proxy] = await buy(world, dan, 'proxy-panel');
    const boughtTime = Date.now();
    const expiresAt = boughtTime + 74 * HOUR;
    boughtAt(world, proxy!.id, boughtTime, expiresAt);
    let clock = boughtTime;
    const remind = createReminderJob({ ...world.shop, now: () => clock });

    expect(await remind()).toEqual({ queued: 0 });
    clock = expiresAt - 72 * HOUR + 60_000;
    expect(await remind()).toEqual({ queued: 1 });
    expect(await remind()).toEqual({ queued: 0 });
    await sendNotices(world);
    const threeDays = await dan.waitForMessage(has('expires on'));
    expect(threeDays.plainText).toContain(new Date(expiresAt).toISOString().slice(0, 10));

    clock = expiresAt - 24 * HOUR + 60_000;
    expect(await remind()).toEqual({ queued: 1 });
    expect(await remind()).toEqual({ queued: 0 });
    // Sent while 74 h remain on the real clock: the date is enough. The hour is checked below.
    await sendNotices(world);
    await waitFor(() => reminderTexts(dan).length === 2, { what: 'the 1-day reminder' });
  });

  it('a 1-day proxy hears neither the 3-day nor the 1-day reminder right after it was bought', async () => {
    world = await startBotShop(['proxy-panel']);
    const eve = await customerWithMoney(world, 100_00);
    const [proxy] = await buy(world, eve, 'proxy-panel', 1, 'datacenter-shared', '1d');
    expect(proxy!.expiresAt! - Date.now()).toBeLessThanOrEqual(24 * HOUR);
    expect(await createReminderJob(world.shop)()).toEqual({ queued: 0 });
  });

  it('renewed between the two reminders: the queued one about the old expiry is dropped and no 1-day reminder follows', async () => {
    world = await startBotShop(['proxy-panel']);
    const fay = await customerWithMoney(world, 100_00);
    const { id } = world.account(fay);
    const [proxy] = await buy(world, fay, 'proxy-panel');
    const now = Date.now();
    const expiresAt = now + 60 * HOUR;
    boughtAt(world, proxy!.id, now - 30 * 24 * HOUR, expiresAt);
    let clock = now;
    const remind = createReminderJob({ ...world.shop, now: () => clock });
    expect(await remind()).toEqual({ queued: 1 });

    // Renewed before the reminder went out.
    const terms = await world.shop.subscriptions.renewalTerms(id, proxy!.id);
    if (!terms.ok) throw new Error('no renewal terms');
    const quoted = await world.shop.orders.quoteRenewal(id, proxy!.id, terms.value[0]!.id);
    if (!quoted.ok) throw new Error(quoted.message);
    const renewed = await world.shop.orders.purchase({ userId: id, quoteId: quoted.quote.id, intentKey: 'renew', channel: 'bot' });
    expect(renewed.kind).toBe('delivered');
    expect(world.shop.subscriptions.get(id, proxy!.id)!.expiresAt).toBeGreaterThan(expiresAt);

    await sendNotices(world);
    clock = expiresAt - 24 * HOUR + 60_000;
    expect(await remind()).toEqual({ queued: 0 });
    await sendNotices(world);
    // What did arrive (the renewal's own message aside) is no reminder.
    expect(reminderTexts(fay)).toEqual([]);
  });

  it('a reminder less than two days ahead names the hour and the hours left', async () => {
    world = await startBotShop(['proxy-panel']);
    const gus = await customerWithMoney(world, 100_00);
    const [proxy] = await buy(world, gus, 'proxy-panel');
    const expiresAt = Date.now() + 20 * HOUR;
    boughtAt(world, proxy!.id, Date.now() - 30 * 24 * HOUR, expiresAt);
    expect(await createReminderJob(world.shop)()).toEqual({ queued: 1 });
    await sendNotices(world);
    const reminder = await gus.waitForMessage(has('expires at'));
    const at = `${new Date(expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    expect(reminder.plainText).toContain(`expires at ${at} — in 20 hours`);
  });
});
