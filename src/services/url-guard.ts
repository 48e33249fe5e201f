/**
 * Keeps customers' webhook URLs pointed at the public internet.
 *
 * A webhook makes the shop send HTTP requests to an address a customer
 * chose, so without a guard a customer could make it call its own admin
 * ports, the cloud metadata service (169.254.169.254) or anything else on
 * the private network. A URL is refused when its host is, or resolves to,
 * any address that is not public unicast. The check runs at registration
 * (to give the customer an answer) and again inside the connection's own
 * DNS lookup at every delivery (`guardedLookup`), because a name that
 * resolved to a public address yesterday may resolve to 127.0.0.1 today
 * (DNS rebinding); the address checked is the address connected to.
 *
 * The sandbox and the tests receive webhooks on 127.0.0.1, so the whole
 * guard can be switched off by a setting (WEBHOOKS_ALLOW_PRIVATE).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Addresses no customer's webhook may reach: RFC 6890 special-purpose blocks and the like. */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: would reach an IPv4 address we have not checked
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo among them)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // old site-local
  ['ff00::', 8], // multicast
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/**
 * True for an address on the public internet. IPv4-mapped IPv6 addresses
 * (::ffff:127.0.0.1) are judged by the IPv4 address they carry; anything
 * outside 2000::/3, the only IPv6 block assigned for global unicast, is not
 * public.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return false;
  if (NON_PUBLIC.check(address, 'ipv6')) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  // BlockList judges mapped addresses written in hex (::ffff:7f00:1) by their IPv4 meaning too.
  if (/^::ffff:/i.test(address)) return !NON_PUBLIC.check(address, 'ipv6');
  const firstGroup = Number.parseInt(address.split(':')[0] || '0', 16);
  return (firstGroup & 0xe000) === 0x2000;
}

export type UrlRefusal = 'invalid_url' | 'private_address' | 'unresolvable';

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: UrlRefusal; message: string };

export const MAX_WEBHOOK_URL_LENGTH = 2_000;

/** A hostname as the resolver and `isIP` take it: IPv6 literals lose their brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Shape only, no I/O: http(s), no credentials in the URL, no fragment, and (unless allowed) no private literal address. */
export function checkUrlShape(raw: string, allowPrivate: boolean): UrlCheck {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) {
    return { ok: false, reason: 'invalid_url', message: `the URL must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'invalid_url', message: 'not a URL; send one like https://example.com/hooks/proxies' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: 'invalid_url', message: 'the URL must start with https:// (or http://)' };
  }
  // Credentials in the URL would be stored and shown in the clear; the signature authenticates us instead.
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'invalid_url', message: 'the URL must not contain a user name or password' };
  }
  if (url.hash !== '') return { ok: false, reason: 'invalid_url', message: 'the URL must not contain a #fragment' };
  const host = bareHost(url);
  if (!allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) {
    return { ok: false, reason: 'private_address', message: 'the URL points to a private, loopback or reserved address' };
  }
  return { ok: true, url };
}

type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const resolveAll: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/** The shape, then every address the host resolves to: one private address refuses the URL. */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean, resolve: Resolve = resolveAll): Promise<UrlCheck> {
  const shape = checkUrlShape(raw, allowPrivate);
  if (!shape.ok || allowPrivate) return shape;
  const host = bareHost(shape.url);
  if (isIP(host) !== 0) return shape;
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    return { ok: false, reason: 'unresolvable', message: `the host ${host} does not resolve` };
  }
  if (addresses.length === 0) return { ok: false, reason: 'unresolvable', message: `the host ${host} does not resolve` };
  if (addresses.some((a) => !isPublicAddress(a.address))) {
    return { ok: false, reason: 'private_address', message: `the host ${host} resolves to a private, loopback or reserved address` };
  }
  return shape;
}

export class PrivateAddressError extends Error {
  override name = 'PrivateAddressError';
  readonly code = 'EWEBHOOKPRIVATE';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A drop-in for `dns.lookup` in `http.request({ lookup })`: resolves, then
 * refuses the connection when any resolved address is not public. Node asks
 * with `all: true` (happy eyeballs) or for one address; both are answered.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((a) => !isPublicAddress(a.address));
    if (blocked || addresses.length === 0) {
      return callback(new PrivateAddressError(`${hostname} resolves to a private, loopback or reserved address`), []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    return callback(null, first.address, first.family);
  });
}
