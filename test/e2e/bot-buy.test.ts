/**
 * Buying proxies in the real bot, as a customer does it: over HTTP to the
 * Telegram emulator, pressing the buttons the bot rendered, against the real
 * services and upstream simulators. Every money assertion reads the ledger.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatCents } from '../../src/domain/money.js';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import type { EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { waitFor } from '../helpers/wait.js';

let world: BotShop | undefined;

afterEach(async () => {
  const errors = world?.errors() ?? [];
  await world?.close();
  world = undefined;
  expect(errors).toEqual([]);
});

/** The quote id carried by the Confirm button on the latest message with buttons. */
function confirmQuoteId(user: EmulatedUser): string {
  const button = user.buttons().find((b) => b.callback_data?.startsWith('o:ok:'));
  if (!button) throw new Error(`no Confirm button; buttons: ${JSON.stringify(user.buttons())}`);
  return button.callback_data!.slice('o:ok:'.length);
}

/** /start, then Buy → proxy-ipv4 → IPv4 → United States → 30 days; stops at the quantity step. */
async function toQuantityStep(user: EmulatedUser) {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, '🛒 Buy proxies', has('choose a provider'));
  await press(user, 'proxy-ipv4.com', has('choose a product'));
  await press(user, 'Private IPv4 proxies', has('choose a country'));
  await press(user, '🇺🇸 United States', has('choose the rent period'));
  return press(user, /^30 days\b/, has('how many proxies'));
}

