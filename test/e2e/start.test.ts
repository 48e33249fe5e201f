/**
 * The shop as a newcomer starts it: a child process with an empty data
 * folder, running the bundle `npm start` builds (and the sources, as
 * `npm run start:dev` does). It must create the database, answer its health
 * endpoint, say which settings are missing, and stop cleanly on SIGTERM.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';

let dir: string;
let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const FROM_SOURCES = ['--import', 'tsx', 'src/main.ts'];
const FROM_BUNDLE = ['dist/main.js'];

function startShop(env: Record<string, string>, entry: string[] = FROM_SOURCES) {
  dir = mkdtempSync(join(tmpdir(), 'shop-start-'));
  let output = '';
  child = spawn(process.execPath, entry, {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH, DATABASE_PATH: join(dir, 'data', 'shop.db'), HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
  return { output: () => output, exited };
}

describe('npm start', () => {
  beforeAll(async () => {
    // What `npm start` does first.
    await promisify(execFile)('npm', ['run', 'build'], { cwd: process.cwd() });
  }, 60_000);

  it.each([
    ['the bundle', FROM_BUNDLE],
    ['the sources', FROM_SOURCES],
  ])('from %s: creates the database, answers /healthz, names the missing settings and shuts down on SIGTERM', async (_, entry) => {
    const shop = startShop({}, entry);
    const healthUrl = await waitFor(() => /"health":"([^"]+)"/.exec(shop.output())?.[1], {
      timeoutMs: 15_000,
      what: 'the shop to report its health URL',
    });
    const response = await fetch(healthUrl);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', database: 'ok' });
    expect(existsSync(join(dir, 'data', 'shop.db'))).toBe(true);
    // Nothing is configured: the newcomer is told what to set, and about the sandbox.
    await waitFor(() => shop.output().includes('npm run sandbox') || undefined, { timeoutMs: 5_000, what: 'the next steps' });
    expect(shop.output()).toContain('Set BOT_TOKEN');
    expect(shop.output()).toContain('FLASHPROXY_API_KEY');
    expect(shop.output()).toContain('OPERATOR_CHAT_ID');

    child!.kill('SIGTERM');
    expect(await shop.exited).toBe(0);
    expect(shop.output()).toContain('"msg":"stopped"');
  });

  it('refuses to start with bad settings, naming each, without a stack trace or secret', async () => {
    const shop = startShop({ HTTP_PORT: 'abc', BOT_TOKEN: 'leaky-secret-value', LOG_LEVEL: 'chatty' });
    expect(await shop.exited).toBe(78);
    const output = shop.output();
    expect(output).toContain('HTTP_PORT');
    expect(output).toContain('BOT_TOKEN');
    expect(output).toContain('LOG_LEVEL');
    expect(output).not.toContain('leaky-secret-value');
    expect(output).not.toMatch(/\n\s+at /);
  });
});
