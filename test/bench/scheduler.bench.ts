/**
 * The scheduler on a large shop: 100 000 customers owning 1 000 000 proxies
 * (real migrations; expiries spread over 60 days, a few days of them already
 * past), four providers' worth of rows per provider. Reports each job tick's
 * duration, the longest event-loop block while the ticks run
 * (monitorEventLoopDelay), end-to-end purchases/s on that database against the
 * same on an empty one in the same run (ratio; target ≥ 0.9), and peak RSS
 * (target < 200 MB).
 *
 * The large database is built by a child process, so that the peak RSS
 * measured is the shop's (ticks and purchases), not the bulk loader's; it is
 * read before the empty-database run that follows the large one.
 *
 * BENCH_SMOKE=1 uses tiny sizes (a check that the script runs, not a measurement).
 * Last line: one JSON object with every figure.
 */
import { fork, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildServices } from '../../src/app.js';
import { startBackgroundCheckpoints } from '../../src/db/background-checkpoints.js';
import { BUSY_TIMEOUT_MS, openDatabase, WAL_AUTOCHECKPOINT_PAGES, type Database_ } from '../../src/db/client.js';
import { silentLogger } from '../../src/logger.js';
import { shopJobs, startScheduler } from '../../src/scheduler/index.js';
import { createJobLeases } from '../../src/scheduler/leases.js';
import { PROVIDER_MODULES } from '../../src/providers/modules.js';
import type { ProxyProvider } from '../../src/providers/types.js';
import { startUpstream } from '../../src/sandbox/upstreams/index.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const USERS = SMOKE ? 200 : Number(process.env.BENCH_USERS ?? 100_000);
const PROXIES_PER_USER = 10;
const PURCHASES = SMOKE ? 20 : Number(process.env.BENCH_PURCHASES ?? 300);
const CONCURRENCY = 8;
const PROVIDERS = ['lumiweb', 'proxy-ipv4', 'proxy-panel', 'flashproxy', 'gateproxy'] as const;
const DAY = 86_400_000;
/** Expiries run from this many days ago to 60 days later. */
const DAYS_PAST = 3;
const AUTO_RENEW_SHARE = 0.01;

/** Fills a freshly migrated database with customers, one delivered order each, and their proxies. */
function populate(database: Database_): number {
  const { sqlite } = database;
  const started = performance.now();
  // Building only: the rows are made up and the file is thrown away; the shop's pragmas come back after.
  sqlite.pragma('synchronous = OFF');
  const now = Date.now();
  const insertUser = sqlite.prepare('INSERT INTO users (id, telegram_id, first_name, created_at) VALUES (?, ?, ?, ?)');
  const insertWallet = sqlite.prepare("INSERT INTO ledger_accounts (id, kind, user_id) VALUES (?, 'wallet', ?)");
  const insertOrder = sqlite.prepare(
    `INSERT INTO orders (id, user_id, intent_key, quote_id, kind, provider_id, product_id, term_id, quantity, labels,
                         price_cents, quoted_cost_cents, upstream_cost_cents, state, channel, created_at, updated_at)
     VALUES (?, ?, 'seed', ?, 'purchase', ?, 'seed-product', '30d', ${PROXIES_PER_USER}, '{}', 1000, 800, 800, 'delivered', 'bot', ?, ?)`,
  );
  const insertProxy = sqlite.prepare(
    `INSERT INTO subscriptions (id, user_id, order_id, provider_id, product_id, product_name, upstream_id, host, http_port,
                                login, password, expires_at, status, auto_renew, created_at)
     VALUES (?, ?, ?, ?, 'seed-product', 'Seed proxy', ?, '203.0.113.7', 8080, 'user', 'secret', ?, 'active', ?, ?)`,
  );
  const span = (60 + DAYS_PAST) * DAY;
  let n = 0;
  const USERS_PER_TRANSACTION = 10_000;
  for (let first = 1; first <= USERS; first += USERS_PER_TRANSACTION) {
    sqlite.transaction(() => {
      for (let u = first; u < Math.min(first + USERS_PER_TRANSACTION, USERS + 1); u++) {
        insertUser.run(u, 1_000_000 + u, `Customer ${u}`, now);
        insertWallet.run(`wallet:${u}`, u);
        const provider = PROVIDERS[u % PROVIDERS.length]!;
        const orderId = `ord_seed_${u}`;
        insertOrder.run(orderId, u, `q_seed_${u}`, provider, now, now);
        for (let p = 0; p < PROXIES_PER_USER; p++, n++) {
          // A multiplicative hash spreads expiries evenly without a random generator's state.
          const expiresAt = now - DAYS_PAST * DAY + ((n * 2_654_435_761) % span);
          const autoRenew = (n * 7919) % 100 < AUTO_RENEW_SHARE * 100 ? 1 : 0;
          insertProxy.run(`sub_seed_${n}`, u, orderId, provider, `seed-${n}`, expiresAt, autoRenew, now);
        }
      }
    })();
  }
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return (performance.now() - started) / 1000;
}

