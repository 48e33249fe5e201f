/**
 * Referrals as customers meet them in the real bot through the Telegram
 * emulator: the Referrals screen, a friend's first /start through the link,
 * a later link that changes nothing, a link to oneself, and the reward
 * arriving when the friend's purchase is captured.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { silentLogger } from '../../src/logger.js';
import { createNotifier } from '../../src/services/notifier.js';
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

  it('the referrer is told in their language when a reward is credited and when a refund takes it back', async () => {
    world = await startBotShop(['proxy-ipv4'], { shop: { referralPercent: 10 } });
    const w = world;
    const notifier = createNotifier({
      outbox: w.shop.outbox,
      users: w.shop.users,
      sender: telegramMessageSender(w.bot.api),
      render: w.bot.renderNotice,
      logger: silentLogger,
      limits: { perSecond: 1_000, perChatPerSecond: 1_000, perGroupPerMinute: 1_000, globalMarginMs: 0, chatMarginMs: 0 },
    });
    const ivan = w.customer({ firstName: 'Иван', languageCode: 'ru' });
    await say(ivan, '/start', has('Здравствуйте, Иван!'));
    const code = w.shop.referrals.codeOf(w.account(ivan).id);
    const eve = w.customer({ firstName: 'Eve' });
    await say(eve, `/start ref_${code}`, has('You came with an invitation'));

    w.credit(eve, 100_00);
    const { id: eveId } = w.account(eve);
    const quoted = await w.shop.orders.quote(eveId, 'proxy-ipv4', await firstChoice(w.shop, 'proxy-ipv4'));
    if (!quoted.ok) throw new Error(quoted.message);
    const bought = await w.shop.orders.purchase({ userId: eveId, quoteId: quoted.quote.id, intentKey: 'eve-1', channel: 'api' });
    expect(bought.kind).toBe('delivered');
    const reward = referralRewardCents(quoted.quote.priceCents, 10);

    await notifier.runOnce();
    const credited = await ivan.waitForMessage(has('Приглашённый вами человек сделал покупку'));
    expect(credited.plainText).toContain(`зачислено ${formatCents(reward)}`);
    expect(credited.plainText).toContain(`Ваш баланс теперь ${formatCents(reward)}`);
    expect(labels(ivan, credited)).toEqual(['🤝 Рефералы']);

    w.shop.orders.refund({
      orderId: bought.kind === 'delivered' ? bought.order.id : '',
      actor: 'admin:1',
      reason: 'dead proxy',
      refundKey: 'r1',
    });
    await notifier.runOnce();
    const reversed = await ivan.waitForMessage(has('Покупку приглашённого вами человека вернули'));
    expect(reversed.plainText).toContain(`С вашего баланса списано ${formatCents(reward)}`);
    expect(reversed.plainText).toContain('Ваш баланс теперь $0.00');
    // The invited customer hears nothing about the referrer's reward.
    expect(eve.messages().some((m) => /Someone you invited|referral reward|Приглашённый/.test(m.plainText))).toBe(false);
  });
});
