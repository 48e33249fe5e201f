/**
 * Operators at work in the operator group, and the reminders customers get:
 * commands typed by admins through the Telegram emulator, answered by the
 * real bot over the real services.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createReminderJob } from '../../src/scheduler/jobs/reminders.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { createNotifier } from '../../src/services/notifier.js';
import type { CreateBotDeps } from '../../src/bot/index.js';
import { command, has, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';

let world: BotShop | undefined;
afterEach(async () => {
  if (world) {
    expect(world.shop.orders.checkInvariants()).toEqual([]);
    expect(world.errors()).toEqual([]);
    await world.close();
    world = undefined;
  }
});

/** A shop whose operator group has one admin (Olga) and one ordinary member (Max). */
async function withOperators() {
  const options: { bot: Partial<CreateBotDeps> } = { bot: {} };
  world = await startBotShop(['lumiweb'], options);
  const olga = world.emu.user({ firstName: 'Olga', startedBot: true });
  const max = world.emu.user({ firstName: 'Max', startedBot: true });
  const group = world.emu.group({ title: 'Operators', members: [olga, max], admins: [olga] });
  options.bot.operatorChatId = group.id;
  options.bot.adminIds = [olga.id];
  await world.restartBot();
  return { world, olga, max, group };
}

/** A customer who has bought one proxy through the services. */
async function customerWithOrder(w: BotShop, cents = 10_000) {
  const alice = w.customer({ firstName: 'Alice' });
  await alice.send('/start');
  await alice.waitForMessage(has('What would you like to do?'));
  w.credit(alice, cents);
  const account = w.account(alice);
  const quoted = await w.shop.orders.quote(account.id, 'lumiweb', await firstChoice(w.shop, 'lumiweb'));
  if (!quoted.ok) throw new Error(quoted.message);
  const bought = await w.shop.orders.purchase({ userId: account.id, quoteId: quoted.quote.id, intentKey: 'k', channel: 'bot' });
  if (bought.kind !== 'delivered') throw new Error(bought.kind);
  return { alice, account, order: bought.order, proxy: bought.proxies[0]! };
}

