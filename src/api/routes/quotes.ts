/**
 * Price locks: a concrete choice from the catalog and its price, valid for a
 * few minutes. Quoting moves no money, so it needs only the `read` scope and
 * is never signed; buying a quote is POST /orders.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { ProxyTarget } from '../../providers/types.js';
import type { PurchaseTargets } from '../../services/purchase-targets.js';
import { requireScope } from '../middlewares/auth.js';
import { invalidRequest } from '../middlewares/body.js';
import type { ApiError } from '../middlewares/errors.js';
import { bufferJsonBody } from '../middlewares/json-body.js';
import { apiRouter } from '../openapi.js';
import { errors, SCOPED_ERRORS, success } from '../schemas/common.js';
import { QuoteSchema } from '../schemas/shapes.js';
import type { ApiServices } from '../v1.js';
import { quoteRefusal, quoteView } from './views.js';

const id = z.string().trim().min(1).max(100);
const place = z.string().trim().min(1).max(64);

/**
 * A geo and session target for the delivered credentials, from the product's
 * options (GET /catalog/{provider}/products/{product}/targeting). Only
 * products whose provider routes by target take one (FlashProxy's username
 * parameters, openapi "Geo Targeting"); any other product answers 400.
 */
export const targetRequestBody = z
  .strictObject({
    country: place.optional().openapi({ description: 'A country code from the product’s targeting options.' }),
    region: place.optional().openapi({ description: 'A region of that country.' }),
    city: place.optional().openapi({ description: 'A city of that region, or of the country when no region is given.' }),
    asn: z.number().int().positive().optional().openapi({ description: 'A network (autonomous system) of that country.' }),
    session: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('rotating') }),
        z.strictObject({
          type: z.literal('sticky'),
          lifetime_minutes: z.number().int().positive().optional().openapi({
            description: 'One of the offered lifetimes’ max_minutes; or name it by `lifetime`. The first offered when neither.',
          }),
          lifetime: place.optional().openapi({ description: 'A lifetime id from the targeting options.' }),
          session_id: z
            .string()
            .regex(/^[A-Za-z0-9]{1,32}$/)
            .optional()
            .openapi({ description: 'Keep the same IP as another proxy of this session; a new one is made when absent.' }),
        }),
      ])
      .default({ type: 'rotating' })
      .openapi({ description: 'Rotating: a new IP per request. Sticky: one IP for the lifetime.' }),
  })
  .openapi('TargetRequest');

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
    target: targetRequestBody.optional(),
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

/** The body's target checked against the product's options, or the 400 (or 503) that says what is wrong. */
async function checkedTarget(
  purchaseTargets: PurchaseTargets | undefined,
  providerId: string,
  productId: string,
  body: z.infer<typeof targetRequestBody>,
): Promise<{ ok: true; target: ProxyTarget } | { ok: false; error: ApiError }> {
  if (!purchaseTargets?.supports(providerId, productId)) {
    return {
      ok: false,
      error: invalidRequest([{ path: 'target', message: 'this product takes no geo or session target' }], 'target not supported'),
    };
  }
  const { session } = body;
  const resolved = await purchaseTargets.resolve(providerId, productId, {
    ...(body.country === undefined ? {} : { country: body.country }),
    ...(body.region === undefined ? {} : { region: body.region }),
    ...(body.city === undefined ? {} : { city: body.city }),
    ...(body.asn === undefined ? {} : { asn: body.asn }),
    ...(session.type === 'rotating'
      ? { session: 'rotating' as const }
      : {
          session: 'sticky' as const,
          ...(session.lifetime === undefined ? {} : { lifetime: session.lifetime }),
          ...(session.lifetime_minutes === undefined ? {} : { lifetimeMinutes: session.lifetime_minutes }),
          ...(session.session_id === undefined ? {} : { sessionId: session.session_id }),
        }),
  });
  if (resolved.ok) return { ok: true, target: resolved.value };
  if (resolved.reason === 'invalid_target') {
    const path =
      resolved.field === 'lifetime' || resolved.field === 'session_id' ? `target.session.${resolved.field}` : `target.${resolved.field}`;
    return { ok: false, error: invalidRequest([{ path, message: resolved.message }], `target.${resolved.field}: ${resolved.message}`) };
  }
  if (resolved.reason === 'unsupported') {
    return { ok: false, error: invalidRequest([{ path: 'target', message: resolved.message }], 'target not supported') };
  }
  return { ok: false, error: quoteRefusal(resolved.reason, resolved.message) };
}

export function quoteRoutes(services: Pick<ApiServices, 'catalog' | 'orders' | 'purchaseTargets'>) {
  const app = apiRouter();

  app.openapi(createQuote, async (c) => {
    const body = c.req.valid('json');
    if (!services.catalog.provider(body.provider)) {
      throw invalidRequest([{ path: 'provider', message: 'no such provider; see GET /catalog' }], 'no such provider');
    }
    let target: ProxyTarget | undefined;
    if (body.target) {
      const checked = await checkedTarget(services.purchaseTargets, body.provider, body.product, body.target);
      if (!checked.ok) throw checked.error;
      target = checked.target;
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
      {
        ...(body.promo_code === undefined ? {} : { promoCode: body.promo_code }),
        ...(body.trial ? { trial: true } : {}),
        ...(target ? { target } : {}),
      },
    );
    if (!quoted.ok) throw quoteRefusal(quoted.reason, quoted.message);
    return c.json({ success: true as const, quote: quoteView(quoted.quote) }, 201);
  });

  return app;
}
