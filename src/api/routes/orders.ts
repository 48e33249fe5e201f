/**
 * Orders: buying a quote (a money POST: `buy` scope and a required
 * Idempotency-Key), and the caller's order history.
 *
 * The key is the saga's intent key, so a retried request — after a timeout,
 * or twenty at once — joins or returns the one order it made and never
 * charges twice. The same key with another quote is a client bug and is
 * refused rather than silently answered with the first order.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { subscriptionIdsOf, type OrderRow } from '../../services/order-store.js';
import type { SagaResult } from '../../services/orders.js';
import { requireScope, type ApiEnv } from '../middlewares/auth.js';
import { intentKeyOf, readJson, readQuery } from '../middlewares/body.js';
import { ApiError, ok } from '../middlewares/errors.js';
import type { ApiServices } from '../v1.js';
import { orderView, proxyView, sagaResponse } from './views.js';

export const createOrderBody = z.strictObject({
  quote_id: z.string().trim().min(1).max(100),
});

export const listOrdersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** The order a key already made, when it was made for something else. */
export function idempotencyConflict(result: SagaResult, matches: (order: OrderRow) => boolean): ApiError | undefined {
  if (!('order' in result) || matches(result.order)) return undefined;
  return new ApiError('idempotency_conflict', 'this Idempotency-Key was already used for a different request', {
    fields: { order_id: result.order.id },
  });
}

export function orderRoutes(services: Pick<ApiServices, 'orders' | 'subscriptions'>): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  /** The proxies an order delivered, or for a renewal the proxy it renewed. */
  const proxiesOf = (order: OrderRow, delivered?: ReturnType<ApiServices['orders']['subscriptionsOfOrder']>) => {
    if (order.kind === 'renewal') {
      return subscriptionIdsOf(order)
        .map((id) => services.subscriptions.get(order.userId, id))
        .filter((sub) => sub !== undefined)
        .map(proxyView);
    }
    return (delivered ?? services.orders.subscriptionsOfOrder(order.id)).map(proxyView);
  };

  app.post('/orders', requireScope('buy'), async (c) => {
    const intentKey = intentKeyOf(c);
    const body = await readJson(c, createOrderBody);
    const result = await services.orders.purchase({ userId: c.get('principal').userId, quoteId: body.quote_id, intentKey, channel: 'api' });
    const conflict = idempotencyConflict(result, (order) => order.quoteId === body.quote_id);
    if (conflict) throw conflict;
    return sagaResponse(c, result, (order, proxies) => ({ proxies: proxiesOf(order, proxies) }));
  });

  app.get('/orders', requireScope('read'), (c) => {
    const { limit, offset } = readQuery(c, listOrdersQuery);
    // One extra row tells whether another page exists.
    const rows = services.orders.ordersOfUser(c.get('principal').userId, limit + 1, offset);
    return ok(c, {
      orders: rows.slice(0, limit).map(orderView),
      limit,
      offset,
      next_offset: rows.length > limit ? offset + limit : null,
    });
  });

  app.get('/orders/:id', requireScope('read'), (c) => {
    const order = services.orders.order(c.req.param('id'));
    // Someone else's order reads exactly like a missing one.
    if (!order || order.userId !== c.get('principal').userId) throw new ApiError('not_found', 'no such order');
    return ok(c, { order: orderView(order), proxies: order.state === 'delivered' ? proxiesOf(order) : [] });
  });

  return app;
}
