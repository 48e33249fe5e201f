/**
 * The API's cheapest reads are answered in one go: no promise between the
 * request and its answer, for the balance and for the rate limit's refusal
 * alike. A middleware or route made async by mistake would put promises (and,
 * with the request context, async hooks) back on every such request; this
 * fails first.
 */
import { describe, expect, it } from 'vitest';
import { eachTestApi } from './harness.js';

const newApi = eachTestApi();

describe('the hot path', () => {
  it('answers GET /balance, and its 429 once the budget is spent, without a promise, headers and all', async () => {
    const api = await newApi({ v1: { rateLimit: { limit: 1, windowMs: 60_000 } } });
    const user = api.shop.customer(42_00);
    const token = api.token(user.id, ['read']);
    const ask = () => api.app.fetch(new Request('http://shop.test/api/v1/balance', { headers: { authorization: `Bearer ${token}` } }));

    const answered = ask();
    expect(answered).toBeInstanceOf(Response);
    const balance = answered as Response;
    expect(balance.status).toBe(200);
    expect(await balance.json()).toEqual({ success: true, balance: { available_cents: 42_00, held_cents: 0 } });
    expect(balance.headers.get('cache-control')).toBe('no-store');
    expect(balance.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(balance.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9_-]{8}\.[0-9a-z]+$/);

    const refusedNow = ask();
    expect(refusedNow).toBeInstanceOf(Response);
    const refused = refusedNow as Response;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('still answers a request whose route waits on something, through a promise', async () => {
    const api = await newApi();
    const user = api.shop.customer(0);
    const token = api.token(user.id, ['read']);
    const answered = api.app.fetch(new Request('http://shop.test/api/v1/catalog', { headers: { authorization: `Bearer ${token}` } }));
    expect(answered).toBeInstanceOf(Promise);
    expect((await answered).status).toBe(200);
  });
});
