import { afterEach, expect } from 'vitest';

/**
 * Wraps a start function for a test file: whatever a test starts with it is
 * checked after that test (the order–ledger invariants must hold) and then
 * closed, so each test body only says what it starts.
 */
export function checkedAfterEachTest<A extends unknown[], T extends { close(): Promise<void> }>(
  start: (...args: A) => Promise<T>,
  invariantsOf: (started: T) => string[],
): (...args: A) => Promise<T> {
  const started: T[] = [];
  afterEach(async () => {
    for (const item of started.splice(0)) {
      try {
        expect(invariantsOf(item)).toEqual([]);
      } finally {
        await item.close();
      }
    }
  });
  return async (...args) => {
    const item = await start(...args);
    started.push(item);
    return item;
  };
}
