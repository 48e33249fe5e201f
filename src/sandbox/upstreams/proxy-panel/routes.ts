/**
 * The HTTP face of the simulated panel: one endpoint `/api/proxy` with `op`
 * in the query (GET) or JSON body (POST), the `x-api-key` header, the
 * `{ok:true, …}` envelope, and the gateway errors of the API reference.
 *
 * The reference lists error statuses and messages but never shows an error
 * body; we answer `{ok:false, error:"<message>"}` (an inference).
 */
import { INVALID_JSON, type SimHandler, type SimRequest, type SimResponse } from '../sim-server.js';
import type { SimPlan } from './catalog.js';
import { PanelError, type PanelState, type SimSubscription } from './state.js';

export interface LoggedRequest {
  method: string;
  path: string;
  op: string | undefined;
  receivedAt: number;
}

/**
 * How a purchase answer shows its items. The reference says they "use the
 * same shape as GET /api/proxy?op=subscriptions" (`full`, credentials
 * included) while its example shows only id, status, end and labels (`brief`).
 */
export type PurchaseAnswerShape = 'full' | 'brief';

/**
 * How subscriptions are listed: `reference` as the example shows them;
 * `sparse` leaves out what a panel may omit (note, rotation policy, rotate
 * link, VPN URLs) and writes labels as free text, not in the example's
 * `12001 - NL - Private` pattern, which the reference never defines.
 */
export type ListingShape = 'reference' | 'sparse';

export interface RouteOptions {
  apiKey: string;
  /** Makes 401 answers quote the presented key, like careless gateways do (for redaction tests). */
  echoKeyOnAuthError: boolean;
  log: LoggedRequest[];
  purchaseAnswer: () => PurchaseAnswerShape;
  listing: () => ListingShape;
  /** Called after a purchase is carried out (the simulator arms its read failures here). */
  afterPurchase: () => void;
  /** True when this `op=subscriptions` read is to fail with `500 Internal error`. */
  failSubscriptionRead: () => boolean;
}

const READ_OPS = ['plans', 'subscriptions', 'renewal-plans', 'available-networks'] as const;
const WRITE_OPS = ['purchase', 'renew', 'change-credentials', 'switch-network', 'trial'] as const;
/** `rotationPolicy` on mobile subscriptions: the automatic rotation interval in minutes. */
const MOBILE_ROTATION_MINUTES = 10;
const MAX_QUANTITY = 100;
const MAX_REPEAT_COUNT = 24;

export function createPanelHandler(state: PanelState, options: RouteOptions): SimHandler {
  return (request) => {
    const op = opOf(request);
    options.log.push({ method: request.method, path: request.path, op, receivedAt: Date.now() });
    try {
      if (request.method === 'GET' && request.path.startsWith('/r/')) {
        return rotate(state, request.path.slice('/r/'.length));
      }
      if (request.path !== '/api/proxy') throw new PanelError(404, 'Not found');
      const presentedKey = headerValue(request, 'x-api-key');
      if (presentedKey !== options.apiKey) {
        const detail = options.echoKeyOnAuthError && presentedKey ? `: API key "${presentedKey}" is not valid` : '';
        throw new PanelError(401, `Unauthorized${detail}`);
      }
      if (request.method === 'GET') return answerRead(state, request.query, options);
      if (request.method === 'POST') return answerWrite(state, request.body, options);
      throw new PanelError(405, 'Method not allowed');
    } catch (error) {
      if (error instanceof PanelError) return { status: error.status, body: { ok: false, error: error.message } };
      return { status: 500, body: { ok: false, error: 'Internal error' } };
    }
  };
}

function opOf(request: SimRequest): string | undefined {
  const fromBody = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>).op : undefined;
  return request.query.get('op') ?? (typeof fromBody === 'string' ? fromBody : undefined);
}

