/**
 * `POST /proxies/{id}/check`: connect through the caller's proxy (HTTP
 * CONNECT and SOCKS5, each port it has) to the shop's check URL and say
 * whether it works, how fast, and from which exit IP and country. A check is
 * a network call the shop makes on the caller's behalf, so it has its own
 * per-customer budget on top of the token's (429 with Retry-After).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { CheckAnswer, ProtocolCheck, ProxyChecks } from '../../services/proxy-checker.js';
import { requireScope } from '../middlewares/auth.js';
import { ApiError } from '../middlewares/errors.js';
import { apiRouter } from '../openapi.js';
import { errors, ProxyIdParamsSchema, SCOPED_ERRORS, success } from '../schemas/common.js';

export const ProxyCheckSchema = z
  .object({
    protocol: z.enum(['http', 'socks5']),
    reachable: z.boolean(),
    latency_ms: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'From connecting to the proxy to the full answer; null when it failed.' }),
    exit_ip: z.string().nullable().openapi({ description: 'The address the check URL saw, when it answers one.' }),
    country: z.string().nullable().openapi({ description: 'The exit IP’s country as the check URL names it (ISO alpha-2 for ipinfo.io).' }),
    failure: z.enum(['proxy_unreachable', 'auth_rejected', 'target_unreachable', 'timeout', 'bad_answer']).nullable().openapi({
      description:
        'proxy_unreachable: nothing answers on the port; auth_rejected: login or password refused; target_unreachable: the proxy could not reach the check URL; timeout: no full answer in time; bad_answer: the check URL answered an error.',
    }),
  })
  .openapi('ProxyCheck');

const checkProxyRoute = createRoute({
  method: 'post',
  path: '/proxies/{id}/check',
  tags: ['proxies'],
  summary: 'Check the proxy works: connect through it to the check URL (rate-limited per customer)',
  middleware: [requireScope('read')] as const,
  request: { params: ProxyIdParamsSchema },
  responses: {
    200: success('One result per protocol the proxy offers', {
      checked_at: z.string().openapi({ description: 'ISO 8601' }),
      checks: z.array(ProxyCheckSchema),
    }),
    ...errors(400, 404, 422, ...SCOPED_ERRORS),
  },
});

export function checkView(check: ProtocolCheck) {
  return check.reachable
    ? {
        protocol: check.protocol,
        reachable: true,
        latency_ms: check.latencyMs,
        exit_ip: check.exitIp,
        country: check.country,
        failure: null,
      }
    : { protocol: check.protocol, reachable: false, latency_ms: null, exit_ip: null, country: null, failure: check.failure };
}

function refusal(answer: Extract<CheckAnswer, { ok: false }>): ApiError {
  switch (answer.reason) {
    case 'not_found':
      return new ApiError('not_found', 'no such proxy');
    case 'not_checkable':
      return new ApiError('unsupported', answer.message);
    case 'rate_limited': {
      const seconds = Math.max(1, Math.ceil((answer.retryInMs ?? 1_000) / 1_000));
      return new ApiError('rate_limited', `too many proxy checks; try again in ${seconds} s`, {
        headers: { 'Retry-After': String(seconds) },
      });
    }
  }
}

export function proxyCheckRoutes(services: { proxyChecks?: ProxyChecks }) {
  const app = apiRouter();
  app.openapi(checkProxyRoute, async (c) => {
    const { userId } = c.get('principal');
    const id = c.req.valid('param').id;
    if (!services.proxyChecks) throw new ApiError('unsupported', 'this shop does not check proxies');
    const answer = await services.proxyChecks.check(userId, id);
    if (!answer.ok) throw refusal(answer);
    return c.json(
      { success: true as const, checked_at: new Date(answer.checkedAt).toISOString(), checks: answer.checks.map(checkView) },
      200,
    );
  });
  return app;
}
