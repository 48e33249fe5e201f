/**
 * Operator alerts and the forum topics they are meant for, through the
 * Telegram emulator over real HTTP: an alert lands in its topic; when an
 * operator has deleted that topic, Telegram answers "message thread not
 * found" and the alert still arrives, in the group's General topic, with one
 * warning naming the setting to fix, and later alerts for that topic go
 * straight to General instead of failing first.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bot } from 'grammy';
import { createLogger } from '../../src/logger.js';
import { startTelegramEmulator, type TelegramEmulator } from '../../src/sandbox/telegram/index.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { createNotifier } from '../../src/services/notifier.js';
import { createOutbox, type AnyOutboxEntry, type Outbox, type OutboxMessage } from '../../src/services/outbox.js';
import { freshServices } from '../helpers/db.js';

let emu: TelegramEmulator;
let shop: ReturnType<typeof freshServices>;
let outbox: Outbox<AnyOutboxEntry>;
let fakeNow: number;
let logLines: Record<string, unknown>[];

beforeEach(async () => {
  fakeNow = Date.UTC(2025, 0, 1, 12);
  emu = await startTelegramEmulator({ clock: () => fakeNow });
  shop = freshServices();
  outbox = createOutbox<AnyOutboxEntry>({ db: shop.database.db, now: () => fakeNow });
  logLines = [];
});

afterEach(async () => {
  await emu.close();
  shop.close();
});

/** A forum operator group whose admin opened a Problems topic in the app; its id is OPERATOR_TOPIC_PROBLEMS. */
async function operatorForum() {
  const olga = emu.user({ firstName: 'Olga', startedBot: true });
  const group = emu.group({ title: 'Operators', admins: [olga], forum: true });
  const problems = await olga.createTopicIn(group, 'Problems');
  const render = (message: OutboxMessage) => ({
    text: (JSON.parse(message.payload) as { text: string }).text,
    message_thread_id: problems.message_id,
    thread_setting: 'OPERATOR_TOPIC_PROBLEMS',
  });
  const notifier = createNotifier({
    outbox,
    users: shop.users,
    sender: telegramMessageSender(new Bot(emu.token, { client: { apiRoot: emu.url } }).api),
    operatorChatId: group.id,
    render,
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(JSON.parse(line) as Record<string, unknown>) }),
    now: () => fakeNow,
    limits: { globalMarginMs: 0, chatMarginMs: 0 },
  });
  /** Passes a second apart until nothing is pending. */
  const deliver = async () => {
    for (let i = 0; i < 5 && outbox.list().some((m) => m.state === 'pending'); i++) {
      fakeNow += 1_000;
      await notifier.runOnce();
    }
  };
  return { olga, group, problems, notifier, deliver };
}

const alert = (text: string) => outbox.enqueue({ audience: 'operators', kind: 'alert', payload: { text } });
const warnings = () => logLines.filter((l) => l.level === 'warn');
const threadRefusals = () =>
  emu.methodCalls('sendMessage').filter((c) => c.outcome?.ok === false && /message thread not found/.test(c.outcome.description));

describe('an alert whose topic', () => {
  it('exists lands in that topic', async () => {
    const { group, problems, deliver } = await operatorForum();
    alert('Order needs attention');
    await deliver();
    expect(group.lastMessage()).toMatchObject({ plainText: 'Order needs attention', message_thread_id: problems.message_id });
    expect(warnings()).toEqual([]);
  });

  it('was deleted by an operator still arrives, in the General topic, and the warning names the setting', async () => {
    const { olga, group, problems, deliver } = await operatorForum();
    await olga.deleteTopicIn(group, problems.message_id);

    alert('Order needs attention');
    await deliver();

    const arrived = group.messages();
    expect(arrived.map((m) => m.plainText)).toEqual(['Order needs attention']);
    expect(arrived[0]!.message_thread_id).toBeUndefined();
    expect(outbox.list().map((m) => m.state)).toEqual(['sent']);
    expect(threadRefusals()).toHaveLength(1);
    expect(warnings()).toEqual([
      expect.objectContaining({ threadId: problems.message_id, setting: 'OPERATOR_TOPIC_PROBLEMS', chatId: group.id }),
    ]);
    expect(logLines.filter((l) => l.level === 'error')).toEqual([]);

    // The next alert for the topic goes to General at once: no second refusal, no second warning.
    alert('Another order needs attention');
    await deliver();
    expect(group.messages().map((m) => [m.plainText, m.message_thread_id])).toEqual([
      ['Order needs attention', undefined],
      ['Another order needs attention', undefined],
    ]);
    expect(threadRefusals()).toHaveLength(1);
    expect(warnings()).toHaveLength(1);
  });
});
