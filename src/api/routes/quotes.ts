/**
 * Price locks: a concrete choice from the catalog and its price, valid for a
 * few minutes. Quoting moves no money, so it needs only the `read` scope;
 * buying a quote is POST /orders.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { requireScope, type ApiEnv } from '../middlewares/auth.js';
import { invalidRequest, readJson } from '../middlewares/body.js';
import { ok } from '../middlewares/errors.js';
import type { ApiServices } from '../v1.js';
import { quoteRefusal, quoteView } from './views.js';

const id = z.string().trim().min(1).max(100);

export const createQuoteBody = z.strictObject({
  provider: id,
  product: id,
  /** Required when the product lists countries; the code from GET /catalog. */
  country: id.optional(),
  term: id,
  quantity: z.number().int().min(1).max(100_000),
});

export function quoteRoutes(services: Pick<ApiServices, 'catalog' | 'orders'>): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.post('/quotes', requireScope('read'), async (c) => {
    const body = await readJson(c, createQuoteBody);
    if (!services.catalog.provider(body.provider)) {
      throw invalidRequest([{ path: 'provider', message: 'no such provider; see GET /catalog' }], 'no such provider');
    }
    const quoted = await services.orders.quote(c.get('principal').userId, body.provider, {
      productId: body.product,
      ...(body.country === undefined ? {} : { countryCode: body.country }),
      termId: body.term,
      quantity: body.quantity,
    });
    if (!quoted.ok) throw quoteRefusal(quoted.reason, quoted.message);
    return ok(c, { quote: quoteView(quoted.quote) }, 201);
  });

  return app;
}
