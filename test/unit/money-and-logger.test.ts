import { describe, expect, it } from 'vitest';
import { MoneyParseError, dollarsToCents, formatCents, percentOfCentsRoundedUp } from '../../src/domain/money.js';
import { SecretRegistry, createLogger, withLogFields } from '../../src/logger.js';

describe('dollarsToCents', () => {
  it.each([
    ['12.50', 'up', 1250],
    [12.5, 'up', 1250],
    [0.45, 'up', 45],
    ['0.451', 'up', 46],
    ['0.451', 'down', 45],
    ['0.455', 'nearest', 46],
    ['0.454', 'nearest', 45],
    [3.5, 'up', 350],
    [0.1 + 0.2, 'up', 30], // binary float noise must not add a cent
    ['7', 'up', 700],
    [13.09, 'down', 1309],
  ] as const)('%s rounded %s is %d cents', (input, rounding, cents) => {
    expect(dollarsToCents(input, rounding)).toBe(cents);
  });

  it.each(['', 'abc', '1,50', '1e3', Number.NaN, Number.POSITIVE_INFINITY])('refuses %s', (input) => {
    expect(() => dollarsToCents(input as string, 'up')).toThrow(MoneyParseError);
  });
});

describe('formatting and percentages', () => {
  it('formats cents for people', () => {
    expect(formatCents(1250)).toBe('$12.50');
    expect(formatCents(5)).toBe('$0.05');
    expect(formatCents(-99)).toBe('-$0.99');
  });

  it('rounds a markup up to a whole cent', () => {
    expect(percentOfCentsRoundedUp(1000, 15)).toBe(150);
    expect(percentOfCentsRoundedUp(333, 10)).toBe(34);
    expect(percentOfCentsRoundedUp(100, 12.5)).toBe(13);
  });
});

describe('logger', () => {
  it('masks registered secrets and secret-looking fields', () => {
    const lines: string[] = [];
    const secrets = new SecretRegistry();
    secrets.add('fp_live_supersecretkey');
    const log = createLogger({ level: 'debug', secrets, write: (line) => lines.push(line) });
    log.error('upstream failed for https://x/client-api/v1/fp_live_supersecretkey/get', {
      password: 'hunter22',
      nested: { apiKey: 'abc123456', note: 'key fp_live_supersecretkey leaked?' },
      error: new Error('bad key fp_live_supersecretkey'),
    });
    const text = lines.join('\n');
    expect(text).not.toContain('fp_live_supersecretkey');
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('abc123456');
    expect(text).toContain('upstream failed');
  });

  it('drops lines below the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (line) => lines.push(line) });
    log.info('quiet');
    log.warn('loud');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', msg: 'loud' });
  });

  it("keeps an error's stack and its chain of causes, with secrets masked in them", () => {
    const lines: string[] = [];
    const secrets = new SecretRegistry();
    secrets.add('gpk_live_0123456789abcdef');
    const log = createLogger({ level: 'debug', secrets, write: (line) => lines.push(line) });
    const reset = Object.assign(new Error('socket hang up near gpk_live_0123456789abcdef'), { code: 'ECONNRESET' });
    const failure = new Error('upstream call failed', { cause: new Error('fetch failed', { cause: reset }) });
    log.error('purchase failed', { orderId: 'ord_1', error: failure });

    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: 'error', msg: 'purchase failed', orderId: 'ord_1' });
    expect(entry.error.type).toBe('Error');
    expect(entry.error.message).toBe('upstream call failed');
    // The stack names this very test file: where the error was made.
    expect(entry.error.stack).toMatch(/^Error: upstream call failed\n\s+at .*money-and-logger\.test\.ts/);
    expect(entry.error.cause.message).toBe('fetch failed');
    expect(entry.error.cause.stack).toContain('money-and-logger.test.ts');
    expect(entry.error.cause.cause).toMatchObject({ message: 'socket hang up near ***', code: 'ECONNRESET' });
    expect(lines[0]).not.toContain('gpk_live_0123456789abcdef');
  });

  it('masks secret-looking fields given to a child logger', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (line) => lines.push(line) }).child({
      component: 'cryptopay',
      apiToken: 'tok-123456789',
    });
    log.info('invoice created');
    expect(JSON.parse(lines[0]!)).toMatchObject({ component: 'cryptopay', apiToken: '***', msg: 'invoice created' });
  });

  it('adds the fields bound around the work to every line logged from it, awaited work included', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    const other = log.child({ component: 'orders' });
    log.info('before');
    await withLogFields({ requestId: 'req-1' }, async () => {
      log.info('inside');
      await new Promise((resolve) => setImmediate(resolve));
      await withLogFields({ updateId: 42 }, async () => other.info('nested, after a pause'));
    });
    log.info('after');
    const entries = lines.map((line) => JSON.parse(line));
    expect(entries.map((e) => [e.msg, e.requestId, e.updateId])).toEqual([
      ['before', undefined, undefined],
      ['inside', 'req-1', undefined],
      ['nested, after a pause', 'req-1', 42],
      ['after', undefined, undefined],
    ]);
    expect(entries[2]).toMatchObject({ component: 'orders' });
  });
});
