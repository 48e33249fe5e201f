/**
 * The geo and session targets a product takes before it is bought
 * (GET /catalog/{provider}/products/{product}/targeting): what POST /quotes
 * accepts in `target`. A product whose provider does not route by target
 * answers 422 unsupported, and its quotes refuse a target.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { PurchaseTargets } from '../../services/purchase-targets.js';
import { requireScope } from '../middlewares/auth.js';
import { ApiError } from '../middlewares/errors.js';
import { apiRouter } from '../openapi.js';
import { errors, SCOPED_ERRORS, success } from '../schemas/common.js';
import { TargetingOptionsSchema, targetingOptionsView } from './proxy-targeting.js';
import { quoteRefusal } from './views.js';

const slug = z.string().trim().min(1).max(100);
const params = z.object({
  provider: slug.openapi({ param: { name: 'provider', in: 'path' } }),
  product: slug.openapi({ param: { name: 'product', in: 'path' } }),
});

const getOptions = createRoute({
  method: 'get',
  path: '/catalog/{provider}/products/{product}/targeting',
  tags: ['catalog'],
  summary: 'The geo and session targets a product takes, for POST /quotes `target`',
  middleware: [requireScope('read')] as const,
  request: { params },
  responses: { 200: success('The options', { targeting: TargetingOptionsSchema }), ...errors(404, 422, 503, ...SCOPED_ERRORS) },
});

export function purchaseTargetingRoutes(services: { purchaseTargets: PurchaseTargets; catalog: { provider(id: string): unknown } }) {
  const app = apiRouter();
  app.openapi(getOptions, async (c) => {
    const { provider, product } = c.req.valid('param');
    if (!services.catalog.provider(provider)) throw new ApiError('not_found', 'no such provider; see GET /catalog');
    const options = await services.purchaseTargets.options(provider, product);
    if (!options.ok) throw quoteRefusal(options.reason === 'invalid_target' ? 'unsupported' : options.reason, options.message);
    return c.json({ success: true as const, targeting: targetingOptionsView(options.value) }, 200);
  });
  return app;
}
