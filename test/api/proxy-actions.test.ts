/**
 * What the bot's proxy card offers, by API: new credentials, a new IP,
 * another location, traffic usage — against the proxy-panel and GateProxy
 * simulators — and a clear 422 `unsupported` where the provider lacks the
 * action. Also the caller's tokens: list, and revoking the token in use.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderId } from '../../src/providers/types.js';
import { eachTestApi, firstOffer, type ApiHarness } from './harness.js';

const newApi = eachTestApi();

async function buyOne(api: ApiHarness, token: string, provider: ProviderId, product?: string) {
  const offer = await firstOffer(api, token, provider);
  if (product) {
    const catalog = await api.call('GET', '/catalog', { token });
    const chosen = catalog.json.providers
      .find((p: { id: string }) => p.id === provider)
      .products.find((p: { id: string }) => p.id === product);
    Object.assign(offer, { product, term: chosen.terms[0].id, country: chosen.countries.find((c: any) => c.available)?.code });
  }
  const quoted = await api.call('POST', '/quotes', { token, body: offer });
  if (quoted.status !== 201) throw new Error(`quote answered ${quoted.status}: ${quoted.text}`);
  const bought = await api.call('POST', '/orders', {
    token,
    idempotencyKey: `buy-${provider}-${product ?? 'first'}`,
    body: { quote_id: quoted.json.quote.id },
  });
  if (bought.status !== 201) throw new Error(`order answered ${bought.status}: ${bought.text}`);
  return bought.json.proxies[0] as { id: string; login: string; password: string; host: string; country: string | null };
}

describe('proxy actions', () => {
  it('changes credentials, rotates the IP and switches location where the provider supports it', async () => {
    const api = await newApi({ providers: ['proxy-panel'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buyOne(api, token, 'proxy-panel', 'mobile-private');

    const card = await api.call('GET', `/proxies/${proxy.id}`, { token });
    expect(card.json.actions).toEqual(expect.arrayContaining(['changeCredentials', 'rotateIp', 'switchLocation']));

    const changed = await api.call('POST', `/proxies/${proxy.id}/change-credentials`, { token });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('cache-control')).toBe('no-store');
    expect(changed.json.proxy.password).not.toBe(proxy.password);
    expect(api.shop.subscriptions.get(user.id, proxy.id)!.password).toBe(changed.json.proxy.password);
    expect((await api.call('GET', `/proxies/${proxy.id}`, { token })).json.proxy.password).toBe(changed.json.proxy.password);

    const rotated = await api.call('POST', `/proxies/${proxy.id}/rotate-ip`, { token });
    expect(rotated.status).toBe(200);
    expect(rotated.json.proxy.id).toBe(proxy.id);

    const locations = await api.call('GET', `/proxies/${proxy.id}/locations`, { token });
    expect(locations.status).toBe(200);
    expect(locations.json.locations.length).toBeGreaterThan(0);
    const target = locations.json.locations.find((l: { available: boolean }) => l.available);
    const moved = await api.call('POST', `/proxies/${proxy.id}/location`, { token, body: { location: target.code } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.json.proxy.id).toBe(proxy.id);
    const nowStored = api.shop.subscriptions.get(user.id, proxy.id)!;
    expect({ host: moved.json.proxy.host, login: moved.json.proxy.login }).toEqual({ host: nowStored.host, login: nowStored.login });

    const nowhere = await api.call('POST', `/proxies/${proxy.id}/location`, { token, body: { location: 'ATLANTIS' } });
    expect(nowhere.status).toBe(400);
    expect(nowhere.json.error.details[0].path).toBe('location');

    // Actions change the proxy: `write`, like the bot's confirmations; reading does not suffice.
    const reader = api.token(user.id, ['read']);
    const refused = await api.call('POST', `/proxies/${proxy.id}/change-credentials`, { token: reader });
    expect(refused.status).toBe(403);
    expect(api.shop.subscriptions.get(user.id, proxy.id)!.password).toBe(nowStored.password);
  });

  it('reports traffic usage where the provider tells it', async () => {
    const api = await newApi({ providers: ['gateproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const proxy = await buyOne(api, token, 'gateproxy');
    const usage = await api.call('GET', `/proxies/${proxy.id}/usage`, { token });
    expect(usage.status, usage.text).toBe(200);
    expect(usage.json.usage).toEqual({ used_gb: expect.any(Number), remaining_gb: expect.anything(), total_gb: expect.anything() });
    expect(usage.json.usage.used_gb).toBeGreaterThanOrEqual(0);
  });

  it('answers 422 unsupported, never a 500, for what the provider lacks, and 404 for someone else’s proxy', async () => {
    const api = await newApi();
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buyOne(api, token, 'proxy-ipv4');
    const card = await api.call('GET', `/proxies/${proxy.id}`, { token });
    expect(card.json.actions).not.toContain('changeCredentials');

    for (const [method, path, body] of [
      ['POST', `/proxies/${proxy.id}/change-credentials`, undefined],
      ['GET', `/proxies/${proxy.id}/locations`, undefined],
      ['POST', `/proxies/${proxy.id}/location`, { location: 'DE' }],
      ['GET', `/proxies/${proxy.id}/usage`, undefined],
    ] as const) {
      const answer = await api.call(method, path, { token, ...(body ? { body } : {}) });
      expect(answer.status, `${method} ${path}`).toBe(422);
      expect(answer.json, `${method} ${path}`).toMatchObject({
        success: false,
        error: { code: 'unsupported', message: expect.any(String) },
      });
    }
    expect(api.shop.subscriptions.get(user.id, proxy.id)!.password).toBe(proxy.password);

    const stranger = api.token(api.shop.customer(0, 'Stranger').id, ['read', 'write']);
    for (const path of ['change-credentials', 'rotate-ip']) {
      const answer = await api.call('POST', `/proxies/${proxy.id}/${path}`, { token: stranger });
      expect(answer.status, path).toBe(404);
    }
  });
});

describe('tokens', () => {
  it('lists the caller’s tokens without secrets and revokes the one in use', async () => {
    const api = await newApi();
    const user = api.shop.customer(0);
    const first = api.token(user.id, ['read']);
    const second = api.token(user.id, ['buy']);

    const listed = await api.call('GET', '/tokens', { token: first });
    expect(listed.status).toBe(200);
    expect(listed.json.tokens).toHaveLength(2);
    expect(listed.json.tokens.map((t: { current: boolean }) => t.current)).toEqual([true, false]);
    expect(listed.json.tokens[0]).toMatchObject({ scopes: ['read'], signing: false, revoked_at: null, prefix: first.slice(0, 12) });
    expect(listed.text).not.toContain(first);
    expect(listed.text).not.toContain(second);
    expect(listed.text).not.toMatch(/hash/i);

    // Revoking needs no particular scope: a `buy`-only token can retire itself.
    const revoked = await api.call('DELETE', '/tokens/current', { token: second });
    expect(revoked.status).toBe(200);
    expect(revoked.json.token).toMatchObject({ current: true, revoked_at: expect.any(String) });
    expect((await api.call('GET', '/tokens', { token: second })).status).toBe(401);
    expect((await api.call('DELETE', '/tokens/current', { token: second })).status).toBe(401);

    const after = await api.call('GET', '/tokens', { token: first });
    expect(after.json.tokens[1].revoked_at).toEqual(expect.any(String));
    expect(after.json.tokens[0].revoked_at).toBeNull();
  });
});
