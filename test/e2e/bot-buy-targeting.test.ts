/**
 * The buy flow's target steps, in the real bot against the FlashProxy
 * simulator: country → region → city → network → session before the term,
 * the target on the summary, and the delivered credentials in FlashProxy's
 * documented username format (openapi "Pool username format":
 * `{username}-country-{CC}-state-{STATE}-city-{CITY}-session-{ID}-time-{DURATION}`),
 * on the delivery and on the card. Products and providers without targeting
 * go straight on to the term.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';

let world: BotShop | undefined;

afterEach(async () => {
  const errors = world?.errors() ?? [];
  await world?.close();
  world = undefined;
  expect(errors).toEqual([]);
});

async function customerAtProducts(w: BotShop, provider: string) {
  const user = w.customer();
  await say(user, '/start', has('Proxy Storefront'));
  w.credit(user, 200_00);
  await press(user, '🛒 Buy proxies', has('choose a provider'));
  await press(user, provider, has('choose a product'));
  return user;
}

describe('targeting in the buy flow', () => {
  it('buys FlashProxy Residential for Los Angeles with a long sticky session, and the credentials are built for it', async () => {
    world = await startBotShop(['flashproxy']);
    const kim = await customerAtProducts(world, 'FlashProxy');

    const countries = await press(kim, /^Residential \(per GB\)/, has('where should the proxy exit'));
    expect(labels(kim, countries)).toEqual(expect.arrayContaining(['🌐 Any country', '« Back', '✖ Cancel']));
    await press(kim, /United States/, has('choose a region or city'));
    const cities = await press(kim, 'California', has('choose a city'));
    expect(labels(kim, cities)).toEqual(expect.arrayContaining(['Losangeles', 'Whole region']));
    await press(kim, 'Losangeles', has('choose a mobile or ISP network'));
    const sessions = await press(kim, 'Any network', has('how should the IP change'));
    // Pool 1's two documented behaviours: "-time-short" and "-time-long" ("up to 24 hours").
    expect(labels(kim, sessions)).toEqual(
      expect.arrayContaining(['🔄 Rotating: a new IP for every request', '📌 Sticky: long (up to 24 h)']),
    );

    // Back walks the target steps back, and forward again.
    await press(kim, '« Back', has('choose a mobile or ISP network'));
    await press(kim, 'Any network', has('how should the IP change'));
    await press(kim, '📌 Sticky: long (up to 24 h)', has('choose'));
    const summary = await press(kim, /^1 GB/, has('Your order'));
    expect(summary.plainText).toContain('Target: 🇺🇸 United States · California · Losangeles');
    expect(summary.plainText).toContain('Session: 📌 Sticky: long (up to 24 h)');

    await kim.press(/^✅ Confirm/);
    const delivered = await kim.waitForMessage(has('Your proxies are ready'));
    const userId = world.account(kim).id;
    const [proxy] = world.shop.subscriptions.all(userId);
    const login = new RegExp(
      `^${proxy!.host}:${proxy!.httpPort}:${proxy!.login}-country-us-state-california-city-losangeles-session-([a-z0-9]{10})-time-long:${proxy!.password}$`,
      'm',
    );
    const sessionId = login.exec(delivered.plainText)?.[1];
    expect(sessionId, delivered.plainText).toBeDefined();
    expect(delivered.plainText).toContain('🎯 🇺🇸 United States · California · Losangeles · 📌 Sticky: long (up to 24 h)');

    // The card says the target, and its credentials are the targeted ones, the same session.
    await say(kim, '/start', has('Proxy Storefront'));
    await press(kim, '📋 My proxies', has('My proxies (1)'));
    const card = await press(kim, /^1\. /, has('Status:'));
    expect(card.plainText).toContain('🎯 🇺🇸 United States · California · Losangeles · 📌 Sticky: long (up to 24 h)');
    const formats = await press(kim, labels(kim, card)[0]!, has('format'));
    const line = await press(
      kim,
      labels(kim, formats).find((l) => /host:port:login:password/i.test(l)) ?? labels(kim, formats)[0]!,
      has(proxy!.host),
    );
    expect(line.plainText).toContain(`-country-us-state-california-city-losangeles-session-${sessionId}-time-long`);

    // The stored proxy keeps FlashProxy's own login; the target is the order's.
    expect(world.shop.subscriptions.get(userId, proxy!.id)!.login).not.toContain('-country-');
    expect(world.shop.orders.targetOfOrder(proxy!.orderId)).toMatchObject({
      countryCode: 'us',
      regionCode: 'california',
      cityCode: 'losangeles',
      session: { mode: 'sticky', lifetimeId: 'long', sessionId, maxMinutes: 1440 },
    });
  });

  it('"any country" and rotating buys the plan untargeted, with the plain login', async () => {
    world = await startBotShop(['flashproxy']);
    const ann = await customerAtProducts(world, 'FlashProxy');
    await press(ann, /^Residential \(per GB\)/, has('where should the proxy exit'));
    await press(ann, '🌐 Any country', has('how should the IP change'));
    await press(ann, '🔄 Rotating: a new IP for every request', has('choose'));
    const summary = await press(ann, /^1 GB/, has('Your order'));
    expect(summary.plainText).not.toContain('Target:');
    await ann.press(/^✅ Confirm/);
    const delivered = await ann.waitForMessage(has('Your proxies are ready'));
    const [proxy] = world.shop.subscriptions.all(world.account(ann).id);
    expect(delivered.plainText).toContain(`${proxy!.host}:${proxy!.httpPort}:${proxy!.login}:${proxy!.password}`);
    expect(world.shop.orders.targetOfOrder(proxy!.orderId)).toBeUndefined();
  });

  it('Lite: a city without a region; Mobile: a German network', async () => {
    world = await startBotShop(['flashproxy']);
    const bo = await customerAtProducts(world, 'FlashProxy');
    const products = labels(bo, bo.messages().at(-1)!);
    await press(bo, products.find((l) => /Lite/i.test(l))!, has('where should the proxy exit'));
    await press(bo, /France/, has('choose a region or city'));
    await press(bo, 'Paris', has('how should the IP change'));
    await press(bo, /^🔄 Rotating/, has('choose'));
    const summary = await press(bo, /^1 GB/, has('Your order'));
    expect(summary.plainText).toContain('Target: 🇫🇷 France · Paris');
    expect(summary.plainText).toContain('Session: 🔄 Rotating');

    // Mobile: "asn_by_country" gives Germany one network; no regions or cities, so straight to it.
    await say(bo, '/start', has('Proxy Storefront'));
    await press(bo, '🛒 Buy proxies', has('choose a provider'));
    const again = await press(bo, 'FlashProxy', has('choose a product'));
    await press(bo, labels(bo, again).find((l) => /^Mobile/i.test(l))!, has('where should the proxy exit'));
    const networks = await press(bo, /Germany/, has('choose a mobile or ISP network'));
    expect(labels(bo, networks)).toEqual(expect.arrayContaining(['AS3320', 'Any network']));
    await press(bo, 'AS3320', has('how should the IP change'));
    await press(bo, "📌 Sticky: the provider's usual length", has('choose'));
    const mobile = await press(bo, /^1 GB/, has('Your order'));
    expect(mobile.plainText).toContain('Target: 🇩🇪 Germany · AS3320');
  });

  it('shows no target step where the product or provider has no targeting', async () => {
    world = await startBotShop(['flashproxy', 'proxy-ipv4']);
    const cy = await customerAtProducts(world, 'proxy-ipv4.com');
    await press(cy, 'Private IPv4 proxies', has('choose a country'));
    const periods = await press(cy, /United States/, has('choose the rent period'));
    expect(periods.plainText).not.toContain('where should the proxy exit');

    // FlashProxy Dedicated ISP is "stock-based (no geo targeting)": its pool, then the term.
    await say(cy, '/start', has('Proxy Storefront'));
    await press(cy, '🛒 Buy proxies', has('choose a provider'));
    const products = await press(cy, 'FlashProxy', has('choose a product'));
    const dedicated = labels(cy, products).find((l) => /Dedicated/i.test(l))!;
    const pools = await press(cy, dedicated, has('choose a country'));
    const pool = labels(cy, pools).find((l) => !/Back|Cancel|sold out/i.test(l))!;
    const term = await press(cy, pool, has('choose'));
    expect(term.plainText).not.toContain('where should the proxy exit');
    expect(labels(cy, term)).not.toContain('🌐 Any country');
  });
});

describe('long target lists', () => {
  it('pages the countries, and a country on the second page is bought', async () => {
    world = await startBotShop(['flashproxy']);
    const dee = await customerAtProducts(world, 'FlashProxy');
    const products = labels(dee, dee.messages().at(-1)!);
    const first = await press(dee, products.find((l) => /^Datacenter.*per day/i.test(l))!, has('where should the proxy exit'));
    expect(first.plainText).toContain('Page 1 of 2');
    expect(labels(dee, first)).not.toContain('🇨🇭 Switzerland');
    const second = await press(dee, labels(dee, first).find((l) => /Next|»/.test(l))!, has('Page 2 of 2'));
    expect(labels(dee, second)).toEqual(expect.arrayContaining(['🇨🇭 Switzerland', '🌐 Any country']));
    await press(dee, '🇨🇭 Switzerland', has('how should the IP change'));
    await press(dee, /^🔄 Rotating/, has('choose'));
    const terms = labels(dee, dee.messages().at(-1)!);
    const summary = await press(dee, terms[0]!, (m) => /Your order|how many/.test(m.plainText));
    const done = summary.plainText.includes('Your order') ? summary : await press(dee, /^1(\b|$)/, has('Your order'));
    expect(done.plainText).toContain('Target: 🇨🇭 Switzerland');
  });
});
