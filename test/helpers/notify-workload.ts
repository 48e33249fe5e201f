/**
 * One notifier run against the flood-limited Bot API stand-in: a shop
 * database with customers, a backlog of notices (most chats one, some
 * several, one operator group, one customer who blocked the bot), the real
 * notifier on its loop until every row has settled, and what arrived.
 * Shared by the notifier test (asserts) and `bench:notify` (figures).
 *
 * No vitest here: benchmarks import it too.
 */
import { buildServices } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { silentLogger } from '../../src/logger.js';
import { notifierApi, telegramMessageSender } from '../../src/bot/notifier-port.js';
import { createNotifier, type NotifierDeps } from '../../src/services/notifier.js';
import { createOutbox, type AnyOutboxEntry, type OutboxMessage } from '../../src/services/outbox.js';
import { Bot } from 'grammy';
import { installApiTransformers } from '../../src/bot/middleware/api.js';
import { startFloodLimitedBotApiThread, type AcceptedMessage, type RefusedRequest } from './flood-limited-bot-api.js';

export interface NotifyWorkload {
  /** Chats with one notice each. */
  singleChats: number;
  /** Chats with `perBusyChat` notices each (the per-chat limit). */
  busyChats: number;
  perBusyChat: number;
  /** Operator alerts to one group (the per-group limit). */
  groupAlerts: number;
  latencyMs: number;
  perSecond?: number;
  /** Notifier settings to try, e.g. a smaller batch. */
  notifier?: Partial<NotifierDeps>;
  /** Gives up waiting after this long. */
  timeoutMs?: number;
}

export interface NotifyRun {
  enqueued: number;
  delivered: number;
  /** Enqueued for a reachable chat and never accepted. */
  lost: number;
  /** Accepted more than once. */
  duplicated: number;
  /** Accepted to one chat less than a second after the previous one (the stand-in refuses these, so 0 unless it is loosened). */
  chatSpacingViolations: number;
  /** Messages to one chat that arrived out of the order they were enqueued in. */
  outOfOrder: number;
  refused429: { global: number; chat: number; group: number };
  blockedMarkedUnreachable: boolean;
  /** Outbox rows given up (only the blocked user's should be). */
  failedRows: number;
  /**
   * Steady rate: the arrivals after the first second's allowance, over the time from the first of them to
   * the last. Measured from that arrival rather than from the very first, so a sender that sends its
   * first second's allowance in one burst and one that spreads it out are timed over the same stretch.
   */
  msgPerS: number;
  seconds: number;
  accepted: AcceptedMessage[];
  refused: RefusedRequest[];
}

const OPERATOR_CHAT = -1_000_777;

