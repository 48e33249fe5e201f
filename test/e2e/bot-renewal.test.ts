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
