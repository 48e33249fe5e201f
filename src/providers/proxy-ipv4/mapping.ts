/**
 * From proxy-ipv4.com's proxy objects to the shop's `UpstreamProxy`.
 *
 * Our `upstreamId` carries the proxy type, because every later call (extend,
 * reboot) needs the type and the upstream's ids do not reveal it:
 *   - IPv4, ISP, mobile: `<type>:<proxy id>`, e.g. `isp:id1`;
 *   - IPv6: `ipv6:<order id>:<host>:<port>`. IPv6 is extended by whole order,
 *     so the order id is what renewal needs; host and port keep the ids of the
 *     proxies of one order distinct (the flat listing has no per-proxy id, and
 *     both listing shapes agree on host and port).
 * Ids are URI-encoded inside, so a colon in an upstream id cannot confuse parsing.
 */
import type { UpstreamProxy } from '../types.js';
import { isProxyType, PROXY_TYPES, type Ipv6ProxyWire, type PortProxyWire, type ProxyListWire, type ProxyType } from './client.js';

/** A listed proxy plus what the adapter needs beside the common model. */
export interface ListedProxy {
  type: ProxyType;
  proxy: UpstreamProxy;
  /** dateStart in epoch ms, when readable: how purchases are recognized after the fact. */
  startedAt?: number;
  /** IPv6 only: the order the proxy belongs to. */
  orderId?: string;
}

export interface ProxyRef {
  type: ProxyType;
  /** What `extend` takes in `IpId`: the proxy id, or for IPv6 the order id. */
  extendId: string;
}

export function upstreamIdForPortProxy(type: Exclude<ProxyType, 'ipv6'>, proxyId: string): string {
  return `${type}:${encodeURIComponent(proxyId)}`;
}

export function upstreamIdForIpv6(orderId: string, host: string, port: number | undefined): string {
  return `ipv6:${encodeURIComponent(orderId)}:${host}:${port ?? ''}`;
}

/** Reads back an id made above; `undefined` for anything else. */
export function parseUpstreamId(upstreamId: string): ProxyRef | undefined {
  const colon = upstreamId.indexOf(':');
  const type = upstreamId.slice(0, colon);
  if (colon < 0 || !isProxyType(type)) return undefined;
  const rest = upstreamId.slice(colon + 1);
  const endOfOrderId = rest.indexOf(':');
  const encodedId = type === 'ipv6' && endOfOrderId >= 0 ? rest.slice(0, endOfOrderId) : rest;
  try {
    const extendId = decodeURIComponent(encodedId);
    return extendId === '' ? undefined : { type, extendId };
  } catch {
    return undefined;
  }
}

export function fromPortProxy(type: Exclude<ProxyType, 'ipv6'>, wire: PortProxyWire, now: number): ListedProxy {
  const proxy: UpstreamProxy = {
    upstreamId: upstreamIdForPortProxy(type, String(wire.id)),
    host: wire.ip,
    ...defined('httpPort', toPort(wire.httpsPort)),
    ...defined('socks5Port', toPort(wire.socks5Port)),
    ...credentials(wire.authInfo),
    ...defined('countryCode', wire.country?.toUpperCase()),
    ...expiry(wire.dateEnd, now),
    ...defined('rotationUrl', wire.rebootLink ?? undefined),
  };
  return { type, proxy, ...defined('startedAt', toEpoch(wire.dateStart)) };
}

export function fromIpv6Proxy(wire: Ipv6ProxyWire, now: number): ListedProxy {
  const port = toPort(wire.port);
  const socks = /socks/i.test(wire.protocol ?? '');
  const proxy: UpstreamProxy = {
    upstreamId: upstreamIdForIpv6(wire.orderId, wire.host, port),
    host: wire.host,
    // One port per IPv6 proxy; `protocol` says which kind (HTTP unless it says SOCKS).
    ...defined(socks ? 'socks5Port' : 'httpPort', port),
    ...credentials(wire.authInfo),
    ...defined('countryCode', wire.country?.toUpperCase()),
    ...expiry(wire.dateEnd, now),
  };
  return { type: 'ipv6', proxy, orderId: wire.orderId, ...defined('startedAt', toEpoch(wire.dateStart)) };
}

/** Every proxy of a listing, or of one type, in the common model. */
export function listedProxies(list: ProxyListWire, now: number, only?: ProxyType): ListedProxy[] {
  const out: ListedProxy[] = [];
  for (const type of PROXY_TYPES) {
    if (only !== undefined && type !== only) continue;
    if (type === 'ipv6') out.push(...list.ipv6.map((wire) => fromIpv6Proxy(wire, now)));
    else out.push(...list[type].map((wire) => fromPortProxy(type, wire, now)));
  }
  return out;
}

function credentials(authInfo: PortProxyWire['authInfo']): { login: string; password: string } {
  // IP-authorized proxies come without authInfo: they have no login to show.
  return { login: authInfo?.login ?? '', password: authInfo?.password ?? '' };
}

function expiry(dateEnd: string | null | undefined, now: number): Pick<UpstreamProxy, 'expiresAt' | 'status'> {
  const end = toEpoch(dateEnd);
  if (end === undefined) return { status: 'active' };
  return { expiresAt: new Date(end).toISOString(), status: end > now ? 'active' : 'expired' };
}

export function toEpoch(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function toPort(value: string | number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const port = Number(String(value).trim());
  return Number.isInteger(port) && port > 0 && port <= 65_535 ? port : undefined;
}

/** `{ key: value }` when the value is known, `{}` otherwise: keeps absent fields absent. */
function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
