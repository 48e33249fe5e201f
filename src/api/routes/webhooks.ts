/**
 * The caller's outgoing webhooks: register a URL (its signing secret is in
 * the answer, once), list and remove them, read each one's delivery log and
 * send a test event. Reading needs `read`; changing and testing `write`.
 * How events are signed and retried: docs/webhooks.md.
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  TEST_EVENT_TYPE,
  WEBHOOK_EVENT_TYPES,
  type DeliveryInfo,
  type EndpointInfo,
  type WebhookRefusal,
  type Webhooks,
} from '../../services/webhooks.js';
import { WEBHOOK_DELIVERY_STATES } from '../../db/schema/webhooks.js';
import { requireScope } from '../middlewares/auth.js';
import { invalidRequest } from '../middlewares/body.js';
import { ApiError } from '../middlewares/errors.js';
import { bufferJsonBody } from '../middlewares/json-body.js';
import { apiRouter } from '../openapi.js';
import { errors, NextCursorSchema, PageQuerySchema, SCOPED_ERRORS, success } from '../schemas/common.js';
import { decodePosition, decodeSequence, encodePosition, encodeSequence } from './cursor.js';
import { iso } from './views.js';

export interface WebhookApiServices {
  webhooks: Webhooks;
}

const isoTime = z.string().openapi({ format: 'date-time', example: '2030-01-01T12:00:00.000Z' });
const EventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);

export const registerWebhookBody = z
  .strictObject({
    url: z.string().trim().min(1).max(2_000).openapi({
      description: 'http(s); must not point to a private, loopback or reserved address.',
      example: 'https://example.com/hooks/proxies',
    }),
    events: z
      .array(EventTypeSchema)
      .min(1)
      .max(WEBHOOK_EVENT_TYPES.length)
      .optional()
      .openapi({ description: 'The events to receive; all of them when left out.' }),
  })
  .openapi('WebhookRequest');

const WebhookSchema = z
  .object({
    id: z.string().openapi({ example: 'whe_k3j5abcdefghijkl' }),
    url: z.string(),
    events: z.array(EventTypeSchema),
    created_at: isoTime.nullable(),
  })
  .openapi('Webhook', { description: 'A registered URL, never with its secret.' });

const AttemptSchema = z.object({
  attempt: z.number().int().openapi({ description: '1 for the first try.' }),
  at: isoTime.nullable(),
  duration_ms: z.number().int(),
  status: z
    .number()
    .int()
    .nullable()
    .openapi({ description: 'What the receiver answered; null when it did not (timeout, refused connection).' }),
  error: z.string().nullable(),
});

const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: 'Sent as X-Webhook-Id, the same on every retry.', example: 'whd_k3j5abcdefghijkl' }),
    event: z.enum([...WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE]),
    state: z
      .enum(WEBHOOK_DELIVERY_STATES)
      .openapi({ description: 'pending: due again at next_attempt_at; failed: given up after the last try.' }),
    created_at: isoTime.nullable(),
    delivered_at: isoTime.nullable(),
    next_attempt_at: isoTime.nullable(),
    attempts: z.array(AttemptSchema),
    payload: z
      .object({ id: z.string(), type: z.string(), created_at: isoTime, data: z.record(z.string(), z.unknown()) })
      .openapi({ description: 'Exactly the body that was (or will be) POSTed.' }),
  })
  .openapi('WebhookDelivery');

const WebhookIdParams = z.object({ id: z.string().min(1).max(100).openapi({ example: 'whe_k3j5abcdefghijkl' }) });
const ENDPOINT_ID = /^whe_[a-z2-7]{16}$/;

type Payload = z.infer<typeof DeliverySchema>['payload'];

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
    // So a receiver's handling can be replayed by hand; the body was built by the shop (services/webhooks.ts).
    payload: JSON.parse(delivery.body) as Payload,
  };
}

function refusal(reason: WebhookRefusal, message: string): ApiError {
  const path = reason === 'invalid_events' ? 'events' : reason === 'too_many_endpoints' ? '' : 'url';
  return invalidRequest([{ path, message }], message);
}

const tags = ['webhooks'];
/** Someone else's webhook reads exactly like a missing one. */
const oneWebhookErrors = errors(404, ...SCOPED_ERRORS);

const listWebhooks = createRoute({
  method: 'get',
  path: '/webhooks',
  tags,
  summary: 'The caller’s webhooks, oldest first (never their secrets)',
  middleware: [requireScope('read')] as const,
  request: { query: PageQuerySchema },
  responses: {
    200: success('A page of webhooks', { webhooks: z.array(WebhookSchema), next_cursor: NextCursorSchema }),
    ...errors(400, ...SCOPED_ERRORS),
  },
});

const registerWebhook = createRoute({
  method: 'post',
  path: '/webhooks',
  tags,
  summary: 'Register a URL for signed events; at most 5 per customer',
  middleware: [requireScope('write'), bufferJsonBody()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: registerWebhookBody } } } },
  responses: {
    201: success('Registered. The secret is shown only here: verify X-Webhook-Signature with it', {
      webhook: WebhookSchema,
      secret: z.string().openapi({ example: 'whsec_…' }),
    }),
    ...errors(400, ...SCOPED_ERRORS),
  },
});

