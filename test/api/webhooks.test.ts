/**
 * /api/v1/webhooks over HTTP, as a customer's script uses it: the route file
 * mounted behind the real token authentication and error envelope, the
 * webhooks service on a fresh database, and a receiver on 127.0.0.1.
 */
import { serve } from '@hono/node-server';
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { authenticate, type ApiEnv } from '../../src/api/middlewares/auth.js';
import { apiErrorHandler } from '../../src/api/middlewares/errors.js';
import { webhookRoutes } from '../../src/api/routes/webhooks.js';
import { silentLogger } from '../../src/logger.js';
import type { TokenScope } from '../../src/services/tokens.js';
import { createWebhooks, RETRY_DELAYS_MS } from '../../src/services/webhooks.js';
import { freshServices } from '../helpers/db.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startWebhookApi(options: { allowPrivateUrls?: boolean } = {}) {
  const shop = freshServices();
  closers.push(() => shop.close());
  let clock = Date.UTC(2030, 0, 1);
  const webhooks = createWebhooks({
    db: shop.database.db,
    sqlite: shop.database.sqlite,
    allowPrivateUrls: options.allowPrivateUrls ?? true,
    now: () => clock,
    timeoutMs: 1_000,
  });
  const v1 = new Hono<ApiEnv>();
  v1.onError(apiErrorHandler(silentLogger));
  v1.use('*', authenticate(shop.tokens));
  v1.route('/', webhookRoutes({ webhooks }));
  const app = new Hono().route('/api/v1', v1);
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started as Server));
  });
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  return {
    shop,
    webhooks,
    advanceClock: (ms: number) => {
      clock += ms;
    },
    now: () => clock,
    token: (userId: number, scopes: TokenScope[]) => shop.tokens.create({ userId, name: 'script', scopes }).token,
    async call(method: string, path: string, token: string, body?: unknown) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as any };
    },
  };
}

async function receiver() {
  const started = await startReceiver();
  closers.push(() => started.close());
  return started;
}

