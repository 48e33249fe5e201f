/**
 * GET /referrals over real HTTP: the caller's link, the people they invited
 * and what a referred customer's purchase (bought through the API) earned them.
 */
import { describe, expect, it } from 'vitest';
import { referralRewardCents } from '../../src/services/referrals.js';
import { eachTestApi, quoteFirst } from './harness.js';

const newApi = eachTestApi();

describe('GET /referrals', () => {
  it('shows the link, the people invited and the rewards their purchases earned', async () => {
    const api = await newApi({ referralPercent: 5, v1: { botUsername: () => 'shop_bot' } });
    const referrer = api.shop.customer(0, 'Referrer');
    const referrerToken = api.token(referrer.id, ['read']);

    const before = await api.call('GET', '/referrals', { token: referrerToken });
    expect(before.status).toBe(200);
    const code: string = before.json.referrals.code;
    expect(before.json.referrals).toEqual({
      code,
      start_parameter: `ref_${code}`,
      link: `https://t.me/shop_bot?start=ref_${code}`,
      invited_count: 0,
      earned_cents: 0,
      reward_percent: 5,
    });

    const referee = api.shop.customer(100_000, 'Referee');
    expect(api.shop.referrals.recordReferral(referee.id, code)).toBe('recorded');
    const refereeToken = api.token(referee.id, ['read', 'buy']);
    const quote = await quoteFirst(api, refereeToken);
    const bought = await api.call('POST', '/orders', {
      token: refereeToken,
      body: { quote_id: quote.id },
      idempotencyKey: 'referred-order-0001',
    });
    expect(bought.status).toBe(201);
    expect(bought.json.order.state).toBe('delivered');

    const after = await api.call('GET', '/referrals', { token: referrerToken });
    expect(after.json.referrals).toMatchObject({ invited_count: 1, earned_cents: referralRewardCents(quote.price_cents, 5) });
    // The referee sees their own (empty) programme, not the referrer's.
    const own = await api.call('GET', '/referrals', { token: refereeToken });
    expect(own.json.referrals).toMatchObject({ invited_count: 0, earned_cents: 0 });
    expect(own.json.referrals.code).not.toBe(code);
  });

  it('needs a token', async () => {
    const api = await newApi();
    expect((await api.call('GET', '/referrals')).status).toBe(401);
  });
});
