/**
 * HTTP face of the LumiWeb simulator: bearer auth, scopes, the money switch,
 * `Idempotency-Key` replay, and the documented endpoints under `/proxy/api/v1`.
 *
 * The shared error format lives on an overview page we do not have; errors
 * here answer `{ status, error, message }` with the same code in `status`
 * (as the purchase answer's `status` field does) and in `error`.
 */
import { INVALID_JSON, type SimHandler, type SimRequest, type SimResponse } from '../sim-server.js';
import { STATIC_TERM_DAYS, centsToUsdString } from './catalog.js';
import { fail, isFailure, type LumiWebState, type Scope, type SimFailure, type SimSubscription } from './state.js';

export const API_PREFIX = '/proxy/api/v1';

export interface LumiWebRouteOptions {
  /**
   * When set, money requests must carry an `X-Signature` this function accepts.
   * The real scheme is not public, so the simulator takes it as a parameter.
   */
  verifySignature?: (rawBody: string, signature: string | undefined) => boolean;
  /** Largest `per_page` honoured (default 100), so tests can make lists span pages. */
  maxPageSize?: number;
}

interface Caller {
  kind: 'reseller' | 'operator';
  scopes: Set<Scope>;
  /** The account a reseller key is bound to. */
  ownUserId?: number;
}

interface RouteContext {
  request: SimRequest;
  caller: Caller;
  params: string[];
  body: Record<string, unknown>;
}

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  scope: Scope;
  /** Money endpoints need the money switch on and an `Idempotency-Key`. */
  money?: boolean;
  handle(context: RouteContext): SimResponse;
}

export function createLumiWebHandler(state: LumiWebState, options: LumiWebRouteOptions = {}): SimHandler {
  const routes = buildRoutes(state, options.maxPageSize ?? 100);

  return (request) => {
    if (!request.path.startsWith(`${API_PREFIX}/`)) return error(fail(404, 'not_found', 'no such endpoint'));
    const path = request.path.slice(API_PREFIX.length);

    const caller = authenticate(state, request.headers.authorization);
    if (isFailure(caller)) return error(caller);

    let params: string[] | undefined;
    const route = routes.find((r) => {
      if (r.method !== request.method) return false;
      const match = r.pattern.exec(path);
      params = match ? match.slice(1) : undefined;
      return match !== null;
    });
    if (!route || !params) return error(fail(404, 'not_found', `no endpoint ${request.method} ${path}`));

    if (!caller.scopes.has(route.scope) && !caller.scopes.has('admin:*')) {
      return error(fail(403, 'forbidden_scope', `this key lacks the ${route.scope} scope`));
    }
    if (request.body === INVALID_JSON) return error(fail(400, 'bad_request', 'body is not valid JSON'));
    const body = isRecord(request.body) ? request.body : {};
    const context: RouteContext = { request, caller, params, body };

    if (!route.money) return guard(() => route.handle(context));
    return handleMoneyRequest(state, options, route, context);
  };
}

function handleMoneyRequest(state: LumiWebState, options: LumiWebRouteOptions, route: Route, context: RouteContext): SimResponse {
  const { request } = context;
  if (!state.moneyEnabled) return error(fail(403, 'money_disabled', 'money operations are disabled on this panel'));
  const key = header(request, 'idempotency-key');
  if (key === undefined || key.length < 8 || key.length > 200) {
    return error(fail(400, 'bad_request', 'an Idempotency-Key header of 8-200 characters is required'));
  }
  if (options.verifySignature && !options.verifySignature(request.rawBody, header(request, 'x-signature'))) {
    return error(fail(401, 'invalid_signature', 'X-Signature does not match the request'));
  }
  const userId = actingUser(state, context);
  if (isFailure(userId)) return error(userId);

  // Replays are looked up per account: one reseller's key cannot collide with another's.
  const storeKey = `${userId}\n${key}`;
  const fingerprint = `${request.method} ${request.path} ${canonicalJson(request.body)}`;
  const stored = state.idempotency.get(storeKey);
  if (stored) {
    if (stored.fingerprint !== fingerprint) {
      return error(fail(409, 'idempotency_conflict', 'this Idempotency-Key was used for another request'));
    }
    return { status: stored.httpStatus, body: stored.body, headers: { 'idempotent-replayed': 'true' } };
  }
  const response = guard(() => route.handle(context));
  // By default only answers that changed something are remembered, so a refused
  // request may be tried again. The docs only say "a repeat returns the original
  // response", so a real panel may just as well keep its failures: with
  // `replayFailures` on, a refusal under this key is answered again for every repeat.
  if ((response.status >= 200 && response.status < 300) || state.replayFailures) {
    state.idempotency.set(storeKey, { fingerprint, httpStatus: response.status, body: response.body });
  }
  return response;
}

