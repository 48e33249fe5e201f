/**
 * Watching the shop as an operator does: `/metrics` scraped over HTTP before
 * and after real work, `/readyz` as a load balancer asks it, and the log
 * lines of one request or one Telegram update found by their id. The whole
 * application (startApp) over an upstream simulator and, where a bot is
 * needed, the Telegram emulator.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/app.js';
import { startApp, type RunningApp } from '../../src/app.js';
import { createBot, startBot, type RunningBot } from '../../src/bot/index.js';
import { parseConfig } from '../../src/config.js';
import { createKvStorage } from '../../src/db/kv-storage.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createReadiness, type ReadinessReport } from '../../src/observability/readiness.js';
import { startTelegramEmulator, type TelegramEmulator } from '../../src/sandbox/telegram/index.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';
import { has, press, say } from '../helpers/bot-shop.js';
import { startShop } from '../helpers/shop.js';
import { waitFor } from '../helpers/wait.js';

let app: RunningApp | undefined;
let upstream: RunningUpstream<'proxy-ipv4'> | undefined;
let emu: TelegramEmulator | undefined;
let logs: string[] = [];
const closeLater: Array<() => Promise<void>> = [];

/** Serves a Hono app on 127.0.0.1, port 0, closed after the test. */
async function serveForTest(api: { fetch: (request: Request) => Response | Promise<Response> }): Promise<string> {
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: api.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started as Server));
  });
  closeLater.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const close of closeLater.splice(0).reverse()) await close();
  await app?.stop();
  await upstream?.close();
  await emu?.close();
  app = undefined;
  upstream = undefined;
  emu = undefined;
  logs = [];
});

async function start(env: Record<string, string> = {}, options: { bot?: boolean; scheduler?: boolean } = {}): Promise<RunningApp> {
  upstream = await startUpstream('proxy-ipv4');
  if (options.bot) emu = await startTelegramEmulator();
  const parsed = parseConfig({
    DATABASE_PATH: ':memory:',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    PROXY_IPV4_API_KEY: upstream.apiKey,
    PROXY_IPV4_BASE_URL: upstream.baseUrl,
    ...(emu ? { BOT_TOKEN: emu.token, TELEGRAM_API_ROOT: emu.url } : {}),
    ...env,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  app = await startApp(parsed.config, createLogger({ level: 'debug', write: (line) => logs.push(line) }), {
    scheduler: options.scheduler ?? false,
  });
  return app;
}

/** A customer with money and a token that may buy. */
function scriptingCustomer(running: RunningApp, cents = 50_00) {
  const { services } = running;
  const user = services.users.ensure({ telegramId: 880_001, firstName: 'Script' });
  services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: `obs-${user.id}`, amountCents: cents });
  const { token } = services.tokens.create({ userId: user.id, name: 'metrics test', scopes: ['read', 'buy'] });
  return { userId: user.id, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
}

/** Quote and order one US IPv4 proxy through the REST API; the order's response. */
async function buyThroughApi(running: RunningApp, headers: Record<string, string>, key: string) {
  const quoted = await fetch(`${running.httpUrl}/api/v1/quotes`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ provider: 'proxy-ipv4', product: 'ipv4', country: 'USA', term: '30', quantity: 1 }),
  });
  expect(quoted.status).toBe(201);
  const { quote } = (await quoted.json()) as { quote: { id: string; price_cents: number } };
  const ordered = await placeOrder(running, headers, key, quote.id);
  expect(ordered.status).toBe(201);
  return { response: ordered, priceCents: quote.price_cents, quoteId: quote.id };
}

function placeOrder(running: RunningApp, headers: Record<string, string>, key: string, quoteId: string) {
  return fetch(`${running.httpUrl}/api/v1/orders`, {
    method: 'POST',
    headers: { ...headers, 'Idempotency-Key': key },
    body: JSON.stringify({ quote_id: quoteId }),
  });
}

