/**
 * `npm run sandbox` as a newcomer uses it: the whole shop started by
 * `startSandbox`, driven only through the emulator's control HTTP API (what the
 * printed guide tells people to curl), and stopped with every port released.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { PROVIDER_MODULES } from '../../src/providers/modules.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import type { ChatMessage, EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { has, press, say } from '../helpers/bot-shop.js';
import { waitFor } from '../helpers/wait.js';

interface MessageJson {
  message_id: number;
  plainText: string;
  reply_markup?: { inline_keyboard?: { text: string }[][] };
}

let dir: string | undefined;
const running: Sandbox[] = [];
let logs: string[] = [];

afterEach(async () => {
  for (const sandbox of running.splice(0)) await sandbox.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  const errors = logs.filter((l) => l.includes('"level":"error"'));
  logs = [];
  expect(errors).toEqual([]);
});

async function start(databasePath: string, options: Pick<SandboxOptions, 'slowUpstreamDelayMs'> = {}): Promise<Sandbox> {
  const logger = createLogger({ level: 'info', write: (line) => logs.push(line) });
  // env: {} so the machine's own settings (HTTP_PORT, LOG_LEVEL…) cannot change what is tested.
  const sandbox = await startSandbox({ ports: 0, databasePath, env: {}, logger, ...options });
  running.push(sandbox);
  return sandbox;
}

function tempDatabase(): string {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
  return join(dir, 'data', 'sandbox.db');
}

async function control<T>(sandbox: Sandbox, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandbox.urls.telegram}/control${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** The bot message in Alice's chat whose text contains `text`, waited for over HTTP. */
function botMessage(sandbox: Sandbox, text: string): Promise<MessageJson> {
  return waitFor(
    async () => {
      const messages = await control<MessageJson[]>(sandbox, 'GET', `/users/${sandbox.alice.id}/messages`);
      return messages.findLast((m) => m.plainText.includes(text));
    },
    { timeoutMs: 10_000, intervalMs: 20, what: `a bot message containing ${JSON.stringify(text)}` },
  );
}

const labels = (message: MessageJson) => (message.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text);