describe('/webhooks', () => {
  it('registers a URL, shows the secret once, and the events it sends verify with that secret', async () => {
    const api = await startWebhookApi();
    const user = api.shop.newUser();
    const token = api.token(user.id, ['read', 'write']);
    const target = await receiver();

    const created = await api.call('POST', '/webhooks', token, { url: target.url, events: ['order.delivered', 'proxy.expiring'] });
    expect(created.status).toBe(201);
    expect(created.json.webhook).toMatchObject({ url: target.url, events: ['order.delivered', 'proxy.expiring'] });
    const secret: string = created.json.secret;
    expect(secret).toMatch(/^whsec_/);
    const id: string = created.json.webhook.id;

    const listed = await api.call('GET', '/webhooks', token);
    expect(listed.json.webhooks).toEqual([created.json.webhook]);
    expect(JSON.stringify(listed.json)).not.toContain(secret);
    expect(JSON.stringify((await api.call('GET', `/webhooks/${id}`, token)).json)).not.toContain(secret);

    api.webhooks.emit(user.id, {
      type: 'proxy.expiring',
      proxy: { id: 'sub_1', expiresAt: '2030-01-04T00:00:00.000Z', autoRenew: false },
      hoursLeft: 72,
    });
    await api.webhooks.deliverDue();
    const [request] = target.received;
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(request!.headers['x-webhook-signature']))!;
    expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${request!.body}`).digest('hex'));
    expect(JSON.parse(request!.body).data).toEqual({
      proxy: { id: 'sub_1', expires_at: '2030-01-04T00:00:00.000Z', auto_renew: false },
      hours_left: 72,
    });
  });

  it('shows the delivery log with every attempt, paged by cursor', async () => {
    const api = await startWebhookApi();
    const user = api.shop.newUser();
    const token = api.token(user.id, ['read', 'write']);
    const target = await receiver();
    target.script(502);
    const id = (await api.call('POST', '/webhooks', token, { url: target.url })).json.webhook.id;

    for (const orderId of ['ord_a', 'ord_b', 'ord_c']) {
      api.webhooks.emit(user.id, {
        type: 'order.failed',
        order: { id: orderId, kind: 'purchase', providerId: 'proxy-ipv4', priceCents: 500, reason: 'out_of_stock' },
      });
    }
    await api.webhooks.deliverDue();
    api.advanceClock(RETRY_DELAYS_MS[0]);
    await api.webhooks.deliverDue();

    const first = await api.call('GET', `/webhooks/${id}/deliveries?limit=2`, token);
    expect(first.status).toBe(200);
    expect(first.json.deliveries.map((d: any) => d.payload.data.order.id)).toEqual(['ord_c', 'ord_b']);
    const second = await api.call('GET', `/webhooks/${id}/deliveries?limit=2&cursor=${first.json.next_cursor}`, token);
    expect(second.json.next_cursor).toBeNull();
    const oldest = second.json.deliveries[0];
    expect(oldest).toMatchObject({ event: 'order.failed', state: 'delivered', next_attempt_at: null });
    expect(oldest.attempts.map((a: any) => [a.attempt, a.status, a.error])).toEqual([
      [1, 502, 'answered 502'],
      [2, 200, null],
    ]);
    expect(oldest.delivered_at).toBe(new Date(api.now()).toISOString());
  });

  it('sends a test event and answers with how the receiver took it', async () => {
    const api = await startWebhookApi();
    const user = api.shop.newUser();
    const token = api.token(user.id, ['read', 'write']);
    const target = await receiver();
    target.script(200, 500);
    const id = (await api.call('POST', '/webhooks', token, { url: target.url })).json.webhook.id;

    const ok = await api.call('POST', `/webhooks/${id}/test`, token);
    expect(ok.status).toBe(200);
    expect(ok.json.delivery).toMatchObject({ event: 'webhook.test', state: 'delivered', attempts: [{ attempt: 1, status: 200 }] });
    expect(target.received[0]!.headers['x-webhook-id']).toBe(ok.json.delivery.id);

    const failed = await api.call('POST', `/webhooks/${id}/test`, token);
    expect(failed.json.delivery).toMatchObject({ state: 'failed', attempts: [{ status: 500, error: 'answered 500' }] });
  });

  it('refuses private URLs outside the sandbox, and bad bodies, in the error envelope', async () => {
    const api = await startWebhookApi({ allowPrivateUrls: false });
    const user = api.shop.newUser();
    const token = api.token(user.id, ['write']);

    for (const url of ['http://127.0.0.1:9000/hook', 'http://localhost/hook', 'http://169.254.169.254/']) {
      const refused = await api.call('POST', '/webhooks', token, { url });
      expect(refused.status, url).toBe(400);
      expect(refused.json.error.code).toBe('invalid_request');
      expect(refused.json.error.details[0].path).toBe('url');
      expect(refused.json.error.message).toMatch(/private, loopback or reserved/);
    }
    const unknownEvent = await api.call('POST', '/webhooks', token, { url: 'https://93.184.215.14/hook', events: ['order.exploded'] });
    expect(unknownEvent.status).toBe(400);
    expect(unknownEvent.json.error.details[0].path).toBe('events.0');
  });

  it('keeps each customer to their own webhooks and checks scopes', async () => {
    const api = await startWebhookApi();
    const owner = api.shop.newUser();
    const stranger = api.shop.newUser('Stranger');
    const ownerToken = api.token(owner.id, ['read', 'write']);
    const strangerToken = api.token(stranger.id, ['read', 'write']);
    const readOnly = api.token(owner.id, ['read']);
    const target = await receiver();
    const id = (await api.call('POST', '/webhooks', ownerToken, { url: target.url })).json.webhook.id;

    for (const [method, path] of [
      ['GET', `/webhooks/${id}`],
      ['GET', `/webhooks/${id}/deliveries`],
      ['POST', `/webhooks/${id}/test`],
      ['DELETE', `/webhooks/${id}`],
      ['GET', '/webhooks/not-an-id'],
    ] as const) {
      const answer = await api.call(method, path, strangerToken);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.json.error.code).toBe('not_found');
    }
    expect(target.received).toHaveLength(0);
    expect((await api.call('POST', '/webhooks', readOnly, { url: target.url })).json.error.code).toBe('forbidden_scope');
    expect((await api.call('DELETE', `/webhooks/${id}`, readOnly)).status).toBe(403);

    expect((await api.call('DELETE', `/webhooks/${id}`, ownerToken)).json).toEqual({ success: true, deleted: true });
    expect((await api.call('GET', '/webhooks', ownerToken)).json.webhooks).toEqual([]);
    // The log of a removed webhook stays readable for its owner.
    expect((await api.call('GET', `/webhooks/${id}/deliveries`, ownerToken)).status).toBe(200);
  });
});