/** Prometheus text → one number per series (`name{labels}`), labels as written. */
async function scrape(running: RunningApp, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const answer = await fetch(`${running.httpUrl}/metrics`, { headers });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const series = new Map<string, number>();
  for (const line of (await answer.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

/** The sum of every series of `name` whose labels include all of `labels`. */
function sum(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of series) {
    const brace = key.indexOf('{');
    if ((brace === -1 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([label, v]) => key.includes(`${label}="${v}"`))) total += value;
  }
  return total;
}

const parsedLogs = () => logs.map((line) => JSON.parse(line) as Record<string, unknown> & { msg: string });

/** What /readyz answers, as a load balancer reads it. */
type ReadyzBody = ReadinessReport['parts'] & { status: 'ready' | 'not_ready' };

describe('/metrics', () => {
  it('moves with a real purchase: orders, money, upstream calls, the saga, the outbox and the API requests', async () => {
    const running = await start();
    const { userId, headers } = scriptingCustomer(running);
    const before = await scrape(running);
    expect(sum(before, 'shop_orders', { state: 'delivered' })).toBe(0);
    expect(sum(before, 'shop_wallet_cents', { part: 'available' })).toBe(50_00);

    const { priceCents, quoteId } = await buyThroughApi(running, headers, 'metrics-order-1');
    // A receipt for the notifier; this shop has no bot, so it waits in the outbox.
    running.services.outbox.enqueue({
      audience: 'user',
      userId,
      kind: 'order_delivered',
      payload: { orderId: running.services.orders.ordersOfUser(userId)[0]!.id },
    });
    const after = await scrape(running);

    expect(sum(after, 'shop_orders', { state: 'delivered', provider: 'proxy-ipv4' })).toBe(1);
    expect(sum(after, 'shop_orders', { state: 'provisioning', provider: 'proxy-ipv4' })).toBe(0);
    expect(sum(after, 'shop_wallet_cents', { part: 'available' })).toBe(50_00 - priceCents);
    expect(sum(after, 'shop_wallet_cents', { part: 'held' })).toBe(0);
    expect(running.services.wallet.balance(userId).availableCents).toBe(50_00 - priceCents);
    // The upstream was asked for its catalog, prices and the purchase, and answered each.
    const upstreamOk = { provider: 'proxy-ipv4', outcome: 'ok' };
    expect(sum(after, 'shop_upstream_request_duration_seconds_count', upstreamOk)).toBeGreaterThan(
      sum(before, 'shop_upstream_request_duration_seconds_count', upstreamOk),
    );
    expect(
      sum(after, 'shop_upstream_request_duration_seconds_count', { provider: 'proxy-ipv4', method: 'POST' }) +
        sum(after, 'shop_upstream_request_duration_seconds_count', { provider: 'proxy-ipv4', method: 'GET' }),
    ).toBe(sum(after, 'shop_upstream_request_duration_seconds_count', { provider: 'proxy-ipv4' }));
    expect(sum(after, 'shop_saga_duration_seconds_count', { provider: 'proxy-ipv4', outcome: 'delivered' })).toBe(1);
    expect(sum(after, 'shop_outbox_messages', { state: 'pending' })).toBe(sum(before, 'shop_outbox_messages', { state: 'pending' }) + 1);
    // Requests are counted by route pattern, with their status.
    expect(sum(after, 'shop_http_requests_total', { route: '/api/v1/orders', method: 'POST', status: '201' })).toBe(1);
    expect(sum(after, 'shop_http_requests_total', { route: '/api/v1/quotes', method: 'POST', status: '201' })).toBe(1);
    expect(sum(after, 'shop_http_requests_total', { route: '/metrics', status: '200' })).toBe(1);
    // The process itself, event-loop lag included.
    expect(after.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect(sum(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);

    // Replaying the same intent joins the order made before: no second saga, no second charge.
    expect((await placeOrder(running, headers, 'metrics-order-1', quoteId)).status).toBe(201);
    const replayed = await scrape(running);
    expect(sum(replayed, 'shop_saga_duration_seconds_count')).toBe(1);
    expect(sum(replayed, 'shop_orders', { state: 'delivered' })).toBe(1);
  });

  it('counts outbox sends, Telegram 429s and job runs', async () => {
    const running = await start({}, { bot: true, scheduler: true });
    const rae = emu!.user({ firstName: 'Rae', languageCode: 'en' });
    await say(rae, '/start', has('Hello, Rae!'));
    const { services } = running;
    const user = services.users.byTelegramId(rae.id)!;
    services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'obs-outbox', amountCents: 10_00 });
    const sent = (series: Map<string, number>) => sum(series, 'shop_outbox_sends_total', { result: 'sent' });
    const quote = await services.orders.quote(user.id, 'proxy-ipv4', { productId: 'ipv4', countryCode: 'USA', termId: '30', quantity: 1 });
    if (!quote.ok) throw new Error(quote.message);
    const bought = await services.orders.purchase({ userId: user.id, quoteId: quote.quote.id, intentKey: 'obs-outbox-1', channel: 'api' });
    if (bought.kind !== 'delivered') throw new Error(bought.kind);
    services.outbox.enqueue({ audience: 'user', userId: user.id, kind: 'order_delivered', payload: { orderId: bought.order.id } });
    await rae.waitForMessage(has('Your order has been delivered'), { timeoutMs: 5_000 });
    const afterNotice = await waitFor(
      async () => {
        const series = await scrape(running);
        return sent(series) >= 1 ? series : undefined;
      },
      { what: 'the notice counted as sent' },
    );
    expect(sent(afterNotice)).toBe(1);

    // Telegram refuses the next message for longer than automatic retries wait: a 429 the notifier meets.
    emu!.faults.inject('sendMessage', { status: 429, retryAfter: 120 });
    services.outbox.enqueue({
      audience: 'user',
      userId: user.id,
      kind: 'order_delivered',
      payload: { orderId: bought.order.id },
      dedupeKey: 'again',
    });
    const afterRefusal = await waitFor(
      async () => {
        const series = await scrape(running);
        return sum(series, 'shop_outbox_sends_total', { result: 'retried' }) >= 1 ? series : undefined;
      },
      { what: 'the refused notice counted as retried' },
    );
    expect(sum(afterRefusal, 'shop_telegram_rate_limited_total', { method: 'sendMessage' })).toBe(1);

    await running.scheduler!.runNow('reconcile-orders');
    const afterJob = await scrape(running);
    expect(sum(afterJob, 'shop_job_duration_seconds_count', { job: 'reconcile-orders', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  it('counts a request by its route pattern, never by its raw path', async () => {
    const running = await start();
    const { headers } = scriptingCustomer(running);
    expect((await fetch(`${running.httpUrl}/api/v1/proxies/prx_nope`, { headers })).status).toBe(404);
    expect((await fetch(`${running.httpUrl}/api/v1/proxies/prx_other`)).status).toBe(401);
    expect((await fetch(`${running.httpUrl}/no/such/page`)).status).toBe(404);
    const series = await scrape(running);
    expect(sum(series, 'shop_http_requests_total', { route: '/api/v1/proxies/:id', status: '404' })).toBe(1);
    // Refused by authentication, still counted under the route it was meant for.
    expect(sum(series, 'shop_http_requests_total', { route: '/api/v1/proxies/:id', status: '401' })).toBe(1);
    expect(sum(series, 'shop_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect([...series.keys()].some((key) => key.includes('prx_'))).toBe(false);
  });

  it('refuses a scrape without the bearer token when METRICS_TOKEN is set', async () => {
    const running = await start({ METRICS_TOKEN: 'scrape-token-0123456789' });
    const without = await fetch(`${running.httpUrl}/metrics`);
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await without.text()).not.toContain('shop_');
    expect((await fetch(`${running.httpUrl}/metrics`, { headers: { authorization: 'Bearer scrape-token-0123456780' } })).status).toBe(401);
    expect((await fetch(`${running.httpUrl}/metrics`, { headers: { authorization: 'scrape-token-0123456789' } })).status).toBe(401);
    const series = await scrape(running, { authorization: 'Bearer scrape-token-0123456789' });
    expect(series.has('shop_wallet_cents{part="available"}')).toBe(true);
    // Health and readiness stay open to probes.
    expect((await fetch(`${running.httpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${running.httpUrl}/readyz`)).status).toBe(200);
  });
});

describe('/readyz', () => {
  it("reports the database, the bot and each provider's last call, and is 503 when the database is gone", async () => {
    const running = await start({}, { bot: true });
    const first = await fetch(`${running.httpUrl}/readyz`);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      status: 'ready',
      database: { up: true },
      bot: { up: true, mode: 'polling', state: 'running' },
      providers: { 'proxy-ipv4': { up: null, last_call: null } },
    });

    const { headers } = scriptingCustomer(running);
    await buyThroughApi(running, headers, 'readyz-order-1');
    const afterPurchase = (await (await fetch(`${running.httpUrl}/readyz`)).json()) as ReadyzBody;
    expect(afterPurchase.providers['proxy-ipv4']).toMatchObject({ up: true, last_call: { outcome: 'ok', status: 200 } });
    expect(Date.now() - Date.parse(afterPurchase.providers['proxy-ipv4']!.last_call!.at)).toBeLessThan(60_000);

    // An upstream answering 5xx is reported, but the shop stays ready: the saga copes with it.
    upstream!.simulator.faults.inject({ kind: 'error_after', status: 500 }, { times: 3 });
    await running.services.subscriptions.syncProvider('proxy-ipv4');
    const failing = await fetch(`${running.httpUrl}/readyz`);
    expect(failing.status).toBe(200);
    expect(((await failing.json()) as ReadyzBody).providers['proxy-ipv4']).toMatchObject({
      up: false,
      last_call: { outcome: 'server_error', status: 500 },
    });

    running.database.sqlite.close();
    const down = await fetch(`${running.httpUrl}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'not_ready', database: { up: false }, bot: { up: true } });
    expect((await fetch(`${running.httpUrl}/healthz`)).status).toBe(503);
  });

  it('says not ready once the bot has stopped taking updates', async () => {
    emu = await startTelegramEmulator();
    const shop = await startShop([]);
    closeLater.push(() => shop.close());
    const bot = createBot({
      token: emu.token,
      apiRoot: emu.url,
      services: shop,
      logger: silentLogger,
      adminIds: [],
      storage: createKvStorage(shop.database.db),
    });
    const readiness = createReadiness({ sqlite: shop.database.sqlite, providerIds: [] });
    closeLater.push(async () => readiness.stop());
    let polling: RunningBot | undefined;
    readiness.watchBot(() => (polling ? { mode: polling.mode, running: polling.isRunning() } : undefined));
    const url = await serveForTest(createApi({ sqlite: shop.database.sqlite, startedAt: Date.now() }, { readiness }));

    const starting = await fetch(`${url}/readyz`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toMatchObject({ status: 'not_ready', bot: { up: false, state: 'starting' } });
    polling = await startBot(bot, { kind: 'polling' });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await polling.stop();
    const stopped = await fetch(`${url}/readyz`);
    expect(stopped.status).toBe(503);
    expect(await stopped.json()).toMatchObject({
      status: 'not_ready',
      database: { up: true },
      bot: { up: false, mode: 'polling', state: 'stopped' },
    });
  });
});

describe('the bot losing long polling', () => {
  it('keeps the shop up and reports the bot stopped when Telegram answers getUpdates with 409', async () => {
    const running = await start({}, { bot: true });
    expect((await fetch(`${running.httpUrl}/readyz`)).status).toBe(200);
    // Another instance starts polling with the same token: Telegram ends this one's next getUpdates.
    emu!.faults.inject('getUpdates', {
      status: 409,
      description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    });
    // The pending long poll returns with this message; the next one meets the conflict.
    await emu!.user({ firstName: 'Nia', languageCode: 'en' }).send('/start');

    await waitFor(async () => (await fetch(`${running.httpUrl}/readyz`)).status === 503, { what: '/readyz to report the bot stopped' });
    const report = (await (await fetch(`${running.httpUrl}/readyz`)).json()) as ReadyzBody;
    expect(report).toMatchObject({ status: 'not_ready', database: { up: true }, bot: { up: false, mode: 'polling', state: 'stopped' } });
    // Still serving: health and the API answer, and the process is alive to answer them.
    expect((await fetch(`${running.httpUrl}/healthz`)).status).toBe(200);
    const { headers } = scriptingCustomer(running);
    expect((await fetch(`${running.httpUrl}/api/v1/balance`, { headers })).status).toBe(200);

    const stoppedLine = parsedLogs().find((line) => line.msg.startsWith('long polling stopped'));
    expect(stoppedLine).toMatchObject({ level: 'error', method: 'getUpdates', errorCode: 409 });
    expect(logs.join('\n')).not.toContain(emu!.token);
  });
});

describe('log lines carry their request or update', () => {
  it('tags every line of one API request with its id, returned as X-Request-Id', async () => {
    const running = await start();
    const { headers } = scriptingCustomer(running);
    const { response } = await buyThroughApi(running, headers, 'log-order-1');
    const requestId = response.headers.get('x-request-id');
    // This process's prefix and a count, in the form a proxy in front could pass along.
    expect(requestId).toMatch(/^[A-Za-z0-9_-]{8}\.[0-9a-z]+$/);
    const { order } = (await response.json()) as { order: { id: string } };

    const entries = parsedLogs();
    const ofRequest = entries.filter((e) => e.requestId === requestId);
    // The saga's own lines, written deep in the services, carry the id of the request that ran it.
    expect(ofRequest.map((e) => e.msg)).toEqual(expect.arrayContaining(['order reserved', 'order delivered', 'api request']));
    expect(ofRequest.find((e) => e.msg === 'api request')).toMatchObject({ method: 'POST', path: '/api/v1/orders', status: 201 });
    for (const entry of entries.filter((e) => e.orderId === order.id)) expect(entry.requestId).toBe(requestId);
    // Another request, another id.
    const other = await fetch(`${running.httpUrl}/api/v1/me`, { headers });
    expect(other.headers.get('x-request-id')).not.toBe(requestId);
    // An id a proxy in front passes along is kept.
    const relayed = await fetch(`${running.httpUrl}/healthz`, { headers: { 'X-Request-Id': 'edge-7f3a9c21' } });
    expect(relayed.headers.get('x-request-id')).toBe('edge-7f3a9c21');
  });

  it('tags every line of one Telegram update with its update id, the purchase it starts included', async () => {
    const running = await start({}, { bot: true });
    const alice = emu!.user({ firstName: 'Alice', languageCode: 'en' });
    await say(alice, '/start', has('Proxy Storefront'));
    const user = running.services.users.byTelegramId(alice.id)!;
    running.services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'obs-bot', amountCents: 50_00 });

    await press(alice, '🛒 Buy proxies', has('choose a provider'));
    await press(alice, 'proxy-ipv4.com', has('choose a product'));
    await press(alice, 'Private IPv4 proxies', has('choose a country'));
    await press(alice, '🇺🇸 United States', has('choose the rent period'));
    await press(alice, /^30 days\b/, has('how many proxies'));
    await press(alice, /^1\b/, has('Your order'));
    await alice.press(/^✅ Confirm/);
    await alice.waitForMessage(has('Your proxies are ready'));
    const order = running.services.orders.ordersOfUser(user.id)[0]!;
    await waitFor(() => parsedLogs().some((e) => e.msg === 'order delivered' && e.orderId === order.id), { what: 'the delivery logged' });

    const entries = parsedLogs();
    const ofOrder = entries.filter((e) => e.orderId === order.id);
    expect(ofOrder.map((e) => e.msg)).toEqual(expect.arrayContaining(['order reserved', 'order delivered']));
    const updateIds = new Set(ofOrder.map((e) => e.updateId));
    // One update (the tap on Confirm) ran the purchase; all its lines say which.
    expect(updateIds.size).toBe(1);
    expect([...updateIds][0]).toEqual(expect.any(Number));
  });
});
