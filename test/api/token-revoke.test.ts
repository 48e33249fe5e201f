/**
 * Verified tokens are remembered for a few seconds to keep requests cheap;
 * revoking one in the bot must still lock the caller out from the very next
 * request.
 */
import { describe, expect, it } from 'vitest';
import { eachTestApi } from './harness.js';

const newApi = eachTestApi();

describe('revoking a token in use', () => {
  it('answers 401 to the request right after the revoke, though the one before was answered from the cache', async () => {
    const api = await newApi();
    const user = api.shop.customer(25_00);
    const token = api.token(user.id, ['read']);

    expect((await api.call('GET', '/balance', { token })).json.balance).toMatchObject({ available_cents: 25_00 });
    expect((await api.call('GET', '/balance', { token })).status).toBe(200);
    // The same call the bot's "Revoke" button makes.
    expect(api.shop.tokens.revoke(user.id, api.shop.tokens.list(user.id)[0]!.id)).toBe(true);

    const refused = await api.call('GET', '/balance', { token });
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe('unauthorized');
  });
});
