/**
 * The notifier against the Telegram emulator over real HTTP with a real grammY
 * Api. The notifier, the outbox and the emulator share one clock, so limits
 * and retry_after are checked by moving the clock, not by sleeping.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bot, GrammyError, InlineKeyboard } from 'grammy';
import { eq } from 'drizzle-orm';
import { outbox as outboxTable } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/logger.js';
import { startTelegramEmulator, type EmulatedUser, type TelegramEmulator } from '../../src/sandbox/telegram/index.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { createNotifier, type NotifierDeps } from '../../src/services/notifier.js';
import { createOutbox, type AnyOutboxEntry, type Outbox, type OutboxMessage } from '../../src/services/outbox.js';
import { freshServices } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

let emu: TelegramEmulator;
let shop: ReturnType<typeof freshServices>;
let outbox: Outbox<AnyOutboxEntry>;
/** The shared clock; null runs on real time (for the loop test). */
let fakeNow: number | null;
const now = () => fakeNow ?? Date.now();
const T0 = Date.UTC(2025, 0, 1, 12);
let logLines: { level: string; msg: string }[];
let stopNotifier: (() => Promise<void>) | undefined;

beforeEach(async () => {
  fakeNow = T0;
  emu = await startTelegramEmulator({ clock: now });
  shop = freshServices();
  outbox = createOutbox<AnyOutboxEntry>({ db: shop.database.db, now });
  logLines = [];
  stopNotifier = undefined;
});

afterEach(async () => {
  await stopNotifier?.();
  await emu.close();
  shop.close();
});

const logger = () => createLogger({ level: 'debug', write: (line) => logLines.push(JSON.parse(line) as { level: string; msg: string }) });

const render = (message: OutboxMessage, language: 'en' | 'ru') => {
  const payload = JSON.parse(message.payload) as { text?: string; silent?: boolean; button?: string };
  if (payload.silent) return null;
  return {
    text: `[${language}] ${payload.text ?? message.kind}`,
    parse_mode: 'HTML' as const,
    ...(payload.button ? { reply_markup: new InlineKeyboard().text(payload.button, 'open') } : {}),
  };
};

function notifier(overrides: Partial<NotifierDeps> = {}) {
  const n = createNotifier({
    outbox,
    users: shop.users,
    sender: telegramMessageSender(new Bot(emu.token, { client: { apiRoot: emu.url } }).api),
    render,
    logger: logger(),
    now,
    ...overrides,
    // On the shared fake clock a request arrives the instant it leaves: no transit time to leave room for.
    limits: { globalMarginMs: 0, chatMarginMs: 0, ...overrides.limits },
  });
  stopNotifier = () => n.stop();
  return n;
}

/** A Telegram user who started the bot, and the shop's record of them. */
function customer(firstName: string, languageCode = 'en') {
  const tg = emu.user({ firstName, languageCode, startedBot: true });
  const user = shop.users.ensure({ telegramId: tg.id, firstName, languageCode });
  return { tg, user };
}

const notice = (userId: number, text: string, extra: Record<string, unknown> = {}, dedupeKey?: string) =>
  outbox.enqueue({ audience: 'user', userId, kind: 'notice', payload: { text, ...extra }, ...(dedupeKey ? { dedupeKey } : {}) });
const alert = (text: string, dedupeKey?: string) =>
  outbox.enqueue({ audience: 'operators', kind: 'alert', payload: { text }, ...(dedupeKey ? { dedupeKey } : {}) });

const row = (id: number) => shop.database.db.select().from(outboxTable).where(eq(outboxTable.id, id)).get()!;
const rows = () => outbox.list();
const sends = () => emu.methodCalls('sendMessage');
const texts = (chat: EmulatedUser | { messages(): { plainText: string }[] }) => chat.messages().map((m) => m.plainText);

