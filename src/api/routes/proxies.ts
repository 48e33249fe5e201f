/**
 * The caller's proxies: a paged list, one proxy with its credentials and
 * the actions its provider supports, an export in the formats tools paste,
 * renewal (a money POST, like /orders), the auto-renew setting, and what the
 * bot's proxy card offers — new credentials, a new IP, another location,
 * traffic usage. An action the provider lacks is 422 `unsupported`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { formatProxyList } from '../../domain/proxy-format.js';
import type { QuoteRefusal } from '../../services/orders.js';
import type { ProxyActionRefusal } from '../../services/subscriptions.js';
import { subscriptionIdsOf, type SubscriptionRow } from '../../services/order-store.js';
import { cardLogins } from '../../services/card-logins.js';
import type { LinkedOrderRow } from '../../services/linked-orders.js';
import { requireScope } from '../middlewares/auth.js';
import { intentKeyOf, invalidRequest } from '../middlewares/body.js';
import { ApiError } from '../middlewares/errors.js';
import { bufferJsonBody } from '../middlewares/json-body.js';
import { requireSignature } from '../middlewares/signature.js';
import { apiRouter } from '../openapi.js';
import {
  errors,
  IdempotencyHeadersSchema,
  NextCursorSchema,
  PageQuerySchema,
  ProxyIdParamsSchema,
  SCOPED_ERRORS,
  SignatureHeadersSchema,
  success,
} from '../schemas/common.js';
import {
  ExportFormatSchema,
  LocationSchema,
  ProxyActionsSchema,
  ProxySchema,
  ProxySummarySchema,
  RenewalTermSchema,
  UsageSchema,
} from '../schemas/shapes.js';
import type { ApiServices } from '../v1.js';
import { decodePosition, encodePosition } from './cursor.js';
import { idempotencyConflict, sagaResponses } from './orders.js';
import { proxySummaryView, proxyView as plainProxyView, quoteRefusal, sagaResponse } from './views.js';

export const exportQuery = z.strictObject({
  format: ExportFormatSchema.default('host:port:login:password').openapi({ description: 'One line per proxy in this format.' }),
});

const termId = z.string().trim().min(1).max(100);

export const renewBody = z
  .strictObject({ term: termId.openapi({ description: 'From GET /proxies/{id}/renewal-terms.' }) })
  .openapi('RenewRequest');

export const autoRenewBody = z
  .strictObject({
    auto_renew: z.boolean(),
    term: termId.optional().openapi({ description: 'The renewal period auto-renewal uses; from GET /proxies/{id}/renewal-terms.' }),
  })
  .openapi('AutoRenewRequest');

export const switchLocationBody = z
  .strictObject({ location: z.string().trim().min(1).max(100).openapi({ description: 'A code from GET /proxies/{id}/locations.' }) })
  .openapi('SwitchLocationRequest');

function refusal(reason: ProxyActionRefusal | QuoteRefusal, message: string): ApiError {
  if (reason === 'not_found') return new ApiError('not_found', 'no such proxy');
  return quoteRefusal(reason, message);
}

const tags = ['proxies'];
const params = ProxyIdParamsSchema;
/** A proxy action that asks the provider: it may lack it (422) or be down (503). */
const actionErrors = errors(400, 404, 422, 503, ...SCOPED_ERRORS);

const listProxies = createRoute({
  method: 'get',
  path: '/proxies',
  tags,
  summary: 'The caller’s proxies, newest first, without credentials',
  middleware: [requireScope('read')] as const,
  request: { query: PageQuerySchema },
  responses: {
    200: success('A page of proxies', { proxies: z.array(ProxySummarySchema), next_cursor: NextCursorSchema }),
    ...errors(400, ...SCOPED_ERRORS),
  },
});

const exportProxies = createRoute({
  method: 'get',
  path: '/proxies/export',
  tags,
  summary: 'Every proxy with credentials, one per line: each login, including those of orders that added traffic',
  middleware: [requireScope('read')] as const,
  request: { query: exportQuery },
  responses: {
    200: {
      description:
        'One line per login: each proxy’s own (built for the target it was bought with), then the login of each order that added traffic to it',
      content: { 'text/plain': { schema: z.string() } },
    },
    ...errors(400, ...SCOPED_ERRORS),
  },
});

const getProxy = createRoute({
  method: 'get',
  path: '/proxies/{id}',
  tags,
  summary: 'One proxy with its credentials and the actions its provider supports',
  middleware: [requireScope('read')] as const,
  request: { params },
  responses: {
    200: success('The proxy', { proxy: ProxySchema, actions: ProxyActionsSchema }),
    ...errors(400, 404, ...SCOPED_ERRORS),
  },
});

const renewalTerms = createRoute({
  method: 'get',
  path: '/proxies/{id}/renewal-terms',
  tags,
  summary: 'The periods this proxy can be renewed for, with retail prices',
  middleware: [requireScope('read')] as const,
  request: { params },
  responses: { 200: success('The terms', { terms: z.array(RenewalTermSchema) }), ...actionErrors },
});

