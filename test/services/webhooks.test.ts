import { createHmac, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTransaction } from '../../src/db/client.js';
import { webhookEndpoints } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/logger.js';
import {
  createWebhooks,
  dueDeliveryQuery,
  MAX_ATTEMPTS,
  RETRY_DELAYS_MS,
  type WebhookEvent,
  type Webhooks,
} from '../../src/services/webhooks.js';
import { freshServices } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver, type ReceivedRequest, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let shop: ReturnType<typeof freshServices>;
let clock: number;
let logs: string[];
const receivers: WebhookReceiver[] = [];

beforeEach(() => {
  shop = freshServices();
  clock = Date.UTC(2030, 0, 1);
  logs = [];
});

afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
  shop.close();
});

function webhooksFor(options: { allowPrivateUrls?: boolean; timeoutMs?: number; concurrency?: number } = {}): Webhooks {
  return createWebhooks({
    db: shop.database.db,
    sqlite: shop.database.sqlite,
    allowPrivateUrls: options.allowPrivateUrls ?? true,
    now: () => clock,
    logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    timeoutMs: options.timeoutMs ?? 300,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
}

async function receiver(...script: (number | 'hang')[]): Promise<WebhookReceiver> {
  const started = await startReceiver();
  started.script(...script);
  receivers.push(started);
  return started;
}

async function registered(webhooks: Webhooks, userId: number, url: string) {
  const result = await webhooks.register(userId, { url });
  if (!result.ok) throw new Error(`registration refused: ${result.message}`);
  return result;
}

const delivered = (orderId = 'ord_one'): WebhookEvent => ({
  type: 'order.delivered',
  order: { id: orderId, kind: 'purchase', providerId: 'proxy-ipv4', priceCents: 1_250, proxyIds: ['sub_a', 'sub_b'] },
});

/** What a customer's receiver does: recompute the HMAC over "t.body" and compare in constant time. */
function verifiedTimestamp(request: ReceivedRequest, secret: string): number {
  const header = String(request.headers['x-webhook-signature']);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) throw new Error(`signature header malformed: ${header}`);
  const expected = createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest();
  if (!timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'))) throw new Error('signature does not verify');
  return Number(match[1]);
}

describe('delivery with retries', () => {
  it('delivers after a 5xx and a timeout, on the backoff schedule, every try signed and carrying the same id', async () => {
    const webhooks = webhooksFor({ timeoutMs: 300 });
    const user = shop.newUser();
    const target = await receiver(500, 'hang', 200);
    const { endpoint, secret } = await registered(webhooks, user.id, target.url);

    expect(webhooks.emit(user.id, delivered())).toBe(1);
    const t0 = clock;

    expect(await webhooks.deliverDue()).toEqual({ sent: 1, delivered: 0, retrying: 1, gaveUp: 0 });
    clock = t0 + RETRY_DELAYS_MS[0] - 1;
    expect((await webhooks.deliverDue()).sent).toBe(0);
    clock = t0 + RETRY_DELAYS_MS[0];
    expect(await webhooks.deliverDue()).toEqual({ sent: 1, delivered: 0, retrying: 1, gaveUp: 0 });
    const t1 = clock;
    clock = t1 + RETRY_DELAYS_MS[1] - 1;
    expect((await webhooks.deliverDue()).sent).toBe(0);
    clock = t1 + RETRY_DELAYS_MS[1];
    expect(await webhooks.deliverDue()).toEqual({ sent: 1, delivered: 1, retrying: 0, gaveUp: 0 });

    expect(target.received).toHaveLength(3);
    const ids = new Set(target.received.map((r) => r.headers['x-webhook-id']));
    expect(ids.size).toBe(1);
    expect(target.received.map((r) => verifiedTimestamp(r, secret))).toEqual(
      [t0, t0 + RETRY_DELAYS_MS[0], t1 + RETRY_DELAYS_MS[1]].map((ms) => Math.floor(ms / 1000)),
    );
    const body = JSON.parse(target.received[2]!.body);
    expect(body).toEqual({
      id: target.received[0]!.headers['x-webhook-id'],
      type: 'order.delivered',
      created_at: new Date(t0).toISOString(),
      data: { order: { id: 'ord_one', kind: 'purchase', provider: 'proxy-ipv4', price_cents: 1_250, proxy_ids: ['sub_a', 'sub_b'] } },
    });
    expect(target.received[0]!.headers['x-webhook-event']).toBe('order.delivered');
    expect(target.received[0]!.headers['content-type']).toBe('application/json');

    const log = webhooks.deliveries(user.id, endpoint.id, { limit: 10 })!;
    expect(log.entries).toHaveLength(1);
    const entry = log.entries[0]!;
    expect(entry.state).toBe('delivered');
    expect(entry.deliveredAt).toBe(clock);
    expect(entry.nextAttemptAt).toBeNull();
    expect(entry.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, null],
      [3, 200],
    ]);
    expect(entry.attempts[1]!.error).toMatch(/timed out after 300 ms/);
  });

  it(`gives up after ${MAX_ATTEMPTS} tries, 1 min to 6 h apart, and logs it without the secret`, async () => {
    const webhooks = webhooksFor();
    const user = shop.newUser();
    const target = await receiver();
    target.fallback = 503;
    const { endpoint, secret } = await registered(webhooks, user.id, target.url);
    webhooks.emit(user.id, delivered());

    const triedAt: number[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      triedAt.push(clock);
      const run = await webhooks.deliverDue();
      expect(run.sent).toBe(1);
      if (attempt < MAX_ATTEMPTS) {
        expect(run.retrying).toBe(1);
        const delay = RETRY_DELAYS_MS[attempt - 1]!;
        clock += delay - 1;
        expect((await webhooks.deliverDue()).sent).toBe(0);
        clock += 1;
      } else {
        expect(run.gaveUp).toBe(1);
      }
    }
    const gaps = triedAt.slice(1).map((at, i) => (at - triedAt[i]!) / 60_000);
    expect(gaps).toEqual([1, 5, 30, 120, 360]);

    clock += 7 * 24 * 3_600_000;
    expect((await webhooks.deliverDue()).sent).toBe(0);
    expect(target.received).toHaveLength(MAX_ATTEMPTS);

    const entry = webhooks.deliveries(user.id, endpoint.id, { limit: 10 })!.entries[0]!;
    expect(entry.state).toBe('failed');
    expect(entry.nextAttemptAt).toBeNull();
    expect(entry.attempts.map((a) => a.status)).toEqual(Array(MAX_ATTEMPTS).fill(503));
    expect(entry.attempts.every((a) => a.error === 'answered 503')).toBe(true);

    const gaveUp = logs.find((line) => line.includes('webhook delivery given up'));
    expect(gaveUp).toContain(entry.id);
    expect(logs.join('\n')).not.toContain(secret);
  });

  it('reaches only endpoints that want the event, once per event however often it is emitted', async () => {
    const webhooks = webhooksFor();
    const user = shop.newUser();
    const other = shop.newUser('Other');
    const everything = await receiver();
    const balanceOnly = await receiver();
    const othersHook = await receiver();
    await registered(webhooks, user.id, everything.url);
    const narrow = await webhooks.register(user.id, { url: balanceOnly.url, events: ['balance.low'] });
    expect(narrow.ok).toBe(true);
    await registered(webhooks, other.id, othersHook.url);

    expect(webhooks.emit(user.id, delivered('ord_x'))).toBe(1);
    // The saga step replayed by the reconciler emits the same event again.
    expect(webhooks.emit(user.id, delivered('ord_x'))).toBe(0);
    expect(webhooks.emit(user.id, { type: 'balance.low', balance: { availableCents: 90, thresholdCents: 500 }, cause: 'hold:ord_x' })).toBe(
      2,
    );
    await webhooks.deliverDue();

    expect(everything.received.map((r) => JSON.parse(r.body).type)).toEqual(['order.delivered', 'balance.low']);
    expect(balanceOnly.received.map((r) => JSON.parse(r.body).data)).toEqual([{ balance: { available_cents: 90, threshold_cents: 500 } }]);
    expect(othersHook.received).toHaveLength(0);
  });

  it('reports a low balance once, when a purchase takes it below the threshold', async () => {
    const webhooks = webhooksFor();
    const user = shop.newUser();
    const target = await receiver();
    await registered(webhooks, user.id, target.url);

    expect(webhooks.balanceDebited(user.id, { availableAfterCents: 600, debitCents: 400, cause: 'hold:ord_1' })).toBe(0);
    expect(webhooks.balanceDebited(user.id, { availableAfterCents: 450, debitCents: 150, cause: 'hold:ord_2' })).toBe(1);
    // Already below: no new event for every further purchase.
    expect(webhooks.balanceDebited(user.id, { availableAfterCents: 100, debitCents: 350, cause: 'hold:ord_3' })).toBe(0);
    await webhooks.deliverDue();
    expect(target.received.map((r) => JSON.parse(r.body).data)).toEqual([{ balance: { available_cents: 450, threshold_cents: 500 } }]);
  });

  it('enqueues inside the caller’s transaction: a rolled-back step leaves nothing to send', async () => {
    const webhooks = webhooksFor();
    const user = shop.newUser();
    const target = await receiver();
    await registered(webhooks, user.id, target.url);

    expect(() =>
      writeTransaction(shop.database.sqlite, () => {
        webhooks.emit(user.id, delivered('ord_rolled_back'));
        throw new Error('the settle step failed');
      }),
    ).toThrow('the settle step failed');
    shop.database.db.transaction((tx) => {
      webhooks.emit(user.id, delivered('ord_committed'), tx);
    });
    await webhooks.deliverDue();
    expect(target.received.map((r) => JSON.parse(r.body).data.order.id)).toEqual(['ord_committed']);
  });

  it('cancels what a removed endpoint still had to receive and keeps its log readable', async () => {
    const webhooks = webhooksFor();
    const user = shop.newUser();
    const target = await receiver();
    const { endpoint } = await registered(webhooks, user.id, target.url);
    webhooks.emit(user.id, delivered());

    expect(webhooks.remove(shop.newUser('Stranger').id, endpoint.id)).toBe(false);
    expect(webhooks.remove(user.id, endpoint.id)).toBe(true);
    expect(webhooks.list(user.id)).toEqual([]);
    expect(webhooks.emit(user.id, delivered('ord_after'))).toBe(0);
    expect((await webhooks.deliverDue()).sent).toBe(0);
    expect(target.received).toHaveLength(0);
    expect(webhooks.deliveries(user.id, endpoint.id, { limit: 10 })!.entries.map((e) => e.state)).toEqual(['cancelled']);
  });
});

