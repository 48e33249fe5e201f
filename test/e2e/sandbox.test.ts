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
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
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

async function start(databasePath: string): Promise<Sandbox> {
  const logger = createLogger({ level: 'info', write: (line) => logs.push(line) });
  // env: {} so the machine's own settings (HTTP_PORT, LOG_LEVEL…) cannot change what is tested.
  const sandbox = await startSandbox({ ports: 0, databasePath, env: {}, logger });
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
