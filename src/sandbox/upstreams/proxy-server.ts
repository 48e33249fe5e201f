/**
 * A real proxy for the simulators' proxies, so what a simulator sells can be
 * used (and checked) on 127.0.0.1: one listener speaks HTTP (CONNECT, and
 * plain absolute-URI requests), the other SOCKS5 with username/password
 * (RFC 1928, RFC 1929). It admits exactly the credentials its simulator says
 * it issued and still honours, and it only ever connects to loopback: a
 * sandbox must not become an open relay. Each listener tells the two
 * protocols apart by the first byte, so one port can serve both. A proxy
 * sold with an address of its own (a static IP) gets an endpoint of its own
 * (`reserveEndpoints`, `takeEndpoint`); the credential check sees the
 * client's address, for upstreams with IP allowlists.
 *
 * Beside it, `startCheckEndpoint` is the tiny "what is my IP" service a
 * checker fetches through the proxy: it answers `{ ip, country }` with the
 * address the request came from.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import { countryOfExitAddress } from './exit-countries.js';

/**
 * Whether a login/password pair is one the simulator issued and still honours,
 * for a client connecting from `from` (its address as the proxy sees it, IPv4
 * written plainly): upstreams with IP allowlists refuse a good login from
 * an address not on the list.
 */
export type CredentialCheck = (login: string, password: string, from: string) => Admission;

/**
 * A credential check's answer: refused (false), admitted (true), or admitted
 * with an exit of its own, so a login targeted at a country leaves from that
 * country's address (exit-countries.ts).
 */
export type Admission = boolean | { exitAddress: string | undefined };

export interface SimProxyOptions {
  accepts: CredentialCheck;
  /**
   * Local address the proxy connects out from, so a check endpoint sees a
   * different "exit IP" than a direct connection. On Linux every 127.x.y.z is
   * loopback; elsewhere the default (none) is the only safe choice.
   */
  exitAddress?: string;
}

/** Which loopback an endpoint listens on: IPv6 products get `::1` where the machine has it. */
export type ListenFamily = 'ipv4' | 'ipv6';

/**
 * A proxy sold with an address of its own (a static IP): its own HTTP and
 * SOCKS5 ports, on an address of its own where the machine allows it (every
 * 127.x.y.z on Linux; `::1` for IPv6), exiting from that same address, so a
 * check's exit IP is the address sold. It admits what `assign` tells it;
 * until then, nobody.
 */
export interface SimProxyEndpoint {
  host: string;
  httpPort: number;
  socks5Port: number;
  assign(use: { accepts: CredentialCheck }): void;
}

export interface RunningSimProxy {
  host: '127.0.0.1';
  httpPort: number;
  socks5Port: number;
  /** The address targets see the proxy's connections come from. */
  exitAddress: string;
  /**
   * Opens endpoints ahead of a sale that needs its own (`takeEndpoint`), so the
   * sale itself can stay synchronous: a simulator calls this before it handles
   * the purchase request. Spare endpoints are kept for the next sale.
   */
  reserveEndpoints(count: number, family?: ListenFamily): Promise<void>;
  /** A reserved endpoint, or undefined when none is left. */
  takeEndpoint(family?: ListenFamily): SimProxyEndpoint | undefined;
  /** Every new connection waits this long before the proxy answers it (0: none): a slow proxy. */
  setDelayMs(ms: number): void;
  /** Connections made, either protocol; a refused login counts too. */
  connectionCount(): number;
  close(): Promise<void>;
}

export const DEFAULT_EXIT_ADDRESS = process.platform === 'linux' ? '127.0.0.2' : undefined;

/**
 * Addresses handed to endpoints, one per endpoint across every simulator of
 * the process (127.1.0.1 upward, clear of 127.0.0.x): on Linux the whole
 * 127/8 is loopback. Elsewhere only 127.0.0.1 is, and endpoints share it.
 */
let nextOwnAddress = 0;
function ownLoopbackAddress(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const n = nextOwnAddress++ % (254 * 256 * 254);
  return `127.${1 + Math.floor(n / (256 * 254))}.${Math.floor(n / 254) % 256}.${1 + (n % 254)}`;
}

/** What one listener admits and where its connections exit. */
interface ListenerUse {
  accepts: CredentialCheck;
  exitAddress: string | undefined;
}

