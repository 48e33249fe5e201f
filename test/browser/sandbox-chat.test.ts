/**
 * The sandbox web chat in a real browser: headless Debian Chromium driven by
 * playwright-core. A person opens the page, types /start, sees the bot's
 * menu and presses its buttons — the clicks go through the page to the
 * Telegram emulator and the real bot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { silentLogger } from '../../src/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { has, press, say } from '../helpers/bot-shop.js';

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

  it('switches to Olga in the Operators group, where she runs a command and confirms a top-up with its button', async () => {
    const page = await browser.newPage();
    await page.goto(sandbox.webChat!.url);
    const options = () => page.locator('#chat-picker option').allInnerTexts();
    await expect
      .poll(options, { timeout: 10_000 })
      .toEqual(['👤 Alice — private chat', '👤 Olga — private chat', '👥 Operators — as Olga (admin)']);

    // Alice asks for a manual top-up in her own chat; the operators get the alert with its buttons.
    const alice = sandbox.alice;
    await say(alice, '/start', has('Proxy Storefront'));
    await press(alice, '💰 Wallet', has('Available:'));
    await press(alice, '➕ Top up', has('Top-up methods'));
    await press(alice, '🏦 Other ways (manual)', has('Manual top-up'));
    await say(alice, '30', has('Now tell the operators how you paid'));
    await say(alice, 'bank transfer, ref 42', has('Please check your request'));
    await press(alice, '✅ Send to the operators', has('was sent to the operators'));

    await page.selectOption('#chat-picker', { label: '👥 Operators — as Olga (admin)' });
    expect(new URL(page.url()).searchParams.get('group')).toBe(String(sandbox.operators.id));
    await expect.poll(() => lastBotText(page), { timeout: 10_000 }).toContain('Manual top-up request: $30.00');
    await page.getByRole('button', { name: '✅ Confirm' }).last().click();
    await expect.poll(() => lastBotText(page), { timeout: 10_000 }).toContain('Confirmed by Olga');
    // The bot's answer to Olga's press, as Telegram's toast would show it.
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).toBe('💬 Done.');
    await alice.waitForMessage(has('Your wallet was topped up'), { timeoutMs: 10_000 });
    expect(sandbox.app.services.wallet.balance(accountId()).availableCents).toBe(80_00);

    // A command typed in the group is Olga's, and the bot answers there.
    await page.fill('#text', '/ops');
    await page.click('#composer button[type=submit]');
    await expect.poll(() => lastBotText(page), { timeout: 10_000 }).toContain('Operator commands');
    expect(sandbox.operators.messages().at(-1)?.plainText).toContain('Operator commands');

    // Back to Alice: her chat, with the receipt.
    await page.selectOption('#chat-picker', { label: '👤 Alice — private chat' });
    await expect.poll(() => page.locator('#chat').textContent(), { timeout: 10_000 }).toContain('Your wallet was topped up');
    expect(await page.locator('#chat').textContent()).not.toContain('Operator commands');
    await page.close();
  }, 40_000);

  it('takes an upstream down and back with its buttons, and moves the shop clock a day', async () => {
    const page = await browser.newPage();
    await page.goto(sandbox.webChat!.url);
    const row = page.locator('#upstreams [data-upstream="proxy-ipv4"]');
    await row.locator('button[data-condition="down"]').click();
    await expect.poll(() => row.locator('.state').textContent(), { timeout: 10_000 }).toMatch(/^down:/);
    expect(sandbox.upstreamSwitches.list().find((u) => u.id === 'proxy-ipv4')?.condition).toBe('down');

    await page.fill('#text', '/start');
    await page.click('#composer button[type=submit]');
    await expect.poll(() => lastBotText(page), { timeout: 10_000 }).toContain('What would you like to do?');
    await page
      .getByRole('button', { name: /Buy proxies/ })
      .last()
      .click();
    await expect
      .poll(async () => (await page.locator('#chat button').allInnerTexts()).join(' | '), { timeout: 10_000 })
      .toContain('proxy-ipv4.com (unavailable)');

    await row.locator('button[data-condition="healthy"]').click();
    await expect.poll(() => row.locator('.state').textContent(), { timeout: 10_000 }).toMatch(/^healthy:/);
    expect(sandbox.upstreamSwitches.list().every((u) => u.condition === 'healthy')).toBe(true);

    const aheadBefore = sandbox.clock.offsetMs();
    await page.getByRole('button', { name: '+1 day' }).click();
    await expect.poll(() => page.locator('#clock-report').textContent(), { timeout: 15_000 }).toContain('Moved 24 h');
    expect(sandbox.clock.offsetMs() - aheadBefore).toBe(24 * 3_600_000);
    expect(await page.locator('#clock-now').textContent()).toContain(`${aheadBefore / 3_600_000 + 24} h ahead`);
    expect(await page.locator('#clock-report').textContent()).toContain('expiry-reminders');
    await page.close();
  }, 40_000);

  it('pays a Stars invoice with its Pay button, which then gives way to a receipt', async () => {
    const page = await browser.newPage();
    await page.goto(`${sandbox.webChat!.url}/?user=${sandbox.alice.id}`);
    const before = sandbox.app.services.wallet.balance(accountId()).availableCents;
    await page.fill('#text', '/start');
    await page.click('#composer button[type=submit]');
    for (const [label, next] of [
      [/Wallet/, 'Available:'],
      [/Top up/, 'Top-up methods'],
      [/Telegram Stars/, 'Top up with Telegram Stars'],
    ] as const) {
      await expect.poll(() => lastBotText(page), { timeout: 10_000 }).toBeTruthy();
      await page.getByRole('button', { name: label }).last().click();
      await expect.poll(() => page.locator('#chat').textContent(), { timeout: 10_000 }).toContain(next);
    }
    await page.getByRole('button', { name: '$10', exact: true }).last().click();
    const pay = page.getByRole('button', { name: 'Pay 500 ⭐' });
    await expect.poll(() => pay.count(), { timeout: 10_000 }).toBe(1);
    await pay.click();
    await expect.poll(() => page.locator('#chat').textContent(), { timeout: 10_000 }).toContain('added to your wallet');
    await expect.poll(() => pay.count(), { timeout: 10_000 }).toBe(0);
    expect(await page.locator('#chat .invoice + .edited').allInnerTexts()).toEqual(['✅ Paid 500 ⭐']);
    expect(sandbox.app.services.wallet.balance(accountId()).availableCents).toBe(before + 10_00);
    await page.close();
  }, 40_000);
});

/** The text of the newest bot bubble on the page. */
function lastBotText(page: Page): Promise<string | null> {
  return page.locator('#chat .msg.bot').last().textContent();
}

function accountId(): number {
  return sandbox.app.services.users.byTelegramId(sandbox.alice.id)!.id;
}
