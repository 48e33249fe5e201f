/**
 * A shop process that runs one purchase and may die on purpose: it SIGKILLs
 * itself at the saga checkpoint named in CRASH_AT, as a power cut would.
 * The parent test then restarts the shop on the same database file.
 */
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { createFlashProxyProvider } from '../../src/providers/flashproxy/index.js';
import { createProxyPanelProvider } from '../../src/providers/proxy-panel/index.js';
import type { ProviderSettings, ProxyProvider } from '../../src/providers/types.js';

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const factories: Record<string, (s: ProviderSettings) => ProxyProvider> = {
  flashproxy: createFlashProxyProvider,
  'proxy-panel': createProxyPanelProvider,
};

const database = openDatabase(setting('DB_PATH'));
const provider = factories[setting('PROVIDER')]!({
  apiKey: setting('API_KEY'),
  baseUrl: setting('BASE_URL'),
  timeoutMs: 30_000,
});
const services = buildServices(database, {
  providers: [provider],
  orders: {
    checkpoint: (point) => {
      if (point === process.env.CRASH_AT) process.kill(process.pid, 'SIGKILL');
    },
  },
});

const result = await services.orders.purchase({
  userId: Number(setting('USER_ID')),
  quoteId: setting('QUOTE_ID'),
  intentKey: setting('INTENT_KEY'),
  channel: 'bot',
});
process.stdout.write(JSON.stringify({ kind: result.kind }) + '\n');
database.close();