/** Starts both listeners on 127.0.0.1, each on a free port. */
export async function startSimProxy(options: SimProxyOptions): Promise<RunningSimProxy> {
  const exitAddress = options.exitAddress ?? DEFAULT_EXIT_ADDRESS;
  let delayMs = 0;
  let connections = 0;
  const open = new Set<Socket>();
  const servers: Server[] = [];
  const spare: Record<ListenFamily, SimProxyEndpoint[]> = { ipv4: [], ipv6: [] };
  const track = (socket: Socket) => {
    connections++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const later = (socket: Socket, then: () => void) => {
    if (delayMs <= 0) return then();
    const timer = setTimeout(then, delayMs);
    socket.once('close', () => clearTimeout(timer));
  };

  // Every listener speaks both protocols, told apart by the first byte (SOCKS5 opens with 5): some
  // upstreams (the proxy panel) sell one port for HTTP and SOCKS5 alike.
  const listener = (use: () => ListenerUse) =>
    createServer((socket: Socket) => {
      track(socket);
      const from = (socket.remoteAddress ?? '').replace(/^::ffff:/i, '');
      later(socket, () =>
        socket.once('data', (first: Buffer) => {
          const { accepts, exitAddress } = use();
          let exit = exitAddress;
          // The handshake admits before it connects out, so the admission's own exit is known by then.
          const admits = (login: string, password: string) => {
            const admission = accepts(login, password, from);
            if (typeof admission === 'object') exit = admission.exitAddress ?? exit;
            return admission !== false;
          };
          const outbound: Outbound = (host, port) => {
            if (!isLoopback(host)) return undefined;
            return connect({ host, port, ...(exit ? { localAddress: exit } : {}) });
          };
          if (first[0] === 5) serveSocks5(socket, first, admits, outbound);
          else serveHttp(socket, first, admits, outbound);
        }),
      );
    });
  const mainUse: ListenerUse = { accepts: options.accepts, exitAddress };
  const http = listener(() => mainUse);
  const socks = listener(() => mainUse);
  servers.push(http, socks);
  const [httpPort, socks5Port] = await Promise.all([listen(http), listen(socks)]);

  const openEndpoint = async (family: ListenFamily): Promise<SimProxyEndpoint> => {
    const own = family === 'ipv6' ? '::1' : ownLoopbackAddress();
    let use: ListenerUse = { accepts: () => false, exitAddress: family === 'ipv6' ? exitAddress : (own ?? exitAddress) };
    const pair = [listener(() => use), listener(() => use)] as const;
    servers.push(...pair);
    const listenBoth = (host: string) => Promise.all(pair.map((server) => listen(server, host)));
    let host = own ?? '127.0.0.1';
    const [httpPort, socks5Port] = await listenBoth(host).catch(async () => {
      // A machine without that loopback (no IPv6, say) still sells the proxy: on 127.0.0.1.
      for (const server of pair) if (server.listening) await close(server);
      host = '127.0.0.1';
      use = { ...use, exitAddress };
      return listenBoth(host);
    });
    return {
      host,
      httpPort: httpPort!,
      socks5Port: socks5Port!,
      assign: (next) => {
        use = { ...use, accepts: next.accepts };
      },
    };
  };

  return {
    host: '127.0.0.1',
    httpPort,
    socks5Port,
    exitAddress: exitAddress ?? '127.0.0.1',
    reserveEndpoints: async (count, family = 'ipv4') => {
      const missing = Math.max(0, count - spare[family].length);
      const opened = await Promise.all(Array.from({ length: missing }, () => openEndpoint(family)));
      spare[family].push(...opened);
    },
    takeEndpoint: (family = 'ipv4') => spare[family].shift(),
    setDelayMs: (ms) => {
      delayMs = ms;
    },
    connectionCount: () => connections,
    close: async () => {
      for (const socket of open) socket.destroy();
      await Promise.all(servers.map(close));
    },
  };
}

function listen(server: Server | HttpServer, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}

type Outbound = (host: string, port: number) => Socket | undefined;
/** A credential check with the client's address already bound: admitted or not. */
type LoginCheck = (login: string, password: string) => boolean;

/** Joins the client to the target both ways; `head` is what the client already sent past the handshake. */
function pipeBoth(client: Socket, target: Socket, head?: Buffer) {
  if (head && head.length > 0) target.write(head);
  client.pipe(target);
  target.pipe(client);
  target.on('error', () => client.destroy());
  client.on('close', () => target.destroy());
  target.on('close', () => client.destroy());
}

// --- HTTP ------------------------------------------------------------------

function serveHttp(socket: Socket, first: Buffer, accepts: LoginCheck, outbound: Outbound) {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end === -1) {
      if (buffered.length > 16_384) socket.destroy();
      return;
    }
    socket.off('data', onData);
    const head = buffered.subarray(0, end).toString('latin1');
    const rest = buffered.subarray(end + 4);
    const [requestLine = '', ...headerLines] = head.split('\r\n');
    const [method = '', target = ''] = requestLine.split(' ');
    const auth = headerLines.find((l) => l.toLowerCase().startsWith('proxy-authorization:'));
    const credentials = auth ? basicCredentials(auth.slice(auth.indexOf(':') + 1).trim()) : undefined;
    if (!credentials || !accepts(credentials.login, credentials.password)) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="sandbox"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (method.toUpperCase() === 'CONNECT') {
      const [host = '', port = ''] = splitHostPort(target);
      const upstream = outbound(host, Number(port));
      if (!upstream) return void socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      upstream.once('connect', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        pipeBoth(socket, upstream, rest);
      });
      upstream.once('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
      return;
    }
    // A plain request with an absolute URI: forwarded as an origin-form request, proxy headers dropped.
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return void socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    }
    const upstream = url.protocol === 'http:' ? outbound(url.hostname, Number(url.port || 80)) : undefined;
    if (!upstream) return void socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    const forwarded = [`${method} ${url.pathname}${url.search} HTTP/1.1`, ...headerLines.filter((l) => !/^proxy-/i.test(l)), '', ''].join(
      '\r\n',
    );
    upstream.once('connect', () => pipeBoth(socket, upstream, Buffer.concat([Buffer.from(forwarded, 'latin1'), rest])));
    upstream.once('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
  };
  socket.on('data', onData);
  onData(first);
}

