/**
 * FlashProxy Reseller API client: one function per endpoint the shop uses,
 * each answering an `Outcome` of the validated wire data.
 *
 * Reads are retried by the HTTP layer; writes (`POST /plans`, extend, password)
 * never are. Plan creation and extension carry `X-Idempotency-Key`, so the
 * saga may repeat them itself with the same key without paying twice.
 */
import type { z } from 'zod';
import { createHttpClient, type HttpClient, type HttpRequest } from '../../lib/http.js';
import { outcomeFromExchange, parseBody } from '../http.js';
import type { Outcome, ProviderSettings } from '../types.js';
import {
  isFailureEnvelope,
  isIdempotencyKeyConflict,
  moneyOutcomeFromErrorBody,
  moneyOutcomeFromFailedSuccess,
  outcomeFromErrorBody,
  outcomeFromFailedSuccess,
} from './errors.js';
import {
  allowedIpsResponseSchema,
  balanceResponseSchema,
  cancelResponseSchema,
  checkPriceResponseSchema,
  extendResponseSchema,
  passwordResponseSchema,
  planListResponseSchema,
  planProxiesResponseSchema,
  planResponseSchema,
  poolListResponseSchema,
  pricingResponseSchema,
  usageResponseSchema,
  type CreatePlanBody,
  type ExtendPlanBody,
  type WireAllowedIps,
  type WireBalance,
  type WireCancellation,
  type WireExtendResult,
  type WirePasswordChange,
  type WirePlan,
  type WirePlanPage,
  type WirePlanProxies,
  type WirePool,
  type WirePriceCheck,
  type WirePricing,
  type WireUsage,
} from './schemas.js';
import { geoCatalogResponseSchema, type WireGeoCatalog } from './targeting.js';

/** FlashProxy's documented budget per API key. */
export const FLASHPROXY_RATE_PER_MINUTE = 100;
export const FLASHPROXY_MAX_CONCURRENT = 20;

/** `X-Idempotency-Key`: 8–64 of letters, digits, `-` and `_`. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The answer to a money POST: an outcome, or FlashProxy's
 * `409 IDEMPOTENCY_KEY_CONFLICT` — "This idempotency key was already used with
 * different request parameters" — which is neither a success nor a refusal:
 * a request under our key was processed, and the caller must find what it did.
 */
export type MoneyOutcome<T> = Outcome<T> | { kind: 'key_conflict'; message: string };

export interface PlanListQuery {
  page: number;
  perPage: number;
  status?: 'active' | 'expired' | 'cancelled' | 'all';
  search?: string;
}

export interface FlashProxyClient {
  getBalance(): Promise<Outcome<WireBalance>>;
  getPricing(): Promise<Outcome<WirePricing>>;
  /** Dedicated ISP pools (`type=isp`; /24 subnet pools are not sold by the shop). */
  listIspPools(): Promise<Outcome<WirePool[]>>;
  checkPrice(body: CreatePlanBody): Promise<Outcome<WirePriceCheck>>;
  createPlan(body: CreatePlanBody, idempotencyKey: string): Promise<MoneyOutcome<WirePlan>>;
  listPlans(query: PlanListQuery): Promise<Outcome<WirePlanPage>>;
  getPlan(planId: string): Promise<Outcome<WirePlan>>;
  getPlanProxies(planId: string): Promise<Outcome<WirePlanProxies>>;
  extendPlan(planId: string, body: ExtendPlanBody, idempotencyKey: string): Promise<MoneyOutcome<WireExtendResult>>;
  changePassword(planId: string, newPassword: string): Promise<Outcome<WirePasswordChange>>;
  getUsage(planId: string): Promise<Outcome<WireUsage>>;
  /** One product's targeting catalog (`GET /geo/catalog?product=`, one product per request). */
  getGeoCatalog(product: string): Promise<Outcome<WireGeoCatalog>>;
  /** `PUT /plans/{id}/allowed-ips`: replaces the whole list (a PUT: repeating it does the same). */
  setAllowedIps(planId: string, ips: readonly string[]): Promise<Outcome<WireAllowedIps>>;
  /** `DELETE /plans/{id}`: "No refund will be issued … This action cannot be undone". */
  cancelPlan(planId: string): Promise<Outcome<WireCancellation>>;
  /** Masks the API key in any text built from upstream answers. */
  redact(text: string): string;
}

