/**
 * Price locks: a concrete choice from the catalog and its price, valid for a
 * few minutes. Quoting moves no money, so it needs only the `read` scope and
 * is never signed; buying a quote is POST /orders.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../middlewares/auth.js';
import { invalidRequest } from '../middlewares/body.js';
import { bufferJsonBody } from '../middlewares/json-body.js';
import { apiRouter } from '../openapi.js';
import { errors, SCOPED_ERRORS, success } from '../schemas/common.js';
import { QuoteSchema } from '../schemas/shapes.js';
import type { ApiServices } from '../v1.js';
import { quoteRefusal, quoteView } from './views.js';

const id = z.string().trim().min(1).max(100);

export const createQuoteBody = z
  .strictObject({
    provider: id.openapi({ example: 'proxy-ipv4' }),
    product: id,
    country: id.optional().openapi({ description: 'Required when the product lists countries; the code from GET /catalog.' }),
    term: id,
    quantity: z.number().int().min(1).max(100_000),
    promo_code: z
      .string()
      .trim()
      .min(1)
      .max(32)
      .optional()
      .openapi({ description: 'A promo code; the quote shows the price before and after.' }),
    trial: z.boolean().optional().openapi({
      description: 'Price the provider’s trial (once per customer); the choice must be the trial’s product and term, quantity 1.',
    }),
  })
  .openapi('QuoteRequest');

const createQuote = createRoute({
  method: 'post',
  path: '/quotes',
  tags: ['orders'],
  summary: 'Lock the price of a choice for a few minutes',
  middleware: [requireScope('read'), bufferJsonBody()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: createQuoteBody } } } },
  responses: {
    201: success('The quote; buy it with POST /orders before expires_at', { quote: QuoteSchema }),
    ...errors(400, ...SCOPED_ERRORS, 409, 422, 503),
  },
});

export function quoteRoutes(services: Pick<ApiServices, 'catalog' | 'orders'>) {
  const app = apiRouter();

  app.openapi(createQuote, async (c) => {
    const body = c.req.valid('json');
    if (!services.catalog.provider(body.provider)) {
      throw invalidRequest([{ path: 'provider', message: 'no such provider; see GET /catalog' }], 'no such provider');
    }
    const quoted = await services.orders.quote(
      c.get('principal').userId,
      body.provider,
      {
        productId: body.product,
        ...(body.country === undefined ? {} : { countryCode: body.country }),
        termId: body.term,
        quantity: body.quantity,
      },
      { ...(body.promo_code === undefined ? {} : { promoCode: body.promo_code }), ...(body.trial ? { trial: true } : {}) },
    );
    if (!quoted.ok) throw quoteRefusal(quoted.reason, quoted.message);
    return c.json({ success: true as const, quote: quoteView(quoted.quote) }, 201);
  });

  return app;
}
