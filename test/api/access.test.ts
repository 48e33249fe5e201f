/**
 * Who may call what: tokens, scopes, the per-token rate limit, the body
 * cap, and what never reaches responses or logs.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eachTestApi, quoteFirst, startApi } from './harness.js';

const newApi = eachTestApi();

describe('authentication', () => {
  it('takes Bearer or X-API-Token, and refuses every bad token alike without echoing it', async () => {
    const api = await newApi();
    const user = api.shop.customer(10_00);
    const token = api.token(user.id, ['read']);

    expect((await api.call('GET', '/me', { token })).status).toBe(200);
    expect((await api.call('GET', '/me', { headers: { authorization: `bearer ${token}` } })).status).toBe(200);
    expect((await api.call('GET', '/me', { headers: { 'X-API-Token': token } })).status).toBe(200);

    const revoked = api.token(user.id, ['read']);
    api.shop.tokens.revoke(user.id, api.shop.tokens.list(user.id).at(-1)!.id);
    const expiring = api.token(user.id, ['read'], { expiresAt: Date.now() + 60_000 });
    const typo = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    // Well-formed, checksum and all, but issued by another shop: unknown here.
    const other = await startApi();
    const foreign = other.token(other.shop.customer(0).id, ['read']);
    await other.close();

    api.advanceClock(120_000);
    const bad: Array<[string, Record<string, string>, string]> = [
      ['none', {}, ''],
      ['malformed', { authorization: 'Bearer not-a-token' }, 'not-a-token'],
      ['typo', { authorization: `Bearer ${typo}` }, typo],
      ['unknown', { authorization: `Bearer ${foreign}` }, foreign],
      ['revoked', { authorization: `Bearer ${revoked}` }, revoked],
      ['expired', { authorization: `Bearer ${expiring}` }, expiring],
      ['basic scheme', { authorization: `Basic ${token}` }, token],
      ['bad X-API-Token', { 'X-API-Token': typo }, typo],
    ];
    const bodies = new Set<string>();
    for (const [what, headers, secret] of bad) {
      const answer = await api.call('GET', '/me', { headers });
      expect(answer.status, what).toBe(401);
      expect(answer.json.error.code, what).toBe('unauthorized');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      if (secret) expect(answer.text, what).not.toContain(secret);
      bodies.add(answer.text);
    }
    // One answer for all: nothing tells a prober which tokens exist.
    expect(bodies.size).toBe(1);
  });

  it('checks scopes: read for GETs, buy for money, write for settings', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const reader = api.token(user.id, ['read']);
    const quote = await quoteFirst(api, reader);

    const refused = await api.call('POST', '/orders', { token: reader, idempotencyKey: 'read-only-01', body: { quote_id: quote.id } });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'forbidden_scope', required_scope: 'buy' });
    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 100_00, heldCents: 0 });
    expect(api.shop.orders.ordersOfUser(user.id)).toHaveLength(0);

    const buyer = api.token(user.id, ['buy']);
    expect((await api.call('GET', '/balance', { token: buyer })).status).toBe(403);
    const bought = await api.call('POST', '/orders', { token: buyer, idempotencyKey: 'buyer-only-01', body: { quote_id: quote.id } });
    expect(bought.status).toBe(201);
    const proxyId = bought.json.proxies[0].id;

    const setting = { auto_renew: true };
    expect((await api.call('POST', `/proxies/${proxyId}/auto-renew`, { token: buyer, body: setting })).status).toBe(403);
    const writer = api.token(user.id, ['write']);
    const set = await api.call('POST', `/proxies/${proxyId}/auto-renew`, { token: writer, body: setting });
    expect(set.status).toBe(200);
    expect(set.json.proxy.auto_renew).toBe(true);
  });
});

describe('limits', () => {
  it('rate-limits per token with 429 and Retry-After', async () => {
    const api = await newApi({ v1: { rateLimit: { limit: 3, windowMs: 60_000 } } });
    const user = api.shop.customer(0);
    const token = api.token(user.id, ['read']);
    for (let i = 0; i < 3; i++) expect((await api.call('GET', '/balance', { token })).status).toBe(200);
    const limited = await api.call('GET', '/balance', { token });
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20);
    // The budget is the token's: another token of the same customer still gets through.
    expect((await api.call('GET', '/balance', { token: api.token(user.id, ['read']) })).status).toBe(200);
  });

  it('refuses a 2 MB body with 413, declared or streamed, before anything is charged', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);
    const quote = await quoteFirst(api, token);
    const huge = JSON.stringify({ quote_id: quote.id, padding: 'x'.repeat(2 * 1024 * 1024) });

    const declared = await api.call('POST', '/orders', {
      token,
      idempotencyKey: 'huge-body-001',
      rawBody: huge,
      headers: { 'content-type': 'application/json' },
    });
    expect(declared.status).toBe(413);
    expect(declared.json.error.code).toBe('payload_too_large');

    // Chunked, with no Content-Length: the cap holds while reading.
    const stream = Readable.toWeb(
      Readable.from([Buffer.from(huge.slice(0, 1024 * 1024)), Buffer.from(huge.slice(1024 * 1024))]),
    ) as ReadableStream;
    const streamed = await api.call('POST', '/orders', {
      token,
      idempotencyKey: 'huge-body-002',
      rawBody: stream,
      headers: { 'content-type': 'application/json' },
    });
    expect(streamed.status).toBe(413);
    expect(streamed.json.error.code).toBe('payload_too_large');

    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 100_00, heldCents: 0 });
    expect(api.shop.orders.ordersOfUser(user.id)).toHaveLength(0);
  });

  it('answers unknown endpoints with the envelope', async () => {
    const api = await newApi();
    const token = api.token(api.shop.customer(0).id, ['read']);
    const answer = await api.call('GET', '/nothing-here', { token });
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ success: false, error: { code: 'not_found', message: expect.any(String) } });
  });
});

describe('secrets', () => {
  it('never writes the token or a proxy password to the log', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);
    const quote = await quoteFirst(api, token);
    const bought = await api.call('POST', '/orders', { token, idempotencyKey: 'log-check-001', body: { quote_id: quote.id } });
    const password = bought.json.proxies[0].password as string;
    await api.call('GET', `/proxies/${bought.json.proxies[0].id}`, { token });
    await api.call('GET', '/proxies/export', { token });
    await api.call('GET', '/me', { headers: { authorization: `Bearer ${token}x` } });

    const log = api.logs.join('\n');
    expect(api.logs.some((line) => line.includes('"msg":"api request"'))).toBe(true);
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.slice(4, 31));
    expect(log).not.toContain(password);
  });
});