function basicCredentials(value: string): { login: string; password: string } | undefined {
  const [scheme, encoded] = value.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function splitHostPort(target: string): [string, string] {
  if (target.startsWith('[')) {
    const close = target.indexOf(']');
    return [target.slice(1, close), target.slice(close + 2)];
  }
  const colon = target.lastIndexOf(':');
  return [target.slice(0, colon), target.slice(colon + 1)];
}

// --- SOCKS5 ----------------------------------------------------------------

/** Reads exactly the bytes each step of the SOCKS5 handshake needs. */
function serveSocks5(socket: Socket, first: Buffer, accepts: LoginCheck, outbound: Outbound) {
  let buffered = Buffer.alloc(0);
  let step: 'greeting' | 'auth' | 'request' = 'greeting';
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (step === 'greeting') {
        if (buffered.length < 2) return;
        const methods = buffered[1]!;
        if (buffered[0] !== 5) return void socket.destroy();
        if (buffered.length < 2 + methods) return;
        const offered = [...buffered.subarray(2, 2 + methods)];
        buffered = buffered.subarray(2 + methods);
        // Username/password (0x02) only: the sandbox proxies, like the real ones, are never open.
        if (!offered.includes(2)) return void socket.end(Buffer.from([5, 0xff]));
        socket.write(Buffer.from([5, 2]));
        step = 'auth';
      } else if (step === 'auth') {
        if (buffered.length < 2) return;
        const loginLength = buffered[1]!;
        if (buffered.length < 3 + loginLength) return;
        const passwordLength = buffered[2 + loginLength]!;
        if (buffered.length < 3 + loginLength + passwordLength) return;
        const login = buffered.subarray(2, 2 + loginLength).toString('utf8');
        const password = buffered.subarray(3 + loginLength, 3 + loginLength + passwordLength).toString('utf8');
        buffered = buffered.subarray(3 + loginLength + passwordLength);
        if (!accepts(login, password)) return void socket.end(Buffer.from([1, 1]));
        socket.write(Buffer.from([1, 0]));
        step = 'request';
      } else {
        if (buffered.length < 5) return;
        const addressType = buffered[3]!;
        // IPv4 (1) and a domain name (3); the sandbox's targets are never IPv6.
        const addressLength = addressType === 1 ? 4 : addressType === 3 ? 1 + buffered[4]! : -1;
        if (buffered[1] !== 1) return void socket.end(socksReply(7));
        if (addressLength < 0) return void socket.end(socksReply(8));
        if (buffered.length < 4 + addressLength + 2) return;
        const address = buffered.subarray(4, 4 + addressLength);
        const host = addressType === 1 ? [...address].join('.') : address.subarray(1).toString('utf8');
        const port = buffered.readUInt16BE(4 + addressLength);
        const rest = buffered.subarray(4 + addressLength + 2);
        socket.off('data', onData);
        const upstream = outbound(host, port);
        if (!upstream) return void socket.end(socksReply(2));
        upstream.once('connect', () => {
          socket.write(socksReply(0));
          pipeBoth(socket, upstream, rest);
        });
        upstream.once('error', () => socket.end(socksReply(5)));
        return;
      }
    }
  };
  socket.on('data', onData);
  onData(first);
}

/** A SOCKS5 reply with the given status and an all-zero bound address. */
function socksReply(status: number): Buffer {
  return Buffer.from([5, status, 0, 1, 0, 0, 0, 0, 0, 0]);
}

// --- The check endpoint ----------------------------------------------------

export interface RunningCheckEndpoint {
  url: string;
  /** Every answer waits this long first (0: none): a slow check URL. */
  setDelayMs(ms: number): void;
  close(): Promise<void>;
}

/**
 * Answers every GET with `{ ip, country }`: the address the request came
 * from, and the country `countryOf` gives it (default: the country of a
 * geo-targeted exit address, else US).
 */
export async function startCheckEndpoint(
  countryOf: (ip: string) => string = (ip) => countryOfExitAddress(ip) ?? 'US',
): Promise<RunningCheckEndpoint> {
  let delayMs = 0;
  const server = createHttpServer((req, res) => {
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ip, country: countryOf(ip) }));
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/`,
    setDelayMs: (ms) => {
      delayMs = ms;
    },
    close: () => {
      server.closeAllConnections();
      return close(server);
    },
  };
}
