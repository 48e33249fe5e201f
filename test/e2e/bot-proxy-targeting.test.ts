/**
 * The connection-string builder on the proxy card, in the real bot against
 * the FlashProxy simulator: country → region → city → network → session, the
 * string in the vendor's username format, no purchase, and no button where
 * the product has no targeting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';

let world: BotShop | undefined;

afterEach(async () => {
  const errors = world?.errors() ?? [];
  await world?.close();
  world = undefined;
  expect(errors).toEqual([]);
});

async function customerWithProxy(w: BotShop, productId: string, russian = false) {
  const user = russian ? w.customer({ firstName: 'Иван', languageCode: 'ru' }) : w.customer();
  await say(user, '/start', () => true);
  w.credit(user, 500_00);
  const { id } = w.account(user);
  const quoted = await w.shop.orders.quote(id, 'flashproxy', await firstChoice(w.shop, 'flashproxy', 1, productId));
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await w.shop.orders.purchase({ userId: id, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  await say(user, '/start', () => true);
  await press(user, russian ? '📋 Мои прокси' : '📋 My proxies', () => true);
  const card = await press(user, /^1\. /, has(russian ? 'Статус:' : 'Status:'));
  return { user, card, userId: id, proxy: w.shop.subscriptions.all(id)[0]! };
}

describe('the connection-string builder', () => {
  it('targets a US city on a network with a sticky session, then a new session, without buying anything', async () => {
    world = await startBotShop(['flashproxy']);
    const { user, userId, proxy } = await customerWithProxy(world, 'residential');
    const balance = world.shop.wallet.balance(userId).availableCents;

    await press(user, '🎯 Targeting and connection string', has('Choose the country'));
    await press(user, /United States/, has('choose a region or city'));
    await press(user, 'California', has('choose a city'));
    await press(user, 'Losangeles', has('choose a mobile or ISP network'));
    await press(user, 'AS7922', has('how should the IP change'));
    const result = await press(user, /Sticky: long/, has('Connection string'));
    const login = new RegExp(`${proxy.login}-country-us-state-california-city-losangeles-asn-7922-session-([a-z0-9]{10})-time-long`);
    const first = login.exec(result.plainText);
    expect(first, result.plainText).not.toBeNull();
    expect(result.plainText).toContain(`${proxy.host}:${proxy.httpPort}:${first![0]}:${proxy.password}`);
    expect(result.plainText).toContain('Target: 🇺🇸');
    expect(result.plainText).toContain('Nothing was charged');

    const again = await press(user, /New sticky session/, has('Connection string'));
    const second = login.exec(again.plainText);
    expect(second![1]).not.toBe(first![1]);

    // Rotating, whole country: no session in the username.
    await press(user, '🎯 Another target', has('Choose the country'));
    // Pool 1's networks are not tied to a country in the catalog, so Germany offers them too.
    await press(user, /Germany/, has('choose a mobile or ISP network'));
    await press(user, 'Any network', has('how should the IP change'));
    const rotating = await press(user, /^🔄 Rotating/, has('Connection string'));
    expect(rotating.plainText).toContain(`${proxy.host}:${proxy.httpPort}:${proxy.login}-country-de:${proxy.password}`);

    expect(world.shop.wallet.balance(userId).availableCents).toBe(balance);
    expect(world.shop.subscriptions.get(userId, proxy.id)!.login).toBe(proxy.login);
  });

  it('is not offered on Dedicated ISP, which FlashProxy does not geo-target', async () => {
    world = await startBotShop(['flashproxy']);
    const { user, card } = await customerWithProxy(world, 'dedicated-isp');
    expect(labels(user, card)).not.toContain('🎯 Targeting and connection string');
  });

  it('speaks Russian, and offers Lite cities without a region and its one sticky length', async () => {
    world = await startBotShop(['flashproxy']);
    const { user, proxy } = await customerWithProxy(world, 'residential-lite', true);
    await press(user, '🎯 Таргетинг и строка подключения', has('Выберите страну'));
    const places = await press(user, /Германия/, has('выберите регион или город'));
    expect(labels(user, places)).toContain('Вся страна');
    await press(user, 'Berlin', has('как должен меняться IP'));
    const result = await press(user, '📌 Постоянная сессия: обычной длины у провайдера', has('Строка подключения'));
    expect(result.plainText).toMatch(new RegExp(`${proxy.login}-country-de-city-berlin-session-[a-z0-9]{10}:`));
    expect(result.plainText).not.toContain('-time-');
    expect(result.plainText).toContain('Деньги не списаны');
  });

  it('is offered right under a delivery, in a new message that leaves the credentials in the chat', async () => {
    world = await startBotShop(['flashproxy']);
    const kim = world.customer();
    await say(kim, '/start', has('Proxy Storefront'));
    world.credit(kim, 200_00);
    await press(kim, '🛒 Buy proxies', has('choose a provider'));
    await press(kim, 'FlashProxy', has('choose a product'));
    await press(kim, /^Residential \(per GB\)/, has('where should the proxy exit'));
    await press(kim, '🌐 Any country', has('how should the IP change'));
    await press(kim, /^🔄 Rotating/, has('choose'));
    await press(kim, /^1 GB/, has('Your order'));
    await kim.press(/^✅ Confirm/);
    const delivered = await kim.waitForMessage(has('Your proxies are ready'));
    const [proxy] = world.shop.subscriptions.all(world.account(kim).id);
    const credentials = `${proxy!.host}:${proxy!.httpPort}:${proxy!.login}:${proxy!.password}`;
    expect(delivered.plainText).toContain(credentials);

    await kim.press('🎯 Targeting and connection string', delivered);
    const builder = await kim.waitForMessage(has('Choose the country'));
    expect(builder.message_id).not.toBe(delivered.message_id);
    await press(kim, /United States/, has('choose a region or city'));
    expect(kim.messages().find((m) => m.message_id === delivered.message_id)!.plainText).toContain(credentials);
  });
});
