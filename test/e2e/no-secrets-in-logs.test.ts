/**
 * Secrets never reach the logs. The whole shop (the sandbox: bot, services,
 * REST API, every upstream simulator) runs at debug level with a logger that
 * masks nothing by value; customers buy from every provider, read their
 * credentials in the bot and through the API, and upstreams fail on the way.
 * Then every log line is searched for the bot token, the upstream API keys,
 * the Crypto Pay token, the customer's API token and every proxy password.
 * What /metrics and /readyz show an operator is searched the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { ProviderId } from '../../src/providers/types.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { firstChoice, type TestShop } from '../helpers/shop.js';

let sandbox: Sandbox | undefined;
let dir: string;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('logs', () => {
  it('never contain a token, an API key or a proxy password', async () => {
    dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    const lines: string[] = [];
    // No secret registry: only the code's own care keeps secrets out.
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    const metricsToken = 'metrics-scrape-token-4417';
    sandbox = await startSandbox({
      ports: 0,
      databasePath: join(dir, 'shop.db'),
      logger,
      env: { METRICS_TOKEN: metricsToken },
      web: false,
    });
    const { app, alice, config } = sandbox;
    const services = app.services;
    const customer = services.users.byTelegramId(alice.id)!;
    services.wallet.creditTopUp({ userId: customer.id, method: 'manual', externalId: 'secrets-test', amountCents: 500_000 });

    const asShop = { ...services, database: app.database } as unknown as TestShop;
    const providers = Object.keys(config.providers) as ProviderId[];
    for (const [i, providerId] of providers.entries()) {
      const quoted = await services.orders.quote(customer.id, providerId, await firstChoice(asShop, providerId));
      if (!quoted.ok) throw new Error(`${providerId}: ${quoted.message}`);
      const bought = await services.orders.purchase({
        userId: customer.id,
        quoteId: quoted.quote.id,
        intentKey: `all-${i}`,
        channel: 'bot',
      });
      expect(bought.kind).toBe('delivered');
    }
    // An upstream that fails with our key in its own error text.
    const ipv4 = sandbox.upstreams.find((u) => u.id === 'proxy-ipv4')!;
    ipv4.simulator.faults.inject({ kind: 'error_after', status: 500 }, { times: 3 });
    await services.subscriptions.syncProvider('proxy-ipv4');
    await ipv4.provider({ apiKey: 'wrong-key-but-still-secret-123' }).listProxies();

    // The customer reads credentials in the bot and through the REST API.
    await alice.send('/start');
    await alice.waitForMessage((m) => m.plainText.includes('What would you like to do?'));
    await alice.press(/My proxies/);
    const list = await alice.waitForMessage((m) => alice.buttons(m).length > 1);
    await alice.press(alice.buttons(list)[0]!.text, list);
    await alice.waitForMessage((m) => m.plainText.includes('Host:'));
    const { token } = services.tokens.create({ userId: customer.id, name: 'secrets test', scopes: ['read'] });
    const proxies = services.subscriptions.all(customer.id);
    const answer = await fetch(`${app.httpUrl}/api/v1/proxies/${proxies[0]!.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    await fetch(`${app.httpUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}x` } });
    const scraped = await fetch(`${app.httpUrl}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(scraped.status).toBe(200);
    const metrics = await scraped.text();
    // The scrape saw the work: one delivered order per provider, and upstream calls that failed.
    for (const providerId of providers) expect(metrics).toContain(`shop_orders{state="delivered",provider="${providerId}"} 1`);
    expect(metrics).toMatch(
      /shop_upstream_request_duration_seconds_count\{provider="proxy-ipv4",method="GET",outcome="server_error"\} [1-9]/,
    );
    const readiness = await (await fetch(`${app.httpUrl}/readyz`)).text();

    const secrets = [
      config.botToken!,
      ...Object.values(config.providers).map((p) => p!.apiKey),
      config.topUps.cryptoPay!.token,
      token,
      'wrong-key-but-still-secret-123',
      metricsToken,
      ...proxies.map((p) => p.password),
    ];
    expect(proxies.length).toBeGreaterThanOrEqual(providers.length);
    // The logs did record the work: one line per delivered order, at least.
    expect(lines.filter((l) => l.includes('order delivered'))).toHaveLength(providers.length);
    const text = lines.join('\n');
    for (const secret of secrets) {
      expect(text.includes(secret), `a log line contains ${secret.slice(0, 4)}…`).toBe(false);
      expect(metrics.includes(secret), `/metrics shows ${secret.slice(0, 4)}…`).toBe(false);
      expect(readiness.includes(secret), `/readyz shows ${secret.slice(0, 4)}…`).toBe(false);
    }
  }, 60_000);
});