describe('a slow receiver', () => {
  it('delays neither emit nor deliveries to other receivers', async () => {
    const webhooks = webhooksFor({ timeoutMs: 5_000, concurrency: 4 });
    const user = shop.newUser();
    const slow = await receiver('hang');
    const fast = await receiver();
    const { endpoint: slowEndpoint } = await registered(webhooks, user.id, slow.url);
    const { endpoint: fastEndpoint } = await registered(webhooks, user.id, fast.url);
    webhooks.emit(user.id, delivered('ord_first'));

    const run = webhooks.deliverDue();
    await waitFor(() => slow.received.length === 1, { what: 'the slow receiver to get its request' });
    await waitFor(() => webhooks.deliveries(user.id, fastEndpoint.id, { limit: 1 })!.entries[0]!.state === 'delivered', {
      what: 'the fast receiver’s delivery while the slow one hangs',
    });

    // The saga's emit, while a POST hangs: a synchronous write inside the caller's transaction, not a
    // wait for anyone — it answers a count, not a promise, so it cannot have waited for the receiver.
    const queued = writeTransaction(shop.database.sqlite, () => webhooks.emit(user.id, delivered('ord_second')));
    expect(queued).not.toBeInstanceOf(Promise);
    expect(queued).toBe(2);
    // The first POST to the slow receiver is still unanswered: nothing about it is logged yet.
    const slowLog = webhooks.deliveries(user.id, slowEndpoint.id, { limit: 2 })!.entries;
    expect(slowLog.map((e) => [JSON.parse(e.body).data.order.id, e.attempts.length])).toEqual([
      ['ord_second', 0],
      ['ord_first', 0],
    ]);

    slow.releaseHanging(200);
    expect((await run).delivered).toBeGreaterThanOrEqual(2);
  });
});

