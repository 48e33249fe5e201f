/**
 * The REST API under load from autocannon, each figure beside a bare Hono
 * hello-world served the same way (@hono/node-server, same process kind,
 * measured in the same run):
 *
 * - GET /api/v1/balance with a valid token (the hot path: token check, rate
 *   limit, one balance read);
 * - the same request once the token's rate limit is spent (a 429 should cost
 *   far less than a 200);
 * - POST /api/v1/orders, each request a new quote bought through the saga
 *   against the LumiWeb simulator, which answers at once.
 *
 * The API runs in a child process, so autocannon's own work does not share
 * its event loop; the hello-world likewise. Where it can, the bench gives
 * the servers one core and autocannon the other (see PINNED).
 *
 * The balance figure is the median of the rounds' ratios: each round loads
 * the hello-world and then the API back to back, so each ratio compares two
 * runs under the same machine load, and the median leaves out a round in
 * which the machine's speed changed between the two. The ratio of the
 * median rates is printed beside it.
 *
 *   npm run bench:api          BENCH_SECONDS=2 BENCH_ROUNDS=7 BENCH_ORDERS=1500 by default; BENCH_SMOKE=1 for a quick run
 */
import { execFileSync, fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SMOKE = process.env.BENCH_SMOKE === '1';
const SECONDS = Number(process.env.BENCH_SECONDS ?? (SMOKE ? 1 : 2));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SMOKE ? 1 : 7));
const ORDERS = Number(process.env.BENCH_ORDERS ?? (SMOKE ? 10 : 1_500));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface ServerReady {
  url: string;
  /** For the API: a token with no effective rate limit, one already over its limit, and quotes to buy. */
  token?: string;
  /** The same API with a spent budget: every request is a 429. */
  limitedUrl?: string;
  limitedToken?: string;
  quoteIds?: string[];
}

/**
 * Each server on a core of its own and autocannon on the other, when the
 * machine has two and `taskset` is there. Left to the scheduler, the server
 * and the load generator sometimes shared a core, which moved the same
 * server's figures by a factor of two from one run to the next.
 */
const PINNED = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;
if (PINNED) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });

