/**
 * The proxy checker: connects THROUGH a customer's proxy (HTTP CONNECT or
 * SOCKS5 with username/password, RFC 1928/1929) to a check URL and reports
 * whether it got there, how long it took, and the exit IP and its country
 * when the check URL answers them (`{ ip, country }`, as ipinfo.io/json does).
 *
 * Written on node:net and node:tls alone: no HTTP client library tunnels
 * through SOCKS5, and the exchange is one GET. The whole check — proxy
 * handshake, tunnel, TLS, answer — shares one deadline.
 *
 * Passwords go into the handshake and nowhere else: results and errors name
 * the host and port, never the credentials. A card's check names each login
 * it tried (the customer's own, shown on their card), never in the logs.
 *
 * A customer's check tries the credentials the customer sees (card-logins.ts):
 * the login built for the target the proxy was bought with, and the login of
 * every order linked to the card to add traffic.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { subscriptions } from '../db/schema/index.js';
import { TokenBuckets } from '../lib/rate-limit.js';
import type { Logger } from '../logger.js';
import { type CardLogin, cardLogins } from './card-logins.js';
import type { SubscriptionRow } from './order-store.js';
import type { Outbox } from './outbox.js';
import type { PurchaseTargets } from './purchase-targets.js';
import type { Subscriptions } from './subscriptions.js';

export type ProxyProtocol = 'http' | 'socks5';

/**
 * Why a check failed:
 * - `proxy_unreachable`: nothing answered on the proxy's port (refused, reset, no such host);
 * - `auth_rejected`: the proxy refused the login and password;
 * - `target_unreachable`: the proxy took the login but could not reach the check URL;
 * - `timeout`: no full answer within the time allowed;
 * - `bad_answer`: the check URL's answer was not a successful HTTP response.
 */
export type CheckFailure = 'proxy_unreachable' | 'auth_rejected' | 'target_unreachable' | 'timeout' | 'bad_answer';

export type ProtocolCheck =
  | { protocol: ProxyProtocol; reachable: true; latencyMs: number; exitIp: string | null; country: string | null }
  | { protocol: ProxyProtocol; reachable: false; failure: CheckFailure };

/** What a check needs of a proxy: where it listens and how to log in. */
export interface CheckTarget {
  host: string;
  httpPort: number | null;
  socks5Port: number | null;
  login: string;
  password: string;
}

export interface CheckSettings {
  /** http: or https: URL fetched through the proxy. */
  url: string;
  timeoutMs: number;
  now?: () => number;
}

/** Checks every protocol the proxy offers, side by side. */
export async function checkProxy(target: CheckTarget, settings: CheckSettings): Promise<ProtocolCheck[]> {
  const checks: Promise<ProtocolCheck>[] = [];
  if (target.httpPort !== null) checks.push(checkThrough('http', target, target.httpPort, settings));
  if (target.socks5Port !== null) checks.push(checkThrough('socks5', target, target.socks5Port, settings));
  return Promise.all(checks);
}

class CheckFailed extends Error {
  constructor(readonly failure: CheckFailure) {
    super(failure);
  }
}

export async function checkThrough(
  protocol: ProxyProtocol,
  target: CheckTarget,
  port: number,
  settings: CheckSettings,
): Promise<ProtocolCheck> {
  const now = settings.now ?? Date.now;
  const started = now();
  const url = new URL(settings.url);
  const targetPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const sockets: Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailed('timeout')), settings.timeoutMs);
  });
  try {
    const answer = await Promise.race([
      deadline,
      (async () => {
        const socket = await open(target.host, port);
        sockets.push(socket);
        const reader = new SocketReader(socket);
        if (protocol === 'http') await httpConnect(socket, reader, target, url.hostname, targetPort);
        else await socks5Connect(socket, reader, target, url.hostname, targetPort);
        reader.detach();
        let tunnel: Socket = socket;
        if (url.protocol === 'https:') {
          tunnel = connectTls({ socket, servername: url.hostname });
          sockets.push(tunnel);
        }
        return get(tunnel, url);
      })(),
    ]);
    const latencyMs = Math.max(0, now() - started);
    return { protocol, reachable: true, latencyMs, ...exitOf(answer) };
  } catch (error) {
    return { protocol, reachable: false, failure: error instanceof CheckFailed ? error.failure : 'proxy_unreachable' };
  } finally {
    clearTimeout(timer);
    for (const socket of sockets) socket.destroy();
  }
}