describe('buying proxies in the bot', () => {
  it('takes a new customer from /start to working credentials and charges exactly the quoted price', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const alice = world.customer({ firstName: 'Alice' });
    const welcome = await say(alice, '/start', has('Proxy Storefront'));
    expect(welcome.plainText).toContain('Hello, Alice! Your balance: $0.00.');
    expect(labels(alice, welcome)).toEqual([
      '🛒 Buy proxies',
      '📋 My proxies',
      '💰 Wallet',
      '🤝 Referrals',
      '🔑 API tokens',
      '🔔 Webhooks',
      '🌐 Language',
      '❓ Help',
    ]);
    world.credit(alice, 50_00);
    const { id: userId } = world.account(alice);

    await toQuantityStep(alice);
    expect(labels(alice)).toEqual(expect.arrayContaining(['1', '2', '5', '10', '100', '« Back', '✖ Cancel']));
    const summary = await press(alice, /^2\b/, has('Your order'));
    const quote = world.shop.orders.quoteById(confirmQuoteId(alice))!;
    expect(summary.plainText).toContain('Product: Private IPv4 proxies');
    expect(summary.plainText).toContain('Country: 🇺🇸 United States');
    expect(summary.plainText).toContain('Term: 30 days');
    expect(summary.plainText).toContain('Quantity: 2');
    expect(summary.plainText).toContain(`Price: ${formatCents(quote.priceCents)}`);
    expect(summary.plainText).toMatch(/The price is held until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);

    await alice.press(/^✅ Confirm/);
    const delivered = await alice.waitForMessage(has('Your proxies are ready'));
    const shown = delivered.plainText.split('\n').filter((l) => /^[\d.]+:\d+:[^:]+:.+$/.test(l));
    const listed = await world.shop.upstream('proxy-ipv4').provider().listProxies();
    if (listed.kind !== 'ok') throw new Error('the simulator did not list proxies');
    expect(shown).toHaveLength(2);
    expect(shown.sort()).toEqual(listed.value.map((p) => `${p.host}:${p.httpPort}:${p.login}:${p.password}`).sort());
    expect(delivered.entities.filter((e) => e.type === 'code')).toHaveLength(2);

    // The same proxies in another format, from the delivery message.
    await alice.press('📄 Other formats', delivered);
    await alice.waitForMessage(has('Choose a format'));
    const socks = await press(alice, 'socks5://login:password@host:port', has('socks5://'));
    expect(socks.plainText.split('\n').sort()).toEqual(
      listed.value.map((p) => `socks5://${p.login}:${p.password}@${p.host}:${p.socks5Port}`).sort(),
    );

    const balance = world.shop.wallet.balance(userId);
    expect(balance).toEqual({ availableCents: 50_00 - quote.priceCents, heldCents: 0 });
    expect(world.shop.wallet.checkInvariants()).toEqual([]);

    await press(alice, '☰ Main menu', has('Proxy Storefront'));
    const wallet = await press(alice, '💰 Wallet', has('Wallet'));
    expect(wallet.plainText).toContain(`Available: ${formatCents(50_00 - quote.priceCents)}`);
    expect(wallet.plainText).toContain('Held for orders in progress: $0.00');

    // Every press was answered, and answered once.
    expect(alice.callbackAnswers()).toHaveLength(11);
    expect(world.emu.methodCalls('answerCallbackQuery').every((c) => c.outcome?.ok)).toBe(true);
  });

  it('goes Back one step and Cancels from any step, charging nothing', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const bob = world.customer();
    await say(bob, '/start', has('Proxy Storefront'));
    world.credit(bob, 10_00);

    await press(bob, '🛒 Buy proxies', has('choose a provider'));
    await press(bob, '✖ Cancel', has('Purchase cancelled. Nothing was charged.'));
    expect(labels(bob)).toContain('🛒 Buy proxies');

    await press(bob, '🛒 Buy proxies', has('choose a provider'));
    await press(bob, 'proxy-ipv4.com', has('choose a product'));
    await press(bob, '« Back', has('choose a provider'));
    await press(bob, 'proxy-ipv4.com', has('choose a product'));
    await press(bob, 'Private IPv4 proxies', has('choose a country'));
    await press(bob, '« Back', has('choose a product'));
    await press(bob, 'Private IPv4 proxies', has('choose a country'));
    await press(bob, '🇬🇧 United Kingdom', has('choose the rent period'));
    await press(bob, '« Back', has('choose a country'));
    await press(bob, '🇬🇧 United Kingdom', has('choose the rent period'));
    await press(bob, /^7 days\b/, has('how many proxies'));
    await press(bob, '« Back', has('choose the rent period'));
    await press(bob, /^7 days\b/, has('how many proxies'));
    await press(bob, /^1\b/, has('Your order'));
    await press(bob, '« Back', has('how many proxies'));
    const summary = await press(bob, /^5\b/, has('Your order'));
    expect(summary.plainText).toContain('Quantity: 5');
    expect(summary.plainText).toContain('Country: 🇬🇧 United Kingdom');
    expect(summary.plainText).toContain('Term: 7 days');
    await press(bob, '✖ Cancel', has('Purchase cancelled'));

    // Cancel in the middle too.
    await press(bob, '🛒 Buy proxies', has('choose a provider'));
    await press(bob, 'proxy-ipv4.com', has('choose a product'));
    await press(bob, 'Private IPv4 proxies', has('choose a country'));
    await press(bob, '✖ Cancel', has('Purchase cancelled'));

    const { id } = world.account(bob);
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: 10_00, heldCents: 0 });
    expect(world.shop.orders.ordersOfUser(id)).toEqual([]);
  });

  it('explains an invalid quantity and keeps the flow where it was', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const cat = world.customer();
    await toQuantityStep(cat);
    for (const bad of ['abc', '0', '101', '2.5']) {
      const answer = await say(cat, bad, has('is not a quantity I can use'));
      expect(answer.plainText).toContain(`“${bad}” is not a quantity I can use. Please send a whole number from 1 to 100.`);
      expect(answer.plainText).toContain('how many proxies');
      expect(labels(cat, answer)).toContain('5');
    }
    const summary = await say(cat, '3', has('Your order'));
    expect(summary.plainText).toContain('Quantity: 3');
    expect(world.shop.orders.ordersOfUser(world.account(cat).id)).toEqual([]);
  });

  it('shows a provider that is down as unavailable and does not let it be picked', async () => {
    world = await startBotShop(['proxy-ipv4', 'lumiweb']);
    await world.shop.upstream('lumiweb').close();
    const dan = world.customer();
    await say(dan, '/start', has('Proxy Storefront'));
    const providers = await press(dan, '🛒 Buy proxies', has('choose a provider'));
    expect(labels(dan, providers)).toEqual(['proxy-ipv4.com', 'LumiWeb (unavailable)', '✖ Cancel']);
    const note = await press(dan, 'LumiWeb (unavailable)', has('unavailable right now'));
    expect(note.plainText).toContain('choose a provider');
    await press(dan, 'proxy-ipv4.com', has('choose a product'));
  });

  it('offers a new price when the price lock expired, charging nothing', async () => {
    world = await startBotShop(['proxy-ipv4'], { shop: { orders: { quoteTtlMs: 1 } } });
    const eve = world.customer();
    await toQuantityStep(eve);
    world.credit(eve, 20_00);
    await press(eve, /^1\b/, has('Your order'));
    const firstQuote = confirmQuoteId(eve);
    await eve.press(/^✅ Confirm/);
    const offer = await eve.waitForMessage(has('The price lock expired, so nothing was charged'));
    const newQuote = confirmQuoteId(eve);
    expect(newQuote).not.toBe(firstQuote);
    const price = world.shop.orders.quoteById(newQuote)!.priceCents;
    expect(offer.plainText).toContain(`Price: ${formatCents(price)}`);
    const { id } = world.account(eve);
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: 20_00, heldCents: 0 });
    expect(world.shop.orders.ordersOfUser(id)).toEqual([]);
  });

  it('offers a top-up when money is short, keeps the choice, and completes after the top-up', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const fay = world.customer();
    await toQuantityStep(fay);
    world.credit(fay, 1_00);
    await press(fay, /^2\b/, has('Your order'));
    const quoteId = confirmQuoteId(fay);
    const price = world.shop.orders.quoteById(quoteId)!.priceCents;
    await fay.press(/^✅ Confirm/);
    const short = await fay.waitForMessage(has('more for this order'));
    expect(short.plainText).toContain(
      `You need ${formatCents(price - 1_00)} more for this order (price ${formatCents(price)}, your balance $1.00)`,
    );
    const { id } = world.account(fay);
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: 1_00, heldCents: 0 });
    expect(world.shop.orders.ordersOfUser(id)).toEqual([]);

    const topUp = await press(fay, '➕ Top up', has('Top-up methods'));
    expect(labels(fay, topUp)).toContain('↩ Back to your order');
    world.credit(fay, 50_00);
    const back = await press(fay, '↩ Back to your order', has('Your order'));
    expect(confirmQuoteId(fay)).toBe(quoteId);
    expect(back.plainText).toContain('Quantity: 2');
    await fay.press(/^✅ Confirm/);
    await fay.waitForMessage(has('Your proxies are ready'));
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: 51_00 - price, heldCents: 0 });
  });

  it('returns the money and says why when the provider refuses the order', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const joe = world.customer();
    await toQuantityStep(joe);
    world.credit(joe, 20_00);
    await press(joe, /^1\b/, has('Your order'));
    const price = world.shop.orders.quoteById(confirmQuoteId(joe))!.priceCents;
    world.shop.upstream('proxy-ipv4').simulator.setBalanceCents(0);
    await joe.press(/^✅ Confirm/);
    const failed = await joe.waitForMessage(has('The order failed'));
    expect(failed.plainText).toContain('the provider cannot take orders right now.');
    expect(failed.plainText).toContain(`Your ${formatCents(price)} were returned. Balance: $20.00.`);
    expect(world.shop.wallet.balance(world.account(joe).id)).toEqual({ availableCents: 20_00, heldCents: 0 });
  });

  it('tells the customer the provider is slow when the outcome is unknown, keeping the money held', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const kay = world.customer();
    await toQuantityStep(kay);
    world.credit(kay, 20_00);
    await press(kay, /^1\b/, has('Your order'));
    const price = world.shop.orders.quoteById(confirmQuoteId(kay))!.priceCents;
    // A 502 with nothing new in the provider's list: the shop cannot tell yet whether the order was placed.
    // (After a 502 the adapter lists once; had the order gone through, it would deliver at once.)
    world.shop.upstream('proxy-ipv4').simulator.faults.inject({ kind: 'error_before', status: 502 }, { method: 'POST', path: /\/order$/ });
    await kay.press(/^✅ Confirm/);
    const slow = await kay.waitForMessage(has('The provider is slow to deliver'));
    expect(slow.plainText).toContain(`Your ${formatCents(price)} are held, not spent; we'll message you here`);
    expect(world.shop.wallet.balance(world.account(kay).id)).toEqual({ availableCents: 20_00 - price, heldCents: price });
  });

  it('buys once when Confirm is tapped twice', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const gus = world.customer();
    await toQuantityStep(gus);
    world.credit(gus, 30_00);
    await press(gus, /^1\b/, has('Your order'));
    const price = world.shop.orders.quoteById(confirmQuoteId(gus))!.priceCents;
    await Promise.all([gus.press(/^✅ Confirm/), gus.press(/^✅ Confirm/)]);
    await gus.waitForMessage(has('Your proxies are ready'));
    await waitFor(() => world!.emu.updatesPending().length === 0 && world!.bot.background.size === 0, { what: 'both taps handled' });
    const { id } = world.account(gus);
    expect(world.shop.orders.ordersOfUser(id)).toHaveLength(1);
    expect(world.shop.upstream('proxy-ipv4').simulator.purchaseCount()).toBe(1);
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: 30_00 - price, heldCents: 0 });
    expect(world.shop.wallet.checkInvariants()).toEqual([]);
  });

  it('continues the flow from the same step after the bot restarts', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const hal = world.customer();
    await say(hal, '/start', has('Proxy Storefront'));
    await press(hal, '🛒 Buy proxies', has('choose a provider'));
    await press(hal, 'proxy-ipv4.com', has('choose a product'));
    await press(hal, 'Private IPv4 proxies', has('choose a country'));
    const before = world.bot;
    await world.restartBot();
    expect(world.bot).not.toBe(before);

    await press(hal, '🇩🇪 Germany', has('choose the rent period'));
    await press(hal, /^14 days\b/, has('how many proxies'));
    const summary = await say(hal, '4', has('Your order'));
    expect(summary.plainText).toContain('Country: 🇩🇪 Germany');
    expect(summary.plainText).toContain('Term: 14 days');
    expect(summary.plainText).toContain('Quantity: 4');
  });

  it('answers other customers at once while one customer waits on a 10-second upstream', async () => {
    world = await startBotShop(['proxy-ipv4'], { shop: { upstreamTimeoutMs: 15_000 } });
    const ann = world.customer({ firstName: 'Ann' });
    const ben = world.customer({ firstName: 'Ben' });
    await toQuantityStep(ann);
    world.credit(ann, 20_00);
    await press(ann, /^1\b/, has('Your order'));
    world.shop.upstream('proxy-ipv4').simulator.faults.inject({ kind: 'slow', delayMs: 10_000 }, { method: 'POST', path: /\/order$/ });
    await ann.press(/^✅ Confirm/);
    await ann.waitForMessage(has('Placing your order'));
    await waitFor(() => world!.shop.orders.openOrders().some((o) => o.state === 'calling'), { what: "Ann's order to reach the upstream" });

    const started = Date.now();
    const answer = await say(ben, '/start', has('Hello, Ben!'), 1_500);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(answer.plainText).toContain('Proxy Storefront');
    // Ann's order is still with the upstream while Ben is served.
    expect(world.shop.orders.openOrders().map((o) => o.state)).toEqual(['calling']);
    expect(ann.lastMessage()?.plainText).toContain('Placing your order');
  });

  it('still delivers a message after Telegram answers 429 (retry_after honoured)', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const ida = world.customer();
    world.emu.faults.inject('sendMessage', { status: 429, retryAfter: 1 });
    const started = Date.now();
    await say(ida, '/start', has('Proxy Storefront'), 5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(world.emu.methodCalls('sendMessage')).toHaveLength(2);
  });
});