describe('delivery', () => {
  it('delivers a customer notice in their language and an operator alert with its markup', async () => {
    const { tg, user } = customer('Olga', 'ru');
    const operators = emu.group({ title: 'Operators' });
    notice(user.id, 'Your proxy expires tomorrow', { button: 'Renew' });
    alert('<b>Upstream balance low</b>');

    const result = await notifier({ operatorChatId: operators.id }).runOnce();

    expect(result).toEqual({ sent: 2, retried: 0, failed: 0, deferred: 0 });
    expect(texts(tg)).toEqual(['[ru] Your proxy expires tomorrow']);
    expect(tg.buttons().map((b) => b.text)).toEqual(['Renew']);
    expect(operators.lastMessage()).toMatchObject({ text: '[en] <b>Upstream balance low</b>', plainText: '[en] Upstream balance low' });
    expect(rows().map((m) => m.state)).toEqual(['sent', 'sent']);
  });

  it('marks a message sent without a call when there is nothing to say', async () => {
    const { user } = customer('Ann');
    notice(user.id, 'never shown', { silent: true });
    expect(await notifier().runOnce()).toMatchObject({ sent: 1 });
    expect(sends()).toHaveLength(0);
    expect(rows()[0]!.state).toBe('sent');
  });

  it('sends an alert enqueued twice under one dedupe key once', async () => {
    const operators = emu.group({ title: 'Operators' });
    expect(alert('balance low at proxy-ipv4', 'balance-low:proxy-ipv4:2025010112')).toBe(true);
    expect(alert('balance low at proxy-ipv4', 'balance-low:proxy-ipv4:2025010112')).toBe(false);
    const n = notifier({ operatorChatId: operators.id });
    await n.runOnce();
    fakeNow! += 5_000;
    await n.runOnce();
    expect(sends()).toHaveLength(1);
    expect(texts(operators)).toEqual(['[en] balance low at proxy-ipv4']);
  });

  it('keeps operator alerts pending while no operator chat is configured, and says so once', async () => {
    const { tg, user } = customer('Ann');
    alert('one');
    alert('two');
    notice(user.id, 'hello');
    const n = notifier();
    expect(await n.runOnce()).toEqual({ sent: 1, retried: 0, failed: 0, deferred: 2 });
    fakeNow! += 5_000;
    await n.runOnce();
    expect(rows().map((m) => m.state)).toEqual(['pending', 'pending', 'sent']);
    expect(rows()[0]!.attempts).toBe(0);
    expect(texts(tg)).toEqual(['[en] hello']);
    expect(logLines.filter((l) => l.msg.includes('no operator chat'))).toHaveLength(1);
  });

  it('sends concurrent passes once', async () => {
    const { tg, user } = customer('Ann');
    notice(user.id, 'once');
    const n = notifier();
    const [a, b] = await Promise.all([n.runOnce(), n.runOnce()]);
    expect(a).toBe(b);
    expect(texts(tg)).toEqual(['[en] once']);
  });
});

