/**
 * Outgoing webhooks through the whole application (startApp), as a customer's
 * script meets them: it registers a URL over the REST API, buys over the REST
 * API against the proxy-ipv4 simulator, and its own server on 127.0.0.1
 * receives the signed events once the scheduler's delivery job has run.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';
import { RETRY_DELAYS_MS } from '../../src/services/webhooks.js';
import { startReceiver, type ReceivedRequest, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let app: RunningApp | undefined;
let upstream: RunningUpstream<'proxy-ipv4'> | undefined;
let receiver: WebhookReceiver | undefined;
const logs: string[] = [];

afterEach(async () => {
  await app?.stop();
  await upstream?.close();
  await receiver?.close();
  app = undefined;
  upstream = undefined;
  receiver = undefined;
  logs.length = 0;
});

async function start(): Promise<RunningApp> {
  upstream = await startUpstream('proxy-ipv4');
  receiver = await startReceiver();
  const parsed = parseConfig({
    DATABASE_PATH: ':memory:',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    PROXY_IPV4_API_KEY: upstream.apiKey,
    PROXY_IPV4_BASE_URL: upstream.baseUrl,
    // The customer's receiver runs on this machine.
    WEBHOOKS_ALLOW_PRIVATE: 'true',
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  app = await startApp(parsed.config, createLogger({ level: 'info', write: (line) => logs.push(line) }));
  return app;
}

/** A customer and a token that may read, buy and register webhooks; `call` speaks to /api/v1 with it. */
function scriptingCustomer(running: RunningApp) {
  const user = running.services.users.ensure({ telegramId: 770_001, firstName: 'Script' });
  const { token } = running.services.tokens.create({ userId: user.id, name: 'webhook test', scopes: ['read', 'buy', 'write'] });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${running.httpUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as any };
  };
  const credit = (cents: number, externalId: string) =>
    running.services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId, amountCents: cents });
  return { userId: user.id, call, credit };
}

async function quoteOne(call: ReturnType<typeof scriptingCustomer>['call']) {
  const quoted = await call('POST', '/quotes', { provider: 'proxy-ipv4', product: 'ipv4', country: 'USA', term: '30', quantity: 1 });
  expect(quoted.status).toBe(201);
  return quoted.json.quote as { id: string; price_cents: number };
}

/** The check docs/webhooks.md gives customers: HMAC-SHA256 of "<t>.<raw body>" with the secret, t within five minutes. */
function verifies(secret: string, request: ReceivedRequest): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['x-webhook-signature']));
  if (!match || Math.abs(Date.now() / 1000 - Number(match[1])) > 300) return false;
  return createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest('hex') === match[2];
}

const ofType = (type: string) => receiver!.received.filter((r) => r.headers['x-webhook-event'] === type);

