/**
 * The operator console as the assembled app runs it, from its settings:
 * `UPSTREAM_LOW_BALANCE_CENTS` and `OPERATOR_TOPIC_MONEY` reach the balance
 * job and the notifier, and a low balance at the simulator arrives in the
 * group's money topic once however often the job runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startTelegramEmulator, type TelegramEmulator } from '../../src/sandbox/telegram/index.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';
import { has } from '../helpers/bot-shop.js';

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
});