describe('operator commands', () => {
  it('/stats shows the day’s sales and the money in wallets', async () => {
    const { olga, group, world: w } = await withOperators();
    const { order } = await customerWithOrder(w);
    const reply = await command(olga, group, '/stats');
    expect(reply.plainText).toContain('Orders: 1 delivered');
    expect(reply.plainText).toContain(`Sales: $${(order.priceCents / 100).toFixed(2)}`);
    expect(reply.plainText).toMatch(/In wallets now: \$\d+\.\d\d/);
  });

  it('/markup sets a rule that new quotes use, and a malformed one explains the format', async () => {
    const { olga, group, world: w } = await withOperators();
    expect((await command(olga, group, '/markup lumiweb * 50 0.10')).plainText).toContain('is now 50 %');
    expect(w.shop.pricing.ruleFor('lumiweb', 'isp')).toEqual({ markupBasisPoints: 5_000, minMarginCents: 10 });
    expect((await command(olga, group, '/markup lumiweb * lots')).plainText).toContain('Usage: /markup');
    expect((await command(olga, group, '/markup nowhere * 10 0')).plainText).toContain('Usage: /markup');
    expect((await command(olga, group, '/markup')).plainText).toContain('lumiweb / *: 50% · min $0.10');
  });

  it('/refund gives part of an order back, and never more than was paid', async () => {
    const { olga, group, world: w } = await withOperators();
    const { account, order } = await customerWithOrder(w);
    const before = w.shop.wallet.balance(account.id).availableCents;
    const done = await command(olga, group, `/refund ${order.id} 1.00 proxy was slow`);
    expect(done.plainText).toContain(`Refunded $1.00 for order ${order.id}`);
    expect(w.shop.wallet.balance(account.id).availableCents).toBe(before + 100);
    const tooMuch = await command(olga, group, `/refund ${order.id} 999 again`);
    expect(tooMuch.plainText).toContain('Refused');
    expect(w.shop.wallet.balance(account.id).availableCents).toBe(before + 100);
    expect((await command(olga, group, '/refund ord_nope all x')).plainText).toContain('There is no order ord_nope');
  });

  it('/refund … all gives back exactly what is left, also on a wallet with more than 100 newer entries', async () => {
    const { olga, group, world: w } = await withOperators();
    const { account, order } = await customerWithOrder(w);
    expect((await command(olga, group, `/refund ${order.id} 1.00 proxy was slow`)).plainText).toContain('Refunded $1.00');
    for (let i = 0; i < 120; i++) w.credit(w.emu.users().find((u) => u.info.first_name === 'Alice')!, 1);
    const before = w.shop.wallet.balance(account.id).availableCents;
    const rest = await command(olga, group, `/refund ${order.id} all proxy never worked`);
    expect(rest.plainText).toContain(`Refunded $${((order.priceCents - 100) / 100).toFixed(2)} for order ${order.id}`);
    expect(w.shop.wallet.balance(account.id).availableCents).toBe(before + order.priceCents - 100);
  });

  it('/credit adjusts a wallet by Telegram id, with a reason', async () => {
    const { olga, group, world: w } = await withOperators();
    const { alice, account } = await customerWithOrder(w);
    const before = w.shop.wallet.balance(account.id).availableCents;
    expect((await command(olga, group, `/credit ${alice.id} 5 bank transfer`)).plainText).toContain('Done: $5.00');
    expect((await command(olga, group, `/credit ${alice.id} -2,50 correction`)).plainText).toContain('Done: -$2.50');
    expect(w.shop.wallet.balance(account.id).availableCents).toBe(before + 250);
    expect((await command(olga, group, `/credit ${alice.id} 5`)).plainText).toContain('Usage: /credit');
  });

  it('/ledger reports that the books balance', async () => {
    const { olga, group, world: w } = await withOperators();
    await customerWithOrder(w);
    expect((await command(olga, group, '/ledger')).plainText).toContain('The ledger checks out');
  });

  it('refuses the commands from a member who is not an admin, and ignores an admin’s outside the group', async () => {
    const { olga, max, group, world: w } = await withOperators();
    const { account } = await customerWithOrder(w);
    const before = w.shop.wallet.balance(account.id).availableCents;
    await max.sendIn(group, `/credit ${w.shop.users.byId(account.id)!.telegramId} 100 gift`);
    await group.waitForMessage(has('Only admins'));
    // The admin's next command is answered; Max's was not, and changed nothing.
    const reply = await command(olga, group, '/ledger');
    expect(reply.plainText).toContain('checks out');
    expect(group.messages().filter((m) => m.plainText.startsWith('Done'))).toHaveLength(0);
    expect(w.shop.wallet.balance(account.id).availableCents).toBe(before);

    await olga.send('/stats');
    const inPrivate = await olga.waitForMessage();
    expect(inPrivate.plainText).not.toContain('Orders:');
  });
});

describe('reminders reach the customer', () => {
  it('an expiry reminder arrives in the customer’s chat with a button to the proxy', async () => {
    world = await startBotShop(['lumiweb']);
    const { alice, proxy } = await customerWithOrder(world);
    const soon = Date.now() + 50 * 3_600_000;
    // Bought a month ago: reminders whose moment passed before a purchase are not sent.
    world.shop.database.sqlite
      .prepare('UPDATE subscriptions SET expires_at = ?, created_at = ? WHERE id = ?')
      .run(soon, Date.now() - 30 * 86_400_000, proxy.id);
    expect(await createReminderJob(world.shop)()).toEqual({ queued: 1 });

    const notifier = createNotifier({
      outbox: world.shop.outbox,
      users: world.shop.users,
      sender: telegramMessageSender(world.bot.api),
      render: world.bot.renderNotice,
      logger: silentLogger,
    });
    expect(await notifier.runOnce()).toMatchObject({ sent: 1 });
    const reminder = await alice.waitForMessage(has('expires on'));
    expect(reminder.plainText).toContain(new Date(soon).toISOString().slice(0, 10));
    expect(alice.buttons(reminder).map((b) => b.text)).toContain('Open the proxy');
    await alice.press('Open the proxy', reminder);
    await alice.waitForMessage(has(proxy.host));
  });
});
