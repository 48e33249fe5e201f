/**
 * End-to-end purchases per second, in process: quote → reserve → upstream
 * call over HTTP to a simulator that answers at once → capture → delivered,
 * on a file database with the production pragmas. Beside it, the bare ledger
 * hold+capture rate on the same kind of file in the same run: the floor the
 * saga's bookkeeping cannot beat.
 *
 * Last line: {"purchases_per_s", "ledger_pairs_per_s", "ratio"}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { startUpstream } from '../../src/sandbox/upstreams/index.js';

/** BENCH_SMOKE=1: tiny sizes, to prove the bench runs (test/bench-smoke.test.ts). */
const SMOKE = process.env.BENCH_SMOKE === '1';
const PURCHASES = Number(process.env.BENCH_PURCHASES ?? (SMOKE ? 10 : 400));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? (SMOKE ? 2 : 8));
const PAIRS = Number(process.env.BENCH_PAIRS ?? (SMOKE ? 50 : 2_000));

const dir = mkdtempSync(join(tmpdir(), 'bench-orders-'));
const upstream = await startUpstream('lumiweb');
try {
  upstream.simulator.setBalanceCents(1_000_000_000);
  const database = openDatabase(join(dir, 'orders.db'));
  const services = buildServices(database, { providers: [upstream.provider()] });
  const user = services.users.ensure({ telegramId: 1, firstName: 'Bench' });
  services.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'bench', amountCents: 90_000_000 });
  const entry = await services.catalog.providerEntry('lumiweb');
  const product = entry!.products[0]!;
  const choice = { productId: product.id, countryCode: product.countries[0]!.code, termId: product.terms[0]!.id, quantity: 1 };

  const purchaseOnce = async (i: number) => {
    const quoted = await services.orders.quote(user.id, 'lumiweb', choice);
    if (!quoted.ok) throw new Error(quoted.message);
    const result = await services.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: `bench-${i}`, channel: 'api' });
    if (result.kind !== 'delivered') throw new Error(`purchase ${i} ended ${result.kind}`);
  };

  await purchaseOnce(-1); // warm-up: connections, statement caches
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < PURCHASES) await purchaseOnce(next++);
    }),
  );
  const purchasesPerS = PURCHASES / (Number(process.hrtime.bigint() - started) / 1e9);
  const violations = services.wallet.checkInvariants();
  if (violations.length > 0) throw new Error(`ledger invariants broken: ${violations.join('; ')}`);
  database.close();

  // Baseline: the ledger alone, hold+capture pairs, on a fresh file with the same pragmas.
  const ledgerDb = openDatabase(join(dir, 'ledger.db'));
  const ledger = buildServices(ledgerDb);
  const ledgerUser = ledger.users.ensure({ telegramId: 2, firstName: 'Ledger' });
  ledger.wallet.creditTopUp({ userId: ledgerUser.id, method: 'manual', externalId: 'bench', amountCents: 90_000_000 });
  const pairStart = process.hrtime.bigint();
  for (let i = 0; i < PAIRS; i++) {
    ledger.wallet.hold({ userId: ledgerUser.id, orderId: `pair-${i}`, amountCents: 1 });
    ledger.wallet.capture(`pair-${i}`);
  }
  const pairsPerS = PAIRS / (Number(process.hrtime.bigint() - pairStart) / 1e9);
  ledgerDb.close();

  const ratio = purchasesPerS / pairsPerS;
  console.log(
    `end-to-end purchases/s: ${purchasesPerS.toFixed(0)} (${PURCHASES} purchases, ${CONCURRENCY} at a time, each a quote and a purchase over HTTP to the LumiWeb simulator)`,
  );
  console.log(`bare ledger hold+capture pairs/s: ${pairsPerS.toFixed(0)}`);
  console.log(`ratio: ${ratio.toFixed(3)}`);
  console.log(
    JSON.stringify({
      purchases_per_s: Math.round(purchasesPerS),
      ledger_pairs_per_s: Math.round(pairsPerS),
      ratio: Number(ratio.toFixed(3)),
    }),
  );
} finally {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
}