/** The exit IP and country from the check URL's JSON, under the names the common "what is my IP" services use. */
function exitOf(body: string): { exitIp: string | null; country: string | null } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { exitIp: null, country: null };
  }
  const record = json && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  const text = (...keys: string[]) => {
    for (const key of keys) {
      const value = record[key];
      if (typeof value === 'string' && value.length > 0 && value.length <= 64) return value;
    }
    return null;
  };
  return { exitIp: text('ip', 'query', 'origin'), country: text('country', 'country_code', 'countryCode') };
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => reject(new CheckFailed('proxy_unreachable')));
  });
}

/** Buffers what a socket sends so the handshakes can ask for exactly the bytes they need. */
class SocketReader {
  private buffered = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.wake?.();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake?.();
  };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onEnd);
  }

  /** Waits until `ready` finds what it needs in the buffer, or the peer hangs up. */
  private async until<T>(ready: (buffer: Buffer) => T | undefined, onEnd: CheckFailure): Promise<T> {
    for (;;) {
      const found = ready(this.buffered);
      if (found !== undefined) return found;
      if (this.ended) throw new CheckFailed(onEnd);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }

  async bytes(n: number, onEnd: CheckFailure): Promise<Buffer> {
    const out = await this.until((b) => (b.length >= n ? b.subarray(0, n) : undefined), onEnd);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  async head(onEnd: CheckFailure): Promise<string> {
    const end = await this.until((b) => {
      const at = b.indexOf('\r\n\r\n');
      if (at === -1 && b.length > 16_384) throw new CheckFailed('bad_answer');
      return at === -1 ? undefined : at;
    }, onEnd);
    const text = this.buffered.subarray(0, end).toString('latin1');
    this.buffered = this.buffered.subarray(end + 4);
    return text;
  }

  /** Everything until the peer closes. */
  async rest(limit: number): Promise<Buffer> {
    await this.until((b) => {
      if (b.length > limit) throw new CheckFailed('bad_answer');
      return undefined;
    }, 'bad_answer').catch((error: unknown) => {
      if (!(error instanceof CheckFailed) || !this.ended) throw error;
    });
    return this.buffered;
  }

  /** Stops reading so the socket can be handed on (a tunnel, TLS); nothing is left buffered after a handshake. */
  detach() {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onEnd);
  }
}

async function httpConnect(socket: Socket, reader: SocketReader, target: CheckTarget, host: string, port: number) {
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const basic = Buffer.from(`${target.login}:${target.password}`).toString('base64');
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: Basic ${basic}\r\n\r\n`);
  const head = await reader.head('proxy_unreachable');
  const status = Number(head.split(' ')[1]);
  if (status === 407) throw new CheckFailed('auth_rejected');
  if (status < 200 || status > 299) throw new CheckFailed('target_unreachable');
}

async function socks5Connect(socket: Socket, reader: SocketReader, target: CheckTarget, host: string, port: number) {
  socket.write(Buffer.from([5, 1, 2])); // version 5, one method: username/password
  const choice = await reader.bytes(2, 'proxy_unreachable');
  if (choice[0] !== 5) throw new CheckFailed('proxy_unreachable');
  if (choice[1] !== 2) throw new CheckFailed('auth_rejected');
  const login = Buffer.from(target.login);
  const password = Buffer.from(target.password);
  // RFC 1929 fields are at most 255 bytes; a longer secret cannot be sent, so the proxy could never accept it.
  if (login.length > 255 || password.length > 255) throw new CheckFailed('auth_rejected');
  socket.write(Buffer.concat([Buffer.from([1, login.length]), login, Buffer.from([password.length]), password]));
  const auth = await reader.bytes(2, 'auth_rejected');
  if (auth[1] !== 0) throw new CheckFailed('auth_rejected');
  const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? host.split('.').map(Number) : undefined;
  const name = Buffer.from(host);
  const address = ipv4 ? Buffer.from([1, ...ipv4]) : Buffer.concat([Buffer.from([3, name.length]), name]);
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  socket.write(Buffer.concat([Buffer.from([5, 1, 0]), address, portBytes]));
  const reply = await reader.bytes(5, 'target_unreachable');
  if (reply[1] !== 0) throw new CheckFailed('target_unreachable');
  // The rest of the reply is the bound address: 4 (IPv4), 16 (IPv6) or 1 + n (name) bytes, then the port.
  const boundLength = reply[3] === 1 ? 4 : reply[3] === 4 ? 16 : 1 + reply[4]!;
  await reader.bytes(boundLength - 1 + 2, 'target_unreachable');
}

/** One GET over the tunnel; the body of a 2xx answer, at most 64 KiB. */
async function get(socket: Socket, url: URL): Promise<string> {
  const reader = new SocketReader(socket);
  socket.write(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: application/json\r\nUser-Agent: proxy-storefront-checker\r\nConnection: close\r\n\r\n`,
  );
  const head = await reader.head('bad_answer');
  const [statusLine = '', ...headers] = head.split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  if (!(status >= 200 && status <= 299)) throw new CheckFailed('bad_answer');
  const body = await reader.rest(65_536);
  const chunked = headers.some((h) => /^transfer-encoding:\s*chunked/i.test(h));
  return (chunked ? unchunk(body) : body).toString('utf8');
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------
// The service: a customer's check, rate-limited, and the check after delivery
// ---------------------------------------------------------------------------

