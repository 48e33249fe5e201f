/**
 * What can be bought: every enabled provider with its status, products,
 * countries, terms and quantity limits. Prices are retail (after the
 * operators' markup); what the upstream charges us never leaves the shop.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { CatalogProduct } from '../../providers/types.js';
import type { ProviderEntry } from '../../services/catalog.js';
import { requireScope } from '../middlewares/auth.js';
import { apiRouter } from '../openapi.js';
import { errors, SCOPED_ERRORS, success } from '../schemas/common.js';
import { CatalogProviderSchema } from '../schemas/shapes.js';
import type { ApiServices } from '../v1.js';
import { iso } from './views.js';

const getCatalog = createRoute({
  method: 'get',
  path: '/catalog',
  tags: ['catalog'],
  summary: 'Every enabled provider with its products, countries, terms and retail prices',
  middleware: [requireScope('read')] as const,
  responses: { 200: success('The catalog', { providers: z.array(CatalogProviderSchema) }), ...errors(...SCOPED_ERRORS) },
});

export function catalogRoutes(services: Pick<ApiServices, 'catalog' | 'pricing'>) {
  const app = apiRouter();

  /** Retail price of one unit when the catalog tells the cost; a quote gives the exact figure for a choice. */
  const unitPrice = (providerId: string, productId: string, unitCostCents: number | undefined): number | null => {
    if (unitCostCents === undefined) return null;
    const price = services.pricing.price(providerId, productId, unitCostCents, 1);
    return price.ok ? price.priceCents : null;
  };

  const productView = (providerId: string, product: CatalogProduct) => ({
    id: product.id,
    name: product.name,
    kind: product.kind,
    billing: product.billing,
    protocols: product.protocols,
    available: product.available,
    countries: product.countries.map((country) => ({ code: country.code, name: country.name, available: country.available })),
    terms: product.terms.map((term) => ({
      id: term.id,
      label: term.label,
      days: term.days ?? null,
      traffic_gb: term.trafficGb ?? null,
      unit_price_cents: unitPrice(providerId, product.id, term.unitCostCents),
    })),
    quantity: { min: product.minQuantity, max: product.maxQuantity },
  });

  const providerView = (entry: ProviderEntry) => ({
    id: entry.id,
    name: entry.name,
    // The upstream's failure text may name hosts or keys: clients only learn that it is unavailable.
    status: entry.status.state === 'ok' ? ('available' as const) : ('unavailable' as const),
    checked_at: iso(entry.status.state === 'ok' ? entry.status.fetchedAt : entry.status.since),
    products: entry.products.map((product) => productView(entry.id, product)),
  });

  app.openapi(getCatalog, async (c) => {
    const providers = await services.catalog.listProviders();
    return c.json({ success: true as const, providers: providers.map(providerView) }, 200);
  });

  return app;
}
