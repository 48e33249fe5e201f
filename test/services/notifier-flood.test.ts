/**
 * The notifier over real HTTP against a Bot API stand-in that enforces
 * Telegram's flood limits (test/helpers/flood-limited-bot-api.ts), on real
 * time: many chats at once, no message lost or sent twice, no limit broken,
 * a 429 that does not hold other chats up, and what a crash mid-send repeats.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bot } from 'grammy';
import { installApiTransformers } from '../../src/bot/middleware/api.js';
import { silentLogger } from '../../src/logger.js';
import { notifierApi, telegramMessageSender } from '../../src/bot/notifier-port.js';
import { createNotifier, type NotifierDeps } from '../../src/services/notifier.js';
import { createOutbox, type AnyOutboxEntry, type Outbox, type OutboxMessage } from '../../src/services/outbox.js';
import { freshServices } from '../helpers/db.js';
import { startFloodLimitedBotApi, type FloodLimitedBotApi } from '../helpers/flood-limited-bot-api.js';
import { runNotifyWorkload } from '../helpers/notify-workload.js';
import { waitFor } from '../helpers/wait.js';

describe('a backlog against the enforced limits', () => {
  it('delivers every message once, in order per chat, without a 429 for a chat or group limit', async () => {
    const run = await runNotifyWorkload({
      singleChats: 40,
      busyChats: 3,
      perBusyChat: 3,
      groupAlerts: 3,
      latencyMs: 20,
      timeoutMs: 30_000,
    });

    expect(run.enqueued).toBe(1 + 40 + 9 + 3);
    expect(run.lost).toBe(0);
    expect(run.duplicated).toBe(0);
    expect(run.delivered).toBe(52);
    expect(run.outOfOrder).toBe(0);
    expect(run.chatSpacingViolations).toBe(0);
    // The notifier held each chat and the group back itself; Telegram never had to.
    expect(run.refused429.chat).toBe(0);
    expect(run.refused429.group).toBe(0);
    expect(run.blockedMarkedUnreachable).toBe(true);
    expect(run.failedRows).toBe(1);
  }, 40_000);
});

describe('one sender, one chat in trouble', () => {
  let shop: ReturnType<typeof freshServices>;
  let botApi: FloodLimitedBotApi;
  let fakeNow: number;
  const now = () => fakeNow;
  let outbox: Outbox<AnyOutboxEntry>;

  beforeEach(() => {
    shop = freshServices();
    fakeNow = Date.UTC(2025, 0, 1, 12);
    outbox = createOutbox<AnyOutboxEntry>({ db: shop.database.db, now });
  });
  afterEach(async () => {
    await botApi.close();
    shop.close();
  });

  const render = (message: OutboxMessage) => ({ text: (JSON.parse(message.payload) as { text: string }).text });
  const notice = (userId: number, text: string) => outbox.enqueue({ audience: 'user', userId, kind: 'notice', payload: { text } });
  const customers = (n: number) => Array.from({ length: n }, (_, i) => shop.newUser(`C${i}`));
  /** The bot's own Api, auto-retry and all, handed to the notifier the way the app does it. */
  const appApi = () => {
    const bot = new Bot(botApi.token, { client: { apiRoot: botApi.apiRoot } });
    installApiTransformers(bot.api);
    return notifierApi(bot.api);
  };
  const notifier = (overrides: Partial<NotifierDeps> = {}) =>
    createNotifier({
      outbox,
      users: shop.users,
      sender: telegramMessageSender(appApi()),
      render,
      logger: silentLogger,
      now,
      limits: { globalMarginMs: 0, chatMarginMs: 0 },
      ...overrides,
    });
  const acceptedTexts = () => botApi.accepted.map((m) => m.text).sort();

  it('reschedules a 429 in the outbox and sends to the other chats in the same pass', async () => {
    botApi = await startFloodLimitedBotApi({ enforceLimits: false });
    const [ann, ...others] = customers(5);
    notice(ann!.id, 'for Ann');
    for (const user of others) notice(user.id, `for ${user.firstName}`);
    botApi.floodChat(ann!.telegramId, 3);

    const pass = await notifier().runOnce();

    // Auto-retry would have slept 3 s inside this pass and delivered Ann's message in it.
    expect(pass).toEqual({ sent: 4, retried: 1, failed: 0, deferred: 0 });
    expect(acceptedTexts()).toEqual(['for C1', 'for C2', 'for C3', 'for C4']);
    expect(botApi.refused.map((r) => [r.chatId, r.errorCode])).toEqual([[ann!.telegramId, 429]]);
    const annRow = outbox.list().find((m) => m.userId === ann!.id)!;
    expect(annRow).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: fakeNow + 3_000 });
  });

  it('after a crash mid-send, repeats only the messages that were in flight', async () => {
    botApi = await startFloodLimitedBotApi({ enforceLimits: false });
    const [x, y, z, later] = customers(4);
    for (const user of [x!, y!, z!]) notice(user.id, `for ${user.firstName}`);
    botApi.hold();

    // The first process sends three messages and dies before it can record any answer.
    const dying = notifier({ outbox: { due: outbox.due, claim: outbox.claim, markSent: () => {}, markFailed: () => {} }, claimMs: 60_000 });
    void dying.runOnce();
    await waitFor(() => botApi.heldCount() === 3, { what: 'three sends in flight' });
    botApi.release();
    await waitFor(() => botApi.accepted.length === 3, { what: 'the held sends to arrive' });
    notice(later!.id, 'for C3');

    // The restarted process: what was in flight stays claimed until its claim lapses; the rest goes now.
    const restarted = notifier({ claimMs: 60_000 });
    expect(await restarted.runOnce()).toMatchObject({ sent: 1 });
    fakeNow += 60_000;
    expect(await restarted.runOnce()).toMatchObject({ sent: 3 });

    expect(acceptedTexts()).toEqual(['for C0', 'for C0', 'for C1', 'for C1', 'for C2', 'for C2', 'for C3']);
    expect(outbox.list().every((m) => m.state === 'sent')).toBe(true);
    fakeNow += 60_000;
    expect(await restarted.runOnce()).toEqual({ sent: 0, retried: 0, failed: 0, deferred: 0 });
  });
});
