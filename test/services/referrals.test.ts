/**
 * Referral rewards on the real saga: a referee's purchase at the LumiWeb
 * simulator over HTTP, a fresh database with the real migrations, and after
 * every test both the ledger's invariants and the referral rows' agreement
 * with the ledger.
 */
import { describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { referralRewardCents } from '../../src/services/referrals.js';
import { checkedAfterEachTest } from '../helpers/per-test.js';
import { firstChoice, startShop, type TestShop } from '../helpers/start-shop.js';

const PERCENT = 10;
const newShop = checkedAfterEachTest(
  () => startShop(['lumiweb'], { referralPercent: PERCENT }),
  (shop: TestShop) => [...shop.orders.checkInvariants(), ...shop.referrals.checkInvariants()],
);

async function buy(shop: TestShop, userId: number, intentKey: string) {
  const quoted = await shop.orders.quote(userId, 'lumiweb', await firstChoice(shop, 'lumiweb'));
  if (!quoted.ok) throw new Error(quoted.message);
  const result = await shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ended ${result.kind}`);
  return result.order;
}

/** A referrer with `cents`, a referee with enough to buy, linked through the referrer's code. */
async function referredPair(referrerCents = 0) {
  const shop = await newShop();
  const referrer = shop.customer(referrerCents, 'Referrer');
  const referee = shop.customer(100_000, 'Referee');
  expect(shop.referrals.recordReferral(referee.id, shop.referrals.codeOf(referrer.id))).toBe('recorded');
  return { shop, referrer, referee };
}

describe('who referred whom', () => {
  it('a customer cannot refer themself, and an unknown code refers nobody', async () => {
    const shop = await newShop();
    const alice = shop.customer(0, 'Alice');
    expect(shop.referrals.recordReferral(alice.id, shop.referrals.codeOf(alice.id))).toBe('self_referral');
    expect(shop.referrals.recordReferral(alice.id, 'zzzzzzzzzz')).toBe('unknown_code');
    expect(shop.referrals.referrerOf(alice.id)).toBeUndefined();
  });

  it('the first referrer stays: a later link changes nothing', async () => {
    const shop = await newShop();
    const [first, second, referee] = [shop.customer(0, 'First'), shop.customer(0, 'Second'), shop.customer(0, 'Referee')];
    expect(shop.referrals.recordReferral(referee.id, shop.referrals.codeOf(first.id))).toBe('recorded');
    expect(shop.referrals.recordReferral(referee.id, shop.referrals.codeOf(second.id))).toBe('already_referred');
    expect(shop.referrals.referrerOf(referee.id)).toBe(first.id);
    expect(shop.referrals.summary(first.id).invitedCount).toBe(1);
    expect(shop.referrals.summary(second.id).invitedCount).toBe(0);
  });

  it('a code is the customer’s for good and reads back from a start parameter', async () => {
    const shop = await newShop();
    const alice = shop.customer(0, 'Alice');
    const code = shop.referrals.codeOf(alice.id);
    expect(shop.referrals.codeOf(alice.id)).toBe(code);
    expect(shop.referrals.codeInStartParameter(`ref_${code}`)).toBe(code);
    expect(shop.referrals.codeInStartParameter('promo_X')).toBeUndefined();
    expect(shop.referrals.linkOf(alice.id, 'shop_bot')).toBe(`https://t.me/shop_bot?start=ref_${code}`);
  });
});

