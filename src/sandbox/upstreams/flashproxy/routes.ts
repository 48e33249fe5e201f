/**
 * The HTTP face of the simulated FlashProxy API: base path, Bearer auth,
 * the per-key rate limit, `X-Idempotency-Key` replay, and routing to the
 * account's endpoints.
 */
import { INVALID_JSON, type SimHandler, type SimRequest, type SimResponse } from '../sim-server.js';
import { geoCatalog } from './geo.js';
import { failure, validationError } from './responses.js';
import type { FlashProxyAccount } from './state.js';

/** Production and sandbox base paths both lead to the same simulated account. */
const BASE_PATHS = ['/api/v1', '/sandbox/api/v1'];
const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const API_KEY_PATTERN = /^fp_(live|test)_[A-Za-z0-9]+$/;

export interface RouterSettings {
  apiKey: string;
  account: FlashProxyAccount;
  rateLimitPerMinute: () => number;
  now: () => number;
}

interface StoredAnswer {
  fingerprint: string;
  response: SimResponse;
  storedAt: number;
}

/** The keyed money POSTs whose idempotency behaviour tests can bend. */
export type KeyedRoute = 'create' | 'extend' | 'allowed-ips';

export interface FlashProxyRouter {
  handle: SimHandler;
  /**
   * The next keyed request on `route` meets a key that was "already used":
   * the simulator does the work as the first request under that key would
   * (and keeps the key), but answers this request `409
   * IDEMPOTENCY_KEY_CONFLICT`, as FlashProxy does when a retry's body differs
   * from the first one's. To the client this is the whole story of a first
   * request processed with its answer lost, then a differing retry.
   */
  conflictOnNextKeyedRequest(route: KeyedRoute): void;
  /** Requests that reached the API (authenticated or not). */
  requestCount(): number;
}