describe("Telegram's refusals", () => {
  it('honours retry_after on 429: delivered after the wait, not before', async () => {
    const { tg, user } = customer('Ann');
    const id = (notice(user.id, 'receipt'), rows()[0]!.id);
    emu.faults.inject('sendMessage', { status: 429, retryAfter: 1 });
    const n = notifier();

    expect(await n.runOnce()).toMatchObject({ retried: 1, sent: 0 });
    expect(row(id)).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: T0 + 1_000 });

    fakeNow = T0 + 999;
    expect(await n.runOnce()).toEqual({ sent: 0, retried: 0, failed: 0, deferred: 0 });
    expect(sends()).toHaveLength(1);

    fakeNow = T0 + 1_000;
    expect(await n.runOnce()).toMatchObject({ sent: 1 });
    const [refused, delivered] = sends();
    expect(refused).toMatchObject({ at: T0, outcome: { ok: false, errorCode: 429 } });
    expect(delivered).toMatchObject({ at: T0 + 1_000, outcome: { ok: true } });
    expect(texts(tg)).toEqual(['[en] receipt']);
    expect(row(id).state).toBe('sent');
  });

  it('holds the rest of a chat back while Telegram asked to wait, so order is kept', async () => {
    const { tg, user } = customer('Ann');
    notice(user.id, 'first');
    notice(user.id, 'second');
    emu.faults.inject('sendMessage', { status: 429, retryAfter: 3 });
    const n = notifier();
    for (let t = 0; t <= 5_000; t += 500) {
      fakeNow = T0 + t;
      await n.runOnce();
    }
    expect(texts(tg)).toEqual(['[en] first', '[en] second']);
    expect(
      sends()
        .filter((c) => c.outcome?.ok)
        .map((c) => c.at),
    ).toEqual([T0 + 3_000, T0 + 4_000]);
  });

  it('marks a user who blocked the bot unreachable and stops writing to them', async () => {
    const { tg, user } = customer('Ann');
    tg.block();
    notice(user.id, 'one');
    const n = notifier();

    expect(await n.runOnce()).toMatchObject({ failed: 1 });
    expect(shop.users.byId(user.id)!.unreachableAt).not.toBeNull();
    expect(rows()[0]).toMatchObject({ state: 'failed', lastError: expect.stringContaining('blocked by the user') });

    notice(user.id, 'two');
    fakeNow! += 5_000;
    expect(await n.runOnce()).toMatchObject({ failed: 1 });
    expect(sends()).toHaveLength(1);
    expect(rows()[1]!.state).toBe('failed');
  });

  it('backs off exponentially on server errors and gives up after 8 attempts', async () => {
    const { user } = customer('Ann');
    notice(user.id, 'doomed');
    const id = rows()[0]!.id;
    emu.faults.inject('sendMessage', { status: 502 }, 8);
    const n = notifier();

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 7; attempt++) {
      expect(await n.runOnce()).toMatchObject({ retried: 1 });
      const after = row(id);
      expect(after).toMatchObject({ state: 'pending', attempts: attempt });
      delays.push(after.nextAttemptAt - fakeNow!);
      fakeNow = after.nextAttemptAt;
    }
    expect(delays).toEqual([10, 20, 40, 80, 160, 320, 640].map((s) => s * 1_000));
    expect(await n.runOnce()).toMatchObject({ failed: 1 });
    expect(row(id)).toMatchObject({ state: 'failed', attempts: 8, lastError: expect.stringContaining('502') });
    expect(sends()).toHaveLength(8);
  });

  it('recovers from a transient server error', async () => {
    const { tg, user } = customer('Ann');
    notice(user.id, 'hello');
    emu.faults.inject('sendMessage', { status: 500 });
    const n = notifier({ baseBackoffMs: 2_000 });
    expect(await n.runOnce()).toMatchObject({ retried: 1 });
    fakeNow = T0 + 2_000;
    expect(await n.runOnce()).toMatchObject({ sent: 1 });
    expect(texts(tg)).toEqual(['[en] hello']);
  });

  it('follows the operator group to its new id when it became a supergroup', async () => {
    const operators = emu.group({ title: 'Operators' });
    alert('moved');
    const real = new Bot(emu.token, { client: { apiRoot: emu.url } }).api;
    const oldId = -4242;
    // The emulator has no basic-group upgrade, so the old id answers as Telegram does after one.
    const api = {
      sendMessage: ((chatId: number, text: string, other?: object) => {
        if (chatId !== oldId) return real.sendMessage(chatId, text, other);
        const refusal = {
          ok: false as const,
          error_code: 400,
          description: 'Bad Request: group chat was upgraded to a supergroup chat',
          parameters: { migrate_to_chat_id: operators.id },
        };
        return Promise.reject(new GrammyError('upgraded', refusal, 'sendMessage', {}));
      }) as never,
    };
    const n = notifier({ sender: telegramMessageSender(api), operatorChatId: oldId });
    expect(await n.runOnce()).toMatchObject({ sent: 1 });
    expect(texts(operators)).toEqual(['[en] moved']);
    expect(logLines.some((l) => l.level === 'warn' && l.msg.includes('new chat id'))).toBe(true);
  });

  it('gives up at once on a request Telegram will always refuse', async () => {
    const { user } = customer('Ann');
    notice(user.id, 'broken <b>markup');
    emu.faults.inject('sendMessage', { status: 400, description: "Bad Request: can't parse entities" });
    expect(await notifier().runOnce()).toMatchObject({ failed: 1 });
    expect(rows()[0]).toMatchObject({ state: 'failed', attempts: 1 });
    expect(shop.users.byId(user.id)!.unreachableAt).toBeNull();
  });
});