describe('the test event', () => {
  it('is sent at once, signed, and tried only once when it fails', async () => {
    const webhooks = webhooksFor();
    const user = shop.newUser();
    const target = await receiver(204, 500);
    const { endpoint, secret } = await registered(webhooks, user.id, target.url);

    const ok = await webhooks.sendTest(user.id, endpoint.id);
    expect(ok?.state).toBe('delivered');
    expect(ok?.attempts.map((a) => a.status)).toEqual([204]);
    expect(JSON.parse(target.received[0]!.body).type).toBe('webhook.test');
    expect(verifiedTimestamp(target.received[0]!, secret)).toBe(Math.floor(clock / 1000));

    const failed = await webhooks.sendTest(user.id, endpoint.id);
    expect(failed?.state).toBe('failed');
    clock += 24 * 3_600_000;
    expect((await webhooks.deliverDue()).sent).toBe(0);
    expect(target.received).toHaveLength(2);

    expect(await webhooks.sendTest(shop.newUser('Stranger').id, endpoint.id)).toBeUndefined();
  });
});

describe('the delivery log', () => {
  it('pages newest first with a cursor and is the owner’s only', async () => {
    const webhooks = webhooksFor();
    const user = shop.newUser();
    const target = await receiver();
    const { endpoint } = await registered(webhooks, user.id, target.url);
    for (let i = 1; i <= 5; i++) webhooks.emit(user.id, delivered(`ord_${i}`));
    await webhooks.deliverDue();

    const first = webhooks.deliveries(user.id, endpoint.id, { limit: 2 })!;
    const second = webhooks.deliveries(user.id, endpoint.id, { limit: 2, beforeSeq: first.nextCursor! })!;
    const third = webhooks.deliveries(user.id, endpoint.id, { limit: 2, beforeSeq: second.nextCursor! })!;
    const orderIds = [...first.entries, ...second.entries, ...third.entries].map((e) => JSON.parse(e.body).data.order.id);
    expect(orderIds).toEqual(['ord_5', 'ord_4', 'ord_3', 'ord_2', 'ord_1']);
    expect(third.nextCursor).toBeNull();
    expect(webhooks.deliveries(shop.newUser('Stranger').id, endpoint.id, { limit: 2 })).toBeUndefined();
  });
});