function buildRoutes(state: LumiWebState, maxPageSize: number): Route[] {
  const subscriptionOf = (context: RouteContext): SimFailure | SimSubscription => {
    const userId = actingUser(state, context);
    if (isFailure(userId)) return userId;
    const subscription = state.subscriptions.get(Number(context.params[0]));
    if (!subscription || subscription.userId !== userId) return fail(404, 'not_found', 'subscription not found');
    return subscription;
  };
  const card = (s: SimSubscription) => subscriptionCard(state, s);

  return [
    {
      method: 'GET',
      pattern: /^\/users\/me$/,
      scope: 'proxy:read',
      handle: ({ caller }) => {
        const account = caller.ownUserId === undefined ? undefined : state.accounts.get(caller.ownUserId);
        return json(200, {
          user_id: account?.userId ?? null,
          username: account?.username ?? null,
          key: { kind: caller.kind, scopes: [...caller.scopes] },
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/users\/(\d+)\/balance$/,
      scope: 'proxy:read',
      handle: ({ caller, params }) => {
        const userId = Number(params[0]);
        if (caller.kind === 'reseller' && caller.ownUserId !== userId) {
          return error(fail(403, 'forbidden', 'a reseller key reads only its own balance'));
        }
        const account = state.accounts.get(userId);
        if (!account) return error(fail(404, 'not_found', 'user not found'));
        return json(200, { user_id: userId, balance_usd: centsToUsdString(account.balanceCents), currency: 'USD' });
      },
    },
    {
      method: 'GET',
      pattern: /^\/transactions$/,
      scope: 'proxy:read',
      handle: (context) => {
        const userId = actingUser(state, context);
        if (isFailure(userId)) return error(userId);
        const mine = state.transactions.filter((t) => t.userId === userId);
        return json(
          200,
          paginate(context.request, maxPageSize, mine, (t) => ({
            id: t.id,
            type: t.type,
            amount_usd: centsToUsdString(t.amountCents),
            subscription_id: t.subscriptionId,
            created_at: t.createdAt.toISOString(),
          })),
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/referrals$/,
      scope: 'proxy:read',
      handle: () => json(200, { invited: 0, active: 0, earned_usd: '0.00' }),
    },
    {
      method: 'GET',
      pattern: /^\/proxy\/catalog$/,
      scope: 'proxy:read',
      handle: () =>
        json(200, {
          categories: state.categories.map((c) => ({
            category: c.category,
            label: c.label,
            unit: c.unit,
            kind: c.kind,
            live: state.isLive(c),
            sample_price_usd: centsToUsdString(c.tiers[0]!.unitCents),
          })),
        }),
    },
    {
      method: 'POST',
      pattern: /^\/proxy\/quote$/,
      scope: 'proxy:read',
      handle: ({ body }) => {
        const quote = state.quote(body.category, body.quantity);
        if (isFailure(quote)) return error(quote);
        return json(200, {
          category: quote.category.category,
          quantity: quote.quantity,
          unit: quote.category.unit,
          price_usd: centsToUsdString(quote.priceCents),
          available: state.isLive(quote.category),
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/proxy\/subscriptions$/,
      scope: 'proxy:read',
      handle: (context) => {
        const userId = actingUser(state, context);
        if (isFailure(userId)) return error(userId);
        const mine = [...state.subscriptions.values()].filter((s) => s.userId === userId);
        return json(200, paginate(context.request, maxPageSize, mine, card));
      },
    },
    {
      method: 'GET',
      pattern: /^\/proxy\/subscriptions\/(\d+)$/,
      scope: 'proxy:read',
      handle: (context) => {
        const subscription = subscriptionOf(context);
        return isFailure(subscription) ? error(subscription) : json(200, card(subscription));
      },
    },
    {
      method: 'GET',
      pattern: /^\/proxy\/subscriptions\/(\d+)\/credentials$/,
      scope: 'proxy:read',
      handle: (context) => {
        const subscription = subscriptionOf(context);
        if (isFailure(subscription)) return error(subscription);
        return {
          status: 200,
          headers: { 'cache-control': 'no-store' },
          body: {
            subscription_id: subscription.id,
            kind: 'static',
            static_proxies: subscription.proxies.map((p) => ({ ...p })),
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/proxy\/subscriptions\/(\d+)\/auto-renew$/,
      scope: 'proxy:write',
      handle: (context) => {
        const subscription = subscriptionOf(context);
        if (isFailure(subscription)) return error(subscription);
        if (typeof context.body.auto_renew !== 'boolean') {
          return error(fail(400, 'bad_request', 'auto_renew must be a boolean'));
        }
        subscription.autoRenew = context.body.auto_renew;
        return json(200, card(subscription));
      },
    },
    {
      method: 'POST',
      pattern: /^\/proxy\/static$/,
      scope: 'proxy:buy',
      money: true,
      handle: (context) => {
        const userId = actingUser(state, context);
        if (isFailure(userId)) return error(userId);
        const subscription = state.buyStatic(userId, context.body);
        if (isFailure(subscription)) return error(subscription);
        const status = subscription.provisioning ? 'provisioning' : 'ok';
        return json(subscription.provisioning ? 202 : 200, {
          status,
          subscription_id: subscription.id,
          order_id: subscription.orderId,
          price_usd: centsToUsdString(subscription.lastPriceCents),
          quantity: subscription.quantity,
          country: subscription.country,
        });
      },
    },
    {
      method: 'POST',
      pattern: /^\/proxy\/subscriptions\/(\d+)\/renew$/,
      scope: 'proxy:buy',
      money: true,
      handle: (context) => {
        const userId = actingUser(state, context);
        if (isFailure(userId)) return error(userId);
        const renewed = state.renew(userId, Number(context.params[0]));
        if (isFailure(renewed)) return error(renewed);
        return json(200, {
          subscription_id: renewed.id,
          status: 'ok',
          price_usd: centsToUsdString(renewed.lastPriceCents),
          new_expires_at: renewed.expiresAt.toISOString(),
        });
      },
    },
  ];
}

function subscriptionCard(state: LumiWebState, s: SimSubscription) {
  return {
    subscription_id: s.id,
    order_id: s.orderId,
    category: s.category,
    kind: 'static',
    status: state.statusOf(s),
    country: s.country,
    quantity: s.quantity,
    auto_renew: s.autoRenew,
    term_days: STATIC_TERM_DAYS,
    price_usd: centsToUsdString(s.lastPriceCents),
    created_at: s.createdAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
  };
}

function authenticate(state: LumiWebState, authorization: string | undefined): SimFailure | Caller {
  const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  if (!token) return fail(401, 'unauthorized', 'missing Authorization: Bearer <key>');
  const key = state.keys.get(token);
  // Echoes the presented key, as careless upstreams do, so the shop's redaction is exercised.
  if (!key) return fail(401, 'unauthorized', `API key ${token} is not valid`);
  return { kind: key.kind, scopes: key.scopes, ...(key.userId === undefined ? {} : { ownUserId: key.userId }) };
}

/** Reseller keys act for their own account; operator keys must say whose (`user_id`). */
function actingUser(state: LumiWebState, { request, caller, body }: RouteContext): SimFailure | number {
  const raw = request.method === 'GET' ? (request.query.get('user_id') ?? undefined) : body.user_id;
  const requested = raw === undefined || raw === null || raw === '' ? undefined : Number(raw);
  if (requested !== undefined && !Number.isInteger(requested)) return fail(400, 'bad_request', 'user_id must be a number');
  if (caller.kind === 'reseller') {
    if (requested !== undefined && requested !== caller.ownUserId) {
      return fail(403, 'forbidden', 'a reseller key acts only for its own account');
    }
    return caller.ownUserId!;
  }
  if (requested === undefined) return fail(400, 'bad_request', 'user_id is required for an operator key');
  if (!state.accounts.has(requested)) return fail(404, 'not_found', 'user not found');
  return requested;
}

function paginate<T>(request: SimRequest, maxPageSize: number, items: T[], render: (item: T) => unknown) {
  const page = Math.max(1, Number(request.query.get('page') ?? 1) || 1);
  const perPage = Math.min(maxPageSize, Math.max(1, Number(request.query.get('per_page') ?? 20) || 20));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return { items: slice.map(render), page, per_page: perPage, total: items.length };
}

function guard(run: () => SimResponse): SimResponse {
  try {
    return run();
  } catch (cause) {
    return error(fail(500, 'internal_error', cause instanceof Error ? cause.message : 'internal error'));
  }
}

function json(status: number, body: unknown): SimResponse {
  return { status, body };
}

function error(failure: SimFailure): SimResponse {
  return { status: failure.httpStatus, body: errorEnvelope(failure.code, failure.message) };
}

/** The body of every error answer here: the code in `status` (as the purchase answer has it) and in `error`. */
export function errorEnvelope(code: string, message = code.replace(/_/g, ' ')): { status: string; error: string; message: string } {
  return { status: code, error: code, message };
}

function header(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with sorted keys, so the same body in another key order counts as the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