export function createFlashProxyClient(settings: ProviderSettings): FlashProxyClient {
  const http: HttpClient = createHttpClient({
    providerId: 'flashproxy',
    baseUrl: settings.baseUrl,
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    headers: { authorization: `Bearer ${settings.apiKey}` },
    secrets: [settings.apiKey],
    ratePerMinute: FLASHPROXY_RATE_PER_MINUTE,
    maxConcurrent: FLASHPROXY_MAX_CONCURRENT,
  });

  async function call<S extends z.ZodType, T>(request: HttpRequest, schema: S, map: (parsed: z.infer<S>) => T): Promise<Outcome<T>> {
    const exchange = await http.send(request);
    return outcomeFromExchange<T>(
      exchange,
      {
        onSuccess: (body, status) =>
          isFailureEnvelope(body) ? outcomeFromFailedSuccess(body, status, http.redact) : parseBody(schema, body, map),
        onError: (body, status) => outcomeFromErrorBody(body, status, http.redact),
      },
      http.redact,
    );
  }

  /** A money POST: classified by the refusal table, never by code name alone. */
  async function moneyCall<S extends z.ZodType, T>(
    request: HttpRequest,
    schema: S,
    map: (parsed: z.infer<S>) => T,
  ): Promise<MoneyOutcome<T>> {
    const exchange = await http.send(request);
    if (exchange.kind === 'response' && isIdempotencyKeyConflict(exchange.body, exchange.status)) {
      return { kind: 'key_conflict', message: `FlashProxy ${request.method} ${request.path}: idempotency key already used` };
    }
    return outcomeFromExchange<T>(
      exchange,
      {
        onSuccess: (body, status) =>
          isFailureEnvelope(body) ? moneyOutcomeFromFailedSuccess(body, status, http.redact) : parseBody(schema, body, map),
        onError: (body, status) => moneyOutcomeFromErrorBody(body, status, http.redact),
      },
      http.redact,
    );
  }

  const planPath = (planId: string) => `/plans/${encodeURIComponent(planId)}`;

  return {
    redact: http.redact,

    getBalance: () => call({ method: 'GET', path: '/balance', retry: true }, balanceResponseSchema, (r) => r.data),

    getPricing: () => call({ method: 'GET', path: '/balance/pricing', retry: true }, pricingResponseSchema, (r) => r.data),

    listIspPools: () =>
      call({ method: 'GET', path: '/proxies/pools', query: { type: 'isp' }, retry: true }, poolListResponseSchema, (r) => r.data.pools),

    checkPrice: (body) => call({ method: 'POST', path: '/plans/check-price', json: body }, checkPriceResponseSchema, (r) => r.data),

    createPlan: (body, idempotencyKey) =>
      moneyCall(
        { method: 'POST', path: '/plans', json: body, headers: { 'x-idempotency-key': idempotencyKey } },
        planResponseSchema,
        (r) => r.data,
      ),

    listPlans: (query) =>
      call(
        {
          method: 'GET',
          path: '/plans',
          query: { page: query.page, per_page: query.perPage, status: query.status ?? 'all', search: query.search },
          retry: true,
        },
        planListResponseSchema,
        (r) => ({
          plans: r.data.items ?? r.data.plans ?? [],
          page: r.data.pagination?.page ?? query.page,
          // Without pagination the answer is taken as the only page.
          totalPages: r.data.pagination?.total_pages ?? query.page,
        }),
      ),

    getPlan: (planId) => call({ method: 'GET', path: planPath(planId), retry: true }, planResponseSchema, (r) => r.data),

    getPlanProxies: (planId) =>
      call({ method: 'GET', path: `${planPath(planId)}/proxies`, retry: true }, planProxiesResponseSchema, (r) => r.data),

    extendPlan: (planId, body, idempotencyKey) =>
      moneyCall(
        {
          method: 'POST',
          path: `${planPath(planId)}/extend`,
          json: body,
          headers: { 'x-idempotency-key': idempotencyKey },
        },
        extendResponseSchema,
        (r) => r.data,
      ),

    changePassword: (planId, newPassword) =>
      call(
        { method: 'PUT', path: `${planPath(planId)}/password`, json: { new_password: newPassword } },
        passwordResponseSchema,
        (r) => r.data,
      ),

    getUsage: (planId) => call({ method: 'GET', path: `${planPath(planId)}/usage`, retry: true }, usageResponseSchema, (r) => r.data),

    getGeoCatalog: (product) =>
      call({ method: 'GET', path: '/geo/catalog', query: { product }, retry: true }, geoCatalogResponseSchema, (r) => r.data),
    setAllowedIps: (planId, ips) =>
      call(
        { method: 'PUT', path: `${planPath(planId)}/allowed-ips`, json: { allowed_ips: [...ips] } },
        allowedIpsResponseSchema,
        (r) => r.data,
      ),

    cancelPlan: (planId) => call({ method: 'DELETE', path: planPath(planId) }, cancelResponseSchema, (r) => r.data),
  };
}
