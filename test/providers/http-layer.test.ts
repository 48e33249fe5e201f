/**
 * The shared HTTP layer over real HTTP on 127.0.0.1: what every upstream
 * adapter relies on (timeouts, size cap, safe-read retries, limits, secret
 * masking) and the exchange → outcome mapping helpers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConcurrencyLimiter, MinuteRateLimiter, createHttpClient, type HttpClientOptions, type HttpExchange } from '../../src/lib/http.js';
import { outcomeFromExchange, parseBody, refusalFromStatus } from '../../src/providers/http.js';
import { ok, refused, type Outcome } from '../../src/providers/types.js';
import { waitFor } from '../helpers/wait.js';

// ---------------------------------------------------------------------------
// A scripted upstream: each request is numbered (1-based) and counted.
// ---------------------------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  at: number;
}

interface TestServer {
  url: string;
  port: number;
  requests: Seen[];
  close(): Promise<void>;
}

type Script = (req: IncomingMessage, res: ServerResponse, n: number) => void;

const servers: TestServer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(script: Script): Promise<TestServer> {
  const requests: Seen[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', at: Date.now() });
    // Drain the request body before answering, like a real upstream.
    req.resume();
    req.on('end', () => script(req, res, requests.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const running: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(running);
  return running;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const client = (server: { url: string }, options: Partial<HttpClientOptions> = {}) =>
  createHttpClient({ providerId: 'test', baseUrl: server.url, timeoutMs: 2_000, ...options });

function expectResponse(exchange: HttpExchange): Extract<HttpExchange, { kind: 'response' }> {
  if (exchange.kind !== 'response') throw new Error(`expected a response, got ${JSON.stringify(exchange)}`);
  return exchange;
}

function expectFailure(exchange: HttpExchange): Extract<HttpExchange, { kind: 'failure' }> {
  if (exchange.kind !== 'failure') throw new Error(`expected a failure, got status ${exchange.status}`);
  return exchange;
}

// ---------------------------------------------------------------------------

describe('timeout', () => {
  it('a server that sends headers and then stalls the body is a timeout, within the deadline', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items": ['); // ...and never finishes
    });
    const started = Date.now();
    const exchange = await client(server, { timeoutMs: 200 }).send({ method: 'GET', path: '/slow-body' });
    const failure = expectFailure(exchange);
    expect(failure.reason).toBe('timeout');
    expect(failure.message).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a server that never answers at all is a timeout', async () => {
    const server = await startServer(() => undefined);
    const exchange = await client(server, { timeoutMs: 200 }).send({ method: 'POST', path: '/hang', json: {} });
    expect(expectFailure(exchange).reason).toBe('timeout');
    expect(server.requests).toHaveLength(1);
  });
});

describe('response size cap', () => {
  it('a declared content-length over the cap is too_large', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      res.end('x'.repeat(5000));
    });
    const exchange = await client(server, { maxResponseBytes: 1_000 }).send({ method: 'GET', path: '/big' });
    expect(expectFailure(exchange).reason).toBe('too_large');
  });

  it('a streamed body without content-length is cut off once it passes the cap (it need not end)', async () => {
    let closed = false;
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no length
      res.on('close', () => (closed = true));
      const pump = () => {
        // An endless body: only the client giving up stops it.
        while (!res.destroyed && res.write('y'.repeat(256)));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const exchange = await client(server, { maxResponseBytes: 1_000 }).send({ method: 'GET', path: '/stream' });
    expect(expectFailure(exchange).reason).toBe('too_large');
    await waitFor(() => closed, { what: 'the client to drop the endless body' });
  });

  it('a body of exactly the cap is accepted', async () => {
    const body = { pad: 'z'.repeat(100) };
    const size = Buffer.byteLength(JSON.stringify(body));
    const server = await startServer((_req, res) => json(res, 200, body));
    const exchange = await client(server, { maxResponseBytes: size }).send({ method: 'GET', path: '/exact' });
    expect(expectResponse(exchange).body).toEqual(body);
  });

  it('too_large is not retried, even for a retryable read', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '5000' });
      res.end('x'.repeat(5000));
    });
    const exchange = await client(server, { maxResponseBytes: 1_000, readRetries: 2 }).send({
      method: 'GET',
      path: '/big',
      retry: true,
    });
    expect(expectFailure(exchange).reason).toBe('too_large');
    expect(server.requests).toHaveLength(1);
  });
});

describe('retries', () => {
  it('a GET with retry is retried on 503 and the eventual answer is returned', async () => {
    const server = await startServer((_req, res, n) => (n < 3 ? json(res, 503, { error: 'unavailable' }) : json(res, 200, { attempt: n })));
    const exchange = await client(server, { readRetries: 2 }).send({ method: 'GET', path: '/list', retry: true });
    const response = expectResponse(exchange);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ attempt: 3 });
    expect(server.requests).toHaveLength(3);
  });

  it('retries stop after readRetries and the last answer (the 503) is returned', async () => {
    const server = await startServer((_req, res, n) => json(res, 503, { error: `down ${n}` }));
    const exchange = await client(server, { readRetries: 1 }).send({ method: 'GET', path: '/list', retry: true });
    const response = expectResponse(exchange);
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ error: 'down 2' });
    expect(server.requests).toHaveLength(2);
  });

  it('a GET without retry is sent once', async () => {
    const server = await startServer((_req, res) => json(res, 503, {}));
    const exchange = await client(server, { readRetries: 2 }).send({ method: 'GET', path: '/list' });
    expect(expectResponse(exchange).status).toBe(503);
    expect(server.requests).toHaveLength(1);
  });

  it('a 429 is retried after the Retry-After the upstream asked for', async () => {
    const server = await startServer((_req, res, n) =>
      n === 1 ? json(res, 429, { error: 'slow down' }, { 'retry-after': '1' }) : json(res, 200, { ok: true }),
    );
    const exchange = await client(server, { readRetries: 2 }).send({ method: 'GET', path: '/list', retry: true });
    expect(expectResponse(exchange).status).toBe(200);
    expect(server.requests).toHaveLength(2);
    // The default first backoff is 100 ms; honouring Retry-After means about a second.
    const gap = server.requests[1]!.at - server.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(900);
  });

  it('a connection reset on a GET is retried', async () => {
    const server = await startServer((req, res, n) => (n === 1 ? req.socket.destroy() : json(res, 200, { ok: n })));
    const exchange = await client(server, { readRetries: 2 }).send({ method: 'GET', path: '/list', retry: true });
    expect(expectResponse(exchange).body).toEqual({ ok: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('resets on every attempt end as a network failure after 1 + readRetries requests', async () => {
    const server = await startServer((req) => req.socket.destroy());
    const exchange = await client(server, { readRetries: 2 }).send({ method: 'GET', path: '/list', retry: true });
    expect(expectFailure(exchange).reason).toBe('network');
    expect(server.requests).toHaveLength(3);
  });

  it('a POST is never retried, even with retry: true — not on 503, a reset, or a timeout', async () => {
    const on503 = await startServer((_req, res) => json(res, 503, {}));
    const onReset = await startServer((req) => req.socket.destroy());
    const onHang = await startServer(() => undefined);
    const buy = { method: 'POST', path: '/buy', json: { qty: 1 }, retry: true } as const;

    expect(expectResponse(await client(on503, { readRetries: 3 }).send(buy)).status).toBe(503);
    expect(expectFailure(await client(onReset, { readRetries: 3 }).send(buy)).reason).toBe('network');
    expect(expectFailure(await client(onHang, { readRetries: 3, timeoutMs: 150 }).send(buy)).reason).toBe('timeout');

    for (const server of [on503, onReset, onHang]) {
      expect(server.requests).toEqual([expect.objectContaining({ method: 'POST' })]);
    }
  });

  it('a 4xx is the upstream saying no: not retried', async () => {
    const server = await startServer((_req, res) => json(res, 404, { error: 'no such order' }));
    const exchange = await client(server, { readRetries: 2 }).send({ method: 'GET', path: '/order/1', retry: true });
    const response = expectResponse(exchange);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'no such order' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('ConcurrencyLimiter', () => {
  it('with maxConcurrent 2 the upstream never sees more than 2 requests in flight, and all 5 complete', async () => {
    const held: ServerResponse[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const server = await startServer((_req, res, n) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('finish', () => inFlight--);
      held.push(res);
      (res as ServerResponse & { n?: number }).n = n;
    });
    const http = client(server, { maxConcurrent: 2 });
    const all = Promise.all(Array.from({ length: 5 }, (_, i) => http.send({ method: 'GET', path: `/item/${i}` })));

    for (let released = 0; released < 5; released++) {
      const expected = Math.min(2, 5 - released);
      await waitFor(() => held.length === expected, { what: `${expected} held requests` });
      const res = held.shift()!;
      json(res, 200, { n: (res as ServerResponse & { n?: number }).n });
    }

    const exchanges = await all;
    expect(exchanges.map((e) => expectResponse(e).status)).toEqual([200, 200, 200, 200, 200]);
    expect(server.requests.map((r) => r.url).sort()).toEqual(['/item/0', '/item/1', '/item/2', '/item/3', '/item/4']);
    expect(maxInFlight).toBe(2);
  });

  it('tasks arriving just as a slot frees queue behind the waiter instead of exceeding the limit', async () => {
    // Adapters serialize purchases with ConcurrencyLimiter(1): two at once could buy twice.
    const limiter = new ConcurrencyLimiter(1);
    let running = 0;
    let maxRunning = 0;
    const order: string[] = [];
    const gates: Array<() => void> = [];
    const task = (name: string) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      order.push(name);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
    };

    let releaseFirst!: () => void;
    const first = limiter.run(() => new Promise<void>((resolve) => (releaseFirst = resolve)));
    const waiter = limiter.run(task('waiter'));
    releaseFirst();
    // Newcomers a few microtasks apart, so one lands right as the slot is released.
    const newcomers = [0, 1, 2, 3, 4].map((depth) => {
      let turn = Promise.resolve();
      for (let i = 0; i < depth; i++) turn = turn.then(() => undefined);
      return turn.then(() => limiter.run(task(`late${depth}`)));
    });

    await waitFor(() => order.length >= 1, { what: 'the next task to start' });
    expect(running).toBe(1);
    expect(order).toEqual(['waiter']);

    let done = false;
    const all = Promise.all([first, waiter, ...newcomers]).then(() => (done = true));
    while (!done) {
      await waitFor(() => done || gates.length > 0, { what: 'a running task' });
      gates.shift()?.();
    }
    await all;
    expect(order).toEqual(['waiter', 'late0', 'late1', 'late2', 'late3', 'late4']);
    expect(maxRunning).toBe(1);
  });
});

describe('MinuteRateLimiter', () => {
  it('the (n+1)th acquire in a minute waits until the window has moved on the clock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let clock = 1_000_000;
    const limiter = new MinuteRateLimiter(3, () => clock);

    for (let i = 0; i < 3; i++) await limiter.acquire();
    let admitted = false;
    const fourth = limiter.acquire().then(() => (admitted = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted).toBe(false);

    // Its timer fires, but the clock says only 30 s have passed: still waiting.
    clock += 30_000;
    await vi.advanceTimersByTimeAsync(60_001);
    expect(admitted).toBe(false);

    // Once the clock shows the first send a full minute old, it goes through.
    clock += 30_000;
    await vi.advanceTimersByTimeAsync(30_001);
    await fourth;
    expect(admitted).toBe(true);
  });

  it('acquires within the budget do not wait', async () => {
    const limiter = new MinuteRateLimiter(2, () => 0);
    await limiter.acquire();
    await limiter.acquire();
    // No timers involved: reaching here at all is the assertion.
  });
});

describe('secret masking', () => {
  it('a connection refused on a URL whose path holds the key does not leak the key, raw or URL-encoded', async () => {
    const secret = 'k3y with/odd&chars';
    const dead = await startServer(() => undefined);
    const { port } = dead;
    await dead.close();
    servers.splice(servers.indexOf(dead), 1);

    const http = createHttpClient({
      providerId: 'test',
      baseUrl: `http://127.0.0.1:${port}/api/${encodeURIComponent(secret)}`,
      secrets: [secret],
    });
    const failure = expectFailure(await http.send({ method: 'GET', path: '/balance', retry: true }));
    expect(failure.reason).toBe('network');
    expect(failure.message).toContain('ECONNREFUSED');
    expect(failure.message).not.toContain(secret);
    expect(failure.message).not.toContain(encodeURIComponent(secret));
  });

  it('an error message that quotes the URL has the URL-encoded key masked', async () => {
    // fetch refuses URLs with credentials and quotes the whole URL in its error.
    const secret = 'p@ss word';
    const server = await startServer((_req, res) => json(res, 200, {}));
    const http = createHttpClient({
      providerId: 'test',
      baseUrl: server.url.replace('http://', `http://user:${encodeURIComponent(secret)}@`),
      secrets: [secret],
    });
    const failure = expectFailure(await http.send({ method: 'GET', path: '/x' }));
    expect(failure.reason).toBe('network');
    expect(failure.message).toContain('***');
    expect(failure.message).not.toContain(encodeURIComponent(secret));
    expect(failure.message).not.toContain(secret);
    expect(server.requests).toHaveLength(0);
  });

  it('an unparseable URL (e.g. a bad link from an upstream) is a failure answer, not a thrown error', async () => {
    const link = 'http://reboot.example:99999/r?key=SEKRET';
    const http = createHttpClient({ providerId: 'test', baseUrl: '', secrets: [link] });
    const failure = expectFailure(await http.send({ method: 'GET', path: link }));
    expect(failure.reason).toBe('network');
    expect(failure.message).not.toContain('SEKRET');
  });

  it('redact masks every secret in both forms and ignores empty secrets', () => {
    const http = createHttpClient({ providerId: 't', baseUrl: 'http://127.0.0.1', secrets: ['', 'a/b c', 'tok'] });
    expect(http.redact('key=a/b c path=/a%2Fb%20c bearer tok end')).toBe('key=*** path=/*** bearer *** end');
  });
});

// ---------------------------------------------------------------------------
// Exchange → Outcome
// ---------------------------------------------------------------------------

const response = (status: number, body: unknown, text = body === undefined ? '' : JSON.stringify(body)): HttpExchange => ({
  kind: 'response',
  status,
  headers: new Headers(),
  text,
  body,
});

const neverCalled = () => {
  throw new Error('handler must not be called');
};

describe('outcomeFromExchange', () => {
  it.each(['timeout', 'network', 'too_large'] as const)('a %s failure is ambiguous with that reason', (reason) => {
    const outcome = outcomeFromExchange(
      { kind: 'failure', reason, message: `it was ${reason}` },
      { onSuccess: neverCalled, onError: neverCalled },
    );
    expect(outcome).toEqual({ kind: 'ambiguous', reason, message: `it was ${reason}` });
  });

  it('429 is a rate_limited refusal (nothing was done), whatever the error mapper would say', () => {
    const onError = vi.fn(neverCalled);
    const outcome = outcomeFromExchange(response(429, { error: 'insufficient funds' }), { onSuccess: neverCalled, onError });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'rate_limited', httpStatus: 429 });
    expect(onError).not.toHaveBeenCalled();
  });

  it.each([500, 502, 503, 504])('%i is ambiguous server_error (the upstream may have acted)', (status) => {
    const outcome = outcomeFromExchange(response(status, { error: 'boom' }), { onSuccess: neverCalled, onError: neverCalled });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'server_error', httpStatus: status });
  });

  it('a 2xx whose body is not JSON is ambiguous malformed, not handed to the success mapper', () => {
    const onSuccess = vi.fn(neverCalled);
    const outcome = outcomeFromExchange(response(200, undefined, '<html>maintenance</html>'), {
      onSuccess,
      onError: neverCalled,
    });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'malformed', httpStatus: 200 });
    expect(onSuccess).not.toHaveBeenCalled();
  });

  it('a 2xx JSON body goes to onSuccess with the status', () => {
    const outcome = outcomeFromExchange<number>(response(201, { id: 7 }), {
      onSuccess: (body, status) => ok((body as { id: number }).id * 1000 + status),
      onError: neverCalled,
    });
    expect(outcome).toEqual({ kind: 'ok', value: 7201 });
  });

  it('a mapper that throws gives ambiguous malformed instead of crashing, with secrets masked', () => {
    const outcome = outcomeFromExchange(
      response(200, { unexpected: true }),
      {
        onSuccess: () => {
          throw new TypeError('cannot read items of undefined for key SEKRET');
        },
        onError: neverCalled,
      },
      (text) => text.split('SEKRET').join('***'),
    );
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
    if (outcome.kind !== 'ambiguous') throw new Error('unreachable');
    expect(outcome.message).toContain('cannot read items');
    expect(outcome.message).not.toContain('SEKRET');
  });

  it('a 4xx goes to onError with its body and status', () => {
    const onError = vi.fn((_body: unknown, status: number): Outcome<never> => refused('out_of_stock', 'gone', status));
    const outcome = outcomeFromExchange(response(409, { code: 'NO_STOCK' }), { onSuccess: neverCalled, onError });
    expect(onError).toHaveBeenCalledWith({ code: 'NO_STOCK' }, 409);
    expect(outcome).toEqual({ kind: 'refused', code: 'out_of_stock', message: 'gone', httpStatus: 409 });
  });
});

describe('parseBody', () => {
  const schema = z.object({ items: z.array(z.object({ price: z.number() })) });

  it('a body that does not match the schema is ambiguous malformed, naming where', () => {
    const outcome = parseBody(schema, { items: [{ price: 1 }, { price: 'free' }] }, (b) => b.items.length);
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
    if (outcome.kind !== 'ambiguous') throw new Error('unreachable');
    expect(outcome.message).toContain('items.1.price');
  });

  it('a body that is the wrong type altogether names the root', () => {
    const outcome = parseBody(schema, 'OK', (b) => b);
    if (outcome.kind !== 'ambiguous') throw new Error(`expected ambiguous, got ${outcome.kind}`);
    expect(outcome.message).toContain('(root)');
  });

  it('a matching body is mapped', () => {
    expect(parseBody(schema, { items: [{ price: 2 }, { price: 3 }] }, (b) => b.items.length)).toEqual(ok(2));
  });
});

describe('refusalFromStatus', () => {
  it.each([
    [401, 'unauthorized'],
    [402, 'insufficient_upstream_balance'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [409, 'out_of_stock'],
    [400, 'rejected'],
    [422, 'rejected'],
    [418, 'rejected'],
  ] as const)('HTTP %i → %s', (status, code) => {
    expect(refusalFromStatus(status)).toBe(code);
  });
});
