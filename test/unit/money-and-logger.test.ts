import { describe, expect, it } from 'vitest';
import { MoneyParseError, dollarsToCents, formatCents, percentOfCentsRoundedUp } from '../../src/domain/money.js';
import { SecretRegistry, createLogger } from '../../src/logger.js';

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
});