export async function runNotifyWorkload(load: NotifyWorkload): Promise<NotifyRun> {
  const perSecond = load.perSecond ?? 30;
  const database = openDatabase(':memory:');
  const services = buildServices(database);
  // Plain text notices, not shop events: the workload measures sending, whatever the message says.
  const textOutbox = createOutbox<AnyOutboxEntry>({ db: database.db });
  let nextTelegramId = 10_000;
  const customer = () => services.users.ensure({ telegramId: nextTelegramId++, firstName: 'Customer' });
  const blockedUser = customer();
  const botApiStandIn = await startFloodLimitedBotApiThread({
    perSecond,
    latencyMs: load.latencyMs,
    blockedChats: [blockedUser.telegramId],
  });

  // Interleaved the way real traffic is: a busy chat's notices and the operator alerts are spread through the
  // queue, not bunched. (Alerts bunched at the end would time Telegram's one-message-a-second rule for the
  // group, which no sender can beat, instead of the notifier.)
  const expected: { text: string; chatId: number }[] = [];
  const entries: { enqueue: () => void; text: string; chatId: number }[] = [];
  const notice = (userId: number, chatId: number, text: string) =>
    entries.push({ enqueue: () => textOutbox.enqueue({ audience: 'user', userId, kind: 'notice', payload: { text } }), text, chatId });
  const busy = Array.from({ length: load.busyChats }, customer);
  const single = Array.from({ length: load.singleChats }, customer);
  textOutbox.enqueue({ audience: 'user', userId: blockedUser.id, kind: 'notice', payload: { text: 'to-blocked' } });
  const rounds = Math.max(load.perBusyChat, 1);
  const share = Math.ceil(single.length / rounds);
  for (let round = 0; round < rounds; round++) {
    for (const user of busy) if (round < load.perBusyChat) notice(user.id, user.telegramId, `busy:${user.id}:${round}`);
    for (const user of single.splice(0, share)) notice(user.id, user.telegramId, `single:${user.id}`);
  }
  // Alert k of n goes at the middle of the k-th n-th of the queue.
  const customerNotices = entries.length;
  for (let k = load.groupAlerts - 1; k >= 0; k--) {
    const text = `alert:${k + 1}`;
    const at = Math.floor(((k + 0.5) * customerNotices) / load.groupAlerts);
    entries.splice(at, 0, {
      enqueue: () => textOutbox.enqueue({ audience: 'operators', kind: 'alert', payload: { text } }),
      text,
      chatId: OPERATOR_CHAT,
    });
  }
  for (const entry of entries) {
    entry.enqueue();
    expected.push({ text: entry.text, chatId: entry.chatId });
  }

  // The bot's own Api, transformers and all, handed over the way the app does it.
  const bot = new Bot(botApiStandIn.token, { client: { apiRoot: botApiStandIn.apiRoot } });
  installApiTransformers(bot.api);
  const notifier = createNotifier({
    outbox: services.outbox,
    users: services.users,
    sender: telegramMessageSender(notifierApi(bot.api)),
    operatorChatId: OPERATOR_CHAT,
    render: (message: OutboxMessage) => ({ text: (JSON.parse(message.payload) as { text: string }).text }),
    logger: silentLogger,
    ...load.notifier,
  });

  const started = Date.now();
  const deadline = started + (load.timeoutMs ?? 120_000);
  try {
    notifier.start(1_000);
    const settled = () => database.sqlite.prepare(`SELECT count(*) AS n FROM outbox WHERE state = 'pending'`).get() as { n: number };
    while (settled().n > 0) {
      if (Date.now() > deadline) throw new Error(`notifier did not settle the outbox within ${load.timeoutMs ?? 120_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await notifier.stop();
  } finally {
    await notifier.stop();
  }
  const { accepted, refused } = await botApiStandIn.log();
  await botApiStandIn.close();

  const counts = new Map<string, number>();
  for (const m of accepted) counts.set(m.text, (counts.get(m.text) ?? 0) + 1);
  const lost = expected.filter((e) => !counts.has(e.text)).length;
  const duplicated = [...counts.values()].reduce((sum, n) => sum + (n - 1), 0);

  let chatSpacingViolations = 0;
  let outOfOrder = 0;
  const byChat = new Map<number, AcceptedMessage[]>();
  for (const m of accepted) byChat.set(m.chatId, [...(byChat.get(m.chatId) ?? []), m]);
  const enqueueOrder = new Map(expected.map((e, i) => [e.text, i]));
  for (const messages of byChat.values()) {
    for (let i = 1; i < messages.length; i++) {
      if (messages[i]!.at - messages[i - 1]!.at < 1_000) chatSpacingViolations++;
      if (enqueueOrder.get(messages[i]!.text)! < enqueueOrder.get(messages[i - 1]!.text)!) outOfOrder++;
    }
  }
  const steady = accepted.slice(perSecond);
  const spanS = steady.length > 1 ? (steady.at(-1)!.at - steady[0]!.at) / 1_000 : 0;
  const blockedMarkedUnreachable = services.users.byId(blockedUser.id)!.unreachableAt !== null;
  const failedRows = (database.sqlite.prepare(`SELECT count(*) AS n FROM outbox WHERE state = 'failed'`).get() as { n: number }).n;
  const refusedBy = (rule: RefusedRequest['rule']) => refused.filter((r) => r.errorCode === 429 && r.rule === rule).length;
  database.close();

  return {
    enqueued: expected.length + 1,
    delivered: accepted.length,
    lost,
    duplicated,
    chatSpacingViolations,
    outOfOrder,
    refused429: { global: refusedBy('global'), chat: refusedBy('chat'), group: refusedBy('group') },
    blockedMarkedUnreachable,
    failedRows,
    msgPerS: spanS > 0 ? (steady.length - 1) / spanS : 0,
    seconds: (Date.now() - started) / 1_000,
    accepted,
    refused,
  };
}
