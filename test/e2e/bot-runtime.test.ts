/**
 * The bot inside the whole application (src/app.ts), as `npm start` runs it:
 * long polling by default, a webhook on the shop's own HTTP server when
 * PUBLIC_URL is set, outbox notices rendered by the bot and sent by the
 * notifier, and a clean stop.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, WEBHOOK_PATH, type RunningApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startTelegramEmulator, type TelegramEmulator } from '../../src/sandbox/telegram/index.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';
import { has, say } from '../helpers/bot-shop.js';
import { waitFor } from '../helpers/wait.js';

let emu: TelegramEmulator;
let app: RunningApp | undefined;
let upstream: RunningUpstream | undefined;
const logs: string[] = [];

afterEach(async () => {
  await app?.stop();
  await upstream?.close();
  await emu?.close();
  app = undefined;
  upstream = undefined;
  const errors = logs.filter((l) => l.includes('"level":"error"'));
  logs.length = 0;
  expect(errors).toEqual([]);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function start(env: Record<string, string>) {
  emu = await startTelegramEmulator({ webhookRetryBaseMs: 20 });
  upstream = await startUpstream('proxy-ipv4');
  const parsed = parseConfig({
    BOT_TOKEN: emu.token,
    TELEGRAM_API_ROOT: emu.url,
    DATABASE_PATH: ':memory:',
    HTTP_PORT: '0',
    PROXY_IPV4_API_KEY: upstream.apiKey,
    PROXY_IPV4_BASE_URL: upstream.baseUrl,
    SUPPORT_CONTACT: 'help@example.com',
    ...env,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  app = await startApp(parsed.config, createLogger({ level: 'info', write: (line) => logs.push(line) }));
  return app;
}

describe('the bot in the application', () => {
  it('long-polls, answers customers and delivers outbox notices through the notifier', async () => {
    const running = await start({});
    expect(emu.describe().webhook).toBeNull();
    const rae = emu.user({ firstName: 'Rae' });
    await say(rae, '/start', has('Hello, Rae!'));

    // A purchase settled by the reconciler reaches the customer as a notice.
    const { services } = running;
    const user = services.users.byTelegramId(rae.id)!;
    services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'runtime-1', amountCents: 20_00 });
    const quote = await services.orders.quote(user.id, 'proxy-ipv4', { productId: 'ipv4', countryCode: 'USA', termId: '30', quantity: 1 });
    if (!quote.ok) throw new Error(quote.message);
    const result = await services.orders.purchase({ userId: user.id, quoteId: quote.quote.id, intentKey: 'runtime', channel: 'api' });
    if (result.kind !== 'delivered') throw new Error(result.kind);
    services.outbox.enqueue({ audience: 'user', userId: user.id, kind: 'order_delivered', payload: { orderId: result.order.id } });
    const notice = await rae.waitForMessage(has('Your order has been delivered'), { timeoutMs: 5_000 });
    const proxy = result.proxies[0]!;
    expect(notice.plainText).toContain(`${proxy.host}:${proxy.httpPort}:${proxy.login}:${proxy.password}`);
    expect(notice.entities.some((e) => e.type === 'code')).toBe(true);
    await waitFor(() => services.outbox.list({ kind: 'order_delivered' })[0]?.state === 'sent', { what: 'the notice marked sent' });
  });

  it('takes updates by webhook on its own HTTP server and refuses calls without the secret', async () => {
    const port = await freePort();
    const running = await start({ HTTP_PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, WEBHOOK_SECRET: 'test_secret-123' });
    expect(emu.describe().webhook).toMatchObject({ url: `http://127.0.0.1:${port}${WEBHOOK_PATH}` });
    const sam = emu.user({ firstName: 'Sam' });
    await say(sam, '/start', has('Hello, Sam!'));
    await say(sam, '/help', has('Support: help@example.com'));

    const forged = await fetch(`${running.httpUrl}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' },
      body: JSON.stringify({ update_id: 1, message: { message_id: 1, date: 0, chat: { id: sam.id, type: 'private' }, text: '/start' } }),
    });
    expect(forged.status).toBe(401);
  });
});