/** Purchases per second through the real saga (quote + purchase over HTTP to the LumiWeb simulator). */
async function purchaseRate(database: Database_, provider: ProxyProvider, count: number): Promise<number> {
  const services = buildServices(database, { providers: [provider] });
  const user = services.users.ensure({ telegramId: 1, firstName: 'Bench' });
  services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: `bench-${Date.now()}`, amountCents: 90_000_000 });
  const entry = await services.catalog.providerEntry('lumiweb');
  const product = entry!.products[0]!;
  const choice = { productId: product.id, countryCode: product.countries[0]!.code, termId: product.terms[0]!.id, quantity: 1 };
  let intent = 0;
  // Unique across runs on one file: a repeated intent key would return the earlier order instead of buying.
  const run = Date.now().toString(36);
  const purchaseOnce = async () => {
    const quoted = await services.orders.quote(user.id, 'lumiweb', choice);
    if (!quoted.ok) throw new Error(quoted.message);
    const result = await services.orders.purchase({
      userId: user.id,
      quoteId: quoted.quote.id,
      intentKey: `bench-${run}-${intent++}`,
      channel: 'api',
    });
    if (result.kind !== 'delivered') throw new Error(`purchase ended ${result.kind}`);
  };
  for (let i = 0; i < 5; i++) await purchaseOnce(); // warm-up: connections, statement caches
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (done < count) {
        done++;
        await purchaseOnce();
      }
    }),
  );
  const rate = count / ((performance.now() - started) / 1000);
  await services.orders.drain();
  return rate;
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
/** Where the memory is now, to tell which phase set the peak. */
const memoryNow = () => {
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round(n / 1_048_576);
  return `${mb(m.rss)} MB (heap ${mb(m.heapUsed)}/${mb(m.heapTotal)}, native ${mb(m.external + m.arrayBuffers)}, peak ${Math.round(peakRssMb())})`;
};

if (process.argv[2] === '--populate') {
  const database = openDatabase(process.argv[3]!);
  const seconds = populate(database);
  database.close();
  console.log(JSON.stringify({ build_s: seconds }));
  process.exit(0);
}

/** The `--upstream` child: runs the simulator and tells the bench where it is. */
async function serveSimulator(): Promise<void> {
  const upstream = await startUpstream('lumiweb');
  upstream.simulator.setBalanceCents(1_000_000_000);
  process.send!({ apiKey: upstream.apiKey, baseUrl: upstream.baseUrl });
  // Goes with the bench: a parent that ended must not leave the simulator behind.
  process.once('disconnect', () => void upstream.close().then(() => process.exit(0)));
}

/**
 * The LumiWeb simulator the purchases go to, in a process of its own: the
 * upstream is not part of the shop, so neither its memory nor its share of
 * each request's work belongs in the shop's figures.
 */
async function startSimulatorProcess(): Promise<{ provider: () => ProxyProvider; close: () => void }> {
  const child = fork(fileURLToPath(import.meta.url), ['--upstream'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const settings = await new Promise<{ apiKey: string; baseUrl: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { apiKey: string; baseUrl: string }));
    child.once('exit', (code) => reject(new Error(`the simulator exited with ${code}`)));
  });
  const lumiweb = PROVIDER_MODULES.find((module) => module.id === 'lumiweb')!;
  return { provider: () => lumiweb.create(settings), close: () => child.disconnect() };
}

