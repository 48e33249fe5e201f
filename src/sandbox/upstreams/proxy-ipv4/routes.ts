/**
 * The HTTP face of the simulated proxy-ipv4.com client API: the key is a path
 * segment (`/client-api/v1/<apiKey>/...`), every answer is HTTP 200 with
 * `success` true or false, and every success carries the account envelope
 * (`user`, `balance` as a USD float, `currency`).
 */
import { INVALID_JSON, type SimHandler, type SimRequest, type SimResponse } from '../sim-server.js';
import { daysOf, isSimProxyType, milliToUsd, type SimProxyType } from './catalog.js';
import type { ProxyIpv4State, SimErrorCode, SimProxy } from './state.js';

/** IPv6 listings: the seed's flat list, or the older docs' grouping by order. */
export type Ipv6ListingShape = 'flat' | 'grouped';

/** Listings as the seed shows them, or without `dateStart` (`undated`). */
export type ListingDates = 'seed' | 'undated';

export interface RouteOptions {
  apiKey: string;
  ipv6Shape: () => Ipv6ListingShape;
  listingDates: () => ListingDates;
}

type Route = (request: SimRequest, origin: string) => SimResponse;

export function createProxyIpv4Handler(state: ProxyIpv4State, options: RouteOptions): SimHandler {
  const envelope = () => ({ success: true, user: state.user, balance: state.balanceUsd(), currency: 'USD' });
  const answer = (fields: Record<string, unknown>): SimResponse => ({ status: 200, body: { ...envelope(), ...fields } });

  const proxyTypeParam = (request: SimRequest): SimProxyType | SimResponse => {
    const type = request.query.get('proxyType');
    return isSimProxyType(type) ? type : failure('INVALID_PARAMS', `Unknown proxyType "${type ?? ''}"`);
  };

  const listingOf = (type: SimProxyType, proxies: SimProxy[], origin: string, shape: Ipv6ListingShape): unknown[] => {
    const items = listingItems(type, proxies, origin, shape);
    if (options.listingDates() === 'seed') return items;
    return items.map((item) => {
      const { dateStart: _omitted, ...rest } = item as Record<string, unknown>;
      return rest;
    });
  };

  const routes: Record<string, Route> = {
    'GET get/balance': () => answer({}),

    'GET get/proxies': (request, origin) => {
      const asked = request.query.get('proxyType');
      if (asked !== null) {
        if (!isSimProxyType(asked)) return failure('INVALID_PARAMS', `Unknown proxyType "${asked}"`);
        const proxies = state.activeProxies(asked);
        return answer({
          proxyType: asked,
          countOfProxy: proxies.length,
          proxies: listingOf(asked, proxies, origin, options.ipv6Shape()),
        });
      }
      const all = state.activeProxies();
      return answer({
        countOfProxy: all.length,
        ipv4: listingOf('ipv4', state.activeProxies('ipv4'), origin, options.ipv6Shape()),
        ipv6: listingOf('ipv6', state.activeProxies('ipv6'), origin, options.ipv6Shape()),
        isp: listingOf('isp', state.activeProxies('isp'), origin, options.ipv6Shape()),
        mobile: listingOf('mobile', state.activeProxies('mobile'), origin, options.ipv6Shape()),
      });
    },

    'GET get/days': (request) => {
      const type = proxyTypeParam(request);
      if (typeof type !== 'string') return type;
      return answer({ days: daysOf(state.catalog, type) });
    },

    'GET get/countries': (request) => {
      const type = proxyTypeParam(request);
      if (typeof type !== 'string') return type;
      return answer({ countries: state.catalog[type].countries.map(({ name, alpha3code }) => ({ name, alpha3code })) });
    },

    'GET get/order/price': (request) => {
      const q = request.query;
      const checked = state.validateOrder({
        proxyType: q.get('proxyType'),
        days: q.get('days'),
        country: q.get('country'),
        count: q.get('count'),
        goal: q.get('goal'),
      });
      if (!checked.ok) return failure(checked.code, checked.message);
      const { type, days, count, goal } = checked.value;
      const perProxy = state.priceMilli(type, days);
      return answer({
        proxyType: type,
        days,
        count,
        goal,
        amount: milliToUsd(perProxy * count),
        price: milliToUsd(perProxy),
      });
    },

    'POST order': (request) => {
      const body = objectBody(request);
      if (!body) return failure('INVALID_PARAMS', 'Expected a JSON object body');
      // Only login/password proxies are sold through this simulator, as the shop orders them.
      if (body.authType !== undefined && body.authType !== 'login') {
        return failure('INVALID_PARAMS', `authType "${String(body.authType)}" is not supported`);
      }
      const checked = state.validateOrder(body as Parameters<ProxyIpv4State['validateOrder']>[0]);
      if (!checked.ok) return failure(checked.code, checked.message);
      const placed = state.placeOrder(checked.value);
      if (!placed.ok) return failure(placed.code, placed.message);
      // The real answer carries no order id: new proxies are found by listing.
      return answer({});
    },

    'POST extend': (request) => {
      const body = objectBody(request);
      if (!body) return failure('INVALID_PARAMS', 'Expected a JSON object body');
      const extended = state.extend({ proxyType: body.proxyType, days: body.days, ids: body.IpId });
      if (!extended.ok) return failure(extended.code, extended.message);
      return answer({});
    },
  };

  return (request) => {
    const reboot = /^\/reboot\/([^/]+)$/.exec(request.path);
    if (reboot && request.method === 'GET') {
      // The reboot link is its own secret: no API key in it.
      const rotated = state.rotate(reboot[1]!);
      if (!rotated.ok) return { status: 404, body: { success: false, error: { code: rotated.code, message: rotated.message } } };
      return { status: 200, body: { success: true, message: 'IP changed' } };
    }

    const match = /^\/client-api\/v1\/([^/]*)\/(.+?)\/?$/.exec(request.path);
    const route = match ? routes[`${request.method} ${match[2]}`] : undefined;
    if (!match || !route) {
      return { status: 404, body: { success: false, error: { code: 'NOT_FOUND', message: 'Unknown endpoint' } } };
    }
    const key = safeDecode(match[1]!);
    if (key !== options.apiKey) {
      // Echoes the key back, as careless APIs do: the adapter must keep it out of messages.
      return failure('INVALID_KEY', `Invalid API key: ${key}`);
    }
    const host = typeof request.headers.host === 'string' ? request.headers.host : '127.0.0.1';
    return route(request, `http://${host}`);
  };
}

