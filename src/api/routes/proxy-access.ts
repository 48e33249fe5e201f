/**
 * Who may use a proxy, and ending it early, by API: the IP allowlist (list,
 * add, remove) and cancellation. Cancelling states its refund rule first
 * (`GET /proxies/{id}/cancellation`), and `DELETE /proxies/{id}` must repeat
 * that rule back (`?refund=none`), so no client cancels without having read it.
 * An action the provider lacks is 422 `unsupported`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { AllowlistProblem } from '../../domain/ip-allowlist.js';
import type { AccessRefusal, ProxyAccess } from '../../services/proxy-access.js';
import type { Subscriptions } from '../../services/subscriptions.js';
import { requireScope } from '../middlewares/auth.js';
import { invalidRequest } from '../middlewares/body.js';
import { ApiError } from '../middlewares/errors.js';
import { bufferJsonBody } from '../middlewares/json-body.js';
import { apiRouter } from '../openapi.js';
import { errors, ProxyIdParamsSchema, SCOPED_ERRORS, success } from '../schemas/common.js';
import { ProxySummarySchema } from '../schemas/shapes.js';
import { proxySummaryView } from './views.js';

const tags = ['proxies'];
const params = ProxyIdParamsSchema;
const actionErrors = errors(400, 404, 422, 503, ...SCOPED_ERRORS);

const ip = z.string().trim().min(1).max(100).openapi({ example: '203.0.113.5' });

const AllowlistSchema = z
  .object({
    allowed_ips: z.array(z.string()).openapi({ description: 'Source IPs allowed to use the credentials; empty: any IP.' }),
    max_entries: z.number().int().openapi({ description: 'The most addresses the provider keeps.' }),
    cidr_supported: z.boolean().openapi({ description: 'Whether ranges like 203.0.113.0/24 are accepted, or single addresses only.' }),
  })
  .openapi('IpAllowlist');

export const addAllowedIpsBody = z
  .strictObject({ ips: z.array(ip).min(1).max(100).openapi({ description: 'IPv4 or IPv6 addresses to allow.' }) })
  .openapi('AddAllowedIpsRequest');

const RefundSchema = z
  .object({
    kind: z.enum(['none']).openapi({ description: '`none`: the provider refunds nothing, so neither does the shop.' }),
    amount_cents: z.number().int(),
  })
  .openapi('CancelRefund');

const cancelQuery = z.object({
  refund: z.enum(['none']).openapi({ description: 'The refund rule from GET /proxies/{id}/cancellation, repeated as consent.' }),
});

const getAllowlist = createRoute({
  method: 'get',
  path: '/proxies/{id}/allowed-ips',
  tags,
  summary: 'The IP allowlist of the proxy, read from the provider',
  middleware: [requireScope('read')] as const,
  request: { params },
  responses: { 200: success('The allowlist', { allowlist: AllowlistSchema }), ...actionErrors },
});

const addAllowedIps = createRoute({
  method: 'post',
  path: '/proxies/{id}/allowed-ips',
  tags,
  summary: 'Allow more source IPs (every one is checked first; on any error nothing changes)',
  middleware: [requireScope('write'), bufferJsonBody()] as const,
  request: { params, body: { required: true, content: { 'application/json': { schema: addAllowedIpsBody } } } },
  responses: { 200: success('The allowlist now', { allowlist: AllowlistSchema }), ...actionErrors },
});

const removeAllowedIp = createRoute({
  method: 'delete',
  path: '/proxies/{id}/allowed-ips/{ip}',
  tags,
  summary: 'Stop allowing one source IP (URL-encode IPv6 colons if your client needs to)',
  middleware: [requireScope('write')] as const,
  request: { params: params.extend({ ip }) },
  responses: { 200: success('The allowlist now', { allowlist: AllowlistSchema }), ...actionErrors },
});

const cancellationTerms = createRoute({
  method: 'get',
  path: '/proxies/{id}/cancellation',
  tags,
  summary: 'What cancelling this proxy does: the refund rule and every proxy it ends',
  middleware: [requireScope('read')] as const,
  request: { params },
  responses: {
    200: success('The terms', { refund: RefundSchema, proxies: z.array(ProxySummarySchema) }),
    ...actionErrors,
  },
});

const cancelProxy = createRoute({
  method: 'delete',
  path: '/proxies/{id}',
  tags,
  summary: 'Cancel the proxy now (cannot be undone; refund as GET /proxies/{id}/cancellation states)',
  middleware: [requireScope('write')] as const,
  request: { params, query: cancelQuery },
  responses: {
    200: success('Cancelled', { refund: RefundSchema, proxies: z.array(ProxySummarySchema) }),
    ...actionErrors,
  },
});

function refusal(reason: AccessRefusal, message: string): ApiError {
  switch (reason) {
    case 'not_found':
      return new ApiError('not_found', 'no such proxy');
    case 'unsupported':
    case 'not_active':
    case 'renewal_in_progress':
      return new ApiError('unsupported', message);
    case 'provider_unavailable':
      return new ApiError('provider_unavailable', message);
  }
}

function problemMessage(problem: AllowlistProblem): { path: string; message: string } {
  switch (problem.kind) {
    case 'malformed':
      return { path: 'ips', message: `${problem.entry} is not an IPv4 or IPv6 address` };
    case 'cidr_not_supported':
      return { path: 'ips', message: `${problem.entry}: this provider accepts single addresses only, not ranges` };
    case 'too_many':
      return { path: 'ips', message: `the list would hold ${problem.count} addresses; this provider keeps at most ${problem.max}` };
  }
}

/** No refund is the only rule an upstream documents today; its amount is stated, not implied. */
const refundView = (refund: { kind: 'none' }) => ({ kind: refund.kind, amount_cents: 0 });

