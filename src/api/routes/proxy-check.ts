/**
 * `POST /proxies/{id}/check`: connect through the caller's proxy (HTTP
 * CONNECT and SOCKS5, each port it has) to the shop's check URL and say
 * whether it works, how fast, and from which exit IP and country. A check is
 * a network call the shop makes on the caller's behalf, so it has its own
 * per-customer budget on top of the token's (429 with Retry-After). Every
 * login of the proxy is checked (`logins`): the one built for its purchase
 * target, and each order that added traffic to it; `checks` stays the
 * proxy's own login's, as before.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { CheckAnswer, LoginCheck, ProtocolCheck, ProxyChecks } from '../../services/proxy-checker.js';
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

export const LoginCheckSchema = z
  .object({
    login: z.string().openapi({ description: 'The login tried, as the proxy card shows it (built for the target it was bought with).' }),
    host: z.string(),
    http_port: z.number().int().nullable(),
    socks5_port: z.number().int().nullable(),
    order_id: z.string().openapi({ description: 'The order that bought this login: the proxy’s own, or one that added traffic to it.' }),
    added_traffic: z
      .boolean()
      .openapi({ description: 'True for the login of an order bought to add traffic (the proxy’s `added_traffic`).' }),
    checks: z.array(ProxyCheckSchema),
  })
  .openapi('ProxyLoginCheck');

const checkProxyRoute = createRoute({
  method: 'post',
  path: '/proxies/{id}/check',
  tags: ['proxies'],
  summary: 'Check the proxy works: connect through it to the check URL (rate-limited per customer)',
  middleware: [requireScope('read')] as const,
  request: { params: ProxyIdParamsSchema },
  responses: {
    200: success('One result per protocol the proxy offers, for each of its logins', {
      checked_at: z.string().openapi({ description: 'ISO 8601' }),
      checks: z.array(ProxyCheckSchema).openapi({ description: 'The proxy’s own login (the first of `logins`).' }),
      logins: z.array(LoginCheckSchema).openapi({
        description: 'Every login of the proxy, its own first, then each order that added traffic to it, each checked on its own.',
      }),
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

export function loginCheckView(login: LoginCheck) {
  return {
    login: login.login,
    host: login.host,
    http_port: login.httpPort,
    socks5_port: login.socks5Port,
    order_id: login.orderId,
    added_traffic: login.addedTraffic,
    checks: login.checks.map(checkView),
  };
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
      {
        success: true as const,
        checked_at: new Date(answer.checkedAt).toISOString(),
        checks: answer.checks.map(checkView),
        logins: answer.logins.map(loginCheckView),
      },
      200,
    );
  });
  return app;
}