describe('rate limits', () => {
  it('spaces three messages to one chat at least a second apart without holding other chats back', async () => {
    const ann = customer('Ann');
    const bob = customer('Bob');
    for (const text of ['one', 'two', 'three']) notice(ann.user.id, text);
    notice(bob.user.id, 'hi Bob');
    const n = notifier();

    expect(await n.runOnce()).toEqual({ sent: 2, retried: 0, failed: 0, deferred: 2 });
    fakeNow = T0 + 999;
    expect(await n.runOnce()).toMatchObject({ sent: 0, deferred: 2 });
    fakeNow = T0 + 1_000;
    expect(await n.runOnce()).toMatchObject({ sent: 1, deferred: 1 });
    fakeNow = T0 + 2_500;
    expect(await n.runOnce()).toMatchObject({ sent: 1, deferred: 0 });

    expect(texts(ann.tg)).toEqual(['[en] one', '[en] two', '[en] three']);
    expect(texts(bob.tg)).toEqual(['[en] hi Bob']);
    const annTimes = sends()
      .filter((c) => c.params.chat_id === ann.tg.id)
      .map((c) => c.at);
    expect(annTimes).toEqual([T0, T0 + 1_000, T0 + 2_500]);
    expect(rows().every((m) => m.state === 'sent' && m.attempts === 0)).toBe(true);
  });

  it("does not let one chat's long queue hide another chat's message", async () => {
    const ann = customer('Ann');
    const bob = customer('Bob');
    for (let i = 1; i <= 60; i++) notice(ann.user.id, `news ${i}`);
    notice(bob.user.id, 'hi Bob');

    expect(await notifier().runOnce()).toEqual({ sent: 2, retried: 0, failed: 0, deferred: 59 });
    expect(texts(bob.tg)).toEqual(['[en] hi Bob']);
    expect(texts(ann.tg)).toEqual(['[en] news 1']);
  });

  it('sends at most the global number per second across chats', async () => {
    const people = ['A', 'B', 'C', 'D', 'E'].map((name) => customer(name));
    for (const p of people) notice(p.user.id, `hi ${p.user.firstName}`);
    const n = notifier({ limits: { perSecond: 3 } });

    expect(await n.runOnce()).toMatchObject({ sent: 3, deferred: 2 });
    fakeNow = T0 + 1_000;
    expect(await n.runOnce()).toMatchObject({ sent: 2, deferred: 0 });
    expect(sends().map((c) => c.at)).toEqual([T0, T0, T0, T0 + 1_000, T0 + 1_000]);
  });

  it('sends at most 20 messages a minute to a group', async () => {
    const operators = emu.group({ title: 'Operators' });
    for (let i = 1; i <= 22; i++) alert(`alert ${i}`);
    const n = notifier({ operatorChatId: operators.id });

    for (let t = 0; t <= 65_000; t += 1_000) {
      fakeNow = T0 + t;
      await n.runOnce();
    }
    const times = sends().map((c) => c.at - T0);
    expect(times).toHaveLength(22);
    // One a second for the first 20, then the 21st waits for the first to leave the minute.
    expect(times.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i * 1_000));
    expect(times.slice(20)).toEqual([60_000, 61_000]);
    expect(texts(operators).at(-1)).toBe('[en] alert 22');
  });
});

describe('running on a loop', () => {
  it('waits out a real retry_after and delivers on its own', async () => {
    fakeNow = null;
    const { tg, user } = customer('Ann');
    notice(user.id, 'live');
    emu.faults.inject('sendMessage', { status: 429, retryAfter: 1 });
    const n = notifier();
    n.start(50);

    await tg.waitForMessage((m) => m.plainText === '[en] live', { timeoutMs: 5_000 });
    await n.stop();
    const [refused, delivered] = sends();
    expect(refused!.outcome).toMatchObject({ ok: false, errorCode: 429 });
    expect(delivered!.at - refused!.at).toBeGreaterThanOrEqual(1_000);
    await waitFor(() => rows()[0]!.state === 'sent', { what: 'the outbox row to be marked sent' });
  });
});
