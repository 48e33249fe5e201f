/**
 * Every benchmark starts, finishes and ends with its JSON line. Each script
 * in test/bench/*.bench.ts runs as its own process with BENCH_SMOKE=1 (tiny
 * sizes): a smoke run that proves `npm run bench` works, not a timing check.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const benchDir = fileURLToPath(new URL('./bench/', import.meta.url));
const benches = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts'))
  .sort();

function runSmoke(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', `${benchDir}${file}`],
      { env: { ...process.env, BENCH_SMOKE: '1' }, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('benchmarks in smoke mode', () => {
  it('finds the benchmarks', () => {
    expect(benches).toEqual(
      expect.arrayContaining(['api.bench.ts', 'bot.bench.ts', 'notify.bench.ts', 'orders.bench.ts', 'wallet.bench.ts']),
    );
  });

  it.each(benches)(
    '%s exits 0 and ends with one JSON object',
    async (file) => {
      const run = await runSmoke(file);
      expect(run.code, run.stderr.slice(-2_000)).toBe(0);
      const lastLine = run.stdout.trimEnd().split('\n').at(-1) ?? '';
      const figures = JSON.parse(lastLine) as unknown;
      expect(typeof figures === 'object' && figures !== null && !Array.isArray(figures), lastLine).toBe(true);
      expect(Object.keys(figures as object).length).toBeGreaterThan(0);
    },
    250_000,
  );
});
