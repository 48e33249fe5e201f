/**
 * Operator alerts as the group receives them through the Telegram emulator:
 * a storm of 100 stuck orders folded so the group gets at most 20 messages
 * in any minute (an injectable clock drives the notifier and the folding, no
 * sleeping), each alert in its forum topic, and the upstream balance watch
 * telling a drop below the threshold once and the recovery once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateBotDeps } from '../../src/bot/index.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import type { JobContext } from '../../src/lib/batches.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import type { ProviderId } from '../../src/providers/types.js';
import type { ChatMessage } from '../../src/sandbox/telegram/index.js';
import { createUpstreamBalanceJob } from '../../src/scheduler/jobs/upstream-balance.js';
import { createNotifier } from '../../src/services/notifier.js';
import { createOperatorAlerts, type OperatorTopics } from '../../src/services/operator-alerts.js';
import { has, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';

let world: BotShop | undefined;
afterEach(async () => {
  if (world) {
    expect(world.shop.orders.checkInvariants()).toEqual([]);
    expect(world.errors()).toEqual([]);
    await world.close();
    world = undefined;
  }
});

const jobContext: JobContext = { checkpoint: async () => undefined, progress: { read: () => undefined, save: () => undefined } };

/**
 * An operator group with topics (a forum) and one admin, who opened the three
 * topics in the app and put their ids in the settings; the notifier keeps
 * Telegram's real limits on an injectable clock.
 */
async function withOperators(providers: ProviderId[]) {
  const options: { bot: Partial<CreateBotDeps>; shop: { upstreamTimeoutMs: number; orders: { attentionAfterMs: number } } } = {
    bot: {},
    shop: { upstreamTimeoutMs: 300, orders: { attentionAfterMs: 0 } },
  };
  const w = await startBotShop(providers, options);
  world = w;
  const olga = w.emu.user({ firstName: 'Olga', startedBot: true });
  const group = w.emu.group({ title: 'Operators', members: [olga], admins: [olga], forum: true });
  const topics: Required<OperatorTopics> = {
    sales: (await olga.createTopicIn(group, 'Sales')).message_id,
    money: (await olga.createTopicIn(group, 'Money')).message_id,
    problems: (await olga.createTopicIn(group, 'Problems')).message_id,
  };
  options.bot.operatorChatId = group.id;
  options.bot.adminIds = [olga.id];
  await w.restartBot();
  const clock = { now: Date.now() };
  const alerts = createOperatorAlerts({ outbox: w.shop.outbox, topics, logger: silentLogger, now: () => clock.now });
  const notifierLog: Record<string, unknown>[] = [];
  const notifier = createNotifier({
    outbox: w.shop.outbox,
    users: w.shop.users,
    sender: telegramMessageSender(w.bot.api),
    operatorChatId: group.id,
    render: alerts.wrap(w.bot.renderNotice),
    logger: createLogger({ level: 'warn', write: (line) => notifierLog.push(JSON.parse(line) as Record<string, unknown>) }),
    now: () => clock.now,
  });
  return { w, olga, group, topics, clock, alerts, notifier, notifierLog };
}

/** A customer's purchase that LumiWeb makes but whose answer is lost: the order waits for a person. */
async function stuckPurchase(w: BotShop) {
  const account = w.shop.customer(10_000);
  const quoted = await w.shop.orders.quote(account.id, 'lumiweb', await firstChoice(w.shop, 'lumiweb'));
  if (!quoted.ok) throw new Error(quoted.message);
  const sim = w.shop.upstream('lumiweb').simulator;
  sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/proxy\/static$/ });
  sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'GET', times: Infinity });
  const result = await w.shop.orders.purchase({ userId: account.id, quoteId: quoted.quote.id, intentKey: 'stuck', channel: 'bot' });
  if (result.kind !== 'provisioning') throw new Error(result.kind);
  sim.faults.clear();
  return result.order;
}

describe('an alert storm', () => {
  it('100 failures reach the group as at most 20 messages a minute, the counts adding up to 100', async () => {
    const { w, olga, group, topics, clock, alerts, notifier } = await withOperators(['lumiweb']);
    const stuck = await stuckPurchase(w);
    // The saga's own alert for the stuck order, then 99 more like it (the storm), all due at once.
    const recorded = w.shop.outbox.list({ kind: 'order_needs_attention' });
    expect(recorded).toHaveLength(1);
    for (let i = 1; i < 100; i++) {
      w.shop.outbox.enqueue({
        audience: 'operators',
        kind: 'order_needs_attention',
        payload: { orderId: stuck.id, provider: 'lumiweb', userId: stuck.userId, priceCents: stuck.priceCents, why: `storm ${i}` },
      });
    }

    // Five minutes of the notifier's loop, one pass a second on the injected clock.
    const sentAt = new Map<number, number>();
    const start = clock.now;
    for (let second = 0; second < 300; second++) {
      clock.now = start + second * 1_000;
      alerts.flush();
      await notifier.runOnce();
      for (const m of group.messages()) if (!sentAt.has(m.message_id)) sentAt.set(m.message_id, clock.now);
    }
    expect(w.shop.outbox.list({ audience: 'operators' }).filter((m) => m.state === 'pending')).toEqual([]);

    const times = [...sentAt.values()].sort((a, b) => a - b);
    const busiestMinute = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 60_000).length));
    expect(busiestMinute).toBeLessThanOrEqual(20);

    const messages = group.messages();
    const oneByOne = messages.filter(has('Order needs attention'));
    const summaries = messages.filter(has('more alerts in the last minute'));
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    const folded = summaries.map((m) => Number(/(\d+) more: orders that need attention/.exec(m.plainText)![1]));
    expect(oneByOne.length + folded.reduce((a, b) => a + b, 0)).toBe(100);
    // 18 one by one in the first minute (two places kept for summaries), the other 82 counted into one summary.
    expect(oneByOne).toHaveLength(18);
    expect(folded).toEqual([82]);
    // Every alert is in the problems topic, the summary too.
    expect(new Set(messages.map((m) => m.message_thread_id))).toEqual(new Set([topics.problems]));

    // The summary's button brings back the order's alert with the buttons to settle it.
    const summary: ChatMessage = summaries[0]!;
    await olga.pressIn(group, `🔎 ${stuck.id}`, summary);
    const again = await group.waitForMessage((m) => !sentAt.has(m.message_id) && has(`Order needs attention: ${stuck.id}`)(m));
    expect(group.buttons(again).map((b) => b.text)).toEqual(['🔄 Check again now', '❌ Settle as failed', '✅ Settle as delivered']);
    expect(again.message_thread_id).toBe(topics.problems);
  }, 60_000);

  it('a quiet group gets every alert one by one, in its topic', async () => {
    const { w, group, topics, clock, alerts, notifier } = await withOperators(['lumiweb']);
    for (let i = 0; i < 3; i++) {
      w.shop.outbox.enqueue({
        audience: 'operators',
        kind: 'upstream_balance_below',
        payload: { provider: 'lumiweb', balanceCents: 100 * i, thresholdCents: 5_000 },
      });
    }
    for (let second = 0; second < 10; second++) {
      clock.now += 1_000;
      alerts.flush();
      await notifier.runOnce();
    }
    expect(group.messages().filter(has('Low balance at lumiweb'))).toHaveLength(3);
    expect(group.messages().filter(has('more alerts'))).toEqual([]);
    expect(group.messages().every((m) => m.message_thread_id === topics.money)).toBe(true);
  });
});

