/**
 * An order the saga cannot settle, as the operators meet it: the alert in
 * their group, its buttons pressed through the Telegram emulator by admins
 * and by a member who is not one, and what the customer hears. LumiWeb's
 * simulator sells and then loses the answer (`hang_after`), and every lookup
 * fails, so the order stays open until a person settles it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateBotDeps } from '../../src/bot/index.js';
import { silentLogger } from '../../src/logger.js';
import type { EmulatedGroup, EmulatedUser } from '../../src/sandbox/telegram/index.js';
import type { ChatMessage } from '../../src/sandbox/telegram/index.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { createNotifier, type Notifier } from '../../src/services/notifier.js';
import { has, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';
import { waitFor } from '../helpers/wait.js';

let world: BotShop | undefined;
afterEach(async () => {
  if (world) {
    expect(world.shop.orders.checkInvariants()).toEqual([]);
    expect(world.errors()).toEqual([]);
    await world.close();
    world = undefined;
  }
});

interface Operators {
  w: BotShop;
  olga: EmulatedUser;
  pavel: EmulatedUser;
  max: EmulatedUser;
  group: EmulatedGroup;
  notifier: Notifier;
}

/** A shop whose operator group has two admins (Olga, Pavel) and one ordinary member (Max). */
async function withOperators(attentionAfterMs = 0): Promise<Operators> {
  const options: { bot: Partial<CreateBotDeps>; shop: { upstreamTimeoutMs: number; orders: { attentionAfterMs: number } } } = {
    bot: {},
    shop: { upstreamTimeoutMs: 300, orders: { attentionAfterMs } },
  };
  const w = await startBotShop(['lumiweb'], options);
  world = w;
  const olga = w.emu.user({ firstName: 'Olga', startedBot: true });
  const pavel = w.emu.user({ firstName: 'Pavel', startedBot: true });
  const max = w.emu.user({ firstName: 'Max', startedBot: true });
  const group = w.emu.group({ title: 'Operators', members: [olga, pavel, max], admins: [olga, pavel] });
  options.bot.operatorChatId = group.id;
  options.bot.adminIds = [olga.id, pavel.id];
  await w.restartBot();
  const notifier = createNotifier({
    outbox: w.shop.outbox,
    users: w.shop.users,
    sender: telegramMessageSender(w.bot.api),
    operatorChatId: group.id,
    render: w.bot.renderNotice,
    logger: silentLogger,
    limits: { perSecond: 1_000, perChatPerSecond: 1_000, perGroupPerMinute: 1_000, globalMarginMs: 0, chatMarginMs: 0 },
  });
  return { w, olga, pavel, max, group, notifier };
}

/** Alice buys a proxy in the bot; LumiWeb sells it but the answer is lost and every lookup fails. */
async function stuckPurchase(w: BotShop) {
  const alice = w.customer({ firstName: 'Alice' });
  await alice.send('/start');
  await alice.waitForMessage(has('What would you like to do?'));
  w.credit(alice, 10_000);
  const account = w.account(alice);
  const quoted = await w.shop.orders.quote(account.id, 'lumiweb', await firstChoice(w.shop, 'lumiweb'));
  if (!quoted.ok) throw new Error(quoted.message);
  const sim = w.shop.upstream('lumiweb').simulator;
  sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/proxy\/static$/ });
  sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'POST', path: /\/proxy\/static$/, times: Infinity });
  sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'GET', times: Infinity });
  const result = await w.shop.orders.purchase({ userId: account.id, quoteId: quoted.quote.id, intentKey: 'k', channel: 'bot' });
  if (result.kind !== 'provisioning') throw new Error(result.kind);
  return { alice, account, order: result.order };
}

/** The alert as the group sees it, after the notifier's pass. */
async function alertFor(o: Operators, orderId: string): Promise<ChatMessage> {
  await o.notifier.runOnce();
  return o.group.waitForMessage(has(`Order needs attention: ${orderId}`));
}

const labelsOf = (o: Operators, message: ChatMessage) => o.group.buttons(message).map((b) => b.text);

