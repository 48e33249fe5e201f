/**
 * Geo and session targeting of a proxy: what its provider offers
 * (GET /proxies/{id}/targeting) and the connection string for a target
 * (POST /proxies/{id}/connection-string). The string is built, not bought:
 * nothing is charged and the proxy itself does not change, so the POST needs
 * no Idempotency-Key. A proxy whose provider has no targeting answers 422.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { EXPORT_FORMATS } from '../../domain/proxy-format.js';
import type { ProxyTarget, TargetingOptions } from '../../providers/types.js';
import type { Targeting, TargetingResult } from '../../services/targeting.js';
import { requireScope } from '../middlewares/auth.js';
import { invalidRequest } from '../middlewares/body.js';
import { ApiError } from '../middlewares/errors.js';
import { bufferJsonBody } from '../middlewares/json-body.js';
import { apiRouter } from '../openapi.js';
import { errors, ProxyIdParamsSchema, SCOPED_ERRORS, success } from '../schemas/common.js';
import { quoteRefusal } from './views.js';

const tags = ['proxies'];
const params = ProxyIdParamsSchema;
const actionErrors = errors(400, 404, 422, 503, ...SCOPED_ERRORS);

const PlaceSchema = z.object({ code: z.string(), name: z.string() });

export const TargetingOptionsSchema = z
  .object({
    countries: z.array(
      PlaceSchema.extend({
        iso: z.string().nullable().openapi({ description: 'ISO 3166-1 alpha-2, when the code names a country.' }),
        regions: z.array(
          PlaceSchema.extend({ cities: z.array(PlaceSchema).openapi({ description: 'Cities targeted within this region.' }) }),
        ),
        cities: z.array(PlaceSchema).openapi({ description: 'Cities targeted without a region.' }),
        asns: z.array(z.number().int()).openapi({ description: 'Networks (autonomous system numbers) in this country.' }),
      }),
    ),
    sticky_lifetimes: z
      .array(z.object({ id: z.string(), label: z.string(), max_minutes: z.number().int().nullable() }))
      .openapi({ description: 'Empty: rotating sessions only.' }),
  })
  .openapi('TargetingOptions');

const code = z.string().trim().min(1).max(64);

export const connectionStringBody = z
  .strictObject({
    country: code.optional().openapi({ description: 'A country code from GET /proxies/{id}/targeting.' }),
    region: code.optional().openapi({ description: 'A region of that country.' }),
    city: code.optional().openapi({ description: 'A city of that region, or of the country when no region is given.' }),
    asn: z.number().int().positive().optional().openapi({ description: 'A network of that country.' }),
    session: z
      .enum(['rotating', 'sticky'])
      .default('rotating')
      .openapi({ description: 'Rotating: a new IP per request. Sticky: one IP for the lifetime.' }),
    lifetime: code.optional().openapi({ description: 'Sticky only: a lifetime id; the first offered when absent.' }),
    session_id: z
      .string()
      .regex(/^[A-Za-z0-9]{1,32}$/)
      .optional()
      .openapi({ description: 'Sticky only: reuse to keep the same IP; a new one is made when absent.' }),
  })
  .openapi('ConnectionStringRequest');

const ConnectionStringSchema = z
  .object({
    target: z.object({
      country: z.string().nullable(),
      region: z.string().nullable(),
      city: z.string().nullable(),
      asn: z.number().int().nullable(),
      session: z.enum(['rotating', 'sticky']),
      lifetime: z.string().nullable(),
      session_id: z.string().nullable(),
    }),
    host: z.string(),
    http_port: z.number().int().nullable(),
    socks5_port: z.number().int().nullable(),
    login: z.string(),
    password: z.string(),
    lines: z
      .object(
        Object.fromEntries(EXPORT_FORMATS.map((f) => [f, z.string().nullable()])) as Record<
          (typeof EXPORT_FORMATS)[number],
          z.ZodNullable<z.ZodString>
        >,
      )
      .openapi({ description: 'The string in every export format; null where the proxy has no port for it.' }),
  })
  .openapi('ConnectionString');

const getTargeting = createRoute({
  method: 'get',
  path: '/proxies/{id}/targeting',
  tags,
  summary: 'The geo and session targeting this proxy accepts',
  middleware: [requireScope('read')] as const,
  request: { params },
  responses: { 200: success('The options', { targeting: TargetingOptionsSchema }), ...actionErrors },
});

const connectionString = createRoute({
  method: 'post',
  path: '/proxies/{id}/connection-string',
  tags,
  summary: 'The connection string for a target (no purchase; the proxy is unchanged)',
  middleware: [requireScope('read'), bufferJsonBody()] as const,
  request: { params, body: { required: true, content: { 'application/json': { schema: connectionStringBody } } } },
  responses: { 200: success('The string', { connection: ConnectionStringSchema }), ...actionErrors },
});

function failed(result: Exclude<TargetingResult<unknown>, { ok: true }>): ApiError {
  if (result.reason === 'not_found') return new ApiError('not_found', 'no such proxy');
  if (result.reason === 'invalid_target') return invalidRequest([{ path: result.field, message: result.message }]);
  return quoteRefusal(result.reason, result.message);
}

/** The geo and session targets a proxy or product takes, as the API shows them (`TargetingOptionsSchema`). */
export function targetingOptionsView({ countries, stickyLifetimes }: TargetingOptions) {
  return {
    countries: countries.map((country) => ({ ...country, iso: country.iso ?? null })),
    sticky_lifetimes: stickyLifetimes.map((l) => ({ id: l.id, label: l.label, max_minutes: l.maxMinutes ?? null })),
  };
}

function targetView(target: ProxyTarget) {
  return {
    country: target.countryCode ?? null,
    region: target.regionCode ?? null,
    city: target.cityCode ?? null,
    asn: target.asn ?? null,
    session: target.session.mode,
    lifetime: target.session.mode === 'sticky' ? target.session.lifetimeId : null,
    session_id: target.session.mode === 'sticky' ? target.session.sessionId : null,
  };
}

export function proxyTargetingRoutes(targeting: Targeting) {
  const app = apiRouter();

  app.openapi(getTargeting, async (c) => {
    const options = await targeting.options(c.get('principal').userId, c.req.valid('param').id);
    if (!options.ok) throw failed(options);
    return c.json({ success: true as const, targeting: targetingOptionsView(options.value) }, 200);
  });

  app.openapi(connectionString, async (c) => {
    const body = c.req.valid('json');
    const built = await targeting.connection(c.get('principal').userId, c.req.valid('param').id, {
      ...(body.country === undefined ? {} : { country: body.country }),
      ...(body.region === undefined ? {} : { region: body.region }),
      ...(body.city === undefined ? {} : { city: body.city }),
      ...(body.asn === undefined ? {} : { asn: body.asn }),
      session: body.session,
      ...(body.lifetime === undefined ? {} : { lifetime: body.lifetime }),
      ...(body.session_id === undefined ? {} : { sessionId: body.session_id }),
    });
    if (!built.ok) throw failed(built);
    const { target, host, httpPort, socks5Port, login, password, lines } = built.value;
    return c.json(
      {
        success: true as const,
        connection: { target: targetView(target), host, http_port: httpPort, socks5_port: socks5Port, login, password, lines },
      },
      200,
    );
  });

  return app;
}
