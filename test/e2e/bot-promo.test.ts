/**
 * Promo and gift codes in the real bot through the Telegram emulator: an
 * admin creates codes in the operator group, a customer brings one by deep
 * link or types it on the buy summary, and the ledger says what was paid.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatCents } from '../../src/domain/money.js';
import type { EmulatedUser } from '../../src/sandbox/telegram/index.js';
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

async function withOperators() {
  const operators = await startBotShopWithOperator(['proxy-ipv4']);
  world = operators.w;
  return operators;
}

/** Buy → proxy-ipv4 → IPv4 → USA → 30 days → 1: the summary. */
async function toSummary(user: EmulatedUser) {
  await press(user, '🛒 Buy proxies', has('choose a provider'));
  await press(user, 'proxy-ipv4.com', has('choose a product'));
  await press(user, 'Private IPv4 proxies', has('choose a country'));
  await press(user, '🇺🇸 United States', has('choose the rent period'));
  await press(user, /^30 days\b/, has('how many proxies'));
  return press(user, /^1\b/, has('Your order'));
}

describe('promo codes in the bot', () => {
  it('an admin creates a code; a customer brings it by deep link, sees before and after, and pays the after price', async () => {
    const { w, olga, group } = await withOperators();
    expect((await command(olga, group, '/promo new spring 20% total=5')).plainText).toContain('Code SPRING created');
    expect((await command(olga, group, '/promo new bad 20% total=zero')).plainText).toContain('Usage: /promo');
    expect((await command(olga, group, '/promo list')).plainText).toContain('SPRING 20% · uses 0+0/5, 1 per customer');

    const alice = w.customer({ firstName: 'Alice' });
    const saved = await say(alice, '/start promo_SPRING', has('Promo code SPRING saved'));
    expect(saved.plainText).toContain('applied to your next purchase');
    await alice.waitForMessage(has('Proxy Storefront'));
    w.credit(alice, 50_00);
    const summary = await toSummary(alice);
    const confirm = labels(alice, summary).find((l) => l.startsWith('✅ Confirm'))!;
    const list = /List price: \$(\d+\.\d\d)/.exec(summary.plainText);
    const price = /Price: \$(\d+\.\d\d)/.exec(summary.plainText);
    expect(list && price).toBeTruthy();
    const listCents = Math.round(Number(list![1]) * 100);
    const priceCents = Math.round(Number(price![1]) * 100);
    expect(priceCents).toBe(listCents - Math.floor(listCents / 5));
    expect(summary.plainText).toContain('(code: SPRING)');
    expect(confirm).toContain(formatCents(priceCents));

    await alice.press(/^✅ Confirm/);
    await alice.waitForMessage(has('Your proxies are ready'));
    expect(w.shop.wallet.balance(w.account(alice).id)).toEqual({ availableCents: 50_00 - priceCents, heldCents: 0 });

    const stats = await command(olga, group, '/stats');
    expect(stats.plainText).toContain(`Discounts: ${formatCents(listCents - priceCents)} on 1 orders`);
    expect((await command(olga, group, '/promo off spring')).plainText).toContain('Code SPRING switched off');
  });

  it('a code typed on the summary that does not apply is explained, and the price stays without it', async () => {
    const { w } = await withOperators();
    const bob = w.customer({ firstName: 'Bob' });
    await say(bob, '/start', has('Proxy Storefront'));
    w.credit(bob, 50_00);
    const summary = await toSummary(bob);
    expect(labels(bob, summary)).toContain('🎟 Promo code');
    await press(bob, '🎟 Promo code', has('Send your promo code'));
    const after = await say(bob, 'NOSUCH', has('Your order'));
    expect(after.plainText).toContain('Promo code NOSUCH was not applied: there is no such code');
    expect(after.plainText).not.toContain('List price');
  });

  it('a gift code credits the wallet once per customer', async () => {
    const { w, olga, group } = await withOperators();
    expect((await command(olga, group, '/promo gift welcome $3 total=10')).plainText).toContain('Code WELCOME created');
    const carol = w.customer({ firstName: 'Carol' });
    const credited = await say(carol, '/start promo_WELCOME', has('Gift code applied'));
    expect(credited.plainText).toContain('$3.00 added to your wallet. Balance: $3.00');
    const again = await say(carol, '/promo welcome', has('cannot be used'));
    expect(again.plainText).toContain('you have used it already');
    expect(w.shop.wallet.balance(w.account(carol).id).availableCents).toBe(3_00);
    expect((await command(olga, group, '/stats')).plainText).toContain('gifts: $3.00 (1 redeemed)');
  });

  it('volume discounts show on the quantity buttons', async () => {
    const { w, olga, group } = await withOperators();
    expect((await command(olga, group, '/tier * * qty 5 10')).plainText).toContain('Discount set');
    const dan = w.customer({ firstName: 'Dan' });
    await say(dan, '/start', has('Proxy Storefront'));
    await press(dan, '🛒 Buy proxies', has('choose a provider'));
    await press(dan, 'proxy-ipv4.com', has('choose a product'));
    await press(dan, 'Private IPv4 proxies', has('choose a country'));
    await press(dan, '🇺🇸 United States', has('choose the rent period'));
    const quantity = await press(dan, /^30 days\b/, has('how many proxies'));
    expect(labels(dan, quantity)).toEqual(expect.arrayContaining(['1', '2', '5 (−10%)', '10 (−10%)']));
  });

  it('an admin sets a trial; a customer buys it once at its price through the same saga', async () => {
    const { w, olga, group } = await withOperators();
    const choice = await firstChoice(w.shop, 'proxy-ipv4');
    const set = await command(olga, group, `/trial proxy-ipv4 ${choice.productId} ${choice.termId} $0.10 country=${choice.countryCode}`);
    expect(set.plainText).toContain('The trial of proxy-ipv4 is set at $0.10');
    expect((await command(olga, group, '/trial nowhere x y $1')).plainText).toContain('Usage: /trial');

    const erin = w.customer({ firstName: 'Erin' });
    await say(erin, '/start', has('Proxy Storefront'));
    w.credit(erin, 1_00);
    const offer = await say(erin, '/trial', has('Trial'));
    expect(offer.plainText).toContain('Price: $0.10');
    expect(offer.plainText).toMatch(/List price: \$\d+\.\d\d/);
    await erin.press(/^✅ Confirm/, offer);
    await erin.waitForMessage(has('Your proxies are ready'));
    expect(w.shop.wallet.balance(w.account(erin).id)).toEqual({ availableCents: 90, heldCents: 0 });

    const again = await say(erin, '/trial', has('not available'));
    expect(again.plainText).toContain('you have had this trial already');
  });

  it('an admin makes the trial free; a customer with an empty wallet takes it once, and the shop pays its list price', async () => {
    const { w, olga, group } = await withOperators();
    const choice = await firstChoice(w.shop, 'proxy-ipv4');
    const set = await command(olga, group, `/trial proxy-ipv4 ${choice.productId} ${choice.termId} free country=${choice.countryCode}`);
    expect(set.plainText).toContain('The trial of proxy-ipv4 is set at free');
    expect((await command(olga, group, '/trial')).plainText).toContain(`${choice.termId} · ${choice.countryCode} · free`);

    const fay = w.customer({ firstName: 'Fay' });
    await say(fay, '/start', has('Proxy Storefront'));
    const offer = await say(fay, '/trial', has('Trial'));
    expect(offer.plainText).toContain('Price: free');
    const list = /List price: \$(\d+)\.(\d\d)/.exec(offer.plainText);
    expect(list).not.toBeNull();
    expect(labels(fay, offer)).toContain('✅ Confirm · free');
    await fay.press(/^✅ Confirm/, offer);
    const ready = await fay.waitForMessage(has('Your proxies are ready'));
    expect(ready.plainText).toContain('A free trial: nothing was charged. Balance: $0.00.');
    expect(w.shop.wallet.balance(w.account(fay).id)).toEqual({ availableCents: 0, heldCents: 0 });
    expect(w.shop.promos.stats().discountsCents).toBe(Number(list![1]) * 100 + Number(list![2]));

    const again = await say(fay, '/trial', has('not available'));
    expect(again.plainText).toContain('you have had this trial already');
  });
});