async function runBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scheduler-'));
  const upstream = await startSimulatorProcess();

  try {
    // The baseline: the same saga on an empty database, same process, same simulator; measured before
    // and after the large database, and averaged, so a drift in the machine's load is shared by both.
    const emptyPath = join(dir, 'empty.db');
    const emptyRun = async () => {
      const empty = openDatabase(emptyPath);
      const emptyCheckpoints = startBackgroundCheckpoints(empty.sqlite, {
        path: emptyPath,
        autocheckpointPages: WAL_AUTOCHECKPOINT_PAGES,
        busyTimeoutMs: BUSY_TIMEOUT_MS,
      });
      const rate = await purchaseRate(empty, upstream.provider(), PURCHASES);
      await emptyCheckpoints.stop();
      empty.close();
      return rate;
    };
    const emptyBefore = await emptyRun();

    const largePath = join(dir, 'large.db');
    // BENCH_TEMPLATE=<file>: the built database is kept there and copied from on later runs (building takes minutes).
    const template = process.env.BENCH_TEMPLATE;
    let buildSeconds = 0;
    if (template && existsSync(template)) {
      copyFileSync(template, largePath);
    } else {
      const built = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--populate', largePath], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (built.status !== 0) throw new Error(`building the large database failed (exit ${built.status})`);
      buildSeconds = (JSON.parse(built.stdout.trim().split('\n').pop()!) as { build_s: number }).build_s;
      if (template) copyFileSync(largePath, template);
    }
    // On disk before the clock starts: the operating system writing back a freshly built or copied file
    // would otherwise stall whichever tick happens to touch it, and that stall is the bench's, not the shop's.
    const fd = openSync(largePath, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    const database = openDatabase(largePath);
    // As in the shop process (app.ts): the WAL is copied back by a worker thread, not inside the jobs' commits.
    const checkpoints = startBackgroundCheckpoints(database.sqlite, {
      path: largePath,
      autocheckpointPages: WAL_AUTOCHECKPOINT_PAGES,
      busyTimeoutMs: BUSY_TIMEOUT_MS,
    });
    console.log(`opened: rss ${memoryNow()}`);
    console.log(`built ${USERS} customers, ${USERS * PROXIES_PER_USER} proxies in ${buildSeconds.toFixed(1)} s`);

    const services = buildServices(database, { providers: [upstream.provider()] });
    const scheduler = startScheduler(
      shopJobs(services, silentLogger, {
        housekeeping: { db: database.db, retention: { quotesMs: DAY, outboxMs: 30 * DAY, conversationsMs: 7 * DAY } },
      }),
      silentLogger,
      { leases: createJobLeases(database.db) },
    );
    const ticks: Record<string, number> = {};
    const blocks: Record<string, number> = {};
    const results: Record<string, unknown> = {};
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    let longestBlockMs = 0;
    // Each tick's own longest block, so a figure over target names the job that caused it.
    const tick = async (name: string, label = name) => {
      const started = performance.now();
      delay.reset();
      results[label] = await scheduler.runNow(name);
      ticks[label] = Math.round(performance.now() - started);
      blocks[label] = Number((delay.max / 1e6).toFixed(1));
      longestBlockMs = Math.max(longestBlockMs, blocks[label]);
      console.log(
        `tick ${label}: ${ticks[label]} ms, longest block ${blocks[label]} ms, rss ${memoryNow()} ${JSON.stringify(results[label])}`,
      );
    };
    await tick('reconcile-orders');
    await tick('expire-proxies');
    await tick('expiry-reminders', 'expiry-reminders (first run)');
    await tick('expiry-reminders', 'expiry-reminders (nothing new)');
    await tick('auto-renew');
    await tick('sync-proxies');
    await tick('housekeeping');
    delay.disable();
    await scheduler.stop();

    const largeRate = await purchaseRate(database, upstream.provider(), PURCHASES);
    console.log(`after the purchases: rss ${memoryNow()}`);
    // The shop's peak on the large database, read before the second baseline run: that run opens another
    // database in this process, which is the bench's own bookkeeping, not the shop's memory at scale.
    const rss = peakRssMb();
    await checkpoints.stop();
    database.close();
    const emptyAfter = await emptyRun();
    const emptyRate = (emptyBefore + emptyAfter) / 2;
    console.log(`purchases/s on the empty database: ${emptyBefore.toFixed(1)} before, ${emptyAfter.toFixed(1)} after`);
    const ratio = largeRate / emptyRate;
    const rssWithBaselineAfter = peakRssMb();

    console.log(`longest event-loop block during the ticks: ${longestBlockMs.toFixed(1)} ms (target ≤ 50)`);
    console.log(
      `purchases/s: ${largeRate.toFixed(1)} on the large database, ${emptyRate.toFixed(1)} on an empty one; ratio ${ratio.toFixed(3)} (target ≥ 0.9)`,
    );
    console.log(
      `peak RSS: ${rss.toFixed(0)} MB on the large database (target < 200); ${rssWithBaselineAfter.toFixed(0)} MB counting the empty-database run after it`,
    );
    console.log(
      JSON.stringify({
        users: USERS,
        subscriptions: USERS * PROXIES_PER_USER,
        build_s: Number(buildSeconds.toFixed(1)),
        tick_ms: ticks,
        block_ms: blocks,
        longest_block_ms: Number(longestBlockMs.toFixed(1)),
        purchases_per_s: Number(largeRate.toFixed(1)),
        empty_purchases_per_s: Number(emptyRate.toFixed(1)),
        ratio: Number(ratio.toFixed(3)),
        peak_rss_mb: Math.round(rss),
        peak_rss_with_baseline_after_mb: Math.round(rssWithBaselineAfter),
      }),
    );
  } finally {
    upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--upstream') await serveSimulator();
else await runBench();
