/**
 * A shop process that runs one purchase and may die on purpose: it SIGKILLs
 * itself at the saga checkpoint named in CRASH_AT, as a power cut would.
 * The parent test then restarts the shop on the same database file.
 */
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { PROVIDER_MODULES } from '../../src/providers/modules.js';

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const providerId = setting('PROVIDER');
const providerModule = PROVIDER_MODULES.find((m) => m.id === providerId);
if (!providerModule) throw new Error(`PROVIDER: no upstream module named ${providerId}`);

const database = openDatabase(setting('DB_PATH'));
const provider = providerModule.create({
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
process.stdout.write(`${JSON.stringify({ kind: result.kind })}\n`);
database.close();