describe('rewards', () => {
  it('a captured purchase pays the referrer their share once, however often the capture is replayed', async () => {
    const { shop, referrer, referee } = await referredPair();
    const order = await buy(shop, referee.id, 'k1');
    const reward = referralRewardCents(order.priceCents, PERCENT);
    expect(reward).toBeGreaterThan(0);
    expect(shop.wallet.balance(referrer.id).availableCents).toBe(reward);

    // A retried capture, and the same database after a restart: nothing more is paid.
    shop.referrals.hooks.orderCaptured(order);
    const restarted = buildServices(shop.database, { referralPercent: 25 });
    restarted.referrals.hooks.orderCaptured(order);
    expect(await restarted.orders.reconcileDue()).toMatchObject({ checked: 0 });
    expect(shop.wallet.balance(referrer.id).availableCents).toBe(reward);
    expect(shop.referrals.summary(referrer.id)).toMatchObject({ invitedCount: 1, earnedCents: reward });
    const history = shop.wallet.history(referrer.id).entries;
    expect(history.filter((e) => e.category === 'referral')).toHaveLength(1);
    // The referrer is told once, with the amount paid; the referee hears nothing of it.
    const notices = shop.outbox.list({ kind: 'referral_reward_credited' });
    expect(notices.map((n) => ({ audience: n.audience, userId: n.userId, payload: JSON.parse(n.payload) }))).toEqual([
      { audience: 'user', userId: referrer.id, payload: { orderId: order.id, rewardCents: reward } },
    ]);
  });

  it('a customer nobody referred earns nobody anything', async () => {
    const shop = await newShop();
    const loner = shop.customer(100_000, 'Loner');
    const other = shop.customer(0, 'Other');
    await buy(shop, loner.id, 'k1');
    expect(shop.wallet.balance(other.id).availableCents).toBe(0);
    expect(shop.referrals.summary(other.id).earnedCents).toBe(0);
  });

  it('a refunded purchase takes its reward back, a partial refund in proportion', async () => {
    const { shop, referrer, referee } = await referredPair();
    const order = await buy(shop, referee.id, 'k1');
    const reward = referralRewardCents(order.priceCents, PERCENT);
    const half = Math.floor(order.priceCents / 2);

    shop.orders.refund({ orderId: order.id, amountCents: half, actor: 'admin:1', reason: 'half failed', refundKey: 'r1' });
    const afterHalf = reward - Math.floor((reward * half) / order.priceCents);
    expect(shop.wallet.balance(referrer.id).availableCents).toBe(afterHalf);
    // The same refund command again (a repeated update) takes nothing more.
    shop.orders.refund({ orderId: order.id, amountCents: half, actor: 'admin:1', reason: 'half failed', refundKey: 'r1' });
    expect(shop.wallet.balance(referrer.id).availableCents).toBe(afterHalf);

    shop.orders.refund({ orderId: order.id, actor: 'admin:1', reason: 'the rest', refundKey: 'r2' });
    expect(shop.wallet.balance(referrer.id).availableCents).toBe(0);
    expect(shop.referrals.reward(order.id)).toMatchObject({ rewardCents: reward, reversedCents: reward, unrecoveredCents: 0 });
    expect(shop.referrals.summary(referrer.id).earnedCents).toBe(0);
    expect(shop.outbox.list({ kind: 'referral_reward_unrecovered' })).toEqual([]);
    // One notice per refund that took something back; the repeated refund command told nobody again.
    const reversals = shop.outbox.list({ kind: 'referral_reward_reversed' });
    expect(reversals.map((n) => ({ userId: n.userId, payload: JSON.parse(n.payload) }))).toEqual([
      { userId: referrer.id, payload: { orderId: order.id, reversedCents: reward - afterHalf, unrecoveredCents: 0 } },
      { userId: referrer.id, payload: { orderId: order.id, reversedCents: afterHalf, unrecoveredCents: 0 } },
    ]);
  });

  it('a reward already spent is recorded as unrecovered and the operators are told; the wallet stays at zero', async () => {
    const shop = await newShop();
    const probe = shop.customer(100_000, 'Probe');
    const price = (await buy(shop, probe.id, 'probe')).priceCents;
    const reward = referralRewardCents(price, PERCENT);
    // The referrer has just enough that, with the reward, one purchase empties the wallet.
    const referrer = shop.customer(price - reward, 'Referrer');
    const referee = shop.customer(100_000, 'Referee');
    shop.referrals.recordReferral(referee.id, shop.referrals.codeOf(referrer.id));
    const order = await buy(shop, referee.id, 'k1');
    expect(shop.wallet.balance(referrer.id).availableCents).toBe(price);
    await buy(shop, referrer.id, 'spend');
    expect(shop.wallet.balance(referrer.id).availableCents).toBe(0);

    shop.orders.refund({ orderId: order.id, actor: 'admin:1', reason: 'upstream dead', refundKey: 'r1' });
    expect(shop.wallet.balance(referrer.id).availableCents).toBe(0);
    expect(shop.referrals.reward(order.id)).toMatchObject({ reversedCents: 0, unrecoveredCents: reward });
    const alerts = shop.outbox.list({ kind: 'referral_reward_unrecovered' });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.audience).toBe('operators');
    // The referrer hears that the reward is cancelled, and that nothing was taken from an empty wallet.
    expect(shop.outbox.list({ kind: 'referral_reward_reversed' }).map((n) => [n.userId, JSON.parse(n.payload)])).toEqual([
      [referrer.id, { orderId: order.id, reversedCents: 0, unrecoveredCents: reward }],
    ]);
    expect(JSON.parse(alerts[0]!.payload)).toMatchObject({ orderId: order.id, referrerUserId: referrer.id, unrecoveredCents: reward });
    // The referee got their whole purchase back regardless.
    expect(shop.wallet.balance(referee.id).availableCents).toBe(100_000);
  });

  it('part spent: what is left is taken, the rest is recorded as unrecovered', async () => {
    const { shop, referrer, referee } = await referredPair();
    const order = await buy(shop, referee.id, 'k1');
    const reward = referralRewardCents(order.priceCents, PERCENT);
    shop.wallet.adjust({ userId: referrer.id, amountCents: -(reward - 3), adjustmentKey: 'spent', actor: 'admin:1', reason: 'paid out' });
    shop.orders.refund({ orderId: order.id, actor: 'admin:1', reason: 'refund', refundKey: 'r1' });
    expect(shop.wallet.balance(referrer.id).availableCents).toBe(0);
    expect(shop.referrals.reward(order.id)).toMatchObject({ reversedCents: 3, unrecoveredCents: reward - 3 });
  });
});

describe('the ledger check', () => {
  it('flags a referral reward taken back beyond what was paid', async () => {
    // Its own shop, outside the after-test check: this test breaks the books on purpose.
    const shop = await startShop(['lumiweb'], { referralPercent: PERCENT });
    try {
      const referrer = shop.customer(5_000, 'Referrer');
      const referee = shop.customer(100_000, 'Referee');
      shop.referrals.recordReferral(referee.id, shop.referrals.codeOf(referrer.id));
      const order = await buy(shop, referee.id, 'k1');
      const reward = referralRewardCents(order.priceCents, PERCENT);
      expect(shop.wallet.checkInvariants()).toEqual([]);
      // A reversal the refund logic would never write: more than the reward.
      shop.wallet.reverseReferralReward({ referrerUserId: referrer.id, orderId: order.id, refundKey: 'bogus', amountCents: reward + 1 });
      expect(shop.wallet.checkInvariants()).toEqual([`order ${order.id}: more referral reward taken back than paid`]);
      expect(shop.referrals.checkInvariants()).toEqual([`referral reversals for ${order.id} do not match the ledger`]);
    } finally {
      await shop.close();
    }
  });
});