const setAutoRenew = createRoute({
  method: 'post',
  path: '/proxies/{id}/auto-renew',
  tags,
  summary: 'Turn auto-renewal on or off',
  middleware: [requireScope('write'), bufferJsonBody()] as const,
  request: { params, body: { required: true, content: { 'application/json': { schema: autoRenewBody } } } },
  responses: { 200: success('The proxy', { proxy: ProxySummarySchema }), ...actionErrors },
});

const changeCredentials = createRoute({
  method: 'post',
  path: '/proxies/{id}/change-credentials',
  tags,
  summary: 'New login and password for the proxy',
  middleware: [requireScope('write')] as const,
  request: { params },
  responses: { 200: success('The proxy with its new credentials', { proxy: ProxySchema }), ...actionErrors },
});

const rotateIp = createRoute({
  method: 'post',
  path: '/proxies/{id}/rotate-ip',
  tags,
  summary: 'Ask the provider for a new exit IP now',
  middleware: [requireScope('write')] as const,
  request: { params },
  responses: { 200: success('Rotated', { proxy: ProxySummarySchema }), ...actionErrors },
});

const listLocations = createRoute({
  method: 'get',
  path: '/proxies/{id}/locations',
  tags,
  summary: 'The locations this proxy can switch to',
  middleware: [requireScope('read')] as const,
  request: { params },
  responses: { 200: success('The locations', { locations: z.array(LocationSchema) }), ...actionErrors },
});

const switchLocation = createRoute({
  method: 'post',
  path: '/proxies/{id}/location',
  tags,
  summary: 'Move the proxy to another location',
  middleware: [requireScope('write'), bufferJsonBody()] as const,
  request: { params, body: { required: true, content: { 'application/json': { schema: switchLocationBody } } } },
  responses: { 200: success('The proxy as it is now (host and credentials may change)', { proxy: ProxySchema }), ...actionErrors },
});

const getUsage = createRoute({
  method: 'get',
  path: '/proxies/{id}/usage',
  tags,
  summary: 'Traffic used and left',
  middleware: [requireScope('read')] as const,
  request: { params },
  responses: { 200: success('The usage', { usage: UsageSchema }), ...actionErrors },
});

