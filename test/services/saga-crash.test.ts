/**
 * Crash safety: a child process running the saga is killed (SIGKILL) after
 * the reserve, after the upstream request went out, and after the upstream
 * answered. On restart the reconciler settles each order: the customer ends
 * up with proxies and one charge, or with their money back — never both,
 * never neither — and the ledger invariants hold.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';
import { firstChoice, type TestShop } from '../helpers/shop.js';
import { waitFor } from '../helpers/wait.js';

type CrashProvider = 'flashproxy' | 'proxy-panel';
const PURCHASE_REQUEST = {
  flashproxy: { method: 'POST', path: /\/plans$/ },
  'proxy-panel': { method: 'POST', op: 'purchase' },
} as const;

let dir: string;
let upstream: RunningUpstream<CrashProvider> | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function setUp(providerId: CrashProvider) {
  dir = mkdtempSync(join(tmpdir(), 'saga-crash-'));
  const dbPath = join(dir, 'shop.db');
  upstream = await startUpstream(providerId);
  const database = openDatabase(dbPath);
  const services = buildServices(database, { providers: [upstream.provider()] });
  const user = services.users.ensure({ telegramId: 77, firstName: 'Crash' });
  services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'seed', amountCents: 100_000 });
  const choice = await firstChoice({ ...services, database } as unknown as TestShop, providerId);
  const quoted = await services.orders.quote(user.id, providerId, choice);
  if (!quoted.ok) throw new Error(quoted.message);
  database.close();
  return { dbPath, userId: user.id, quote: quoted.quote };
}

function runChild(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/saga-child.ts'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += String(c)));
  child.stderr.on('data', (c) => (output += String(c)));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exit, output: () => output };
}

/** The shop after a restart: new services on the same file; the reconciler runs as at start-up. */
async function restartAndReconcile(dbPath: string) {
  const database = openDatabase(dbPath);
  const services = buildServices(database, { providers: [upstream!.provider()], orders: { notFoundGraceMs: 0 } });
  const summary = await services.orders.reconcileDue();
  return { database, services, summary };
}

describe.each(['flashproxy', 'proxy-panel'] as const)('%s: the shop is killed mid-purchase', (providerId) => {
  const env = (s: Awaited<ReturnType<typeof setUp>>, crashAt: string) => ({
    DB_PATH: s.dbPath,
    PROVIDER: providerId,
    API_KEY: upstream!.apiKey,
    BASE_URL: upstream!.baseUrl,
    USER_ID: String(s.userId),
    QUOTE_ID: s.quote.id,
    INTENT_KEY: 'confirm-1',
    CRASH_AT: crashAt,
  });

  it.each([
    ['after the reserve', 'after_reserve', 'delivered', 1],
    ['after the order was marked sent but before the request left', 'before_upstream_call', 'failed', 0],
    ['after the upstream answered', 'after_upstream_answer', 'delivered', 1],
  ] as const)('%s (checkpoint %s) → the order ends %s', async (_label, crashAt, expectedState, upstreamOrders) => {
    const s = await setUp(providerId);
    const run = runChild(env(s, crashAt));
    expect((await run.exit).signal).toBe('SIGKILL');

    const { database, services } = await restartAndReconcile(s.dbPath);
    try {
      const [order] = services.orders.ordersOfUser(s.userId);
      expect(order!.state).toBe(expectedState);
      expect(upstream!.simulator.purchaseCount()).toBe(upstreamOrders);
      const charged = expectedState === 'delivered' ? s.quote.priceCents : 0;
      expect(services.wallet.balance(s.userId)).toEqual({ availableCents: 100_000 - charged, heldCents: 0 });
      expect(services.orders.subscriptionsOfOrder(order!.id).length).toBe(expectedState === 'delivered' ? 1 : 0);
      expect(services.orders.checkInvariants()).toEqual([]);
    } finally {
      database.close();
    }
  });

  it('while the upstream request is in flight → the reconciler finds the upstream order and delivers it', async () => {
    const s = await setUp(providerId);
    upstream!.simulator.faults.inject({ kind: 'hang_after' }, PURCHASE_REQUEST[providerId]);
    const run = runChild(env(s, 'none'));
    await waitFor(() => upstream!.simulator.purchaseCount() === 1, { timeoutMs: 15_000, what: 'the upstream to take the order' });
    run.child.kill('SIGKILL');
    expect((await run.exit).signal).toBe('SIGKILL');

    const { database, services, summary } = await restartAndReconcile(s.dbPath);
    try {
      expect(summary).toMatchObject({ checked: 1, delivered: 1 });
      expect(upstream!.simulator.purchaseCount()).toBe(1);
      expect(services.wallet.balance(s.userId)).toEqual({ availableCents: 100_000 - s.quote.priceCents, heldCents: 0 });
      expect(services.orders.checkInvariants()).toEqual([]);
      // A second pass (the next scheduled run) changes nothing.
      expect(await services.orders.reconcileDue()).toMatchObject({ checked: 0 });
    } finally {
      database.close();
    }
  });
});
