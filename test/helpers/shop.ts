/**
 * `startShop` for tests, with the per-test invariant check and cleanup. The
 * shop itself lives in start-shop.ts, free of vitest, for the benchmarks.
 */
import { checkedAfterEachTest } from './per-test.js';
import { startShop } from './start-shop.js';

export { firstChoice, startShop, type TestShop } from './start-shop.js';

/** `startShop` for a test file: each shop is checked (invariants) and closed after its test. */
export function eachTestShop() {
  return checkedAfterEachTest(startShop, (shop) => shop.orders.checkInvariants());
}
