/**
 * The servers `api.bench.ts` loads, each in its own process: `hello` is a
 * bare Hono hello-world; `api` is the shop's REST API over the real services
 * (with the shop's request metrics and logging) on a fresh file database (production pragmas) with the LumiWeb
 * simulator (a balance large enough for every order), a funded
 * customer, their tokens and quotes ready to buy.
 * Reports its address (and the rest) to the parent over IPC.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi } from '../../src/api/app.js';
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { withAnswerResponses } from '../../src/lib/http-headers.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startUpstream } from '../../src/sandbox/upstreams/index.js';

const [role, ordersArg] = process.argv.slice(2);
// Goes with the bench: a parent that died must not leave a server behind.
process.once('disconnect', () => process.exit(0));
// The bench asks for this process's CPU time around each run: the work per request, whatever the machine's load.
process.on('message', (message) => {
  if (message === 'cpu-usage') process.send!({ cpuUsage: process.cpuUsage() });
});

/** With --expose-gc: collect what setting up left behind, before anything is measured. */
function settleHeap(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The API is served as the shop serves it (`withAnswerResponses`); the hello-world as Hono's guide serves it. */
async function listen(fetch: (request: Request) => Response | Promise<Response>, asTheShop = false): Promise<string> {
  const options = { fetch, hostname: '127.0.0.1', port: 0 };
  return new Promise((resolve) => {
    const server = serve(asTheShop ? withAnswerResponses(options) : options, () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

if (role === 'hello') {
  const app = new Hono();
  app.get('/', (c) => c.text('Hello Hono!'));
  const url = await listen(app.fetch);
  settleHeap();
  process.send!({ url });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  process.once('SIGTERM', () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  const upstream = await startUpstream('lumiweb');
  upstream.simulator.setBalanceCents(1_000_000_000);
  const database = openDatabase(join(dir, 'api.db'));
  const services = buildServices(database, { providers: [upstream.provider()] });
  const user = services.users.ensure({ telegramId: 1, firstName: 'Bench' });
  services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'bench', amountCents: 100_000_000 });
  const token = services.tokens.create({ userId: user.id, name: 'bench', scopes: ['read', 'buy'] }).token;
  const limitedToken = services.tokens.create({ userId: user.id, name: 'limited', scopes: ['read'] }).token;

  const entry = await services.catalog.providerEntry('lumiweb');
  const product = entry!.products.find((p) => p.available)!;
  const country = product.countries.find((c) => c.available);
  const choice = { productId: product.id, ...(country ? { countryCode: country.code } : {}), termId: product.terms[0]!.id, quantity: 1 };
  const quoteIds: string[] = [];
  for (let i = 0; i < Number(ordersArg); i++) {
    const quoted = await services.orders.quote(user.id, 'lumiweb', choice);
    if (!quoted.ok) throw new Error(quoted.message);
    quoteIds.push(quoted.quote.id);
  }

  // Built as the shop builds it (src/app.ts): request metrics and an info-level logger included.
  const metrics = createMetrics({ db: database.db });
  const logger = createLogger({ level: 'info' }).child({ component: 'api' });
  const apiWith = (rateLimit: { limit: number; windowMs: number }) =>
    createApi({ sqlite: database.sqlite, startedAt: Date.now() }, { metrics, v1: { services, logger, rateLimit } });
  // A budget the bench never reaches: the 200 path is what is measured here.
  const url = await listen(apiWith({ limit: 1_000_000_000, windowMs: 1_000 }).fetch, true);
  // The same API with one request an hour, spent below: every request the bench makes there is a 429.
  const limitedApp = apiWith({ limit: 1, windowMs: 3_600_000 });
  const limitedUrl = await listen(limitedApp.fetch, true);
  const spent = await fetch(`${limitedUrl}/api/v1/balance`, { headers: { authorization: `Bearer ${limitedToken}` } });
  if (spent.status !== 200) throw new Error(`the limited API answered ${spent.status} to its one allowed request`);
  settleHeap();
  process.send!({ url, limitedUrl, token, limitedToken, quoteIds });
}
