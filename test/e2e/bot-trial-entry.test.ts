/**
 * The trial as a customer finds it without knowing `/trial`: a button on the
 * main menu and on the provider's product list while they may take it,
 * straight into the buy flow at the trial's summary, bought through the same
 * saga; a summary and a delivery that never promise a longer trial than the
 * upstream gives. Real bot, Telegram emulator, upstream simulators, SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isoDateTime } from '../../src/bot/format.js';
import type { ProviderId } from '../../src/providers/types.js';
import { command, has, labels, press, say, startBotShopWithOperator, type BotShop } from '../helpers/bot-shop.js';
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

async function withOperators(providers: ProviderId[]) {
  const operators = await startBotShopWithOperator(providers);
  world = operators.w;
  return operators;
}

const TRIAL_BUTTON = /^🎁/;

describe('the trial on the main menu and in the buy flow', () => {
  it('shows no trial button when none is set; once set, one press leads to the free trial’s summary and buys it once', async () => {
    const { w, olga, group } = await withOperators(['proxy-ipv4']);
    const ann = w.customer({ firstName: 'Ann' });
    const before = await say(ann, '/start', has('Proxy Storefront'));
    expect(labels(ann, before).some((l) => TRIAL_BUTTON.test(l))).toBe(false);

    const choice = await firstChoice(w.shop, 'proxy-ipv4');
    await command(olga, group, `/trial proxy-ipv4 ${choice.productId} ${choice.termId} free country=${choice.countryCode}`);

    const menu = await say(ann, '/start', has('Proxy Storefront'));
    expect(labels(ann, menu)[0]).toBe('🎁 Free trial');
    const summary = await press(ann, '🎁 Free trial', has('Your order'));
    expect(summary.plainText).toContain('Trial');
    expect(summary.plainText).toContain('Price: free');
    // proxy-ipv4 sells the trial as an ordinary purchase of the term, so the term is what it says.
    const term = /Term: trial, (\d+ days?)\n/.exec(summary.plainText)?.[1];
    expect(term).toBeDefined();
    expect(summary.plainText).toContain('(code: trial)');
    expect(labels(ann, summary)).toEqual(['✅ Confirm · free', '« Back', '✖ Cancel']);

    await ann.press(/^✅ Confirm/, summary);
    const ready = await ann.waitForMessage(has('Your proxies are ready'));
    expect(ready.plainText).toContain(`trial, ${term}`);
    expect(ready.plainText).toContain('A free trial: nothing was charged.');
    const sub = w.shop.subscriptions.list(w.account(ann).id).items[0]!;
    expect(ready.plainText).toContain(`The trial ends: ${isoDateTime(sub.expiresAt!)}`);
    expect(w.shop.wallet.balance(w.account(ann).id)).toEqual({ availableCents: 0, heldCents: 0 });

    // Taken: the button is gone from the menu and from the product list.
    const after = await say(ann, '/start', has('Proxy Storefront'));
    expect(labels(ann, after).some((l) => TRIAL_BUTTON.test(l))).toBe(false);
    await press(ann, '🛒 Buy proxies', has('choose a provider'));
    const products = await press(ann, 'proxy-ipv4.com', has('choose a product'));
    expect(labels(ann, products).some((l) => TRIAL_BUTTON.test(l))).toBe(false);
  });

  it('offers the trial on its provider’s product list; Back from its summary returns to the products', async () => {
    const { w, olga, group } = await withOperators(['proxy-ipv4']);
    const choice = await firstChoice(w.shop, 'proxy-ipv4');
    await command(olga, group, `/trial proxy-ipv4 ${choice.productId} ${choice.termId} $0.25 country=${choice.countryCode}`);
    const ben = w.customer({ firstName: 'Ben' });
    await say(ben, '/start', has('Proxy Storefront'));
    w.credit(ben, 1_00);

    await press(ben, '🛒 Buy proxies', has('choose a provider'));
    const products = await press(ben, 'proxy-ipv4.com', has('choose a product'));
    expect(labels(ben, products)[0]).toBe('🎁 Trial for $0.25');
    const summary = await press(ben, '🎁 Trial for $0.25', has('Your order'));
    expect(summary.plainText).toContain('Price: $0.25');
    // A trial takes no promo code.
    expect(labels(ben, summary)).not.toContain('🎟 Promo code');
    const back = await press(ben, '« Back', has('choose a product'));
    const again = await press(ben, labels(ben, back)[0]!, has('Your order'));
    await ben.press(/^✅ Confirm/, again);
    await ben.waitForMessage(has('Your proxies are ready'));
    expect(w.shop.wallet.balance(w.account(ben).id)).toEqual({ availableCents: 75, heldCents: 0 });
  });

  it('a trial for customers who topped up shows that condition to one who has not, and opens once they top up', async () => {
    const { w, olga, group } = await withOperators(['proxy-ipv4']);
    const choice = await firstChoice(w.shop, 'proxy-ipv4');
    await command(olga, group, `/trial proxy-ipv4 ${choice.productId} ${choice.termId} free country=${choice.countryCode} topped-up`);
    const cleo = w.customer({ firstName: 'Cleo' });
    const menu = await say(cleo, '/start', has('Proxy Storefront'));
    expect(labels(cleo, menu)[0]).toBe('🎁 Free trial (after a top-up)');
    const why = await press(cleo, '🎁 Free trial (after a top-up)', has('topped up'));
    expect(labels(cleo, why)).toContain('➕ Top up');
    expect(w.shop.orders.ordersOfUser(w.account(cleo).id)).toHaveLength(0);

    w.credit(cleo, 5_00);
    const open = await say(cleo, '/start', has('Proxy Storefront'));
    expect(labels(cleo, open)[0]).toBe('🎁 Free trial');
    await press(cleo, '🎁 Free trial', has('Your order'));
  });

  it('in Russian too', async () => {
    const { w, olga, group } = await withOperators(['proxy-ipv4']);
    const choice = await firstChoice(w.shop, 'proxy-ipv4');
    await command(olga, group, `/trial proxy-ipv4 ${choice.productId} ${choice.termId} free country=${choice.countryCode}`);
    const dima = w.customer({ firstName: 'Dima', languageCode: 'ru' });
    const menu = await say(dima, '/start', has('Dima'));
    expect(labels(dima, menu)[0]).toBe('🎁 Бесплатный пробный заказ');
    const summary = await press(dima, '🎁 Бесплатный пробный заказ', has('пробный, '));
    expect(summary.plainText).toContain('Срок: пробный, ');
  });
});

describe('the proxy panel’s own trial', () => {
  it('the summary does not promise the term; the delivery and the card show when the panel’s trial really ends', async () => {
    const { w, olga, group } = await withOperators(['proxy-panel']);
    w.shop.upstream('proxy-panel').simulator.setTrialAllowed(true);
    await command(olga, group, '/trial proxy-panel mobile-private 30d free country=NL');
    const eve = w.customer({ firstName: 'Eve' });
    await say(eve, '/start', has('Proxy Storefront'));
    const summary = await press(eve, '🎁 Free trial', has('Your order'));
    expect(summary.plainText).toContain('Term: trial, length set by the provider (at most 30 days)');
    expect(summary.plainText).not.toMatch(/Term: 30 days/);

    await eve.press(/^✅ Confirm/, summary);
    const ready = await eve.waitForMessage(has('Your proxies are ready'));
    const [trial] = w.shop.upstream('proxy-panel').simulator.subscriptions();
    expect(trial).toMatchObject({ trial: true });
    // The panel gave less than the plan's 30 days; the customer is told the real end.
    expect(trial!.activeUntil).toBeLessThan(Date.now() + 2 * 86_400_000);
    expect(ready.plainText).toContain(`The trial ends: ${isoDateTime(trial!.activeUntil)}`);
    expect(ready.plainText).toContain('length set by the provider');

    const list = await say(eve, '/start', has('Proxy Storefront'));
    await eve.press('📋 My proxies', list);
    const proxies = await eve.waitForMessage(has('My proxies'));
    await eve.press(labels(eve, proxies)[0]!, proxies);
    const card = await eve.waitForMessage(has(new Date(trial!.activeUntil).toISOString().slice(0, 10)));
    expect(card.plainText).not.toContain('30 days');
  });
});

describe('FlashProxy’s documented trial', () => {
  it('an operator makes the unlimited residential trial the shop’s free trial; the customer is promised 30 minutes and told the real end', async () => {
    const { w, olga, group } = await withOperators(['flashproxy']);
    const sim = w.shop.upstream('flashproxy').simulator;
    sim.sellUnlimitedTrials(true);
    const none = await command(olga, group, '/trial proxy-panel upstream free');
    expect(none.plainText).toContain('proxy-panel documents no trial of its own');
    // `upstream` picks FlashProxy's documented trial: unlimited residential, `duration: "trial"`.
    const set = await command(olga, group, '/trial flashproxy upstream free');
    expect(set.plainText).toContain('The trial of flashproxy is set at free');
    expect((await command(olga, group, '/trial')).plainText).toContain('flashproxy: unlimited-residential-trial · trial · free');

    const fred = w.customer({ firstName: 'Fred' });
    await say(fred, '/start', has('Proxy Storefront'));
    const summary = await press(fred, '🎁 Free trial', has('Your order'));
    expect(summary.plainText).toContain('Term: trial, 30 minutes');
    expect(summary.plainText).toContain('Price: free');
    const upstreamBalance = sim.balanceCents();

    await fred.press(/^✅ Confirm/, summary);
    const ready = await fred.waitForMessage(has('Your proxies are ready'));
    const [plan] = sim.plans();
    expect(plan).toMatchObject({ product: 'unlimited_residential', hostname: 'unlim.proxyserver.bot' });
    expect(ready.plainText).toContain(`The trial ends: ${isoDateTime(Date.parse(plan!.expiresAt!))}`);
    expect(ready.plainText).toContain('unlim.proxyserver.bot');
    // The shop paid FlashProxy the day's trial price; the customer paid nothing.
    expect(sim.balanceCents()).toBe(upstreamBalance - 50);
    expect(w.shop.wallet.balance(w.account(fred).id)).toEqual({ availableCents: 0, heldCents: 0 });

    // The card: the hour the trial ends, not "in 1 day".
    const menu = await say(fred, '/start', has('Proxy Storefront'));
    await fred.press('📋 My proxies', menu);
    const proxies = await fred.waitForMessage(has('My proxies'));
    await fred.press(labels(fred, proxies)[0]!, proxies);
    const card = await fred.waitForMessage(has('Expires:'));
    expect(card.plainText).toContain(`Expires: ${isoDateTime(Date.parse(plan!.expiresAt!))} (in less than a day)`);
  });
});
