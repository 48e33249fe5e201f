/**
 * A broadcast sent by two shop instances on one database file, as during a
 * rolling deploy: each has its own SQLite connection, services, bot renderer
 * and notifier. Both confirm (only one queues), both send at once, then the
 * first goes away mid-way (its connection closed) and the second finishes.
 * Every customer gets the message exactly once; the 30 who blocked the bot
 * are marked unreachable and counted as blocked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServices } from '../../src/app.js';
import { createBot } from '../../src/bot/index.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { openDatabase } from '../../src/db/client.js';
import { createKvStorage } from '../../src/db/kv-storage.js';
import { silentLogger } from '../../src/logger.js';
import { startTelegramEmulator, type TelegramEmulator } from '../../src/sandbox/telegram/index.js';
import { createNotifier, type NotifierLimits } from '../../src/services/notifier.js';
import { waitFor } from '../helpers/wait.js';

let dir: string | undefined;
let emu: TelegramEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const FAST: NotifierLimits = { perSecond: 1_000, perChatPerSecond: 1_000, perGroupPerMinute: 1_000, globalMarginMs: 0, chatMarginMs: 0 };

/** One shop instance over the database file: its own connection, services, renderer and notifier. */
function instance(path: string, telegram: TelegramEmulator, limits: NotifierLimits, now?: () => number) {
  const database = openDatabase(path);
  const services = buildServices(database);
  const bot = createBot({
    token: telegram.token,
    apiRoot: telegram.url,
    services,
    logger: silentLogger,
    adminIds: [],
    storage: createKvStorage(database.db),
  });
  const notifier = createNotifier({
    outbox: services.outbox,
    users: services.users,
    sender: telegramMessageSender(new Api(telegram.token, { apiRoot: telegram.url })),
    render: bot.renderNotice,
    logger: silentLogger,
    limits,
    ...(now ? { now } : {}),
  });
  return { database, services, notifier };
}

describe('a broadcast across two instances on one database file', () => {
  it('300 customers, 30 blocked: 270 get it exactly once although both instances sent and one stopped mid-way', async () => {
    dir = mkdtempSync(join(tmpdir(), 'broadcast-'));
    const path = join(dir, 'shop.db');
    emu = await startTelegramEmulator();
    const frozen = Date.now();
    // Until the first one goes away, each instance may send 60 at its (frozen) second.
    const first = instance(path, emu, { ...FAST, perSecond: 60 }, () => frozen);
    const second = instance(path, emu, FAST);

    const people = Array.from({ length: 300 }, (_, i) => {
      const user = emu!.user({ firstName: `Customer${i}`, startedBot: true });
      first.services.users.ensure({ telegramId: user.id, firstName: `Customer${i}` });
      return user;
    });
    const blocked = people.filter((_, i) => i % 10 === 7);
    for (const user of blocked) user.block();

    const draft = first.services.broadcasts.createDraft({ createdBy: 1, html: '<b>Maintenance</b> tonight at 02:00 UTC' });
    expect(first.services.broadcasts.setAudience(draft.id, { kind: 'everyone' })).toBe(300);
    // Both instances see the same press (a retried update): one queues, the other finds it no longer a draft.
    expect(first.services.broadcasts.confirm(draft.id)).toEqual({ ok: true, recipients: 300 });
    expect(second.services.broadcasts.confirm(draft.id)).toEqual({ ok: false, reason: 'not_a_draft', state: 'sending' });
    expect(second.services.outbox.list({ kind: 'broadcast' })).toHaveLength(300);

    const [a, b] = await Promise.all([first.notifier.runOnce(), second.notifier.runOnce()]);
    expect(a.sent + a.failed).toBeGreaterThan(0);
    expect(b.sent + b.failed).toBeGreaterThan(0);
    await first.notifier.stop();
    first.database.close();

    await waitFor(
      async () => {
        await second.notifier.runOnce();
        return second.services.broadcasts.progress(draft.id).pending === 0;
      },
      { timeoutMs: 30_000, what: 'every message settled' },
    );
    await second.notifier.stop();

    for (const [index, user] of people.entries()) {
      const copies = user.messages().filter((m) => m.plainText.startsWith('Maintenance')).length;
      expect({ index, copies }).toEqual({ index, copies: blocked.includes(user) ? 0 : 1 });
    }
    expect(second.services.broadcasts.progress(draft.id)).toEqual({ recipients: 300, delivered: 270, blocked: 30, failed: 0, pending: 0 });
    const unreachable = people.filter((u) => second.services.users.byTelegramId(u.id)!.unreachableAt !== null);
    expect(unreachable).toHaveLength(30);
    second.database.close();
  }, 60_000);
});