function startServer(role: 'api' | 'hello'): Promise<{ ready: ServerReady; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./api-server.ts', import.meta.url));
  // --expose-gc: the server collects its heap once it is set up, so the garbage of preparing (the API
  // buys 1 500 quotes' worth of work) is not collected during, and charged to, the first run measured.
  const nodeArgs = ['--import', 'tsx', '--expose-gc', script, role, String(ORDERS)];
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  const child = PINNED
    ? spawn('taskset', ['-c', '0', process.execPath, ...nodeArgs], { stdio })
    : fork(script, nodeArgs.slice(-2), { execArgv: nodeArgs.slice(0, -3), stdio });
  return new Promise((resolve, reject) => {
    child.once('message', (ready) => resolve({ ready: ready as ServerReady, child }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${role} server exited with ${code}`)));
  });
}

interface Figures {
  reqPerS: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** The server's own CPU time (user + system) per request: what a request costs it, however busy the machine is. */
  cpuUsPerRequest: number;
}

/** The server process's CPU time so far, in microseconds. */
function cpuTimeOf(server: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      const usage = (message as { cpuUsage?: NodeJS.CpuUsage }).cpuUsage;
      if (!usage) return;
      server.off('message', onMessage);
      resolve(usage.user + usage.system);
    };
    server.on('message', onMessage);
    server.send('cpu-usage');
  });
}

/** Each figure the median of the runs' (the runs are few and odd in number, so it is one of them). */
function medianFigures(runs: Figures[]): Figures {
  const median = (pick: (f: Figures) => number) => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  return {
    reqPerS: median((f) => f.reqPerS),
    p99Ms: median((f) => f.p99Ms),
    non2xx: runs.reduce((sum, f) => sum + f.non2xx, 0),
    errors: runs.reduce((sum, f) => sum + f.errors, 0),
    cpuUsPerRequest: median((f) => f.cpuUsPerRequest),
  };
}

async function load(server: ChildProcess, options: autocannon.Options): Promise<Figures> {
  const cpuBefore = await cpuTimeOf(server);
  const result = await autocannon({ connections: CONNECTIONS, ...options });
  const cpuUs = (await cpuTimeOf(server)) - cpuBefore;
  return {
    reqPerS: result.requests.average,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuUsPerRequest: cpuUs / Math.max(1, result.requests.total),
  };
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

const hello = await startServer('hello');
let api: Awaited<ReturnType<typeof startServer>> | undefined;
try {
  api = await startServer('api');
  const { url, limitedUrl, token, limitedToken, quoteIds } = api.ready;
  const auth = (t: string) => ({ authorization: `Bearer ${t}` });

  // A smoke run only proves the pieces work: a few requests each instead of seconds of load.
  const size = SMOKE ? { amount: 50 } : { duration: SECONDS };
  if (!SMOKE) {
    // Warm-up: JIT, statement caches, the token cache.
    await load(hello.child, { url: `${hello.ready.url}/`, duration: 1 });
    await load(api.child, { url: `${url}/api/v1/balance`, headers: auth(token!), duration: 1 });
  }

  // Rounds of hello, balance and 429 in turn, each figure the median of its rounds: a drift in the
  // machine's load over the run then reaches the baseline and the API alike, and one bad stretch moves
  // no figure.
  const rounds: { hello: Figures; balance: Figures; limited: Figures }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    rounds.push({
      hello: await load(hello.child, { url: `${hello.ready.url}/`, ...size }),
      balance: await load(api.child, { url: `${url}/api/v1/balance`, headers: auth(token!), ...size }),
      limited: await load(api.child, { url: `${limitedUrl}/api/v1/balance`, headers: auth(limitedToken!), ...size }),
    });
  }
  const roundRatios = rounds.map((r) => Number((r.balance.reqPerS / r.hello.reqPerS).toFixed(3)));
  const pairedRatio = [...roundRatios].sort((a, b) => a - b)[Math.floor(roundRatios.length / 2)]!;
  const helloRun = medianFigures(rounds.map((r) => r.hello));
  const balance = medianFigures(rounds.map((r) => r.balance));
  const limited = medianFigures(rounds.map((r) => r.limited));
  let next = 0;
  let firstRefusal: string | undefined;
  const orders = await load(api.child, {
    url,
    amount: quoteIds!.length,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/orders',
        setupRequest: (request) => {
          const i = next++;
          return {
            ...request,
            headers: { ...auth(token!), 'content-type': 'application/json', 'idempotency-key': `bench-order-${i}` },
            body: JSON.stringify({ quote_id: quoteIds![i % quoteIds!.length] }),
          };
        },
        onResponse: (status, body) => {
          if (status >= 300 && !firstRefusal) firstRefusal = `${status} ${body}`;
        },
      },
    ],
  });
  const baseline = helloRun.reqPerS;
  const baselineCpu = helloRun.cpuUsPerRequest;

  const line = (name: string, f: Figures) =>
    console.log(
      `${name.padEnd(28)} ${f.reqPerS.toFixed(0).padStart(7)} req/s  p99 ${String(f.p99Ms).padStart(4)} ms  ratio ${(f.reqPerS / baseline).toFixed(3)}` +
        `  server CPU ${f.cpuUsPerRequest.toFixed(0)} µs/request` +
        (f.non2xx ? `  non-2xx ${f.non2xx}` : '') +
        (f.errors ? `  errors ${f.errors}` : ''),
    );
  line('bare Hono hello-world', helloRun);
  line('GET /api/v1/balance', balance);
  console.log(`${''.padEnd(28)} balance / hello in each round: ${roundRatios.join(', ')}; median ${pairedRatio}`);
  line('GET /api/v1/balance (429)', limited);
  line('POST /api/v1/orders', orders);
  if (balance.non2xx > 0 || balance.errors > 0) throw new Error('the balance run had failures; the figures are not of the 200 path');
  if (limited.non2xx === 0) throw new Error('the rate-limited run was never refused');
  if (orders.errors > 0 || orders.non2xx > 0)
    throw new Error(`orders failed: ${orders.non2xx} non-2xx, ${orders.errors} errors; first: ${firstRefusal}`);

  console.log(
    JSON.stringify({
      hello_req_per_s: Math.round(baseline),
      hello_p99_ms: helloRun.p99Ms,
      hello_cpu_us_per_request: Math.round(baselineCpu),
      balance_req_per_s: Math.round(balance.reqPerS),
      balance_p99_ms: balance.p99Ms,
      balance_ratio: pairedRatio,
      balance_ratio_rounds: roundRatios,
      balance_ratio_of_medians: Number((balance.reqPerS / baseline).toFixed(3)),
      balance_cpu_us_per_request: Math.round(balance.cpuUsPerRequest),
      balance_cpu_ratio: Number((baselineCpu / balance.cpuUsPerRequest).toFixed(3)),
      rate_limited_req_per_s: Math.round(limited.reqPerS),
      rate_limited_p99_ms: limited.p99Ms,
      rate_limited_ratio: Number((limited.reqPerS / baseline).toFixed(3)),
      rate_limited_cpu_us_per_request: Math.round(limited.cpuUsPerRequest),
      orders_req_per_s: Math.round(orders.reqPerS),
      orders_p99_ms: orders.p99Ms,
      orders_ratio: Number((orders.reqPerS / baseline).toFixed(3)),
      ratio: pairedRatio,
    }),
  );
} finally {
  if (api) await stop(api.child);
  await stop(hello.child);
}
