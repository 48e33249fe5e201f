/**
 * The customer's proxies through the REST API: list, credentials, export
 * formats, renewal and auto-renewal, against the proxy-ipv4 simulator.
 */
import { describe, expect, it } from 'vitest';
import { buyOverApi, eachTestApi, firstOffer, type ApiHarness, type BoughtProxy } from './harness.js';

const newApi = eachTestApi();

async function buy(harness: ApiHarness, token: string, quantity: number, key: string) {
  const proxies = await buyOverApi(harness, token, await firstOffer(harness, token, 'proxy-ipv4', quantity), key);
  return proxies as Array<BoughtProxy & { expires_at: string }>;
}

describe('proxies', () => {
  it('lists without secrets, shows one with credentials and no-store, and exports every format', async () => {
    const api = await newApi();
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const proxies = await buy(api, token, 2, 'two-proxies-1');
    expect(proxies).toHaveLength(2);

    const list = await api.call('GET', '/proxies?limit=1', { token });
    expect(list.status).toBe(200);
    expect(list.json.next_cursor).toEqual(expect.any(String));
    expect(list.json.proxies).toHaveLength(1);
    expect(list.json.proxies[0]).not.toHaveProperty('password');
    expect(list.text).not.toContain(proxies[0]!.password);
    const rest = await api.call('GET', `/proxies?limit=1&cursor=${list.json.next_cursor}`, { token });
    expect(rest.json.proxies).toHaveLength(1);
    expect(rest.json.next_cursor).toBeNull();
    expect([list.json.proxies[0].id, rest.json.proxies[0].id].sort()).toEqual(proxies.map((p) => p.id).sort());
    expect(rest.text).not.toContain(proxies[1]!.password);

    const one = await api.call('GET', `/proxies/${proxies[0]!.id}`, { token });
    expect(one.status).toBe(200);
    expect(one.headers.get('cache-control')).toBe('no-store');
    expect(one.json.proxy).toMatchObject({ id: proxies[0]!.id, login: proxies[0]!.login, password: proxies[0]!.password });

    const owned = api.shop.subscriptions.all(user.id);
    const expected: Record<string, (p: (typeof owned)[number]) => string> = {
      'host:port:login:password': (p) => `${p.host}:${p.httpPort}:${p.login}:${p.password}`,
      'login:password@host:port': (p) => `${p.login}:${p.password}@${p.host}:${p.httpPort}`,
      http: (p) => `http://${encodeURIComponent(p.login)}:${encodeURIComponent(p.password)}@${p.host}:${p.httpPort}`,
      socks5: (p) => `socks5://${encodeURIComponent(p.login)}:${encodeURIComponent(p.password)}@${p.host}:${p.socks5Port}`,
    };
    for (const [format, line] of Object.entries(expected)) {
      const exported = await api.call('GET', `/proxies/export?format=${encodeURIComponent(format)}`, { token });
      expect(exported.status, format).toBe(200);
      expect(exported.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(exported.headers.get('cache-control')).toBe('no-store');
      expect(exported.text.split('\n').filter(Boolean).sort(), format).toEqual(owned.map(line).sort());
    }
    const defaulted = await api.call('GET', '/proxies/export', { token });
    expect(defaulted.text.split('\n').filter(Boolean).sort()).toEqual(owned.map(expected['host:port:login:password']!).sort());
    const unknownFormat = await api.call('GET', '/proxies/export?format=csv', { token });
    expect(unknownFormat.status).toBe(400);
    expect(unknownFormat.json.error.details[0].path).toBe('format');
  });

  it('renews through the API: the expiry moves, the price is charged once per key', async () => {
    const api = await newApi();
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const [proxy] = await buy(api, token, 1, 'renew-base-01');

    const terms = await api.call('GET', `/proxies/${proxy!.id}/renewal-terms`, { token });
    expect(terms.status).toBe(200);
    const term = terms.json.terms[0];
    expect(term).toMatchObject({ id: expect.any(String), label: expect.any(String) });
    expect(terms.text).not.toMatch(/cost/i);

    const before = api.shop.wallet.balance(user.id).availableCents;
    const renewed = await api.call('POST', `/proxies/${proxy!.id}/renew`, {
      token,
      idempotencyKey: 'renew-once-01',
      body: { term: term.id },
    });
    expect(renewed.status).toBe(201);
    expect(renewed.json.order).toMatchObject({ kind: 'renewal', state: 'delivered', proxy_ids: [proxy!.id], channel: 'api' });
    const price = renewed.json.order.price_cents;
    // proxy-ipv4 lists renewal prices, so the terms show the price before any money moves.
    expect(price).toBe(term.price_cents);
    expect(Date.parse(renewed.json.proxies[0].expires_at)).toBeGreaterThan(Date.parse(proxy!.expires_at));
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(before - price);

    // A retry with the same key is the same renewal, not a second one.
    const again = await api.call('POST', `/proxies/${proxy!.id}/renew`, {
      token,
      idempotencyKey: 'renew-once-01',
      body: { term: term.id },
    });
    expect(again.status).toBe(201);
    expect(again.json.order.id).toBe(renewed.json.order.id);
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(before - price);
    const card = await api.call('GET', `/proxies/${proxy!.id}`, { token });
    expect(card.json.proxy.expires_at).toBe(renewed.json.proxies[0].expires_at);

    // Even while the provider is down, the retry answers with the renewal it already made.
    api.shop.upstream('proxy-ipv4').simulator.faults.inject({ kind: 'error_before', status: 503 }, { times: Infinity });
    const whileDown = await api.call('POST', `/proxies/${proxy!.id}/renew`, {
      token,
      idempotencyKey: 'renew-once-01',
      body: { term: term.id },
    });
    expect(whileDown.status).toBe(201);
    expect(whileDown.json.order.id).toBe(renewed.json.order.id);
    api.shop.upstream('proxy-ipv4').simulator.faults.clear();

    // The key of the purchase cannot be reused for a renewal.
    const reused = await api.call('POST', `/proxies/${proxy!.id}/renew`, {
      token,
      idempotencyKey: 'renew-base-01',
      body: { term: term.id },
    });
    expect(reused.status).toBe(409);
    expect(reused.json.error.code).toBe('idempotency_conflict');

    const noKey = await api.call('POST', `/proxies/${proxy!.id}/renew`, { token, body: { term: term.id } });
    expect(noKey.status).toBe(400);
    expect(noKey.json.error.code).toBe('idempotency_key_required');
    const badTerm = await api.call('POST', `/proxies/${proxy!.id}/renew`, {
      token,
      idempotencyKey: 'renew-bad-term',
      body: { term: 'forever' },
    });
    expect(badTerm.status).toBe(400);
    expect(badTerm.json.error.details[0].path).toBe('term');
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(before - price);

    const auto = await api.call('POST', `/proxies/${proxy!.id}/auto-renew`, { token, body: { auto_renew: true, term: term.id } });
    expect(auto.status).toBe(200);
    expect(auto.json.proxy).toMatchObject({ auto_renew: true, renew_term: term.id });
    const autoBadTerm = await api.call('POST', `/proxies/${proxy!.id}/auto-renew`, { token, body: { auto_renew: true, term: 'forever' } });
    expect(autoBadTerm.status).toBe(400);
    const autoBadType = await api.call('POST', `/proxies/${proxy!.id}/auto-renew`, { token, body: { auto_renew: 'yes' } });
    expect(autoBadType.status).toBe(400);
    expect(autoBadType.json.error.details[0].path).toBe('auto_renew');
    const off = await api.call('POST', `/proxies/${proxy!.id}/auto-renew`, { token, body: { auto_renew: false } });
    expect(off.json.proxy.auto_renew).toBe(false);
  });

  it('another customer’s proxy is 404 everywhere, and cannot be renewed or exported', async () => {
    const api = await newApi();
    const alice = api.shop.customer(100_00, 'Alice');
    const bob = api.shop.customer(100_00, 'Bob');
    const aliceToken = api.token(alice.id, ['read', 'buy']);
    const bobToken = api.token(bob.id, ['read', 'buy', 'write']);
    const [proxy] = await buy(api, aliceToken, 1, 'alice-proxy-1');

    for (const [method, path, body] of [
      ['GET', `/proxies/${proxy!.id}`, undefined],
      ['GET', `/proxies/${proxy!.id}/renewal-terms`, undefined],
      ['POST', `/proxies/${proxy!.id}/renew`, { term: '30' }],
      ['POST', `/proxies/${proxy!.id}/auto-renew`, { auto_renew: true }],
    ] as const) {
      const answer = await api.call(method, path, { token: bobToken, idempotencyKey: 'bob-tries-it', ...(body ? { body } : {}) });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.text).not.toContain(proxy!.password);
    }
    const bobs = await api.call('GET', '/proxies/export', { token: bobToken });
    expect(bobs.text).toBe('');
    expect(api.shop.wallet.balance(bob.id).availableCents).toBe(100_00);
    expect(api.shop.subscriptions.get(alice.id, proxy!.id)!.autoRenew).toBe(false);
  });
});
