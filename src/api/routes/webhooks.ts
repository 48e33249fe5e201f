/**
 * The caller's outgoing webhooks: register a URL (its signing secret is in
 * the answer, once), list and remove them, read each one's delivery log and
 * send a test event. Reading needs `read`; changing and testing `write`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, type DeliveryInfo, type EndpointInfo, type WebhookRefusal, type Webhooks } from '../../services/webhooks.js';
import { requireScope, type ApiEnv } from '../middlewares/auth.js';
import { invalidRequest, readJson, readQuery } from '../middlewares/body.js';
import { ApiError, ok } from '../middlewares/errors.js';
import { iso } from './views.js';

export interface WebhookApiServices {
  webhooks: Webhooks;
}

export const registerWebhookBody = z.strictObject({
  url: z.string().trim().min(1).max(2_000),
  /** Absent: every event. */
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length).optional(),
});

export const deliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** `next_cursor` from the previous page: deliveries older than it. */
  cursor: z.coerce.number().int().positive().optional(),
});

const endpointId = z.string().regex(/^whe_[a-z2-7]{16}$/);

export function webhookView(endpoint: EndpointInfo) {
  return { id: endpoint.id, url: endpoint.url, events: endpoint.events, created_at: iso(endpoint.createdAt) };
}

export function deliveryView(delivery: DeliveryInfo) {
  return {
    id: delivery.id,
    event: delivery.eventType,
    state: delivery.state,
    created_at: iso(delivery.createdAt),
    delivered_at: iso(delivery.deliveredAt),
    next_attempt_at: iso(delivery.nextAttemptAt),
    attempts: delivery.attempts.map((a) => ({
      attempt: a.attempt,
      at: iso(a.at),
      duration_ms: a.durationMs,
      status: a.status,
      error: a.error,
    })),
    /** Exactly what was (or will be) POSTed, so a receiver's handling can be replayed by hand. */
    payload: JSON.parse(delivery.body) as unknown,
  };
}

function refusal(reason: WebhookRefusal, message: string): ApiError {
  const path = reason === 'invalid_events' ? 'events' : reason === 'too_many_endpoints' ? '' : 'url';
  return invalidRequest([{ path, message }], message);
}

export function webhookRoutes(services: WebhookApiServices): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const { webhooks } = services;

  /** The caller's endpoint id; a malformed one reads like someone else's: not found. */
  const idParam = (raw: string): string => {
    if (!endpointId.safeParse(raw).success) throw new ApiError('not_found', 'no such webhook');
    return raw;
  };

  app.get('/webhooks', requireScope('read'), (c) => ok(c, { webhooks: webhooks.list(c.get('principal').userId).map(webhookView) }));

  app.post('/webhooks', requireScope('write'), async (c) => {
    const body = await readJson(c, registerWebhookBody);
    const result = await webhooks.register(c.get('principal').userId, { url: body.url, ...(body.events ? { events: body.events } : {}) });
    if (!result.ok) throw refusal(result.reason, result.message);
    // The only time the secret is shown: the caller needs it to verify X-Webhook-Signature.
    return ok(c, { webhook: webhookView(result.endpoint), secret: result.secret }, 201);
  });

  app.get('/webhooks/:id', requireScope('read'), (c) => {
    const endpoint = webhooks.get(c.get('principal').userId, idParam(c.req.param('id')));
    if (!endpoint) throw new ApiError('not_found', 'no such webhook');
    return ok(c, { webhook: webhookView(endpoint) });
  });

  app.delete('/webhooks/:id', requireScope('write'), (c) => {
    if (!webhooks.remove(c.get('principal').userId, idParam(c.req.param('id')))) throw new ApiError('not_found', 'no such webhook');
    return ok(c, { deleted: true });
  });

  app.get('/webhooks/:id/deliveries', requireScope('read'), (c) => {
    const query = readQuery(c, deliveriesQuery);
    const page = webhooks.deliveries(c.get('principal').userId, idParam(c.req.param('id')), {
      limit: query.limit,
      ...(query.cursor === undefined ? {} : { beforeSeq: query.cursor }),
    });
    if (!page) throw new ApiError('not_found', 'no such webhook');
    return ok(c, { deliveries: page.entries.map(deliveryView), next_cursor: page.nextCursor });
  });

  app.post('/webhooks/:id/test', requireScope('write'), async (c) => {
    const delivery = await webhooks.sendTest(c.get('principal').userId, idParam(c.req.param('id')));
    if (!delivery) throw new ApiError('not_found', 'no such webhook');
    // 200 whatever the receiver answered: the request worked; the delivery says how the receiver took it.
    return ok(c, { delivery: deliveryView(delivery) });
  });

  return app;
}
