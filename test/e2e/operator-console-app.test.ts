/**
 * The operator console as the assembled app runs it, from its settings:
 * `UPSTREAM_LOW_BALANCE_CENTS` and `OPERATOR_TOPIC_MONEY` reach the balance
 * job and the notifier, and a low balance at the simulator arrives in the
 * group's money topic once however often the job runs; topic settings for a
 * group without topics are pointed out at start, and its alerts still arrive.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Bot } from 'grammy';
import { startApp, type RunningApp } from '../../src/app.js';
import { warnIfOperatorTopicsUnused } from '../../src/bot/operator-topics-check.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startTelegramEmulator, type TelegramEmulator } from '../../src/sandbox/telegram/index.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';
import { has } from '../helpers/bot-shop.js';
import { waitFor } from '../helpers/wait.js';

let app: RunningApp | undefined;
let emu: TelegramEmulator | undefined;
let upstream: RunningUpstream<'lumiweb'> | undefined;
afterEach(async () => {
  await app?.stop();
  await upstream?.close();
  await emu?.close();
  app = undefined;
  upstream = undefined;
  emu = undefined;
});

describe('the app with the operator console settings', () => {
  it('tells the money topic once that the balance at an upstream is below its threshold', async () => {
    emu = await startTelegramEmulator();
    upstream = await startUpstream('lumiweb');
    const olga = emu.user({ firstName: 'Olga', startedBot: true });
    // The operators' group has topics; Olga opened the money topic in the app and copied its id into the settings.
    const group = emu.group({ title: 'Operators', admins: [olga], forum: true });
    await olga.createTopicIn(group, 'Sales');
    const money = await olga.createTopicIn(group, 'Money');
    const parsed = parseConfig({
      BOT_TOKEN: emu.token,
      TELEGRAM_API_ROOT: emu.url,
      OPERATOR_CHAT_ID: String(group.id),
      ADMIN_IDS: String(olga.id),
      DATABASE_PATH: ':memory:',
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      UPSTREAM_LOW_BALANCE_CENTS: '1000,lumiweb=5000',
      OPERATOR_TOPIC_MONEY: String(money.message_id),
      ...upstream.settings,
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const logs: string[] = [];
    app = await startApp(parsed.config, createLogger({ level: 'error', write: (line) => logs.push(line) }), { notifierIntervalMs: 20 });

    upstream.simulator.setBalanceCents(4_999);
    expect(await app.scheduler!.runNow('upstream-balance-watch')).toMatchObject([{ provider: 'lumiweb', outcome: 'dropped_below' }]);
    expect(await app.scheduler!.runNow('upstream-balance-watch')).toMatchObject([{ provider: 'lumiweb', outcome: 'unchanged' }]);
    const alert = await group.waitForMessage(has('Low balance at lumiweb'));
    expect(alert.plainText).toContain('$49.99');
    expect(alert.plainText).toContain('threshold of $50.00');
    expect(alert.message_thread_id).toBe(money.message_id);
    expect(group.messages().filter(has('Low balance'))).toHaveLength(1);
    expect(logs).toEqual([]);
  });

  it('warns at start when the topic settings name topics of a group without topics, whose alerts land in its main chat', async () => {
    emu = await startTelegramEmulator();
    upstream = await startUpstream('lumiweb');
    const olga = emu.user({ firstName: 'Olga', startedBot: true });
    const group = emu.group({ title: 'Operators', admins: [olga] });
    const parsed = parseConfig({
      BOT_TOKEN: emu.token,
      TELEGRAM_API_ROOT: emu.url,
      OPERATOR_CHAT_ID: String(group.id),
      ADMIN_IDS: String(olga.id),
      DATABASE_PATH: ':memory:',
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      UPSTREAM_LOW_BALANCE_CENTS: '5000',
      OPERATOR_TOPIC_MONEY: '42',
      OPERATOR_TOPIC_PROBLEMS: '43',
      ...upstream.settings,
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'warn', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
    app = await startApp(parsed.config, logger, { notifierIntervalMs: 20 });

    const warning = await waitFor(() => logs.find((l) => /operator group has no topics/.test(String(l.msg))), { what: 'the warning' });
    expect(warning).toMatchObject({ level: 'warn', chatId: group.id, settings: ['OPERATOR_TOPIC_MONEY', 'OPERATOR_TOPIC_PROBLEMS'] });

    // Telegram drops the topic id there: the alert still arrives, in the main chat.
    upstream.simulator.setBalanceCents(100);
    await app.scheduler!.runNow('upstream-balance-watch');
    const alert = await group.waitForMessage(has('Low balance at lumiweb'));
    expect(alert.message_thread_id).toBeUndefined();
  });
});

describe('the start-up check of the operator topics', () => {
  it('is quiet for a group with topics and without topic settings, and speaks for a group without topics', async () => {
    emu = await startTelegramEmulator();
    const api = new Bot(emu.token, { client: { apiRoot: emu.url } }).api;
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
    const forum = emu.group({ title: 'Operators with topics', forum: true });
    const plain = emu.group({ title: 'Operators without topics' });

    await warnIfOperatorTopicsUnused(api, forum.id, { sales: 5 }, logger);
    await warnIfOperatorTopicsUnused(api, plain.id, {}, logger);
    expect(logs).toEqual([]);
    expect(emu.methodCalls('getChat')).toHaveLength(1);

    await warnIfOperatorTopicsUnused(api, plain.id, { sales: 5 }, logger);
    expect(logs).toEqual([expect.objectContaining({ level: 'warn', settings: ['OPERATOR_TOPIC_SALES'] })]);
  });
});