describe('a topic an operator deleted', () => {
  it('the alert for it still reaches the group, in the General topic, and the log names the setting to fix', async () => {
    const { w, olga, group, topics, clock, alerts, notifier, notifierLog } = await withOperators(['lumiweb']);
    await olga.deleteTopicIn(group, topics.problems);
    const stuck = await stuckPurchase(w);
    for (let second = 0; second < 3; second++) {
      clock.now += 1_000;
      alerts.flush();
      await notifier.runOnce();
    }
    const arrived = await group.waitForMessage(has(`Order needs attention: ${stuck.id}`));
    expect(arrived.message_thread_id).toBeUndefined();
    expect(group.buttons(arrived).map((b) => b.text)).toContain('❌ Settle as failed');
    expect(w.shop.outbox.list({ kind: 'order_needs_attention' }).map((m) => m.state)).toEqual(['sent']);
    // (The customer of this made-up purchase has no Telegram chat; their notice's refusal is not the point here.)
    expect(notifierLog.filter((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({ setting: 'OPERATOR_TOPIC_PROBLEMS', threadId: topics.problems }),
    ]);

    // Alerts for the topics that are still there keep landing in them.
    w.shop.outbox.enqueue({
      audience: 'operators',
      kind: 'upstream_balance_below',
      payload: { provider: 'lumiweb', balanceCents: 100, thresholdCents: 5_000 },
    });
    for (let second = 0; second < 3; second++) {
      clock.now += 1_000;
      await notifier.runOnce();
    }
    expect((await group.waitForMessage(has('Low balance at lumiweb'))).message_thread_id).toBe(topics.money);
  });
});

describe('the upstream balance watch', () => {
  it('alerts once below the threshold and once on recovery; an upstream without a balance read is skipped', async () => {
    const { w, group, topics, clock, alerts, notifier } = await withOperators(['lumiweb', 'proxy-panel']);
    const job = createUpstreamBalanceJob({
      db: w.shop.database.db,
      sqlite: w.shop.database.sqlite,
      outbox: w.shop.outbox,
      providers: () => w.shop.catalog.providers(),
      thresholds: { allCents: 5_000, perProviderCents: {} },
      logger: silentLogger,
    });
    const sim = w.shop.upstream('lumiweb').simulator;
    const deliver = async () => {
      for (let i = 0; i < 3; i++) {
        clock.now += 1_000;
        alerts.flush();
        await notifier.runOnce();
      }
    };

    sim.setBalanceCents(20_000);
    expect(await job(jobContext)).toEqual([{ provider: 'lumiweb', outcome: 'unchanged', balanceCents: 20_000, thresholdCents: 5_000 }]);
    sim.setBalanceCents(1_234);
    expect((await job(jobContext))[0]).toMatchObject({ outcome: 'dropped_below', balanceCents: 1_234 });
    expect((await job(jobContext))[0]).toMatchObject({ outcome: 'unchanged' });
    // An answer that cannot be read is not a recovery.
    sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'GET', times: Infinity });
    expect((await job(jobContext))[0]).toMatchObject({ outcome: 'unreadable' });
    sim.faults.clear();
    await deliver();
    const low = await group.waitForMessage(has('Low balance at lumiweb: $12.34'));
    expect(low.plainText).toContain('Below the threshold of $50.00');
    expect(low.message_thread_id).toBe(topics.money);

    sim.setBalanceCents(7_500);
    expect((await job(jobContext))[0]).toMatchObject({ outcome: 'recovered', balanceCents: 7_500 });
    expect((await job(jobContext))[0]).toMatchObject({ outcome: 'unchanged' });
    await deliver();
    await group.waitForMessage(has('Balance at lumiweb recovered: $75.00'));

    const told = group.messages().filter((m) => /Low balance|recovered/.test(m.plainText));
    expect(told).toHaveLength(2);
    expect(w.shop.outbox.list().filter((m) => m.kind.startsWith('upstream_balance_'))).toHaveLength(2);
  });
});