export function createFlashProxyRouter(settings: RouterSettings): FlashProxyRouter {
  const { account, now } = settings;
  const recentRequests: number[] = [];
  const idempotency = new Map<string, StoredAnswer>();
  const conflictNext = new Set<KeyedRoute>();
  let requests = 0;

  /** Sliding one-minute window per key; answers the 429 when the budget is spent. */
  const rateLimit = (): SimResponse | undefined => {
    const t = now();
    while (recentRequests.length > 0 && t - recentRequests[0]! >= 60_000) recentRequests.shift();
    const limit = settings.rateLimitPerMinute();
    if (recentRequests.length >= limit) {
      const retryAfter = Math.max(1, Math.ceil((60_000 - (t - recentRequests[0]!)) / 1000));
      return {
        ...failure(429, 'RATE_LIMITED', `Rate limit exceeded: ${limit} requests per minute. Retry in ${retryAfter} s.`),
        headers: { 'retry-after': String(retryAfter), 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '0' },
      };
    }
    recentRequests.push(t);
    return undefined;
  };

  /** Same key + same request → the stored answer; same key + another request → 409. */
  const withIdempotency = (request: SimRequest, path: string, route: KeyedRoute, run: () => SimResponse): SimResponse => {
    const key = header(request, 'x-idempotency-key');
    if (key === undefined) return run();
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      return validationError('Invalid request parameters', {
        'X-Idempotency-Key': ['Must be 8-64 characters: letters, digits, hyphens and underscores'],
      });
    }
    const fingerprint = `${request.method} ${path} ${canonicalJson(request.body)}`;
    const stored = idempotency.get(key);
    if (stored && now() - stored.storedAt < IDEMPOTENCY_TTL_MS) {
      if (stored.fingerprint !== fingerprint) {
        return failure(409, 'IDEMPOTENCY_KEY_CONFLICT', 'This idempotency key was already used with different request parameters.');
      }
      return { ...stored.response, headers: { ...stored.response.headers, 'idempotent-replayed': 'true' } };
    }
    if (conflictNext.delete(route)) {
      const firstAnswer = run();
      if (firstAnswer.status >= 200 && firstAnswer.status < 300) {
        // The first request's body differed from this one, so this one's fingerprint never matches it.
        idempotency.set(key, { fingerprint: `${fingerprint} (an earlier body)`, response: firstAnswer, storedAt: now() });
      }
      return failure(409, 'IDEMPOTENCY_KEY_CONFLICT', 'This idempotency key was already used with different request parameters.');
    }
    const response = run();
    // Only answers that did something are kept: a refused request may be retried once the cause is fixed.
    if (response.status >= 200 && response.status < 300) {
      idempotency.set(key, { fingerprint, response, storedAt: now() });
    }
    return response;
  };

  const route = (request: SimRequest, path: string): SimResponse => {
    const { method } = request;
    if (method === 'GET' && path === '/balance') return account.balance();
    if (method === 'GET' && path === '/balance/pricing') return account.pricing();
    if (method === 'GET' && path === '/proxies/pools') {
      return account.listPools(request.query.get('type'), request.query.get('country'));
    }
    if (method === 'GET' && path === '/geo/catalog') return geoCatalog(request.query.get('product'));
    if (method === 'POST' && path === '/plans/check-price') return account.checkPrice(request.body);
    if (path === '/plans') {
      if (method === 'GET') return account.listPlans(request.query);
      if (method === 'POST') return withIdempotency(request, path, 'create', () => account.createPlan(request.body));
    }
    if (path === '/sub-users') {
      if (method === 'GET') return account.subUsers.list(request.query);
      if (method === 'POST') return account.subUsers.create(request.body);
    }
    const subUserRoute = /^\/sub-users\/([^/]+)$/.exec(path);
    if (subUserRoute) {
      const id = decodeURIComponent(subUserRoute[1]!);
      if (method === 'GET') return account.subUsers.get(id);
      if (method === 'PUT') return account.subUsers.update(id, request.body);
    }
    const planRoute = /^\/plans\/([^/]+)(\/[a-z-]+)?$/.exec(path);
    if (planRoute) {
      const planId = decodeURIComponent(planRoute[1]!);
      const action = planRoute[2] ?? '';
      if (method === 'GET' && action === '') return account.getPlan(planId);
      if (method === 'DELETE' && action === '') return account.cancelPlan(planId);
      if (method === 'POST' && action === '/extend') {
        return withIdempotency(request, path, 'extend', () => account.extendPlan(planId, request.body));
      }
      if (method === 'PUT' && action === '/password') return account.changePassword(planId, request.body);
      // "Idempotency keys are supported via the `X-Idempotency-Key` header."
      if (method === 'PUT' && action === '/allowed-ips') {
        return withIdempotency(request, path, 'allowed-ips', () => account.setAllowedIps(planId, request.body));
      }
      if (method === 'GET' && action === '/usage') return account.usage(planId);
      if (method === 'GET' && action === '/proxies') return account.planProxies(planId);
    }
    return failure(404, 'NOT_FOUND', 'Resource not found');
  };

  const handle: SimHandler = (request) => {
    requests++;
    const base = BASE_PATHS.find((b) => request.path === b || request.path.startsWith(`${b}/`));
    if (!base) return failure(404, 'NOT_FOUND', 'Resource not found');
    const path = request.path.slice(base.length) || '/';

    const auth = /^Bearer\s+(\S+)$/i.exec(header(request, 'authorization') ?? '');
    const key = auth?.[1];
    if (!key || !API_KEY_PATTERN.test(key) || key !== settings.apiKey) {
      return failure(401, 'UNAUTHORIZED', 'Invalid or missing API key');
    }
    const limited = rateLimit();
    if (limited) return limited;
    if (account.suspended) return failure(403, 'FORBIDDEN', 'Account suspended');
    if (request.body === INVALID_JSON) return validationError('Request body is not valid JSON');
    return route(request, path);
  };

  return {
    handle,
    requestCount: () => requests,
    conflictOnNextKeyedRequest: (route) => {
      conflictNext.add(route);
    },
  };
}

function header(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` count as the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