export function proxyRoutes(
  services: Pick<ApiServices, 'subscriptions' | 'orders' | 'pricing' | 'listing' | 'tokenSigning' | 'proxyAccess'> &
    Partial<Pick<ApiServices, 'traffic' | 'purchaseTargets'>>,
) {
  const app = apiRouter();
  const { subscriptions } = services;
  // A proxy bought for a target is shown with the credentials built for it (services/purchase-targets.ts).
  const proxyView = (sub: SubscriptionRow, linked: readonly LinkedOrderRow[] = []) =>
    plainProxyView(services.purchaseTargets?.asDelivered(sub) ?? sub, linked);

  const renew = createRoute({
    method: 'post',
    path: '/proxies/{id}/renew',
    tags,
    summary: 'Renew the proxy for a term, or add traffic to a per-GB plan (money: Idempotency-Key required; signed for signing tokens)',
    middleware: [requireScope('buy'), bufferJsonBody(), requireSignature(services.tokenSigning)] as const,
    request: {
      params,
      headers: IdempotencyHeadersSchema.extend(SignatureHeadersSchema.shape),
      body: { required: true, content: { 'application/json': { schema: renewBody } } },
    },
    responses: sagaResponses,
  });

  /** A proxy with its credentials, and those of every order linked to it to add traffic. */
  const withCredentials = (sub: SubscriptionRow) => proxyView(sub, subscriptions.linkedOrders(sub.id));

  /** The caller's proxy; someone else's reads exactly like a missing one. */
  const owned = (userId: number, id: string): SubscriptionRow => {
    const sub = subscriptions.get(userId, id);
    if (!sub) throw new ApiError('not_found', 'no such proxy');
    return sub;
  };

  app.openapi(listProxies, (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = services.listing.proxies(c.get('principal').userId, limit, decodePosition(cursor));
    return c.json({ success: true as const, proxies: page.items.map(proxySummaryView), next_cursor: encodePosition(page.next) }, 200);
  });

  // Before '/proxies/{id}', which would otherwise take "export" for an id.
  app.openapi(exportProxies, (c) => {
    const { format } = c.req.valid('query');
    // Every login of every proxy: its own (built for its purchase target), then each order that added traffic to it.
    const logins = subscriptions
      .all(c.get('principal').userId)
      .flatMap((sub) => cardLogins(services.purchaseTargets?.asDelivered(sub) ?? sub, subscriptions.linkedOrders(sub.id)));
    const text = formatProxyList(logins, format);
    return c.text(text, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });

  app.openapi(getProxy, (c) => {
    const sub = owned(c.get('principal').userId, c.req.valid('param').id);
    const actions = [...subscriptions.actionsFor(sub), ...(services.proxyAccess?.actionsFor(sub) ?? [])];
    return c.json({ success: true as const, proxy: withCredentials(sub), actions }, 200);
  });

  app.openapi(renewalTerms, async (c) => {
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    const terms = await subscriptions.renewalTerms(userId, sub.id);
    if (!terms.ok) throw refusal(terms.reason, terms.message);
    return c.json(
      {
        success: true as const,
        terms: terms.value.map((term) => {
          // Renewing one proxy is priced like the saga prices it: cost of one unit plus the markup.
          const price =
            term.unitCostCents === undefined ? undefined : services.pricing.price(sub.providerId, sub.productId, term.unitCostCents, 1);
          return {
            id: term.id,
            label: term.label,
            days: term.days ?? null,
            traffic_gb: term.trafficGb ?? null,
            price_cents: price?.ok ? price.priceCents : null,
          };
        }),
      },
      200,
    );
  });

  app.openapi(renew, async (c) => {
    const intentKey = intentKeyOf(c);
    const { term } = c.req.valid('json');
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    // A replayed key answers with its order at once, even while the provider is down; only a new
    // key needs a fresh price lock.
    const result =
      (await services.orders.resultForIntent(userId, intentKey)) ??
      (await (async () => {
        const quoted = await services.orders.quoteRenewal(userId, sub.id, term);
        if (!quoted.ok) throw refusal(quoted.reason, quoted.message);
        return services.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey, channel: 'api' });
      })());
    const conflict = idempotencyConflict(
      result,
      (order) => order.kind === 'renewal' && order.termId === term && subscriptionIdsOf(order).includes(sub.id),
    );
    if (conflict) throw conflict;
    return sagaResponse(c, result, () => [withCredentials(owned(userId, sub.id))]);
  });

  app.openapi(setAutoRenew, async (c) => {
    const body = c.req.valid('json');
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    if (body.term !== undefined) {
      // A term the provider does not offer would only fail later, at renewal time, with no one watching.
      const terms = await subscriptions.renewalTerms(userId, sub.id);
      if (!terms.ok) throw refusal(terms.reason, terms.message);
      if (!terms.value.some((t) => t.id === body.term)) {
        throw invalidRequest([{ path: 'term', message: 'not a renewal term of this proxy; see GET /proxies/{id}/renewal-terms' }]);
      }
    }
    const updated = subscriptions.setAutoRenew(userId, sub.id, body.auto_renew, body.term);
    if (!updated.ok) throw refusal(updated.reason, updated.message);
    return c.json({ success: true as const, proxy: proxySummaryView(updated.value) }, 200);
  });

  app.openapi(changeCredentials, async (c) => {
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    const changed = await subscriptions.changeCredentials(userId, sub.id);
    if (!changed.ok) throw refusal(changed.reason, changed.message);
    return c.json({ success: true as const, proxy: withCredentials(changed.value) }, 200);
  });

  app.openapi(rotateIp, async (c) => {
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    const rotated = await subscriptions.rotateIp(userId, sub.id);
    if (!rotated.ok) throw refusal(rotated.reason, rotated.message);
    return c.json({ success: true as const, proxy: proxySummaryView(owned(userId, sub.id)) }, 200);
  });

  app.openapi(listLocations, async (c) => {
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    const locations = await subscriptions.locations(userId, sub.id);
    if (!locations.ok) throw refusal(locations.reason, locations.message);
    return c.json(
      { success: true as const, locations: locations.value.map(({ code, name, available }) => ({ code, name, available })) },
      200,
    );
  });

  app.openapi(switchLocation, async (c) => {
    const { location } = c.req.valid('json');
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    // Only a location the provider lists as open now: anything else would fail upstream, or worse, half-succeed.
    const locations = await subscriptions.locations(userId, sub.id);
    if (!locations.ok) throw refusal(locations.reason, locations.message);
    if (!locations.value.some((l) => l.code === location && l.available)) {
      throw invalidRequest([{ path: 'location', message: 'not an available location of this proxy; see GET /proxies/{id}/locations' }]);
    }
    const switched = await subscriptions.switchLocation(userId, sub.id, location);
    if (!switched.ok) throw refusal(switched.reason, switched.message);
    return c.json({ success: true as const, proxy: withCredentials(switched.value) }, 200);
  });

  app.openapi(getUsage, async (c) => {
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    // The cached figures the card and the traffic warnings share, when the shop keeps them.
    const usage = services.traffic ? await services.traffic.usage(userId, sub.id) : await subscriptions.usage(userId, sub.id);
    if (!usage.ok) throw refusal(usage.reason, usage.message);
    const { usedGb, remainingGb, totalGb } = usage.value;
    return c.json(
      { success: true as const, usage: { used_gb: usedGb, remaining_gb: remainingGb ?? null, total_gb: totalGb ?? null } },
      200,
    );
  });

  return app;
}
