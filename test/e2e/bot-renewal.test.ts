/**
 * Renewals, auto-renewal and reminders in the real bot, as the customer sees
 * them: over HTTP to the Telegram emulator, against the real services and
 * upstream simulators. Proxies are bought through the services.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatCents } from '../../src/domain/money.js';
import type { ProviderId } from '../../src/providers/types.js';
import type { EmulatedUser } from '../../src/sandbox/telegram/index.js';
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
    expect(labels(ada, terms)).toContain('30 days (all 2 IPs of the subscription)');
    const summary = await press(ada, '30 days (all 2 IPs of the subscription)', has('Renewal'));
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
