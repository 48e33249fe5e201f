/**
 * A shop over real parts for service tests: a fresh in-memory database with
 * the real migrations, the real services, and upstream simulators over HTTP.
 * No vitest here, so benchmarks can start one too; `eachTestShop` (shop.ts)
 * adds the per-test checks.
 */
import { buildServices, type ServiceOptions } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import type { ProviderId } from '../../src/providers/types.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';

export interface TestShop extends ReturnType<typeof buildServices> {
  database: ReturnType<typeof openDatabase>;
  upstreams: RunningUpstream[];
  upstream<K extends ProviderId>(id: K): RunningUpstream<K>;
  /** A customer with `cents` on their wallet (credited as a manual top-up). */
  customer(cents: number, name?: string): { id: number; telegramId: number };
  close(): Promise<void>;
}

export async function startShop(
  ids: ProviderId[],
  options: Omit<ServiceOptions, 'providers'> & { upstreamTimeoutMs?: number; liveProxies?: boolean } = {},
): Promise<TestShop> {
  const upstreams = await Promise.all(ids.map((id) => startUpstream(id, { liveProxies: options.liveProxies ?? false })));
  const database = openDatabase(':memory:');
  const providers = upstreams.map((u) => u.provider({ timeoutMs: options.upstreamTimeoutMs ?? 1_000 }));
  const services = buildServices(database, { ...options, providers });
  let nextTelegramId = 5_000;
  return {
    ...services,
    database,
    upstreams,
    upstream: <K extends ProviderId>(id: K) => upstreams.find((u) => u.id === id) as RunningUpstream<K>,
    customer(cents, name = 'Customer') {
      const user = services.users.ensure({ telegramId: nextTelegramId++, firstName: name });
      if (cents > 0) {
        services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: `test-${user.id}`, amountCents: cents });
      }
      return { id: user.id, telegramId: user.telegramId };
    },
    async close() {
      await services.orders.drain();
      await Promise.all(upstreams.map((u) => u.close()));
      database.close();
    },
  };
}

/** The first thing a customer could buy from a provider: available product, country and term. */
export async function firstChoice(shop: TestShop, providerId: ProviderId, quantity = 1, productId?: string) {
  const entry = await shop.catalog.providerEntry(providerId);
  if (entry?.status.state !== 'ok') throw new Error(`${providerId} catalog unavailable`);
  const product = entry.products.find((p) => p.available && (!productId || p.id === productId) && p.maxQuantity >= quantity);
  if (!product) throw new Error(`${providerId} has no product for quantity ${quantity}`);
  const country = product.countries.find((c) => c.available);
  return {
    productId: product.id,
    ...(country ? { countryCode: country.code } : {}),
    termId: product.terms[0]!.id,
    quantity,
  };
}