/** True once nothing listens on the port: a fresh server can take it. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('npm run sandbox', () => {
  it('lets Alice /start, see her $50, open Buy with every provider, and frees every port on stop', async () => {
    const sandbox = await start(tempDatabase());
    expect(sandbox.guide).toContain(`${sandbox.urls.telegram}/control/users/${sandbox.alice.id}/send`);
    expect(sandbox.guide).toContain(sandbox.urls.health);

    const health = await fetch(sandbox.urls.health);
    expect(health.status).toBe(200);

    await control(sandbox, 'POST', `/users/${sandbox.alice.id}/send`, { text: '/start' });
    const menu = await botMessage(sandbox, 'Hello, Alice!');
    expect(menu.plainText).toContain('Your balance: $50.00.');
    expect(labels(menu)).toContain('🛒 Buy proxies');

    await control(sandbox, 'POST', `/users/${sandbox.alice.id}/press`, { text: '🛒 Buy proxies', messageId: menu.message_id });
    const providers = await botMessage(sandbox, 'choose a provider');
    // Available providers only: an unreachable simulator would be labelled "(unavailable)".
    expect(labels(providers)).toEqual(expect.arrayContaining(PROVIDER_MODULES.map((m) => m.displayName)));

    const ports = [
      portOf(sandbox.urls.telegram),
      portOf(sandbox.urls.health),
      portOf(sandbox.urls.web!),
      ...sandbox.upstreams.map((u) => portOf(u.baseUrl)),
      portOf(sandbox.cryptoPay.baseUrl),
    ];
    expect(new Set(ports).size).toBe(9);
    for (const port of ports) expect(await portIsFree(port)).toBe(false);

    await sandbox.stop();
    for (const port of ports) expect(await portIsFree(port), `port ${port} after stop`).toBe(true);
    expect(sandbox.app.database.sqlite.open).toBe(false);
    await sandbox.stop(); // a second Ctrl-C is harmless
  });

  it('credits Alice once per database, however often the sandbox restarts', async () => {
    const databasePath = tempDatabase();
    const first = await start(databasePath);
    const aliceAccount = () => first.app.services.users.byTelegramId(first.alice.id)!;
    expect(first.app.services.wallet.balance(aliceAccount().id)).toEqual({ availableCents: 50_00, heldCents: 0 });
    expect(first.guide).toContain('$50.00 in her wallet');
    await first.stop();

    const second = await start(databasePath);
    // The emulator hands out the same ids on every start, so Alice is the same customer.
    expect(second.alice.id).toBe(first.alice.id);
    const account = second.app.services.users.byTelegramId(second.alice.id)!;
    expect(second.app.services.wallet.balance(account.id)).toEqual({ availableCents: 50_00, heldCents: 0 });
    expect(second.app.services.wallet.checkInvariants()).toEqual([]);
  });

  it('serves the web chat page and passes its control calls through to the emulator', async () => {
    const sandbox = await start(tempDatabase());
    const page = await fetch(sandbox.urls.web!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain(`{"userId":${sandbox.alice.id}}`);

    const state = await fetch(`${sandbox.urls.web}control/state`);
    expect(state.status).toBe(200);
    expect(((await state.json()) as { users: { first_name: string }[] }).users.map((u) => u.first_name)).toEqual(['Alice', 'Olga']);
    expect((await fetch(`${sandbox.urls.web}elsewhere`)).status).toBe(404);
  });

  it('pays a Crypto Pay invoice from the web chat, as the @CryptoBot chat would', async () => {
    const sandbox = await start(tempDatabase());
    const created = await fetch(`${sandbox.cryptoPay.baseUrl}/api/createInvoice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'crypto-pay-api-token': sandbox.cryptoPay.simulator.token },
      body: JSON.stringify({ asset: 'USDT', amount: '5' }),
    });
    const { result: invoice } = (await created.json()) as { result: { invoice_id: number; hash: string } };
    const pay = (hash: string) =>
      fetch(`${sandbox.urls.web}sandbox/cryptopay/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ hash }),
      });

    const paid = await pay(invoice.hash);
    expect(await paid.json()).toEqual({ ok: true, invoiceId: invoice.invoice_id });
    expect(sandbox.cryptoPay.simulator.invoice(invoice.invoice_id)?.status).toBe('paid');
    // Paying twice is refused, as Crypto Pay refuses a paid invoice.
    expect((await pay(invoice.hash)).status).toBe(400);
    expect((await pay('no-such-hash')).status).toBe(400);
  });
});

/** A call to the sandbox's own controls on the web chat's server (upstream conditions, the clock). */
async function sandboxCall<T>(
  sandbox: Sandbox,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const response = await fetch(`${sandbox.urls.web}sandbox${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as T };
}

interface UpstreamJson {
  id: string;
  name: string;
  condition: string;
}

interface AdvanceJson {
  now: string;
  aheadHours: number;
  advancedHours: number;
  jobs: Record<string, Record<string, number>>;
}

const buttonTexts = (user: EmulatedUser, message: ChatMessage) => user.buttons(message).map((b) => b.text);

/** Alice orders one proxy-ipv4 proxy, USA, 30 days, from the main menu to Confirm. */
async function orderOneProxy(alice: EmulatedUser): Promise<void> {
  await say(alice, '/start', has('Proxy Storefront'));
  await press(alice, '🛒 Buy proxies', has('choose a provider'));
  await press(alice, 'proxy-ipv4.com', has('choose a product'));
  await press(alice, 'Private IPv4 proxies', has('choose a country'));
  await press(alice, '🇺🇸 United States', has('choose the rent period'));
  await press(alice, /^30 days\b/, has('how many proxies'));
  await press(alice, /^1\b/, has('Your order'));
  await alice.press(/^✅ Confirm/);
}

const aliceBalance = (sandbox: Sandbox) =>
  sandbox.app.services.wallet.balance(sandbox.app.services.users.byTelegramId(sandbox.alice.id)!.id);
const proxyIpv4 = (sandbox: Sandbox) => sandbox.upstreams.find((u) => u.id === 'proxy-ipv4')!.simulator;

describe('the sandbox controls', () => {
  it('has the Operators group run by an admin the shop knows', async () => {
    const sandbox = await start(tempDatabase());
    expect(sandbox.config.adminIds).toContain(sandbox.olga.id);
    expect(sandbox.config.operatorChatId).toBe(sandbox.operators.id);
    const state = await control<{ groups: { id: number; members: Record<string, string> }[] }>(sandbox, 'GET', '/state');
    expect(state.groups.find((g) => g.id === sandbox.operators.id)?.members[String(sandbox.olga.id)]).toBe('administrator');
  });

  it('takes an upstream down and back: the buy menu shows it unavailable, then available', async () => {
    const sandbox = await start(tempDatabase());
    const { json: before } = await sandboxCall<UpstreamJson[]>(sandbox, 'GET', '/upstreams');
    expect(before.map((u) => u.id).sort()).toEqual(PROVIDER_MODULES.map((m) => m.id).sort());
    expect(before.every((u) => u.condition === 'healthy')).toBe(true);

    const down = await sandboxCall<UpstreamJson>(sandbox, 'POST', '/upstreams/proxy-ipv4', { condition: 'down' });
    expect(down).toMatchObject({ status: 200, json: { id: 'proxy-ipv4', condition: 'down' } });
    const alice = sandbox.alice;
    await say(alice, '/start', has('Proxy Storefront'));
    let providers = await press(alice, '🛒 Buy proxies', has('choose a provider'));
    expect(buttonTexts(sandbox.alice, providers)).toContain('proxy-ipv4.com (unavailable)');

    await sandboxCall(sandbox, 'POST', '/upstreams/proxy-ipv4', { condition: 'healthy' });
    await press(alice, '✖ Cancel', has('Purchase cancelled'));
    providers = await press(alice, '🛒 Buy proxies', has('choose a provider'));
    expect(buttonTexts(sandbox.alice, providers)).toContain('proxy-ipv4.com');
    expect(buttonTexts(sandbox.alice, providers)).not.toContain('proxy-ipv4.com (unavailable)');

    expect((await sandboxCall(sandbox, 'POST', '/upstreams/proxy-ipv4', { condition: 'on fire' })).status).toBe(400);
    expect((await sandboxCall(sandbox, 'POST', '/upstreams/nowhere', { condition: 'down' })).status).toBe(404);
  });

  it('makes an upstream slow: the menu waits for it and still offers it', async () => {
    const sandbox = await start(tempDatabase(), { slowUpstreamDelayMs: 600 });
    await sandboxCall(sandbox, 'POST', '/upstreams/gateproxy', { condition: 'slow' });
    const alice = sandbox.alice;
    await say(alice, '/start', has('Proxy Storefront'));
    const started = Date.now();
    const providers = await press(alice, '🛒 Buy proxies', has('choose a provider'), 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(buttonTexts(sandbox.alice, providers)).toContain(PROVIDER_MODULES.find((m) => m.id === 'gateproxy')!.displayName);
  });

  it('makes an upstream refuse orders: the order fails and every cent comes back', async () => {
    const sandbox = await start(tempDatabase());
    const balanceAtUpstream = proxyIpv4(sandbox).balanceCents();
    await sandboxCall(sandbox, 'POST', '/upstreams/proxy-ipv4', { condition: 'refusing' });
    await orderOneProxy(sandbox.alice);
    const failed = await sandbox.alice.waitForMessage(has('The order failed'), { timeoutMs: 10_000 });
    expect(failed.plainText).toContain('Balance: $50.00.');
    expect(aliceBalance(sandbox)).toEqual({ availableCents: 50_00, heldCents: 0 });
    expect(proxyIpv4(sandbox).purchaseCount()).toBe(0);

    // Recovering gives the upstream its money back, and it sells again.
    await sandboxCall(sandbox, 'POST', '/upstreams/proxy-ipv4', { condition: 'healthy' });
    expect(proxyIpv4(sandbox).balanceCents()).toBe(balanceAtUpstream);
    await orderOneProxy(sandbox.alice);
    await sandbox.alice.waitForMessage(has('Your proxies are ready'), { timeoutMs: 10_000 });
    expect(proxyIpv4(sandbox).purchaseCount()).toBe(1);
  });

  it('makes an upstream lose its answer: the money stays held, and after recovery the order settles once', async () => {
    const sandbox = await start(tempDatabase());
    await sandboxCall(sandbox, 'POST', '/upstreams/proxy-ipv4', { condition: 'losing-answers' });
    await orderOneProxy(sandbox.alice);
    const slow = await sandbox.alice.waitForMessage(has('The provider is slow to deliver'), { timeoutMs: 10_000 });
    const price = 50_00 - aliceBalance(sandbox).availableCents;
    expect(price).toBeGreaterThan(0);
    expect(aliceBalance(sandbox)).toEqual({ availableCents: 50_00 - price, heldCents: price });
    expect(slow.plainText).toContain('held, not spent');
    // The upstream did sell it; only its answer was lost.
    expect(proxyIpv4(sandbox).purchaseCount()).toBe(1);

    await sandboxCall(sandbox, 'POST', '/upstreams/proxy-ipv4', { condition: 'healthy' });
    const { json: advanced } = await sandboxCall<AdvanceJson>(sandbox, 'POST', '/clock/advance', { hours: 1 });
    expect(advanced.jobs['reconcile-orders']).toMatchObject({ delivered: 1 });
    await sandbox.alice.waitForMessage(has('Your proxies are ready'), { timeoutMs: 10_000 });
    expect(aliceBalance(sandbox)).toEqual({ availableCents: 50_00 - price, heldCents: 0 });
    expect(proxyIpv4(sandbox).purchaseCount()).toBe(1);
    expect(sandbox.app.services.wallet.checkInvariants()).toEqual([]);
  });

  it('moves the clock: the 3-day reminder, then auto-renewal a day ahead, charged once', async () => {
    const sandbox = await start(tempDatabase());
    const { json: clockAtStart } = await sandboxCall<{ now: string; aheadHours: number }>(sandbox, 'GET', '/clock');
    expect(clockAtStart.aheadHours).toBe(0);
    expect(Math.abs(Date.parse(clockAtStart.now) - Date.now())).toBeLessThan(60_000);

    await orderOneProxy(sandbox.alice);
    await sandbox.alice.waitForMessage(has('Your proxies are ready'), { timeoutMs: 10_000 });
    const account = sandbox.app.services.users.byTelegramId(sandbox.alice.id)!;
    const [proxy] = sandbox.app.services.subscriptions.all(account.id);
    const expiresAt = proxy!.expiresAt!;
    const price = 50_00 - aliceBalance(sandbox).availableCents;

    // 26 days on, the proxy expires in 3–4 days: nothing yet. One more day and the 72 h reminder comes.
    let advanced = (await sandboxCall<AdvanceJson>(sandbox, 'POST', '/clock/advance', { days: 26 })).json;
    expect(advanced.aheadHours).toBe(26 * 24);
    expect(advanced.jobs['expiry-reminders']).toEqual({ queued: 0 });
    advanced = (await sandboxCall<AdvanceJson>(sandbox, 'POST', '/clock/advance', { days: 1 })).json;
    expect(advanced.jobs['expiry-reminders']).toEqual({ queued: 1 });
    const reminder = await sandbox.alice.waitForMessage(has('expires on'), { timeoutMs: 10_000 });
    expect(reminder.plainText).toMatch(/in [23] days\b/);

    // Auto-renew on, then two days on: renewed once, a day before expiry, at the renewal price.
    sandbox.app.services.subscriptions.setAutoRenew(account.id, proxy!.id, true);
    advanced = (await sandboxCall<AdvanceJson>(sandbox, 'POST', '/clock/advance', { days: 2 })).json;
    expect(advanced.jobs['auto-renew']).toMatchObject({ renewed: 1, failed: 0 });
    const renewed = await sandbox.alice.waitForMessage(has('was renewed automatically'), { timeoutMs: 10_000 });
    expect(renewed.plainText).toContain('It now runs until');
    const after = sandbox.app.services.subscriptions.all(account.id)[0]!;
    expect(after.expiresAt!).toBeGreaterThan(expiresAt);
    expect(aliceBalance(sandbox).heldCents).toBe(0);
    expect(aliceBalance(sandbox).availableCents).toBeLessThan(50_00 - price);
    expect(sandbox.app.services.wallet.checkInvariants()).toEqual([]);

    expect((await sandboxCall(sandbox, 'POST', '/clock/advance', { hours: -1 })).status).toBe(400);
    expect((await sandboxCall(sandbox, 'POST', '/clock/advance', { days: 400 })).status).toBe(400);
  }, 60_000);

  it('plays a month in one jump stage by stage: reminders, then the renewal before expiry, nothing expired', async () => {
    const sandbox = await start(tempDatabase());
    await orderOneProxy(sandbox.alice);
    await sandbox.alice.waitForMessage(has('Your proxies are ready'), { timeoutMs: 10_000 });
    const account = sandbox.app.services.users.byTelegramId(sandbox.alice.id)!;
    const [proxy] = sandbox.app.services.subscriptions.all(account.id);
    sandbox.app.services.subscriptions.setAutoRenew(account.id, proxy!.id, true);

    // Past the 30-day expiry at once: a single jump to the end would find it already expired and renew nothing.
    const { json: advanced } = await sandboxCall<AdvanceJson>(sandbox, 'POST', '/clock/advance', { days: 31 });
    expect(advanced.jobs['expiry-reminders']).toEqual({ queued: 2 });
    expect(advanced.jobs['auto-renew']).toEqual({ renewed: 1, failed: 0 });
    expect(advanced.jobs['expire-proxies']).toEqual({ expired: 0 });
    await sandbox.alice.waitForMessage(has('was renewed automatically'), { timeoutMs: 10_000 });
    const notices = sandbox.alice
      .messages()
      .map((m) => m.plainText)
      .filter((text) => text.includes('renewed automatically'));
    // The 72 h and 24 h reminders were queued on the way. Those the notifier sent before the renewal came
    // first; any still waiting when the renewal moved the expiry are dropped, so nothing follows the renewal.
    const renewedAt = notices.findIndex((text) => text.includes('was renewed automatically'));
    expect(renewedAt).toBe(notices.length - 1);
    expect(renewedAt).toBeLessThanOrEqual(2);
    expect(notices.slice(0, renewedAt).every((text) => text.includes('will be renewed automatically'))).toBe(true);
    const [after] = sandbox.app.services.subscriptions.all(account.id);
    expect(after!.status).toBe('active');
    expect(after!.expiresAt!).toBeGreaterThan(sandbox.clock.now());
    expect(sandbox.app.services.wallet.checkInvariants()).toEqual([]);
  }, 60_000);
});
