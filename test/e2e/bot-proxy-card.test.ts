/**
 * The proxy card in the real bot: only the actions the provider and the
 * product support, traffic top-ups spoken of as traffic, and "My proxies"
 * from a delivery message leaving the credentials in the chat.
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

async function customerWithMoney(w: BotShop, cents: number) {
  const user = w.customer();
  await say(user, '/start', has('Proxy Storefront'));
  w.credit(user, cents);
  return user;
}

async function buy(w: BotShop, user: EmulatedUser, providerId: ProviderId, productId: string) {
  const { id } = w.account(user);
  const quoted = await w.shop.orders.quote(id, providerId, await firstChoice(w.shop, providerId, 1, productId));
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await w.shop.orders.purchase({ userId: id, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  return result.proxies;
}

async function openOnlyProxy(w: BotShop, user: EmulatedUser) {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, '📋 My proxies', has('My proxies'));
  return press(user, /^1\. /, has('Status:'));
}

describe('the proxy card shows what the provider and the product support', () => {
  for (const { providerId, productId, shown, hidden } of [
    { providerId: 'proxy-panel', productId: 'datacenter-shared', shown: [], hidden: ['🔄 Rotate IP'] },
    { providerId: 'proxy-panel', productId: 'mobile-private', shown: ['🔄 Rotate IP'], hidden: [] },
    { providerId: 'proxy-ipv4', productId: 'ipv4', shown: [], hidden: ['🔄 Rotate IP'] },
    { providerId: 'gateproxy', productId: '9proxy_cd_key', shown: [], hidden: ['📊 Usage'] },
  ] as const) {
    it(`${providerId} ${productId}: ${[...shown.map((l) => `shows ${l}`), ...hidden.map((l) => `no ${l}`)].join(', ')}`, async () => {
      world = await startBotShop([providerId]);
      const ivy = await customerWithMoney(world, 200_00);
      await buy(world, ivy, providerId, productId);
      const card = await openOnlyProxy(world, ivy);
      for (const label of shown) expect(labels(ivy, card)).toContain(label);
      for (const label of hidden) expect(labels(ivy, card)).not.toContain(label);
    });
  }
});

describe('a delivery stays in the chat', () => {
  it('"My proxies" under the delivery opens the list in a new message and leaves the credentials where they were', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const joe = await customerWithMoney(world, 50_00);
    await press(joe, '🛒 Buy proxies', has('choose a provider'));
    await press(joe, 'proxy-ipv4.com', has('choose a product'));
    await press(joe, 'Private IPv4 proxies', has('choose a country'));
    await press(joe, /United States/, has('choose the rent period'));
    await press(joe, /^30 days/, has('how many proxies'));
    await press(joe, /^1(\b|$)/, has('Your order'));
    await joe.press(/^✅ Confirm/);
    const delivered = await joe.waitForMessage(has('Your proxies are ready'));
    const [proxy] = world.shop.subscriptions.all(world.account(joe).id);
    const credentials = `${proxy!.host}:${proxy!.httpPort}:${proxy!.login}:${proxy!.password}`;
    expect(delivered.plainText).toContain(credentials);

    await joe.press('📋 My proxies', delivered);
    const list = await joe.waitForMessage(has('My proxies (1)'));
    expect(list.message_id).not.toBe(delivered.message_id);
    const stillThere = joe.messages().find((m) => m.message_id === delivered.message_id)!;
    expect(stillThere.plainText).toContain(credentials);
  });
});

describe('prices on the buy flow buttons', () => {
  it("the period and quantity buttons show today's price from the catalog, and the quote asks what the chosen button said", async () => {
    world = await startBotShop(['lumiweb']);
    const kit = await customerWithMoney(world, 200_00);
    const providers = await press(kit, '🛒 Buy proxies', has('choose a provider'));
    const products = await press(kit, labels(kit, providers)[0]!, has('choose a product'));
    const countries = await press(kit, labels(kit, products)[0]!, has('choose a country'));
    const periods = await press(kit, labels(kit, countries)[0]!, has('choose the rent period'));
    const period = labels(kit, periods).find((l) => /^30 days/.test(l))!;
    expect(period).toMatch(/^30 days · \$\d+\.\d\d$/);
    const quantities = await press(kit, period, has('how many proxies'));
    const two = labels(kit, quantities).find((l) => l.startsWith('2 · '))!;
    expect(two).toMatch(/^2 · \$\d+\.\d\d$/);
    const summary = await press(kit, two, has('Your order'));
    expect(summary.plainText).toContain(`Price: ${two.split(' · ')[1]}`);
  });
});

describe('only terms the catalog can quote', () => {
  it('panel datacenter: "1 day" is offered in Germany, which sells it, and not in the United States', async () => {
    world = await startBotShop(['proxy-panel']);
    const lou = await customerWithMoney(world, 200_00);
    const providers = await press(lou, '🛒 Buy proxies', has('choose a provider'));
    await press(lou, labels(lou, providers)[0]!, has('choose a product'));
    const countries = await press(lou, 'Datacenter proxies, shared', has('choose a country'));
    const us = labels(lou, countries).find((l) => /United States|^US/.test(l))!;
    const de = labels(lou, countries).find((l) => /Germany|^DE/.test(l))!;
    const inUs = await press(lou, us, has('choose the rent period'));
    expect(labels(lou, inUs).filter((l) => /^1 day/.test(l))).toEqual([]);
    expect(labels(lou, inUs).some((l) => /^30 days/.test(l))).toBe(true);
    await press(lou, '« Back', has('choose a country'));
    const inDe = await press(lou, de, has('choose the rent period'));
    const oneDay = labels(lou, inDe).find((l) => /^1 day/.test(l))!;
    await press(lou, oneDay, has('how many proxies'));
    const summary = await press(lou, /^1\b/, has('Your order'));
    expect(summary.plainText).toContain('Term: 1 day');
  });
});

describe('per-GB plans', () => {
  it('a traffic top-up is asked and answered in traffic, and the card shows the new total', async () => {
    world = await startBotShop(['flashproxy']);
    const max = await customerWithMoney(world, 200_00);
    const [proxy] = await buy(world, max, 'flashproxy', 'residential');
    expect(proxy!.trafficLimitMb).not.toBeNull();
    await openOnlyProxy(world, max);
    const prompt = await press(max, '➕ Add traffic', has('how much traffic to add'));
    const choice = labels(max, prompt).find((l) => /GB/.test(l))!;
    const addedGb = Number(/(\d+(?:\.\d+)?)\s*GB/.exec(choice)![1]);
    await press(max, choice, has('Renewal'));
    await max.press(/^✅ Confirm/);
    const result = await max.waitForMessage(has('Traffic added'));
    expect(result.plainText).not.toContain('runs until');
    await world.shop.orders.drain();
    const card = await openOnlyProxy(world, max);
    const total = Math.round(proxy!.trafficLimitMb! / 10) / 100 + addedGb;
    expect(card.plainText).toContain(`Traffic: ${total} GB`);
  });
});