export function proxyAccessRoutes(access: ProxyAccess, subscriptions: Pick<Subscriptions, 'get'>) {
  const app = apiRouter();

  const allowlistView = async (userId: number, id: string) => {
    const list = await access.allowlist(userId, id);
    if (!list.ok) throw refusal(list.reason, list.message);
    return { allowed_ips: list.value.ips, max_entries: list.value.rules.maxEntries, cidr_supported: list.value.rules.cidr };
  };

  const edit = async (userId: number, id: string, change: { add?: string[]; remove?: string[] }) => {
    const edited = await access.editAllowlist(userId, id, change);
    if (!edited.ok) {
      if (edited.reason === 'invalid') {
        throw invalidRequest(
          edited.problems.length > 0 ? edited.problems.map(problemMessage) : [{ path: 'ips', message: edited.message }],
          'the IP list was not changed; see details',
        );
      }
      throw refusal(edited.reason, edited.message);
    }
    // Rules come with the list, so a client learns the limits with every answer.
    return allowlistView(userId, id);
  };

  app.openapi(getAllowlist, async (c) => {
    const allowlist = await allowlistView(c.get('principal').userId, c.req.valid('param').id);
    return c.json({ success: true as const, allowlist }, 200);
  });

  app.openapi(addAllowedIps, async (c) => {
    const allowlist = await edit(c.get('principal').userId, c.req.valid('param').id, { add: c.req.valid('json').ips });
    return c.json({ success: true as const, allowlist }, 200);
  });

  app.openapi(removeAllowedIp, async (c) => {
    const { id, ip: address } = c.req.valid('param');
    const allowlist = await edit(c.get('principal').userId, id, { remove: [address] });
    return c.json({ success: true as const, allowlist }, 200);
  });

  app.openapi(cancellationTerms, (c) => {
    const terms = access.cancelTerms(c.get('principal').userId, c.req.valid('param').id);
    if (!terms.ok) throw refusal(terms.reason, terms.message);
    return c.json(
      { success: true as const, refund: refundView(terms.value.refund), proxies: terms.value.proxies.map(proxySummaryView) },
      200,
    );
  });

  app.openapi(cancelProxy, async (c) => {
    const { userId } = c.get('principal');
    const { id } = c.req.valid('param');
    const terms = access.cancelTerms(userId, id);
    if (!terms.ok) throw refusal(terms.reason, terms.message);
    if (terms.value.refund.kind !== c.req.valid('query').refund) {
      throw invalidRequest([
        { path: 'refund', message: `the refund rule is ${terms.value.refund.kind}; see GET /proxies/{id}/cancellation` },
      ]);
    }
    const cancelled = await access.cancel(userId, id);
    if (!cancelled.ok) throw refusal(cancelled.reason, cancelled.message);
    const proxies = cancelled.value.proxies.map((p) => subscriptions.get(userId, p.id) ?? p).map(proxySummaryView);
    return c.json({ success: true as const, refund: refundView(cancelled.value.refund), proxies }, 200);
  });

  return app;
}