describe('an order that cannot settle reaches the operators', () => {
  it('the alert has its buttons; the customer hears the money is held, not charged', async () => {
    const o = await withOperators();
    const { alice, order } = await stuckPurchase(o.w);
    const alert = await alertFor(o, order.id);
    expect(alert.plainText).toContain(`${order.id} at lumiweb`);
    expect(alert.plainText).toContain('Customer: Alice');
    expect(labelsOf(o, alert)).toEqual(['🔄 Check again now', '❌ Settle as failed', '✅ Settle as delivered']);
    const notice = await alice.waitForMessage(has('still being confirmed'));
    expect(notice.plainText).toContain('held, not charged');
    expect(notice.plainText).toContain('We will tell you the outcome');
  });

  it('a member who is not an admin is refused, nothing changes, and the press is recorded', async () => {
    const o = await withOperators();
    const { account, order } = await stuckPurchase(o.w);
    const alert = await alertFor(o, order.id);
    const press = await o.max.pressIn(o.group, '❌ Settle as failed', alert);
    expect(await o.max.waitForCallbackAnswer(press)).toMatchObject({ show_alert: true, text: expect.stringContaining('Only admins') });
    expect(o.w.shop.orders.order(order.id)!.state).toBe('provisioning');
    expect(o.w.shop.wallet.balance(account.id).heldCents).toBe(order.priceCents);
    expect(o.w.shop.orders.operatorActionsOf(order.id)).toMatchObject([{ action: 'refused', actor: `telegram:${o.max.id}` }]);
  });

  it('check again now asks the upstream and edits the alert with the answer', async () => {
    const o = await withOperators();
    const { order } = await stuckPurchase(o.w);
    const alert = await alertFor(o, order.id);
    await o.olga.pressIn(o.group, '🔄 Check again now', alert);
    const stillOpen = await o.group.waitForMessage(has('Checked by Olga: still unknown'));
    expect(labelsOf(o, stillOpen)).toContain('✅ Settle as delivered');

    // LumiWeb answers again: the check finds the sale and delivers it.
    o.w.shop.upstream('lumiweb').simulator.faults.clear();
    await o.olga.pressIn(o.group, '🔄 Check again now', stillOpen);
    const delivered = await o.group.waitForMessage(has('the provider delivered'));
    expect(labelsOf(o, delivered)).toEqual([]);
    expect(o.w.shop.orders.order(order.id)!.state).toBe('delivered');
    expect(o.w.shop.upstream('lumiweb').simulator.purchaseCount()).toBe(1);
    expect(o.w.shop.orders.operatorActionsOf(order.id).map((a) => a.action)).toEqual(['check_again', 'check_again']);
  });

  it('settle as failed asks first, then voids the hold and tells the customer', async () => {
    const o = await withOperators();
    const { alice, account, order } = await stuckPurchase(o.w);
    const alert = await alertFor(o, order.id);
    await o.olga.pressIn(o.group, '❌ Settle as failed', alert);
    const asked = await o.group.waitForMessage(has('Settle as failed?'));
    // Asking changed nothing yet.
    expect(o.w.shop.orders.order(order.id)!.state).toBe('provisioning');
    await o.olga.pressIn(o.group, '❌ Yes, settle as failed', asked);
    await o.group.waitForMessage(has('Settled as failed by Olga'));
    expect(o.w.shop.orders.order(order.id)!.state).toBe('failed');
    expect(o.w.shop.wallet.balance(account.id)).toEqual({ availableCents: 10_000, heldCents: 0 });
    const voided = o.w.shop.database.sqlite.prepare('SELECT actor FROM ledger_transfers WHERE id = ?').get(`void:${order.id}`);
    expect(voided).toEqual({ actor: `admin:${o.olga.id}` });
    expect(o.w.shop.orders.operatorActionsOf(order.id)).toMatchObject([{ action: 'settle_failed', actor: `admin:${o.olga.id}` }]);

    await o.notifier.runOnce();
    const told = await alice.waitForMessage(has('The order failed'));
    expect(told.plainText).toContain('the provider did not complete it');
    expect(told.plainText).toContain('were returned');
  });

  it('settle as delivered takes the upstream order id, captures once, and the customer gets the proxies', async () => {
    const o = await withOperators();
    const { alice, account, order } = await stuckPurchase(o.w);
    const sim = o.w.shop.upstream('lumiweb').simulator;
    const [sold] = sim.subscriptions();
    const alert = await alertFor(o, order.id);
    await o.olga.pressIn(o.group, '✅ Settle as delivered', alert);
    await o.group.waitForMessage(has('send the lumiweb order id'));
    await o.olga.sendIn(o.group, String(sold!.orderId));
    await o.group.waitForMessage(has('Confirm on the alert above'));
    const asked = o.group.messages().find((m) => m.message_id === alert.message_id)!;
    expect(asked.plainText).toContain(`Settle as delivered with upstream order ${sold!.orderId}?`);
    expect(o.w.shop.orders.order(order.id)!.state).toBe('provisioning');

    // The upstream answers again by the time the admin confirms, so the credentials can be fetched.
    sim.faults.clear();
    await o.olga.pressIn(o.group, '✅ Yes, settle as delivered', asked);
    await o.group.waitForMessage(has('Settled as delivered by Olga'));
    expect(o.w.shop.orders.order(order.id)).toMatchObject({ state: 'delivered', upstreamOrderId: String(sold!.orderId) });
    const captures = o.w.shop.database.sqlite
      .prepare("SELECT actor FROM ledger_transfers WHERE order_id = ? AND kind = 'post_pending'")
      .all(order.id);
    expect(captures).toEqual([{ actor: `admin:${o.olga.id}` }]);
    expect(o.w.shop.wallet.balance(account.id)).toEqual({ availableCents: 10_000 - order.priceCents, heldCents: 0 });
    expect(sim.purchaseCount()).toBe(1);

    await o.w.shop.orders.drain();
    // Two notices for one chat: a pass sends one message per chat at a time, so pass until both went out.
    await waitFor(
      async () => {
        await o.notifier.runOnce();
        return o.w.shop.outbox.list({ audience: 'user' }).every((m) => m.state !== 'pending');
      },
      { what: 'both customer notices sent' },
    );
    await alice.waitForMessage(has('is confirmed: the provider delivered it'));
    const delivered = await alice.waitForMessage(has('Your order has been delivered'));
    expect(delivered.plainText).toContain(sold!.proxies[0]!.ip);
  });

  it('two admins confirming at once settle it once; the second is told who did', async () => {
    const o = await withOperators();
    const { account, order } = await stuckPurchase(o.w);
    const alert = await alertFor(o, order.id);
    await o.olga.pressIn(o.group, '❌ Settle as failed', alert);
    const asked = await o.group.waitForMessage(has('Settle as failed?'));
    const [byOlga, byPavel] = await Promise.all([
      o.olga.pressIn(o.group, '❌ Yes, settle as failed', asked),
      o.pavel.pressIn(o.group, '❌ Yes, settle as failed', asked),
    ]);
    const answers = [await o.olga.waitForCallbackAnswer(byOlga), await o.pavel.waitForCallbackAnswer(byPavel)].map((a) => a.text);
    expect(answers[0]).toBe('Done.');
    expect(answers[1]).toBe(`Already settled as failed by ${o.olga.id}.`);
    const resolutions = o.w.shop.database.sqlite
      .prepare('SELECT COUNT(*) AS n FROM ledger_transfers WHERE pending_id = ?')
      .get(`hold:${order.id}`);
    expect(resolutions).toEqual({ n: 1 });
    expect(o.w.shop.orders.operatorActionsOf(order.id).filter((a) => a.action === 'settle_failed')).toHaveLength(1);
    expect(o.w.shop.wallet.balance(account.id)).toEqual({ availableCents: 10_000, heldCents: 0 });
  });
});

describe('updates delivered twice', () => {
  it('an operator command delivered again, also after a restart, is answered once', async () => {
    const o = await withOperators();
    const sent = await o.olga.sendIn(o.group, '/ledger');
    await o.group.waitForMessage(has('The ledger checks out'));
    const update = o.w.emu.updates.recent().find((u) => u.message?.message_id === sent.message_id && u.message.chat.id === o.group.id)!;

    o.w.emu.updates.redeliver(update.update_id);
    await o.w.restartBot();
    o.w.emu.updates.redeliver(update.update_id);
    // Commands are answered in order: once /ops is answered, the copies of /ledger were seen.
    await o.olga.sendIn(o.group, '/ops');
    await o.group.waitForMessage(has('/refund'));
    expect(o.w.emu.updatesPending()).toEqual([]);
    expect(o.group.messages().filter((m) => m.plainText.includes('The ledger checks out'))).toHaveLength(1);
  });
});