describe('addresses outside the sandbox', () => {
  const refusedUrls = [
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook', // a name: refused for what it resolves to
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://0x7f.1/hook',
    'http://2130706433/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.1.2.3/hook',
    'http://172.20.0.5/hook',
    'http://192.168.1.1/hook',
    'http://100.64.0.1/hook',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'http://0.0.0.0/hook',
  ];

  it.each(refusedUrls)('refuses %s', async (url) => {
    const webhooks = webhooksFor({ allowPrivateUrls: false });
    const result = await webhooks.register(shop.newUser().id, { url });
    expect(result).toMatchObject({ ok: false, reason: 'private_address' });
  });

  it('refuses what is not an http(s) URL without credentials', async () => {
    const webhooks = webhooksFor({ allowPrivateUrls: false });
    const user = shop.newUser();
    for (const url of ['ftp://93.184.215.14/x', 'not a url', 'https://user:pw@93.184.215.14/x', 'https://93.184.215.14/x#frag']) {
      expect(await webhooks.register(user.id, { url })).toMatchObject({ ok: false, reason: 'invalid_url' });
    }
  });

  it('accepts a public address, and still refuses to connect when its host later resolves to a private one', async () => {
    const webhooks = webhooksFor({ allowPrivateUrls: false });
    const user = shop.newUser();
    const result = await registered(webhooks, user.id, 'https://93.184.215.14/hooks');
    const target = await receiver();
    // The DNS answer changed after registration (rebinding): the stored name now points at loopback.
    const port = new URL(target.url).port;
    shop.database.db
      .update(webhookEndpoints)
      .set({ url: `http://localhost:${port}/hooks` })
      .where(eq(webhookEndpoints.id, result.endpoint.id))
      .run();
    webhooks.emit(user.id, delivered());

    expect((await webhooks.deliverDue()).retrying).toBe(1);
    expect(target.received).toHaveLength(0);
    const attempt = webhooks.deliveries(user.id, result.endpoint.id, { limit: 1 })!.entries[0]!.attempts[0]!;
    expect(attempt.status).toBeNull();
    expect(attempt.error).toMatch(/^refused: localhost resolves to a private/);
  });

  it('allows loopback when the sandbox setting is on', async () => {
    const webhooks = webhooksFor({ allowPrivateUrls: true });
    const target = await receiver();
    expect((await webhooks.register(shop.newUser().id, { url: target.url.replace('127.0.0.1', 'localhost') })).ok).toBe(true);
  });

  it('caps endpoints per customer', async () => {
    const webhooks = webhooksFor();
    const user = shop.newUser();
    for (let i = 0; i < 5; i++) await registered(webhooks, user.id, `http://127.0.0.1:9/hook${i}`);
    expect(await webhooks.register(user.id, { url: 'http://127.0.0.1:9/one-more' })).toMatchObject({
      ok: false,
      reason: 'too_many_endpoints',
    });
  });
});

describe('the worker’s query', () => {
  it('finds due deliveries through the index on pending due times, not by scanning the log', () => {
    const query = dueDeliveryQuery(shop.database.db, { dueBy: clock }).toSQL();
    const plan = shop.database.sqlite
      .prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .all(...query.params)
      .map((row) => (row as { detail: string }).detail);
    expect(plan.some((step) => /webhook_deliveries .*USING INDEX webhook_deliveries_due/.test(step))).toBe(true);
    expect(plan.some((step) => /^SCAN webhook_deliveries\b(?! USING)/.test(step))).toBe(false);
  });
});