/** The check's settings (`PROXY_CHECK_URL`, `PROXY_CHECK_TIMEOUT_MS`, `CHECK_ON_DELIVERY`). */
export interface ProxyCheckSettings {
  url: string;
  timeoutMs: number;
  onDelivery: boolean;
}

export type CheckRefusal = 'not_found' | 'not_checkable' | 'rate_limited';

/** One login of a card and how it fared, one result per protocol it offers. */
export interface LoginCheck {
  login: string;
  host: string;
  httpPort: number | null;
  socks5Port: number | null;
  orderId: string;
  addedTraffic: boolean;
  checks: ProtocolCheck[];
}

/**
 * `checks` are the card's own login's (what a check answered before cards
 * had more than one); `logins` has every login of the card, that one first.
 */
export type CheckAnswer =
  | { ok: true; checks: ProtocolCheck[]; logins: LoginCheck[]; checkedAt: number }
  | { ok: false; reason: CheckRefusal; message: string; retryInMs?: number };

/** Customers' checks per user: a small burst, then one every 20 seconds; each check opens connections to the world. */
export const CHECKS_BURST = 3;
export const CHECK_REFILL_MS = 20_000;
/** Proxies of one delivered order checked side by side. */
export const DELIVERY_CHECKS_AT_ONCE = 8;

export interface ProxyChecksDeps {
  db: Db;
  subscriptions: Pick<Subscriptions, 'get' | 'linkedOrders'>;
  /** The login built for a proxy's purchase target; without it, the upstream's login is checked. */
  purchaseTargets?: Pick<PurchaseTargets, 'asDelivered'>;
  outbox: Pick<Outbox, 'enqueue'>;
  settings: ProxyCheckSettings;
  logger: Logger;
  now?: () => number;
}

/** Whether a check can say anything about the proxy: it must be active and listen somewhere. */
export function isCheckable(sub: Pick<SubscriptionRow, 'status' | 'httpPort' | 'socks5Port'>): boolean {
  return sub.status === 'active' && (sub.httpPort !== null || sub.socks5Port !== null);
}