describe('webhooks in the running shop', () => {
  it('delivers a signed order.delivered (and balance.low) for a purchase made over the API, once the delivery job runs', async () => {
    const running = await start();
    const { call, credit } = scriptingCustomer(running);
    const registered = await call('POST', '/webhooks', { url: receiver!.url });
    expect(registered.status).toBe(201);
    const secret: string = registered.json.secret;
    const webhookId: string = registered.json.webhook.id;

    const quote = await quoteOne(call);
    // Enough for the order and no more than $1 left: the purchase takes the balance below the $5 threshold.
    const credited = Math.max(quote.price_cents + 1_00, 5_00);
    credit(credited, 'webhook-e2e-1');
    const ordered = await call('POST', '/orders', { quote_id: quote.id }, { 'Idempotency-Key': 'webhook-e2e-order-1' });
    expect(ordered.status).toBe(201);
    const order = ordered.json.order as { id: string; price_cents: number };
    const proxyIds = (ordered.json.proxies as Array<{ id: string }>).map((p) => p.id);
    expect(proxyIds).toHaveLength(1);

    // Queued by the purchase, sent by the scheduler's job (its own 5-second tick may get there first).
    await running.scheduler!.runNow('deliver-webhooks');
    expect(ofType('order.delivered')).toHaveLength(1);
    const [delivered] = ofType('order.delivered');
    expect(verifies(secret, delivered!)).toBe(true);
    expect(verifies('whsec_someone-else', delivered!)).toBe(false);
    const body = JSON.parse(delivered!.body);
    expect(body).toMatchObject({
      id: delivered!.headers['x-webhook-id'],
      type: 'order.delivered',
      data: { order: { id: order.id, kind: 'purchase', provider: 'proxy-ipv4', price_cents: order.price_cents, proxy_ids: proxyIds } },
    });
    // Ids only: the credentials stay behind the authenticated API.
    const proxy = await call('GET', `/proxies/${proxyIds[0]}`);
    expect(delivered!.body).not.toContain(proxy.json.proxy.password);

    const [low] = ofType('balance.low');
    expect(verifies(secret, low!)).toBe(true);
    expect(JSON.parse(low!.body).data).toEqual({ balance: { available_cents: credited - quote.price_cents, threshold_cents: 5_00 } });

    // The customer reads the same story in the log.
    const log = await call('GET', `/webhooks/${webhookId}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.json.deliveries.map((d: any) => [d.event, d.state])).toEqual(
      expect.arrayContaining([
        ['order.delivered', 'delivered'],
        ['balance.low', 'delivered'],
      ]),
    );
    // Sent once, however often the job runs again.
    await running.scheduler!.runNow('deliver-webhooks');
    expect(ofType('order.delivered')).toHaveLength(1);
  });

  it('sends order.failed when the upstream refuses, and retries a receiver that failed on the backoff schedule', async () => {
    const running = await start();
    const { call, credit } = scriptingCustomer(running);
    credit(100_00, 'webhook-e2e-2');
    const registered = await call('POST', '/webhooks', { url: receiver!.url, events: ['order.failed'] });
    const secret: string = registered.json.secret;
    const webhookId: string = registered.json.webhook.id;

    const quote = await quoteOne(call);
    // Our balance at the upstream is below the price: refused before anything is sent.
    upstream!.simulator.setBalanceCents(0);
    const ordered = await call('POST', '/orders', { quote_id: quote.id }, { 'Idempotency-Key': 'webhook-e2e-order-2' });
    expect(ordered.status).toBe(422);
    const orderId: string = ordered.json.error.order.id;
    expect(running.services.wallet.balance(running.services.users.byTelegramId(770_001)!.id)).toEqual({
      availableCents: 100_00,
      heldCents: 0,
    });

    receiver!.script(500);
    await running.scheduler!.runNow('deliver-webhooks');
    const [failed] = ofType('order.failed');
    expect(verifies(secret, failed!)).toBe(true);
    expect(JSON.parse(failed!.body).data).toEqual({
      order: {
        id: orderId,
        kind: 'purchase',
        provider: 'proxy-ipv4',
        price_cents: quote.price_cents,
        reason: ordered.json.error.order.failure.code,
      },
    });

    // The receiver answered 500: the delivery waits for its retry a minute later, with the attempt logged.
    const log = await call('GET', `/webhooks/${webhookId}/deliveries`);
    const [entry] = log.json.deliveries;
    expect(entry).toMatchObject({
      event: 'order.failed',
      state: 'pending',
      attempts: [{ attempt: 1, status: 500, error: 'answered 500' }],
    });
    const waitMs = Date.parse(entry.next_attempt_at) - Date.parse(entry.attempts[0].at);
    expect(waitMs).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[0]);
    expect(waitMs).toBeLessThan(RETRY_DELAYS_MS[0] + 10_000);
    // Not due yet: another run sends nothing.
    await running.scheduler!.runNow('deliver-webhooks');
    expect(ofType('order.failed')).toHaveLength(1);
  });
});
