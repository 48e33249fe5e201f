/**
 * Request signing on the money POSTs for tokens created with signing on:
 * the right signature buys, and every bad one — missing, malformed, of the
 * wrong length, not matching, stale, replayed — is 401 with the envelope,
 * never a 500, and moves no money.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eachTestApi, quoteFirst, type ApiHarness } from './harness.js';

const newApi = eachTestApi();

/** Signs exactly as the API's documentation tells a customer to, independently of the shop's code. */
function sign(secret: string, timestamp: string, method: string, path: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${method}\n${path}\n${body}`).digest('hex');
}

const nowSeconds = () => String(Math.floor(Date.now() / 1000));

async function signingCustomer(api: ApiHarness, cents = 100_00) {
  const user = api.shop.customer(cents);
  const created = api.shop.tokenSigning.createSigningToken({ userId: user.id, name: 'signed script', scopes: ['read', 'buy'] });
  return { user, token: created.token, secret: created.signingSecret };
}

async function signedPost(api: ApiHarness, token: string, path: string, body: string, headers: Record<string, string>) {
  return api.call('POST', path, { token, rawBody: body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('signed money requests', () => {
  it('buys with a valid signature; the secret is shown once and the token lists as signing', async () => {
    const api = await newApi();
    const { user, token, secret } = await signingCustomer(api);
    expect(secret).toMatch(/^pss_[A-Za-z0-9_-]{40,}$/);
    const listed = await api.call('GET', '/tokens', { token });
    expect(listed.json.tokens[0]).toMatchObject({ signing: true, current: true });
    expect(listed.text).not.toContain(secret);

    // Quoting moves no money: no signature needed.
    const quote = await quoteFirst(api, token);
    const body = JSON.stringify({ quote_id: quote.id });
    const timestamp = nowSeconds();
    const bought = await signedPost(api, token, '/orders', body, {
      'idempotency-key': 'signed-order-01',
      'x-timestamp': timestamp,
      'x-signature': sign(secret, timestamp, 'POST', '/api/v1/orders', body),
    });
    expect(bought.status, bought.text).toBe(201);
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(100_00 - quote.price_cents);
    expect(api.logs.join('\n')).not.toContain(secret);
  });

  it('refuses missing, malformed, wrong-length, mismatched and stale signatures with 401, charging nothing', async () => {
    const api = await newApi();
    const { user, token, secret } = await signingCustomer(api);
    const quote = await quoteFirst(api, token);
    const body = JSON.stringify({ quote_id: quote.id });
    const ts = nowSeconds();
    const good = sign(secret, ts, 'POST', '/api/v1/orders', body);
    const stale = String(Number(ts) - 301);
    // Seconds pass while the cases run, bringing a future time closer: a margin keeps it outside the window.
    const future = String(Number(ts) + 310);

    const cases: Array<[string, Record<string, string>, string, string?]> = [
      ['no headers', {}, 'missing'],
      ['no signature', { 'x-timestamp': ts }, 'missing'],
      ['no timestamp', { 'x-signature': good }, 'missing'],
      ['not hex', { 'x-timestamp': ts, 'x-signature': 'z'.repeat(64) }, 'malformed'],
      ['too short', { 'x-timestamp': ts, 'x-signature': good.slice(0, 62) }, 'malformed'],
      ['too long', { 'x-timestamp': ts, 'x-signature': `${good}00` }, 'malformed'],
      // Milliseconds are the usual slip: told apart from a stale second count.
      [
        'timestamp in ms',
        { 'x-timestamp': `${ts}000`, 'x-signature': sign(secret, `${ts}000`, 'POST', '/api/v1/orders', body) },
        'malformed',
      ],
      ['timestamp not a number', { 'x-timestamp': 'yesterday', 'x-signature': good }, 'malformed'],
      ['wrong secret', { 'x-timestamp': ts, 'x-signature': sign(`${secret}x`, ts, 'POST', '/api/v1/orders', body) }, 'mismatch'],
      ['other body', { 'x-timestamp': ts, 'x-signature': sign(secret, ts, 'POST', '/api/v1/orders', `${body} `) }, 'mismatch'],
      ['other path', { 'x-timestamp': ts, 'x-signature': sign(secret, ts, 'POST', '/orders', body) }, 'mismatch'],
      ['other timestamp', { 'x-timestamp': String(Number(ts) - 1), 'x-signature': good }, 'mismatch'],
      ['stale', { 'x-timestamp': stale, 'x-signature': sign(secret, stale, 'POST', '/api/v1/orders', body) }, 'stale'],
      ['from the future', { 'x-timestamp': future, 'x-signature': sign(secret, future, 'POST', '/api/v1/orders', body) }, 'stale'],
    ];
    for (const [what, headers, reason] of cases) {
      const answer = await signedPost(api, token, '/orders', body, { 'idempotency-key': 'refused-order-1', ...headers });
      expect(answer.status, what).toBe(401);
      expect(answer.json, what).toMatchObject({
        success: false,
        error: { code: 'unauthorized', signature_error: reason, message: expect.any(String) },
      });
    }
    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 100_00, heldCents: 0 });
    expect(api.shop.orders.ordersOfUser(user.id)).toHaveLength(0);

    // After all that, the good signature still works: refusals consume nothing.
    const bought = await signedPost(api, token, '/orders', body, {
      'idempotency-key': 'refused-order-1',
      'x-timestamp': ts,
      'x-signature': good,
    });
    expect(bought.status, bought.text).toBe(201);
  });

  it('refuses a replayed signature, and a retry re-signed with a new timestamp returns the same order', async () => {
    const api = await newApi();
    const { user, token, secret } = await signingCustomer(api);
    const quote = await quoteFirst(api, token);
    const body = JSON.stringify({ quote_id: quote.id });
    const ts = nowSeconds();
    const headers = {
      'idempotency-key': 'replayed-order-1',
      'x-timestamp': ts,
      'x-signature': sign(secret, ts, 'POST', '/api/v1/orders', body),
    };
    const first = await signedPost(api, token, '/orders', body, headers);
    expect(first.status).toBe(201);

    const replayed = await signedPost(api, token, '/orders', body, headers);
    expect(replayed.status).toBe(401);
    expect(replayed.json.error).toMatchObject({ code: 'unauthorized', signature_error: 'replayed' });
    // Upper-case hex is the same signature.
    const shouted = await signedPost(api, token, '/orders', body, { ...headers, 'x-signature': headers['x-signature'].toUpperCase() });
    expect(shouted.json.error.signature_error).toBe('replayed');

    const later = String(Number(ts) + 1);
    const retried = await signedPost(api, token, '/orders', body, {
      ...headers,
      'x-timestamp': later,
      'x-signature': sign(secret, later, 'POST', '/api/v1/orders', body),
    });
    expect(retried.status).toBe(201);
    expect(retried.json.order.id).toBe(first.json.order.id);
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(100_00 - quote.price_cents);
    expect(api.shop.upstream('proxy-ipv4').simulator.purchaseCount()).toBe(1);
  });

  it('guards renewals too, while tokens without signing need no signature', async () => {
    const api = await newApi();
    const { user, token, secret } = await signingCustomer(api, 500_00);
    const plain = api.token(user.id, ['read', 'buy']);
    const quote = await quoteFirst(api, plain);
    const bought = await api.call('POST', '/orders', { token: plain, idempotencyKey: 'plain-order-01', body: { quote_id: quote.id } });
    expect(bought.status).toBe(201);
    const proxyId = bought.json.proxies[0].id as string;
    const terms = await api.call('GET', `/proxies/${proxyId}/renewal-terms`, { token });
    const body = JSON.stringify({ term: terms.json.terms[0].id });
    const path = `/proxies/${proxyId}/renew`;
    const before = api.shop.wallet.balance(user.id).availableCents;

    const unsigned = await signedPost(api, token, path, body, { 'idempotency-key': 'signed-renew-01' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.error.signature_error).toBe('missing');
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(before);

    const ts = nowSeconds();
    const renewed = await signedPost(api, token, path, body, {
      'idempotency-key': 'signed-renew-01',
      'x-timestamp': ts,
      'x-signature': sign(secret, ts, 'POST', `/api/v1${path}`, body),
    });
    expect(renewed.status, renewed.text).toBe(201);
    expect(renewed.json.order).toMatchObject({ kind: 'renewal', proxy_ids: [proxyId] });
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(before - renewed.json.order.price_cents);
  });
});