function failure(code: SimErrorCode, message: string): SimResponse {
  return { status: 200, body: { success: false, error: { code, message } } };
}

function objectBody(request: SimRequest): Record<string, unknown> | undefined {
  const { body } = request;
  if (body === INVALID_JSON || body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  return body as Record<string, unknown>;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The seed's timestamps: ISO 8601 with an explicit `+00:00` offset. */
function wireDate(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

function listingItems(type: SimProxyType, proxies: SimProxy[], origin: string, ipv6Shape: Ipv6ListingShape): unknown[] {
  if (type !== 'ipv6') return proxies.map((p) => portProxyWire(p, origin));
  return ipv6Shape === 'flat' ? proxies.map(ipv6FlatWire) : ipv6GroupedWire(proxies);
}

function portProxyWire(proxy: SimProxy, origin: string): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    id: proxy.id,
    ip: proxy.ip,
    country: proxy.country,
    dateStart: wireDate(proxy.dateStart),
    dateEnd: wireDate(proxy.dateEnd),
    httpsPort: String(proxy.httpsPort),
    socks5Port: String(proxy.socks5Port),
    authInfo: { login: proxy.login, password: proxy.password },
  };
  if (proxy.type === 'mobile') {
    wire.mobileOperator = proxy.mobileOperator;
    wire.rotationTime = proxy.rotationTime;
    wire.rebootLink = `${origin}/reboot/${proxy.rebootToken}`;
  }
  return wire;
}

function ipv6FlatWire(proxy: SimProxy): Record<string, unknown> {
  return {
    orderId: proxy.orderId,
    ip: proxy.ip,
    country: proxy.country,
    dateStart: wireDate(proxy.dateStart),
    dateEnd: wireDate(proxy.dateEnd),
    port: String(proxy.httpsPort),
    protocol: 'HTTP',
    authInfo: { login: proxy.login, password: proxy.password },
  };
}

/** The older documented IPv6 shape: one entry per order, its proxies as `host:port` strings. */
function ipv6GroupedWire(proxies: SimProxy[]): Record<string, unknown>[] {
  const groups = new Map<string, SimProxy[]>();
  for (const proxy of proxies) groups.set(proxy.orderId, [...(groups.get(proxy.orderId) ?? []), proxy]);
  return [...groups.entries()].map(([orderId, members]) => {
    const first = members[0]!;
    return {
      orderId,
      country: first.country,
      dateStart: wireDate(first.dateStart),
      dateEnd: wireDate(first.dateEnd),
      authInfo: { login: first.login, password: first.password },
      ips: members.map((p) => ({ id: p.id, ip: `${p.ip}:${p.httpsPort}`, protocol: 'HTTP' })),
    };
  });
}
