/**
 * Referrals as customers meet them in the real bot through the Telegram
 * emulator: the Referrals screen, a friend's first /start through the link,
 * a later link that changes nothing, a link to oneself, and the reward
 * arriving when the friend's purchase is captured.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { referralRewardCents } from '../../src/services/referrals.js';
import { formatCents } from '../../src/domain/money.js';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';

let world: BotShop | undefined;

afterEach(async () => {
  const errors = world?.errors() ?? [];
  const violations = world ? [...world.shop.orders.checkInvariants(), ...world.shop.referrals.checkInvariants()] : [];
  await world?.close();
  world = undefined;
  expect(errors).toEqual([]);
  expect(violations).toEqual([]);
});

const linkIn = (text: string) => /https:\/\/t\.me\/\S+\?start=(ref_[a-z2-7]+)/.exec(text);

describe('referrals in the bot', () => {
  it('a friend who starts through the link is invited once, and their purchase earns the referrer their share', async () => {
    world = await startBotShop(['proxy-ipv4'], { shop: { referralPercent: 10 } });
    const ann = world.customer({ firstName: 'Ann' });
    await say(ann, '/start', has('Proxy Storefront'));
    const screen = await press(ann, '🤝 Referrals', has('Your link:'));
    expect(screen.plainText).toContain('you get 10% of every purchase');
    expect(screen.plainText).toContain('People invited: 0');
    expect(screen.plainText).toContain('Earned: $0.00');
    expect(labels(ann, screen)).toEqual(['📤 Share my link', '☰ Main menu']);
    const share = ann.buttons(screen).find((b) => b.text === '📤 Share my link')!;
    const startParameter = linkIn(screen.plainText)![1]!;
    expect(share.url).toContain(encodeURIComponent(`?start=${startParameter}`));

    // Ann opening her own link is not a referral.
    await say(ann, `/start ${startParameter}`, has('Proxy Storefront'));
    expect(world.shop.referrals.referrerOf(world.account(ann).id)).toBeUndefined();

    const bob = world.customer({ firstName: 'Bob' });
    await say(bob, `/start ${startParameter}`, has('You came with an invitation'));
    expect(world.shop.referrals.referrerOf(world.account(bob).id)).toBe(world.account(ann).id);

    // Someone else's link later changes nothing: the first /start decided.
    const cid = world.customer({ firstName: 'Cid' });
    await say(cid, '/start', has('Proxy Storefront'));
    const cidCode = world.shop.referrals.codeOf(world.account(cid).id);
    await say(bob, `/start ref_${cidCode}`, has('Proxy Storefront'));
    expect(world.shop.referrals.referrerOf(world.account(bob).id)).toBe(world.account(ann).id);

    // A customer who knew the bot before the link has no referrer.
    await say(cid, `/start ${startParameter}`, has('Proxy Storefront'));
    expect(world.shop.referrals.referrerOf(world.account(cid).id)).toBeUndefined();

    world.credit(bob, 100_00);
    const { id: bobId } = world.account(bob);
    const quoted = await world.shop.orders.quote(bobId, 'proxy-ipv4', await firstChoice(world.shop, 'proxy-ipv4'));
    if (!quoted.ok) throw new Error(quoted.message);
    const bought = await world.shop.orders.purchase({ userId: bobId, quoteId: quoted.quote.id, intentKey: 'bob-1', channel: 'bot' });
    expect(bought.kind).toBe('delivered');
    const reward = referralRewardCents(quoted.quote.priceCents, 10);

    await say(ann, '/start', has('Proxy Storefront'));
    const after = await press(ann, '🤝 Referrals', has('People invited: 1'));
    expect(after.plainText).toContain(`Earned: ${formatCents(reward)}`);
  });
});