const getWebhook = createRoute({
  method: 'get',
  path: '/webhooks/{id}',
  tags,
  summary: 'One webhook',
  middleware: [requireScope('read')] as const,
  request: { params: WebhookIdParams },
  responses: { 200: success('The webhook', { webhook: WebhookSchema }), ...oneWebhookErrors },
});

const removeWebhook = createRoute({
  method: 'delete',
  path: '/webhooks/{id}',
  tags,
  summary: 'Remove a webhook; events not yet delivered to it are dropped',
  middleware: [requireScope('write')] as const,
  request: { params: WebhookIdParams },
  responses: { 200: success('Removed; its delivery log stays readable', { deleted: z.literal(true) }), ...oneWebhookErrors },
});

const listDeliveries = createRoute({
  method: 'get',
  path: '/webhooks/{id}/deliveries',
  tags,
  summary: 'The delivery log, newest first, with every attempt',
  middleware: [requireScope('read')] as const,
  request: { params: WebhookIdParams, query: PageQuerySchema },
  responses: {
    200: success('A page of deliveries', { deliveries: z.array(DeliverySchema), next_cursor: NextCursorSchema }),
    ...errors(400, 404, ...SCOPED_ERRORS),
  },
});

const testWebhook = createRoute({
  method: 'post',
  path: '/webhooks/{id}/test',
  tags,
  summary: 'Send a webhook.test event now (tried once) and answer with how the receiver took it',
  middleware: [requireScope('write')] as const,
  request: { params: WebhookIdParams },
  responses: {
    200: success('Sent: the delivery says what the receiver answered', { delivery: DeliverySchema }),
    ...oneWebhookErrors,
  },
});

export function webhookRoutes(services: WebhookApiServices) {
  const app = apiRouter();
  const { webhooks } = services;

  /** The caller's endpoint id; a malformed one reads like someone else's: not found. */
  const endpointIdOf = (raw: string): string => {
    if (!ENDPOINT_ID.test(raw)) throw new ApiError('not_found', 'no such webhook');
    return raw;
  };

  app.openapi(listWebhooks, (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = decodePosition(cursor);
    // At most five per customer: read whole, paged here so every list pages the same way.
    const rest = webhooks
      .list(c.get('principal').userId)
      .filter((e) => !after || e.createdAt > after.createdAt || (e.createdAt === after.createdAt && e.id > after.id));
    const page = rest.slice(0, limit);
    const last = page.at(-1);
    const next = rest.length > limit && last ? encodePosition({ createdAt: last.createdAt, id: last.id }) : null;
    return c.json({ success: true as const, webhooks: page.map(webhookView), next_cursor: next }, 200);
  });

  app.openapi(registerWebhook, async (c) => {
    const body = c.req.valid('json');
    const result = await webhooks.register(c.get('principal').userId, { url: body.url, ...(body.events ? { events: body.events } : {}) });
    if (!result.ok) throw refusal(result.reason, result.message);
    // The only time the secret is shown: the caller needs it to verify X-Webhook-Signature.
    return c.json({ success: true as const, webhook: webhookView(result.endpoint), secret: result.secret }, 201);
  });

  app.openapi(getWebhook, (c) => {
    const endpoint = webhooks.get(c.get('principal').userId, endpointIdOf(c.req.valid('param').id));
    if (!endpoint) throw new ApiError('not_found', 'no such webhook');
    return c.json({ success: true as const, webhook: webhookView(endpoint) }, 200);
  });

  app.openapi(removeWebhook, (c) => {
    if (!webhooks.remove(c.get('principal').userId, endpointIdOf(c.req.valid('param').id)))
      throw new ApiError('not_found', 'no such webhook');
    return c.json({ success: true as const, deleted: true as const }, 200);
  });

  app.openapi(listDeliveries, (c) => {
    const { limit, cursor } = c.req.valid('query');
    const beforeSeq = decodeSequence(cursor);
    const page = webhooks.deliveries(c.get('principal').userId, endpointIdOf(c.req.valid('param').id), {
      limit,
      ...(beforeSeq === undefined ? {} : { beforeSeq }),
    });
    if (!page) throw new ApiError('not_found', 'no such webhook');
    return c.json(
      { success: true as const, deliveries: page.entries.map(deliveryView), next_cursor: encodeSequence(page.nextCursor) },
      200,
    );
  });

  app.openapi(testWebhook, async (c) => {
    const delivery = await webhooks.sendTest(c.get('principal').userId, endpointIdOf(c.req.valid('param').id));
    if (!delivery) throw new ApiError('not_found', 'no such webhook');
    // 200 whatever the receiver answered: the request worked; the delivery says how the receiver took it.
    return c.json({ success: true as const, delivery: deliveryView(delivery) }, 200);
  });

  return app;
}
