/**
 * The REST API as `npm start` serves it: the composition root (startApp)
 * from a parsed config, with the proxy-ipv4 simulator as the upstream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';

let app: RunningApp | undefined;
let upstream: RunningUpstream | undefined;
afterEach(async () => {
  if (app) expect(app.services.orders.checkInvariants()).toEqual([]);
  await app?.stop();
  await upstream?.close();
  app = undefined;
  upstream = undefined;
});

describe('the REST API in the application', () => {
  it('is mounted at /api/v1 next to /healthz and sells with the app’s services', async () => {
    upstream = await startUpstream('proxy-ipv4');
    const parsed = parseConfig({
      DATABASE_PATH: ':memory:',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      PROXY_IPV4_API_KEY: upstream.apiKey,
      PROXY_IPV4_BASE_URL: upstream.baseUrl,
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const logs: string[] = [];
    app = await startApp(parsed.config, createLogger({ level: 'debug', write: (line) => logs.push(line) }), { scheduler: false });
    const { services, httpUrl } = app;
    const user = services.users.ensure({ telegramId: 777_001, firstName: 'Script' });
    services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'api-app-1', amountCents: 50_00 });
    const { token } = services.tokens.create({ userId: user.id, name: 'shop script', scopes: ['read', 'buy'] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    expect((await fetch(`${httpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${httpUrl}/api/v1/me`)).status).toBe(401);

    const quoted = await fetch(`${httpUrl}/api/v1/quotes`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ provider: 'proxy-ipv4', product: 'ipv4', country: 'USA', term: '30', quantity: 1 }),
    });
    expect(quoted.status).toBe(201);
    const { quote } = (await quoted.json()) as { quote: { id: string; price_cents: number } };
    const ordered = await fetch(`${httpUrl}/api/v1/orders`, {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': 'app-order-0001' },
      body: JSON.stringify({ quote_id: quote.id }),
    });
    expect(ordered.status).toBe(201);
    const { proxies } = (await ordered.json()) as { proxies: Array<{ password: string }> };
    expect(services.wallet.balance(user.id)).toEqual({ availableCents: 50_00 - quote.price_cents, heldCents: 0 });

    const log = logs.join('\n');
    expect(log).toContain('"component":"api"');
    expect(log).not.toContain(token);
    expect(log).not.toContain(proxies[0]!.password);
  });

  it('refuses a body that is not JSON with 415 and the error envelope, and nothing changes', async () => {
    upstream = await startUpstream('proxy-ipv4');
    const parsed = parseConfig({
      DATABASE_PATH: ':memory:',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      PROXY_IPV4_API_KEY: upstream.apiKey,
      PROXY_IPV4_BASE_URL: upstream.baseUrl,
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    app = await startApp(parsed.config, createLogger({ level: 'error', write: () => undefined }), { scheduler: false });
    const { services, httpUrl } = app;
    const user = services.users.ensure({ telegramId: 777_002, firstName: 'Script' });
    services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'api-app-2', amountCents: 50_00 });
    const { token } = services.tokens.create({ userId: user.id, name: 'shop script', scopes: ['read', 'buy'] });
    const auth = { authorization: `Bearer ${token}` };
    const quoteBody = JSON.stringify({ provider: 'proxy-ipv4', product: 'ipv4', country: 'USA', term: '30', quantity: 1 });
    const quoted = await fetch(`${httpUrl}/api/v1/quotes`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json; charset=utf-8' },
      body: quoteBody,
    });
    expect(quoted.status).toBe(201);
    const { quote } = (await quoted.json()) as { quote: { id: string } };
    const orderBody = JSON.stringify({ quote_id: quote.id });

    const attempts: Array<{ name: string; headers: Record<string, string>; body: string | Uint8Array }> = [
      { name: 'text/plain', headers: { 'content-type': 'text/plain' }, body: orderBody },
      { name: 'form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `quote_id=${quote.id}` },
      // A byte body: fetch sends no Content-Type at all.
      { name: 'none', headers: {}, body: new TextEncoder().encode(orderBody) },
    ];
    for (const [i, attempt] of attempts.entries()) {
      const response = await fetch(`${httpUrl}/api/v1/orders`, {
        method: 'POST',
        headers: { ...auth, ...attempt.headers, 'Idempotency-Key': `app-order-415-${i}` },
        body: attempt.body,
      });
      expect(response.status, attempt.name).toBe(415);
      expect(await response.json(), attempt.name).toEqual({
        success: false,
        error: { code: 'unsupported_media_type', message: 'the request body must be JSON: send Content-Type: application/json' },
      });
    }
    expect(services.orders.ordersOfUser(user.id)).toEqual([]);
    expect(services.wallet.balance(user.id)).toEqual({ availableCents: 50_00, heldCents: 0 });
    expect(upstream.simulator.purchaseCount()).toBe(0);
  });
});
