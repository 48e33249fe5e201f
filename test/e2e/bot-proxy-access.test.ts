/**
 * The proxy card's IP allowlist and "Cancel the plan" in the real bot,
 * against the FlashProxy simulator: addresses typed and checked before
 * anything is sent, removed with a button, the refund rule stated before
 * the customer confirms, and neither button where the provider lacks it.
 */
import { afterEach, describe, expect, it } from 'vitest';
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

async function customerWithProxy(w: BotShop, providerId: ProviderId, productId?: string) {
  const user = w.customer();
  await say(user, '/start', has('Proxy Storefront'));
  w.credit(user, 200_00);
  const { id } = w.account(user);
  const quoted = await w.shop.orders.quote(id, providerId, await firstChoice(w.shop, providerId, 1, productId));
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await w.shop.orders.purchase({ userId: id, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  return { user, proxy: result.proxies[0]! };
}

async function openCard(user: EmulatedUser) {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, '📋 My proxies', has('My proxies'));
  return press(user, /^1\. /, has('Status:'));
}

describe('the IP allowlist on the proxy card', () => {
  it('adds typed addresses, refuses a range and a bad address without changing anything, and removes with a button', async () => {
    world = await startBotShop(['flashproxy']);
    const { user: ada, proxy } = await customerWithProxy(world, 'flashproxy', 'residential-lite');
    const sim = world.shop.upstream('flashproxy').simulator;
    const planId = proxy.upstreamId;

    const card = await openCard(ada);
    expect(labels(ada, card)).toEqual(expect.arrayContaining(['🛡 IP allowlist', '🗑 Cancel the plan']));
    const empty = await press(ada, '🛡 IP allowlist', has('IP allowlist'));
    expect(empty.plainText).toContain('The list is empty');
    expect(empty.plainText).toContain('Up to 10 single addresses');
    expect(empty.plainText).toContain('Ranges such as 203.0.113.0/24 are not accepted.');

    await press(ada, '➕ Add an IP', has('Send the IP address'));
    const added = await say(ada, '203.0.113.5\n2001:db8::1', has('The allowlist is updated'));
    expect(added.plainText).toContain('203.0.113.5');
    expect(labels(ada, added)).toEqual(expect.arrayContaining(['✖ 203.0.113.5', '✖ 2001:db8::1']));
    expect(sim.plan(planId)!.allowedIps).toEqual(['203.0.113.5', '2001:db8::1']);

    await press(ada, '➕ Add an IP', has('Send the IP address'));
    const refused = await say(ada, '10.0.0.0/8 999.1.1.1 198.51.100.7', has('The allowlist was not changed'));
    expect(refused.plainText).toContain('10.0.0.0/8 is a range; only single addresses are accepted');
    expect(refused.plainText).toContain('999.1.1.1 is not an IPv4 or IPv6 address');
    expect(sim.plan(planId)!.allowedIps).toEqual(['203.0.113.5', '2001:db8::1']);

    const removed = await press(ada, '✖ 203.0.113.5', has('can no longer use this proxy'));
    expect(labels(ada, removed)).not.toContain('✖ 203.0.113.5');
    expect(sim.plan(planId)!.allowedIps).toEqual(['2001:db8::1']);
  });

  it('/cancel after "Add an IP" adds nothing, and the next message is not taken for an address', async () => {
    world = await startBotShop(['flashproxy']);
    const { user: bo, proxy } = await customerWithProxy(world, 'flashproxy', 'residential-lite');
    await openCard(bo);
    await press(bo, '🛡 IP allowlist', has('IP allowlist'));
    await press(bo, '➕ Add an IP', has('Send the IP address'));
    await say(bo, '/cancel', has('Nothing was added'));
    await say(bo, '203.0.113.9', has("I didn't understand that"));
    expect(world.shop.upstream('flashproxy').simulator.plan(proxy.upstreamId)!.allowedIps).toEqual([]);
  });
});

describe('cancelling a plan from the card', () => {
  it('says before the customer confirms that FlashProxy refunds nothing, then cancels with no money moved', async () => {
    world = await startBotShop(['flashproxy']);
    const { user: cy, proxy } = await customerWithProxy(world, 'flashproxy', 'residential-lite');
    const sim = world.shop.upstream('flashproxy').simulator;
    const { id } = world.account(cy);
    const balanceBefore = world.shop.wallet.balance(id);

    await openCard(cy);
    const confirm = await press(cy, '🗑 Cancel the plan', has('Cancel'));
    expect(confirm.plainText).toContain('FlashProxy does not refund a cancelled plan, so no money comes back to your balance.');
    expect(confirm.plainText).toContain('This cannot be undone.');
    expect(sim.plan(proxy.upstreamId)!.status).toBe('active');

    await press(cy, '🗑 Yes, cancel without refund', has('The plan is cancelled'));
    expect(sim.plan(proxy.upstreamId)!.status).toBe('cancelled');
    expect(world.shop.subscriptions.get(id, proxy.id)!.status).toBe('cancelled');
    expect(world.shop.wallet.balance(id)).toEqual(balanceBefore);

    const card = await press(cy, '« The proxy', has('Status: cancelled'));
    expect(labels(cy, card)).not.toContain('🗑 Cancel the plan');
    expect(labels(cy, card)).not.toContain('🛡 IP allowlist');
  });

  it('the card of a provider without either shows neither button', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const { user: di } = await customerWithProxy(world, 'proxy-ipv4');
    const card = await openCard(di);
    expect(labels(di, card)).not.toContain('🛡 IP allowlist');
    expect(labels(di, card)).not.toContain('🗑 Cancel the plan');
  });
});