function headerValue(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function answerRead(state: PanelState, query: URLSearchParams, options: RouteOptions): SimResponse {
  const op = query.get('op');
  if (!isOneOf(op, READ_OPS)) throw new PanelError(400, 'Missing or unknown op');
  switch (op) {
    case 'plans':
      return okAnswer({ plans: state.activePlans().map((plan) => planToWire(state, plan)) });
    case 'subscriptions':
      if (options.failSubscriptionRead()) throw new PanelError(500, 'Internal error');
      return okAnswer({
        subscriptions: state.ownSubscriptions().map((s) => subscriptionToWire(state, s, options.listing())),
      });
    case 'renewal-plans': {
      const subscription = state.ownedSubscription(requireId(query.get('subscriptionId'), 'subscriptionId'));
      return okAnswer({ renewalPlans: state.renewalPlans(subscription).map(renewalPlanToWire) });
    }
    case 'available-networks': {
      const subscription = state.ownedSubscription(requireId(query.get('subscriptionId'), 'subscriptionId'));
      return okAnswer({
        networks: state.availableNetworks(subscription).map((network) => ({
          id: network.id,
          networkLabel: `${network.name} ${network.city}`,
          country: network.country,
        })),
      });
    }
  }
}

function answerWrite(state: PanelState, body: unknown, options: RouteOptions): SimResponse {
  if (body === INVALID_JSON) throw new PanelError(400, 'Invalid JSON body');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new PanelError(400, 'Body must be an object');
  const fields = body as Record<string, unknown>;
  const op = fields.op;
  if (!isOneOf(op, WRITE_OPS)) throw new PanelError(400, 'Missing or unknown op');
  const couponCode = optionalCoupon(fields.couponCode);

  switch (op) {
    case 'purchase': {
      const planId = requireId(fields.planId, 'planId');
      const repeatCount = positiveCount(fields.repeatCount, MAX_REPEAT_COUNT);
      const quantity = positiveCount(fields.quantity, MAX_QUANTITY);
      const created = state.purchase({ planId, repeatCount, quantity, couponCode });
      options.afterPurchase();
      return okAnswer(purchaseAnswer(state, created, options));
    }
    case 'trial': {
      const created = state.trial(requireId(fields.planId, 'planId'));
      // A trial makes a subscription like a purchase does, so the same after-the-work faults apply.
      options.afterPurchase();
      return okAnswer(purchaseAnswer(state, [created], options));
    }
    case 'renew': {
      const subscriptionId = requireId(fields.subscriptionId, 'subscriptionId');
      const planId = requireId(fields.planId, 'planId');
      const repeatCount = positiveCount(fields.repeatCount, MAX_REPEAT_COUNT);
      const renewed = state.renew(subscriptionId, planId, repeatCount, couponCode);
      return okAnswer({ subscriptionId: renewed.subscriptionId, endAt: renewed.activeUntil });
    }
    case 'change-credentials': {
      const changed = state.changeCredentials(requireId(fields.subscriptionId, 'subscriptionId'));
      return okAnswer({ password: changed.password, vpn: changed.vpnId });
    }
    case 'switch-network': {
      const subscriptionId = requireId(fields.subscriptionId, 'subscriptionId');
      const targetNetwork = requireId(fields.targetNetwork, 'targetNetwork');
      const moved = state.switchNetwork(subscriptionId, targetNetwork);
      return okAnswer({ subscription: subscriptionToWire(state, moved, options.listing()) });
    }
  }
}

function rotate(state: PanelState, token: string): SimResponse {
  const subscription = state.rotate(token);
  return okAnswer({ subscriptionId: subscription.subscriptionId });
}

/**
 * One subscription comes back as `subscription`, several as `subscriptions`
 * (the reference says the gateway may do either). Items are `full`
 * subscriptions (credentials included) or `brief`, as in the example, when
 * callers must read the credentials with `op=subscriptions`.
 */
function purchaseAnswer(state: PanelState, created: SimSubscription[], options: RouteOptions): Record<string, unknown> {
  const brief = created.map((s) =>
    options.purchaseAnswer() === 'full'
      ? subscriptionToWire(state, s, options.listing())
      : {
          subscriptionId: s.subscriptionId,
          status: statusOf(state, s),
          activeUntil: s.activeUntil,
          label: labelOf(state, s),
          networkLabel: networkLabelOf(state, s),
        },
  );
  const first = created[0]!;
  if (created.length === 1) return { subscriptionId: first.subscriptionId, subscription: brief[0] };
  return {
    subscriptionId: first.subscriptionId,
    subscriptionIds: created.map((s) => s.subscriptionId),
    subscriptions: brief,
  };
}

// ---------------------------------------------------------------------------
// Wire shapes
// ---------------------------------------------------------------------------

function planToWire(state: PanelState, plan: SimPlan) {
  const network = state.networkOf(plan);
  return {
    id: plan.id,
    connectionType: plan.connectionType,
    durationMs: plan.durationMs,
    priceAmountCents: plan.priceAmountCents,
    popular: plan.popular,
    network: { name: network.name, city: network.city, country: network.country, networkType: network.networkType },
  };
}

function renewalPlanToWire(plan: SimPlan) {
  return {
    id: plan.id,
    connectionType: plan.connectionType,
    durationMs: plan.durationMs,
    priceAmountCents: plan.priceAmountCents,
  };
}

export function subscriptionToWire(state: PanelState, s: SimSubscription, shape: ListingShape = 'reference') {
  const network = state.networks.get(s.networkId);
  const host = state.proxyHost;
  const auth = `${encodeURIComponent(s.username)}:${encodeURIComponent(s.password)}`;
  if (shape === 'sparse') {
    return {
      subscriptionId: s.subscriptionId,
      status: statusOf(state, s),
      activeUntil: s.activeUntil,
      label: `${s.connectionType} proxy #${s.port}`,
      networkLabel: network ? `${network.city}` : 'unknown',
      credentials: { username: s.username, password: s.password },
      protocols: { http: `http://${auth}@${host}:${s.port}`, socks5: `socks5://${auth}@${host}:${s.port}` },
    };
  }
  const ssUserInfo = Buffer.from(`chacha20-ietf-poly1305:${s.password}`).toString('base64url');
  return {
    subscriptionId: s.subscriptionId,
    status: statusOf(state, s),
    activeUntil: s.activeUntil,
    userNote: s.userNote ?? '',
    ...(network?.networkType === 'mobile' ? { rotationPolicy: MOBILE_ROTATION_MINUTES } : {}),
    label: labelOf(state, s),
    networkLabel: networkLabelOf(state, s),
    credentials: { username: s.username, password: s.password },
    protocols: {
      http: `http://${auth}@${host}:${s.port}`,
      socks5: `socks5://${auth}@${host}:${s.port}`,
      vless: `vless://${s.vpnId}@${host}:${s.port}?type=tcp&security=none`,
      shadowsocks: `ss://${ssUserInfo}@${host}:${s.port}`,
    },
    rotate: { rotatePath: `/r/${s.rotateToken}`, available: state.canRotate(s) },
  };
}

function statusOf(state: PanelState, s: SimSubscription): 'active' | 'expired' {
  return state.isActive(s) ? 'active' : 'expired';
}

/** e.g. `12001 - NL - Private`, as in the reference. */
function labelOf(state: PanelState, s: SimSubscription): string {
  const country = state.networks.get(s.networkId)?.country ?? '??';
  const connection = s.connectionType.charAt(0).toUpperCase() + s.connectionType.slice(1);
  return `${s.port} - ${country} - ${connection}`;
}

/** e.g. `NL-AMS Amsterdam`. */
function networkLabelOf(state: PanelState, s: SimSubscription): string {
  const network = state.networks.get(s.networkId);
  return network ? `${network.name} ${network.city}` : 'unknown';
}

// ---------------------------------------------------------------------------
// Request validation, with the gateway's documented 400 messages
// ---------------------------------------------------------------------------

function okAnswer(fields: Record<string, unknown>): SimResponse {
  return { status: 200, body: { ok: true, ...fields } };
}

function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[a-z0-9]+$/.test(value)) {
    throw new PanelError(400, `Missing or invalid ${field}`);
  }
  return value;
}

/** `repeatCount` and `quantity`: optional, default 1, positive integers. */
function positiveCount(value: unknown, max: number): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new PanelError(400, 'Invalid repeatCount or quantity');
  }
  return value;
}

function optionalCoupon(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new PanelError(400, 'Invalid couponCode');
  return value;
}
