/**
 * /backup and /providers in the operator group, typed and pressed through
 * the Telegram emulator by an admin (Olga) and by a member who is not one
 * (Max), answered by the real bot over the real services; a customer's buy
 * flow sees what the operators decided.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateBotDeps } from '../../src/bot/index.js';
import { backupToChat } from '../../src/bot/features/operator-backup.js';
import { silentLogger } from '../../src/logger.js';
import type { ChatMessage, EmulatedGroup, EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { createBackupJob } from '../../src/scheduler/jobs/backup.js';
import { createBackups } from '../../src/services/backups.js';
import { has, labels, press, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';

let world: BotShop | undefined;
let backupDir: string | undefined;
afterEach(async () => {
  if (world) {
    expect(world.shop.orders.checkInvariants()).toEqual([]);
    expect(world.errors()).toEqual([]);
    await world.close();
    world = undefined;
  }
  if (backupDir) rmSync(backupDir, { recursive: true, force: true });
  backupDir = undefined;
});

/** A shop selling LumiWeb whose operator group has one admin (Olga) and one ordinary member (Max); backups go to the group. */
async function withOperators() {
  const options: { bot: Partial<CreateBotDeps> } = { bot: {} };
  const w = await startBotShop(['lumiweb'], options);
  world = w;
  const olga = w.emu.user({ firstName: 'Olga', startedBot: true });
  const max = w.emu.user({ firstName: 'Max', startedBot: true });
  const group = w.emu.group({ title: 'Operators', members: [olga, max], admins: [olga] });
  backupDir = mkdtempSync(join(tmpdir(), 'storefront-bot-backups-'));
  const backups = createBackups({ sqlite: w.shop.database.sqlite, dir: backupDir, keep: 3 });
  options.bot.operatorChatId = group.id;
  options.bot.adminIds = [olga.id];
  options.bot.runBackup = () =>
    createBackupJob({
      backups,
      outbox: w.shop.outbox,
      logger: silentLogger,
      ship: backupToChat({ api: w.bot.api, chatId: group.id, i18n: w.bot.i18n, language: 'en' }),
    })();
  await w.restartBot();
  return { w, olga, max, group, backups, dir: backupDir };
}

/** Types a command in the group and waits for the bot's answer to it. */
async function command(user: EmulatedUser, group: EmulatedGroup, text: string, until: (m: ChatMessage) => boolean = () => true) {
  await user.sendIn(group, text);
  return group.waitForMessage(until, { timeoutMs: 30_000 });
}

describe('/backup', () => {
  it('an admin makes a backup now: the group is told its file, size and checks, and gets the compressed copy', async () => {
    const { w, olga, group, backups, dir } = await withOperators();
    w.shop.customer(2_500, 'Alice');
    const reply = await command(olga, group, '/backup', has('Backup made'));
    const [file] = await backups.list();
    expect(file).toMatch(/^storefront-.*\.db\.gz$/);
    expect(reply.plainText).toContain(`Backup made: ${file}`);
    expect(reply.plainText).toMatch(/Size: [\d.]+ KB compressed/);
    expect(reply.plainText).toContain('Checks: integrity ✅ · ledger invariants ✅');

    // The off-machine copy: the same file, as a document in the group, that opens as the shop's database.
    const document = await group.waitForMessage((m) => m.document !== undefined);
    expect(document.document!.file_name).toBe(file);
    expect(document.plainText).toContain('checks passed');
    const database = gunzipSync(document.document!.content);
    expect(database.subarray(0, 15).toString()).toBe('SQLite format 3');
    expect(readdirSync(dir)).toEqual([file]);
  });

  it('a member who is not an admin is refused and no backup is made', async () => {
    const { max, group, dir } = await withOperators();
    const reply = await command(max, group, '/backup');
    expect(reply.plainText).toContain('Only admins can');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});

describe('/providers', () => {
  it('shows each upstream live, and an admin takes one off sale: customers cannot buy from it until it is back', async () => {
    const { w, olga, group } = await withOperators();
    const alice = w.customer({ firstName: 'Alice' });
    await alice.send('/start');
    await alice.waitForMessage(has('What would you like to do?'));

    const screen = await command(olga, group, '/providers', has('Upstreams'));
    expect(screen.plainText).toContain('LumiWeb');
    expect(screen.plainText).toContain('🟢 On sale');
    expect(screen.plainText).toMatch(/Answers in \d+ ms/);
    // The simulator's starting balance for the shop's account, read through the adapter.
    expect(screen.plainText).toMatch(/Our balance: \$500\.00 · products on sale: [1-9]\d* · open orders: 0/);
    expect(group.buttons(screen).map((b) => b.text)).toEqual(['⛔ Take LumiWeb off sale']);

    // A quote taken while on sale, to be used after.
    const account = w.account(alice);
    w.credit(alice, 10_000);
    const early = await w.shop.orders.quote(account.id, 'lumiweb', await firstChoice(w.shop, 'lumiweb'));
    expect(early.ok).toBe(true);

    await olga.pressIn(group, '⛔ Take LumiWeb off sale', screen);
    const off = await group.waitForMessage(has('Off sale since'), { timeoutMs: 10_000 });
    expect(off.plainText).toContain(`(by admin:${olga.id}); open orders still finish`);
    expect(off.plainText).toMatch(/products on sale: 0/);
    expect(group.buttons(off).map((b) => b.text)).toEqual(['🟢 Put LumiWeb on sale']);

    // The customer's buy flow lists it unavailable, and the quote from before buys nothing.
    await press(alice, '🛒 Buy proxies', has('choose a provider'));
    expect(labels(alice)).toContain('LumiWeb (unavailable)');
    if (!early.ok) return;
    const bought = await w.shop.orders.purchase({
      userId: account.id,
      quoteId: early.quote.id,
      intentKey: 'after-off-sale',
      channel: 'bot',
    });
    expect(bought).toMatchObject({ kind: 'off_sale', message: 'this provider is not on sale right now' });
    expect(w.shop.wallet.balance(account.id)).toEqual({ availableCents: 10_000, heldCents: 0 });
    expect(w.shop.upstream('lumiweb').simulator.purchaseCount()).toBe(0);

    // Back on sale: the same customer can buy again.
    await olga.pressIn(group, '🟢 Put LumiWeb on sale', off);
    const on = await group.waitForMessage(has('🟢 On sale'), { timeoutMs: 10_000 });
    expect(group.buttons(on).map((b) => b.text)).toEqual(['⛔ Take LumiWeb off sale']);
    const again = await w.shop.orders.quote(account.id, 'lumiweb', await firstChoice(w.shop, 'lumiweb'));
    expect(again.ok).toBe(true);
  });

  it('a member who is not an admin sees no screen, and their press on the button changes nothing', async () => {
    const { w, olga, max, group } = await withOperators();
    expect((await command(max, group, '/providers')).plainText).toContain('Only admins can');
    const screen = await command(olga, group, '/providers', has('Upstreams'));
    const pressed = await max.pressIn(group, '⛔ Take LumiWeb off sale', screen);
    expect(await max.waitForCallbackAnswer(pressed)).toMatchObject({ show_alert: true, text: expect.stringContaining('Only admins') });
    expect(w.shop.providerAvailability.isOnSale('lumiweb')).toBe(true);
  });
});
