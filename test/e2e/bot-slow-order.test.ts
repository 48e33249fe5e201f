/**
 * An order whose outcome is unknown, as the customer follows it in the bot:
 * the "slow to deliver" message says when the provider is checked again,
 * and the later news — a person at the shop is looking into it, then the
 * outcome — edits that same message instead of piling up new ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateBotDeps } from '../../src/bot/index.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { silentLogger } from '../../src/logger.js';
import type { EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { createNotifier } from '../../src/services/notifier.js';
import { has, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
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

async function toQuantityStep(user: EmulatedUser) {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, '🛒 Buy proxies', has('choose a provider'));
  await press(user, 'proxy-ipv4.com', has('choose a product'));
  await press(user, 'Private IPv4 proxies', has('choose a country'));
  await press(user, /USA|United States/, has('choose the rent period'));
  return press(user, /^30 days/, has('how many proxies'));
}

describe('a slow order', () => {
  it('edits the same message when a person is alerted and when it settles', async () => {
    // No attention window: the operators are alerted (and the customer told) as soon as the outcome is unknown.
    const options: { bot: Partial<CreateBotDeps>; shop: { orders: { attentionAfterMs: number } } } = {
      bot: {},
      shop: { orders: { attentionAfterMs: 0 } },
    };
    const w = await startBotShop(['proxy-ipv4'], options);
    world = w;
    const olga = w.emu.user({ firstName: 'Olga', startedBot: true });
    const group = w.emu.group({ title: 'Operators', members: [olga], admins: [olga] });
    options.bot.operatorChatId = group.id;
    options.bot.adminIds = [olga.id];
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

    const kay = w.customer({ firstName: 'Kay' });
    await toQuantityStep(kay);
    w.credit(kay, 20_00);
    await press(kay, '1', has('Your order'));
    // A 502 with nothing new in the provider's list: the shop cannot tell yet whether the order was placed.
    w.shop.upstream('proxy-ipv4').simulator.faults.inject({ kind: 'error_before', status: 502 }, { method: 'POST', path: /\/order$/ });
    await kay.press(/^✅ Confirm/);
    const slow = await kay.waitForMessage(has('The provider is slow to deliver'));
    expect(slow.plainText).toMatch(/Next check with the provider: \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(slow.plainText).toContain('in this very message');
    const [order] = w.shop.orders.ordersOfUser(w.account(kay).id);
    expect(order?.state).toBe('provisioning');
    const messagesBefore = kay.messages().length;
    await waitFor(() => w.bot.background.size === 0, { what: 'the purchase task to end' });

    // The operators are alerted; the customer's message says a person is looking into it.
    await notifier.runOnce();
    await group.waitForMessage(has(`Order needs attention: ${order!.id}`));
    const stillOpen = await kay.waitForMessage(
      (m) => m.message_id === slow.message_id && m.plainText.includes('a person at the shop is looking into it'),
    );
    expect(stillOpen.edit_date).toBeDefined();
    expect(kay.messages()).toHaveLength(messagesBefore);

    // An admin settles it as failed: the same message now tells the outcome, and the money is back.
    expect(
      w.shop.orders.settleByOperator({
        orderId: order!.id,
        decision: { outcome: 'failed' },
        actor: `telegram:${olga.id}`,
        reason: 'not placed',
      }),
    ).toMatchObject({ kind: 'settled' });
    await notifier.runOnce();
    const settled = await waitFor(() => kay.messages().find((m) => m.message_id === slow.message_id && m.plainText.includes('returned')), {
      what: 'the outcome in the same message',
    });
    expect(settled.plainText).not.toContain('slow to deliver');
    expect(kay.messages()).toHaveLength(messagesBefore);
    expect(w.shop.wallet.balance(w.account(kay).id)).toEqual({ availableCents: 20_00, heldCents: 0 });
  });
});
