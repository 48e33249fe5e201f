/**
 * Traffic plans by API, as on the bot's card: the plan's figures with their
 * age (`GET /proxies/{id}/usage` serves the same cached figures), and auto
 * top-up — the traffic package bought from the wallet, through the renewal
 * saga, once the used share reaches a threshold. Adding traffic by hand is
 * `POST /proxies/{id}/renew` with a traffic term (`traffic_gb` set in
 * `GET /proxies/{id}/renewal-terms`).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { ProxyActionRefusal } from '../../services/subscriptions.js';
import { MAX_AUTO_TOPUP_PERCENT, MIN_AUTO_TOPUP_PERCENT, type Traffic, type TrafficUsage } from '../../services/traffic.js';
import { requireScope } from '../middlewares/auth.js';
import { invalidRequest } from '../middlewares/body.js';
import { ApiError } from '../middlewares/errors.js';
import { bufferJsonBody } from '../middlewares/json-body.js';
import { apiRouter } from '../openapi.js';
import { errors, ProxyIdParamsSchema, SCOPED_ERRORS, success } from '../schemas/common.js';
import type { ApiServices } from '../v1.js';
import { quoteRefusal } from './views.js';

const tags = ['proxies'];
const params = ProxyIdParamsSchema;
const actionErrors = errors(400, 404, 422, 503, ...SCOPED_ERRORS);

export const AutoTopupSchema = z
  .object({
    term: z.string().openapi({ description: 'The traffic package bought each time; a traffic term of GET /proxies/{id}/renewal-terms.' }),
    threshold_percent: z.number().int().openapi({ description: 'Used share of the traffic at which it is bought.' }),
  })
  .openapi('AutoTopup');

export const TrafficSchema = z
  .object({
    used_gb: z.number(),
    remaining_gb: z.number().nullable(),
    total_gb: z.number().nullable(),
    used_percent: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Used share of the total, rounded down; null when the total is not known.' }),
    exhausted: z.boolean(),
    fetched_at: z
      .string()
      .openapi({ description: 'When the upstream reported these figures (ISO 8601); they are reused for a few minutes.' }),
    stale: z.boolean().openapi({ description: 'True when the upstream did not answer just now and older figures are shown.' }),
    can_add_traffic: z
      .boolean()
      .openapi({ description: 'Whether POST /proxies/{id}/renew with a traffic term adds traffic to this plan.' }),
    auto_topup: AutoTopupSchema.nullable(),
  })
  .openapi('Traffic');

export const autoTopupBody = z
  .strictObject({
    term: z.string().trim().min(1).max(100).openapi({ description: 'A traffic term from GET /proxies/{id}/renewal-terms.' }),
    threshold_percent: z.number().int().min(MIN_AUTO_TOPUP_PERCENT).max(MAX_AUTO_TOPUP_PERCENT),
  })
  .openapi('AutoTopupRequest');

const getTraffic = createRoute({
  method: 'get',
  path: '/proxies/{id}/traffic',
  tags,
  summary: 'Traffic used, left and bought, with its age and the auto top-up setting',
  middleware: [requireScope('read')] as const,
  request: { params },
  responses: { 200: success('The traffic', { traffic: TrafficSchema }), ...actionErrors },
});

const putAutoTopup = createRoute({
  method: 'put',
  path: '/proxies/{id}/auto-topup',
  tags,
  summary: 'Buy a traffic package automatically when the used share reaches a threshold',
  middleware: [requireScope('write'), bufferJsonBody()] as const,
  request: { params, body: { required: true, content: { 'application/json': { schema: autoTopupBody } } } },
  responses: { 200: success('The setting', { auto_topup: AutoTopupSchema }), ...actionErrors },
});

const deleteAutoTopup = createRoute({
  method: 'delete',
  path: '/proxies/{id}/auto-topup',
  tags,
  summary: 'Turn auto top-up off',
  middleware: [requireScope('write')] as const,
  request: { params },
  responses: { 200: success('Off', { auto_topup: z.null() }), ...errors(400, 404, ...SCOPED_ERRORS) },
});

function refusal(reason: ProxyActionRefusal, message: string): ApiError {
  if (reason === 'not_found') return new ApiError('not_found', 'no such proxy');
  return quoteRefusal(reason, message);
}

/** The figures as both usage endpoints give them. */
export function usageView(usage: TrafficUsage) {
  return {
    used_gb: usage.usedGb,
    remaining_gb: usage.remainingGb ?? null,
    total_gb: usage.totalGb ?? null,
  };
}

export function trafficRoutes(services: Pick<ApiServices, 'subscriptions'>, traffic: Traffic) {
  const app = apiRouter();
  const { subscriptions } = services;

  const owned = (userId: number, id: string) => {
    const sub = subscriptions.get(userId, id);
    if (!sub) throw new ApiError('not_found', 'no such proxy');
    return sub;
  };
  const settingView = (id: string) => {
    const setting = traffic.autoTopupOf(id);
    return setting ? { term: setting.termId, threshold_percent: setting.thresholdPercent } : null;
  };

  app.openapi(getTraffic, async (c) => {
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    const usage = await traffic.usage(userId, sub.id);
    if (!usage.ok) throw refusal(usage.reason, usage.message);
    const u = usage.value;
    return c.json(
      {
        success: true as const,
        traffic: {
          ...usageView(u),
          used_percent: u.usedPercent ?? null,
          exhausted: u.exhausted,
          fetched_at: new Date(u.fetchedAt).toISOString(),
          stale: u.stale,
          can_add_traffic: traffic.offersTopup(sub),
          auto_topup: settingView(sub.id),
        },
      },
      200,
    );
  });

  app.openapi(putAutoTopup, async (c) => {
    const { term, threshold_percent: thresholdPercent } = c.req.valid('json');
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    if (!traffic.offersTopup(sub)) throw new ApiError('unsupported', 'traffic cannot be added to this proxy');
    // A package the upstream does not offer would only fail later, at top-up time, with no one watching.
    const terms = await subscriptions.renewalTerms(userId, sub.id);
    if (!terms.ok) throw refusal(terms.reason, terms.message);
    if (!terms.value.some((t) => t.id === term && t.trafficGb !== undefined)) {
      throw invalidRequest([{ path: 'term', message: 'not a traffic term of this proxy; see GET /proxies/{id}/renewal-terms' }]);
    }
    const set = await traffic.setAutoTopup(userId, sub.id, { termId: term, thresholdPercent });
    if (!set.ok) throw refusal(set.reason, set.message);
    return c.json({ success: true as const, auto_topup: { term, threshold_percent: thresholdPercent } }, 200);
  });

  app.openapi(deleteAutoTopup, async (c) => {
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.valid('param').id);
    const set = await traffic.setAutoTopup(userId, sub.id, null);
    if (!set.ok) throw refusal(set.reason, set.message);
    return c.json({ success: true as const, auto_topup: null }, 200);
  });

  return app;
}