export function createProxyChecks(deps: ProxyChecksDeps) {
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ component: 'proxy-checker' });
  const buckets = new TokenBuckets<number>({ capacity: CHECKS_BURST, refillPerMs: 1 / CHECK_REFILL_MS, now });

  /** The logins the customer sees on the card: the card's own first. */
  const loginsOf = (sub: SubscriptionRow): CardLogin[] =>
    cardLogins(deps.purchaseTargets?.asDelivered(sub) ?? sub, deps.subscriptions.linkedOrders(sub.id));

  const run = async (sub: SubscriptionRow, login: CardLogin): Promise<ProtocolCheck[]> => {
    const checks = await checkProxy(login, { url: deps.settings.url, timeoutMs: deps.settings.timeoutMs, now });
    for (const check of checks) {
      // Where and how, never the login or password.
      const fields = {
        subscriptionId: sub.id,
        orderId: login.orderId,
        provider: sub.providerId,
        host: login.host,
        protocol: check.protocol,
      };
      if (check.reachable) logger.info('proxy check passed', { ...fields, latencyMs: check.latencyMs });
      else logger.info('proxy check failed', { ...fields, failure: check.failure });
    }
    return checks;
  };

  /** Every login of a card, a few side by side: a card topped up many times is many logins. */
  const runCard = async (sub: SubscriptionRow): Promise<LoginCheck[]> => {
    const logins = loginsOf(sub);
    const results: LoginCheck[] = [];
    for (let at = 0; at < logins.length; at += DELIVERY_CHECKS_AT_ONCE) {
      const batch = logins.slice(at, at + DELIVERY_CHECKS_AT_ONCE);
      const checked = await Promise.all(batch.map((login) => run(sub, login)));
      for (const [i, login] of batch.entries()) {
        const { host, httpPort, socks5Port, orderId, addedTraffic } = login;
        results.push({ login: login.login, host, httpPort, socks5Port, orderId, addedTraffic, checks: checked[i]! });
      }
    }
    return results;
  };

  return {
    settings: deps.settings,
    isCheckable,

    /** A customer's "Check": every login of their proxy's card, at most `CHECKS_BURST` at once and one per `CHECK_REFILL_MS` after. */
    async check(userId: number, subscriptionId: string): Promise<CheckAnswer> {
      const sub = deps.subscriptions.get(userId, subscriptionId);
      if (!sub) return { ok: false, reason: 'not_found', message: 'no such proxy' };
      if (!isCheckable(sub)) return { ok: false, reason: 'not_checkable', message: 'only an active proxy with a port can be checked' };
      const take = buckets.take(userId);
      if (!take.allowed) return { ok: false, reason: 'rate_limited', message: 'too many checks', retryInMs: Math.ceil(take.retryInMs) };
      const logins = await runCard(sub);
      return { ok: true, checks: logins[0]?.checks ?? [], logins, checkedAt: now() };
    },

    /**
     * Right after delivery (`CHECK_ON_DELIVERY`): every proxy of the order is
     * checked, and each failing one is told to the customer and the
     * operators. Never refunded here: the upstream sold it, and a person
     * decides (a proxy can be slow to come up, or the check URL down).
     */
    async checkDelivered(orderId: string): Promise<{ checked: number; failed: number }> {
      const delivered = deps.db.select().from(subscriptions).where(eq(subscriptions.orderId, orderId)).all().filter(isCheckable);
      let failed = 0;
      const report = (sub: SubscriptionRow, checks: ProtocolCheck[]) => {
        const failures = checks.flatMap((c) => (c.reachable ? [] : [{ protocol: c.protocol, failure: c.failure }]));
        // A proxy that works over one of its protocols still works; reported only when none does.
        if (checks.some((c) => c.reachable) || failures.length === 0) return;
        failed++;
        const facts = { subscriptionId: sub.id, host: sub.host, product: sub.productName, failures };
        deps.outbox.enqueue({
          audience: 'user',
          userId: sub.userId,
          kind: 'proxy_check_failed',
          payload: facts,
          dedupeKey: `delivery-check:${sub.id}`,
        });
        deps.outbox.enqueue({
          audience: 'operators',
          kind: 'delivered_proxy_check_failed',
          payload: { ...facts, orderId, provider: sub.providerId, userId: sub.userId },
          dedupeKey: `delivery-check-op:${sub.id}`,
        });
      };
      // A few at a time: an order of hundreds of proxies is checked in minutes, not hours, without
      // opening hundreds of connections at once (shutdown waits for this).
      for (let at = 0; at < delivered.length; at += DELIVERY_CHECKS_AT_ONCE) {
        const batch = delivered.slice(at, at + DELIVERY_CHECKS_AT_ONCE);
        // The login the customer was given: the one built for the purchase's target, if any.
        const results = await Promise.all(batch.map((sub) => run(sub, cardLogins(deps.purchaseTargets?.asDelivered(sub) ?? sub, [])[0]!)));
        for (const [i, sub] of batch.entries()) report(sub, results[i]!);
      }
      return { checked: delivered.length, failed };
    },
  };
}

export type ProxyChecks = ReturnType<typeof createProxyChecks>;
