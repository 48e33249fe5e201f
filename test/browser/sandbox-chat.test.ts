/**
 * The sandbox web chat in a real browser: headless Debian Chromium driven by
 * playwright-core. A person opens the page, types /start, sees the bot's
 * menu and presses its buttons — the clicks go through the page to the
 * Telegram emulator and the real bot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { silentLogger } from '../../src/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

let sandbox: Sandbox;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-browser-'));
  sandbox = await startSandbox({ ports: 0, databasePath: join(dir, 'sandbox.db'), logger: silentLogger, env: {} });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the sandbox web chat', () => {
  it('lets a person start the bot and walk into the buy flow by clicking its buttons', async () => {
    const page = await browser.newPage();
    await page.goto(sandbox.webChat!.url);
    await page.fill('#text', '/start');
    await page.click('#composer button[type=submit]');

    await expect
      .poll(() => page.locator('#chat .msg.bot').last().textContent(), { timeout: 10_000 })
      .toContain('What would you like to do?');
    await expect.poll(() => page.locator('#chat .msg.bot').last().textContent(), { timeout: 10_000 }).toContain('$50.00');

    await page
      .getByRole('button', { name: /Buy proxies/ })
      .last()
      .click();
    await expect
      .poll(async () => (await page.locator('#replies button, #chat button').allInnerTexts()).join(' | '), { timeout: 10_000 })
      .toMatch(/FlashProxy/);
    const screenshot = await page.screenshot();
    expect(screenshot.byteLength).toBeGreaterThan(1_000);
    await page.close();
  }, 30_000);
});
