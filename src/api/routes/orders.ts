/**
 * Orders: buying a quote (a money POST: `buy` scope, a required
 * Idempotency-Key, and a signature for signing tokens), and the caller's
 * order history.
 *
 * The key is the saga's intent key, so a retried request — after a timeout,
 * or twenty at once — joins or returns the one order it made and never
 * charges twice. The same key with another quote is a client bug and is
 * refused rather than silently answered with the first order.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { subscriptionIdsOf, type OrderRow, type SubscriptionRow } from '../../services/order-store.js';
import type { SagaResult } from '../../services/orders.js';
import { requireScope } from '../middlewares/auth.js';
import { intentKeyOf } from '../middlewares/body.js';
import { ApiError } from '../middlewares/errors.js';
import { bufferJsonBody } from '../middlewares/json-body.js';
import { requireSignature } from '../middlewares/signature.js';
import { apiRouter } from '../openapi.js';
import {
  errors,
  IdempotencyHeadersSchema,
  NextCursorSchema,
  PageQuerySchema,
  SCOPED_ERRORS,
  SignatureHeadersSchema,
  success,
} from '../schemas/common.js';
import { OrderSchema, ProxySchema } from '../schemas/shapes.js';
import type { ApiServices } from '../v1.js';
import { decodePosition, encodePosition } from './cursor.js';
import { orderWithTarget, proxyView, sagaResponse } from './views.js';

export const createOrderBody = z.strictObject({ quote_id: z.string().trim().min(1).max(100) }).openapi('OrderRequest');

const OrderIdParams = z.object({ id: z.string().min(1).max(100).openapi({ example: 'ord_abc234' }) });

/** What the money POSTs answer: delivered, or still provisioning (poll GET /orders/{id}). */
export const sagaResponses = {
  201: success('Delivered: the order and its proxies, with credentials', { order: OrderSchema, proxies: z.array(ProxySchema) }),
  202: success('Paid and still provisioning: the money is held; poll GET /orders/{id}', { order: OrderSchema }),
  ...errors(400, 401, 402, 403, 404, 409, 413, 422, 429, 500, 503),
};

/** The order a key already made, when it was made for something else. */
export function idempotencyConflict(result: SagaResult, matches: (order: OrderRow) => boolean): ApiError | undefined {
  if (!('order' in result) || matches(result.order)) return undefined;
  return new ApiError('idempotency_conflict', 'this Idempotency-Key was already used for a different request', {
    fields: { order_id: result.order.id },
  });
}

export function orderRoutes(services: Pick<ApiServices, 'orders' | 'subscriptions' | 'listing' | 'tokenSigning' | 'purchaseTargets'>) {
  const app = apiRouter();

  const createOrder = createRoute({
    method: 'post',
    path: '/orders',
    tags: ['orders'],
    summary: 'Buy a quote (money: Idempotency-Key required; signed for signing tokens)',
    middleware: [requireScope('buy'), bufferJsonBody(), requireSignature(services.tokenSigning)] as const,
    request: {
      headers: IdempotencyHeadersSchema.extend(SignatureHeadersSchema.shape),
      body: { required: true, content: { 'application/json': { schema: createOrderBody } } },
    },
    responses: sagaResponses,
  });

  const listOrders = createRoute({
    method: 'get',
    path: '/orders',
    tags: ['orders'],
    summary: 'The caller’s orders, newest first',
    middleware: [requireScope('read')] as const,
    request: { query: PageQuerySchema },
    responses: {
      200: success('A page of orders', { orders: z.array(OrderSchema), next_cursor: NextCursorSchema }),
      ...errors(400, ...SCOPED_ERRORS),
    },
  });

  const getOrder = createRoute({
    method: 'get',
    path: '/orders/{id}',
    tags: ['orders'],
    summary: 'One order, with its proxies once delivered',
    middleware: [requireScope('read')] as const,
    request: { params: OrderIdParams },
    responses: {
      200: success('The order', { order: OrderSchema, proxies: z.array(ProxySchema) }),
      ...errors(400, 404, ...SCOPED_ERRORS),
    },
  });

  /** The proxies an order delivered, or for a renewal the proxy it renewed. */
  const proxiesOf = (order: OrderRow, delivered?: ReturnType<ApiServices['orders']['subscriptionsOfOrder']>) => {
    if (order.kind === 'renewal') {
      return (
        subscriptionIdsOf(order)
          .map((id) => services.subscriptions.get(order.userId, id))
          .filter((sub) => sub !== undefined)
          // A renewal may have added traffic as an order linked to the proxy: its credentials come with it.
          .map((sub) => proxyView(services.purchaseTargets?.asDelivered(sub) ?? sub, services.subscriptions.linkedOrders(sub.id)))
      );
    }
    // Bought for a target: the credentials built for it (services/purchase-targets.ts).
    const asDelivered = (sub: SubscriptionRow) => proxyView(services.purchaseTargets?.asDelivered(sub) ?? sub);
    return (delivered ?? services.orders.subscriptionsOfOrder(order.id)).map(asDelivered);
  };

  const orderView = (order: OrderRow) => orderWithTarget(order, services.orders.targetOfOrder(order.id));

  app.openapi(createOrder, async (c) => {
    const intentKey = intentKeyOf(c);
    const body = c.req.valid('json');
    const result = await services.orders.purchase({ userId: c.get('principal').userId, quoteId: body.quote_id, intentKey, channel: 'api' });
    const conflict = idempotencyConflict(result, (order) => order.quoteId === body.quote_id);
    if (conflict) throw conflict;
    return sagaResponse(c, result, (order, proxies) => proxiesOf(order, proxies), services.orders.targetOfOrder);
  });

  app.openapi(listOrders, (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = services.listing.orders(c.get('principal').userId, limit, decodePosition(cursor));
    return c.json(
      { success: true as const, orders: page.items.map((order) => orderView(order)), next_cursor: encodePosition(page.next) },
      200,
    );
  });

  app.openapi(getOrder, (c) => {
    const order = services.orders.order(c.req.valid('param').id);
    // Someone else's order reads exactly like a missing one.
    if (!order || order.userId !== c.get('principal').userId) throw new ApiError('not_found', 'no such order');
    return c.json({ success: true as const, order: orderView(order), proxies: order.state === 'delivered' ? proxiesOf(order) : [] }, 200);
  });

  return app;
}
