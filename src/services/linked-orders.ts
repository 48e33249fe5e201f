/**
 * Traffic added to a card by a new upstream order. Where an upstream cannot
 * add traffic to an order it sold (GateProxy: one `POST /orders` buys one
 * package, and nothing in its reference tops one up), "Add traffic" buys
 * another order of the same product through the renewal saga and links it to
 * the card: the card then counts used / remaining / total over all its
 * orders, and shows each order's credentials.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { linkedUpstreamOrders } from '../db/schema/index.js';
import type { ProxyProvider, TermOption, UpstreamProxy, UsageReport } from '../providers/types.js';
import type { Catalog } from './catalog.js';
import { proxyFields, type SubscriptionRow } from './order-store.js';

export type LinkedOrderRow = typeof linkedUpstreamOrders.$inferSelect;

/**
 * Whether traffic is added to this proxy by buying a new upstream order: its
 * provider works that way, and the proxy is a traffic package whose usage the
 * provider reports (a package without a usage reading could not be counted).
 */
export function addsTrafficByNewOrder(
  provider: Pick<ProxyProvider, 'capabilities' | 'productCapabilities'>,
  sub: Pick<SubscriptionRow, 'productId' | 'trafficLimitMb'>,
): boolean {
  return (
    provider.capabilities.addTrafficByNewOrder === true &&
    sub.trafficLimitMb !== null &&
    provider.capabilities.usage &&
    provider.productCapabilities?.(sub.productId).usage !== false
  );
}

/**
 * The packages a new linked order can be: the product's traffic terms in
 * today's catalog (each priced by the catalog, like a first purchase).
 * Undefined when the catalog is not available now.
 */
export async function newOrderTrafficTerms(catalog: Catalog, sub: Pick<SubscriptionRow, 'providerId' | 'productId'>) {
  const entry = await catalog.providerEntry(sub.providerId);
  if (entry?.status.state !== 'ok') return undefined;
  const product = entry.products.find((p) => p.id === sub.productId);
  if (!product?.available) return [];
  return product.terms.filter((t): t is TermOption & { trafficGb: number } => t.trafficGb !== undefined);
}

/** Several usage readings as one: sums, with remaining and total only when every order reports them. */
export function combinedUsage(reports: readonly UsageReport[]): UsageReport {
  const sum = (values: Array<number | undefined>) =>
    values.some((v) => v === undefined) ? undefined : Number(values.reduce<number>((a, v) => a + v!, 0).toFixed(6));
  const combined: UsageReport = { usedGb: sum(reports.map((r) => r.usedGb))! };
  const remainingGb = sum(reports.map((r) => r.remainingGb));
  const totalGb = sum(reports.map((r) => r.totalGb));
  if (remainingGb !== undefined) combined.remainingGb = remainingGb;
  if (totalGb !== undefined) combined.totalGb = totalGb;
  return combined;
}

export function createLinkedOrderStore(db: Db) {
  const ofSubscription = db
    .select()
    .from(linkedUpstreamOrders)
    .where(eq(linkedUpstreamOrders.subscriptionId, sql.placeholder('subscriptionId')))
    .orderBy(asc(linkedUpstreamOrders.createdAt), asc(linkedUpstreamOrders.orderId))
    .prepare();
  const byUpstream = db
    .select()
    .from(linkedUpstreamOrders)
    .where(
      and(
        eq(linkedUpstreamOrders.providerId, sql.placeholder('providerId')),
        eq(linkedUpstreamOrders.upstreamId, sql.placeholder('upstreamId')),
      ),
    )
    .prepare();

  return {
    /** The card's linked orders, oldest first. */
    ofSubscription: (subscriptionId: string): LinkedOrderRow[] => ofSubscription.all({ subscriptionId }),

    byUpstream: (providerId: string, upstreamId: string): LinkedOrderRow | undefined => byUpstream.get({ providerId, upstreamId }),

    /** Inside the saga's settling transaction. */
    link(input: { orderId: string; subscriptionId: string; providerId: string; proxy: UpstreamProxy; createdAt: number }): void {
      // The same mapping a proxy card's row gets from what the upstream reported.
      const { upstreamId, host, httpPort, socks5Port, login, password, trafficLimitMb } = proxyFields(input.proxy);
      db.insert(linkedUpstreamOrders)
        .values({
          orderId: input.orderId,
          subscriptionId: input.subscriptionId,
          providerId: input.providerId,
          upstreamId,
          host,
          httpPort,
          socks5Port,
          login,
          password,
          trafficLimitMb,
          createdAt: input.createdAt,
        })
        .run();
    },
  };
}

export type LinkedOrderStore = ReturnType<typeof createLinkedOrderStore>;
