/**
 * Ledger throughput: hold+capture pairs per second on a file database with
 * the production pragmas, next to the cheapest possible debit — one
 * `UPDATE … WHERE balance >= ?` in its own IMMEDIATE transaction — on the
 * same file in the same run. Rounds alternate so machine noise hits both.
 *
 * A hold commits with a full disk flush (the upstream is called next); the
 * capture settles an order and commits without waiting for the disk, because
 * the reconciler can rebuild it (see `settleTransaction`).
 *
 * Last line: {"pairs_per_s", "baseline_per_s", "ratio"}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServices } from '../../src/app.js';
import { openDatabase, writeTransaction } from '../../src/db/client.js';

/** BENCH_SMOKE=1: tiny sizes, to prove the bench runs (test/bench-smoke.test.ts). */
const SMOKE = process.env.BENCH_SMOKE === '1';
const PAIRS_PER_ROUND = Number(process.env.BENCH_PAIRS ?? (SMOKE ? 50 : 1_000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SMOKE ? 1 : 9));

const dir = mkdtempSync(join(tmpdir(), 'bench-wallet-'));
try {
  const database = openDatabase(join(dir, 'bench.db'));
  const { users, wallet } = buildServices(database);
  const user = users.ensure({ telegramId: 1, firstName: 'Bench' });
  wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'bench', amountCents: 90_000_000 });

  database.sqlite.exec('CREATE TABLE bare_balance (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)');
  database.sqlite.prepare('INSERT INTO bare_balance (id, balance) VALUES (1, ?)').run(1_000_000_000);
  const bareDebit = database.sqlite.prepare('UPDATE bare_balance SET balance = balance - 1 WHERE id = 1 AND balance >= ?');

  let order = 0;
  const pairRound = () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < PAIRS_PER_ROUND; i++) {
      const orderId = `bench-${order++}`;
      wallet.hold({ userId: user.id, orderId, amountCents: 1 });
      wallet.capture(orderId);
    }
    return PAIRS_PER_ROUND / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  const bareRound = () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < PAIRS_PER_ROUND; i++) writeTransaction(database.sqlite, () => bareDebit.run(1));
    return PAIRS_PER_ROUND / (Number(process.hrtime.bigint() - start) / 1e9);
  };

  pairRound(); // warm-up: statement caches, page cache
  bareRound();
  const pairs: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    pairs.push(pairRound());
    bare.push(bareRound());
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pairsPerS = median(pairs);
  const baselinePerS = median(bare);
  // Each round's pair rate against the bare rate measured right after it; the
  // median of those ratios shrugs off a round that another process slowed down.
  const ratio = median(pairs.map((p, i) => p / bare[i]!));

  const violations = wallet.checkInvariants();
  if (violations.length > 0) throw new Error(`ledger invariants broken: ${violations.join('; ')}`);
  database.close();

  console.log(`hold+capture pairs/s: ${pairsPerS.toFixed(0)}   (rounds: ${pairs.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`bare debit txns/s:    ${baselinePerS.toFixed(0)}   (rounds: ${bare.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`ratio: ${ratio.toFixed(3)} (target ≥ 0.5)`);
  console.log(
    JSON.stringify({
      pairs_per_s: Math.round(pairsPerS),
      baseline_per_s: Math.round(baselinePerS),
      ratio: Number(ratio.toFixed(3)),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
