/**
 * Sends outbox messages through Telegram without tripping its flood control:
 * about 30 messages a second overall, one a second per chat and 20 a minute
 * per group. A message over a limit waits (it is never dropped); a 429 is
 * honoured to the second; a user who blocked the bot is marked unreachable so
 * nobody keeps writing to them.
 *
 * Throughput: messages to different chats go out concurrently, up to the
 * global limit; a pass never waits for Telegram beyond one round trip of the
 * requests it started. A 429 is not waited out in the pass: the message is
 * rescheduled in the outbox by `retry_after` (and its chat held back in
 * memory), so the other chats keep going. The sender given here must therefore
 * not retry by sleeping (the bot's `notifierApi`).
 *
 * Delivery: a row is claimed in the outbox (moved out of the due range for
 * `claimMs`) just before its request goes out, and marked sent or failed when
 * the answer comes. Telegram has no idempotency key for sendMessage, so after
 * a crash exactly-once is impossible; we choose at-least-once for the few
 * requests in flight at that moment (their claim lapses and they are sent
 * again) over losing them, and nothing else can repeat: every other row was
 * either never claimed or already marked.
 */
import { Pacer, SlidingWindow } from '../lib/rate-limit.js';
import { SingleFlight } from '../lib/single-flight.js';
import type { Logger } from '../logger.js';
import type { Outbox, OutboxMessage } from './outbox.js';
import type { Language, Users } from './users.js';

export interface RenderedMessage {
  text: string;
  reply_markup?: unknown;
  parse_mode?: 'HTML';
  /** A forum topic of the chat (the operator group's topics). */
  message_thread_id?: number;
  /** The setting that chose `message_thread_id`, named in the warning when the topic turns out to be gone. */
  thread_setting?: string;
  /**
   * A message of the same chat this one updates (an order's "still being
   * confirmed" message): edited in place when the sender can, sent anew when
   * the edit is refused (the message is gone).
   */
  replaces?: { chatId: number; messageId: number };
}

/** What became of one message handed to the chat transport. */
export type SendResult =
  | { kind: 'sent' }
  /** Flood control: nothing more to this chat for `seconds`. */
  | { kind: 'retry_after'; seconds: number; description: string }
  /** The user blocked the bot or deleted their account. */
  | { kind: 'blocked'; description: string }
  /** The group became a supergroup with a new chat id. */
  | { kind: 'migrated'; toChatId: number; description: string }
  /**
   * A definite no that the same request would get again (bad text, chat not found, kicked).
   * `thread_not_found`: the forum topic named by `messageThreadId` does not exist (an operator deleted it).
   */
  | { kind: 'refused'; description: string; reason?: 'thread_not_found' }
  /** Anything else (network, 5xx, a misconfigured token): worth retrying. `answered` when the chat service replied. */
  | { kind: 'failed'; description: string; answered: boolean };

export type SendFailure = Exclude<SendResult, { kind: 'sent' }>;

/** The port the notifier sends through; the bot implements it over Telegram (`bot/notifier-port.ts`). */
export interface MessageSender {
  /** Never throws: every way a send can end is a `SendResult`. */
  sendMessage(
    chatId: number,
    text: string,
    options: { parseMode?: 'HTML'; replyMarkup?: unknown; messageThreadId?: number; signal: AbortSignal },
  ): Promise<SendResult>;
  /** Replaces a message's text (and buttons); optional: without it every message is sent anew. Never throws. */
  editMessageText?(
    chatId: number,
    messageId: number,
    text: string,
    options: { parseMode?: 'HTML'; replyMarkup?: unknown; signal: AbortSignal },
  ): Promise<SendResult>;
}

export interface NotifierLimits {
  /** All chats together; Telegram allows about 30. */
  perSecond?: number;
  /** One chat; Telegram allows about 1. */
  perChatPerSecond?: number;
  /** One group or channel (negative chat id), on top of the per-chat limit; Telegram allows 20. */
  perGroupPerMinute?: number;
  /**
   * Added to the one-second window over all chats. We count a message when
   * its request leaves (corrected once its answer dates it better); Telegram
   * counts it when it arrives, a few milliseconds later and not always the
   * same few, so windows of exactly a second would let a burst's first
   * arrival land inside the previous burst's second. Default 10 ms.
   */
  globalMarginMs?: number;
  /**
   * The same for one chat's and one group's windows. Larger, because it is
   * nearly free there (a second per chat becomes 1.15 s) while a 429 for a
   * chat delays its message by a whole `retry_after`. Default 150 ms.
   */
  chatMarginMs?: number;
  /**
   * Messages that may go at once to different chats before the rest are
   * spaced evenly over the second. Small bursts keep answers from queueing
   * behind each other, which would date the requests late and slow the next
   * second down. Default 5.
   */
  burst?: number;
}

export interface NotifierDeps {
  outbox: Pick<Outbox, 'due' | 'claim' | 'markSent' | 'markFailed'>;
  users: Pick<Users, 'byId' | 'setReachable'>;
  /** Without a sleeping auto-retry (the bot's `notifierApi`): a 429 is the outbox's to handle. */
  sender: MessageSender;
  /** The operators' group; operator alerts wait in the outbox until it is configured. */
  operatorChatId?: number;
  /** The language operator alerts are written in. Default 'en'. */
  operatorLanguage?: Language;
  /** Turns an event into text in the reader's language; null when there is nothing to tell. */
  render: (message: OutboxMessage, language: Language) => RenderedMessage | null;
  logger: Logger;
  now?: () => number;
  limits?: NotifierLimits;
  /** Sends that may fail before a message is given up. Default 8. */
  maxAttempts?: number;
  /** First retry delay after an error; doubles each time up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Due messages read per pass. Messages held back by a per-chat limit stay
   * due, so this must be well above the global per-second limit or one busy
   * chat could hide everyone else's messages.
   */
  batchSize?: number;
  /** A request that has not answered by then is abandoned and retried with backoff. Default 30 s. */
  sendTimeoutMs?: number;
  /**
   * How long a claimed message stays out of the due range; must exceed
   * `sendTimeoutMs`. A crash leaves its in-flight messages to be sent again after this. Default 2 min.
   */
  claimMs?: number;
}

export interface NotifierPass {
  sent: number;
  /** Failed this time and scheduled again (429, network, server errors). */
  retried: number;
  /** Given up: unreachable user, permanent refusal, or out of attempts. */
  failed: number;
  /** Held back by a rate limit (or a missing operator chat) and left pending. */
  deferred: number;
}

// Sliding windows rather than token buckets: Telegram states counts per window, which a bucket overshoots.
const DEFAULT_LIMITS: Required<NotifierLimits> = {
  perSecond: 30,
  perChatPerSecond: 1,
  perGroupPerMinute: 20,
  globalMarginMs: 10,
  chatMarginMs: 150,
  burst: 5,
};

type Target = { chatId: number; language: Language } | { skip: 'failed' | 'deferred'; reason: string };

export function createNotifier(deps: NotifierDeps) {
  const { outbox, users, sender, render, logger } = deps;
  const now = deps.now ?? Date.now;
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const maxAttempts = deps.maxAttempts ?? 8;
  const baseBackoffMs = deps.baseBackoffMs ?? 10_000;
  const maxBackoffMs = deps.maxBackoffMs ?? 3_600_000;
  const batchSize = deps.batchSize ?? 500;
  const sendTimeoutMs = deps.sendTimeoutMs ?? 30_000;
  const claimMs = deps.claimMs ?? 120_000;
  if (claimMs <= sendTimeoutMs) throw new RangeError('claimMs must exceed sendTimeoutMs, or a slow send could be claimed twice');
  const operatorLanguage = deps.operatorLanguage ?? 'en';
  let operatorChatId = deps.operatorChatId;

  const global = new SlidingWindow<'all'>(limits.perSecond, 1_000 + limits.globalMarginMs);
  const pace = new Pacer((1_000 + limits.globalMarginMs) / limits.perSecond, Math.min(limits.burst, limits.perSecond));
  /** When the next message to any chat may go: the window over all chats and the even spacing. */
  const globalAllowedAt = (at: number) => Math.max(global.nextAllowedAt('all', at), pace.nextAllowedAt(at));
  const perChat = new SlidingWindow<number>(limits.perChatPerSecond, 1_000 + limits.chatMarginMs);
  const perGroup = new SlidingWindow<number>(limits.perGroupPerMinute, 60_000 + limits.chatMarginMs);
  /** A chat Telegram told us to leave alone until then (429), kept in memory for the chat's other messages. */
  const chatPausedUntil = new Map<number, number>();
  /**
   * Chats with a request in flight: their next message waits for the answer,
   * so a 429 or a migration on one message cannot let a later one overtake it.
   */
  const chatsInFlight = new Set<number>();
  let warnedNoOperatorChat = false;
  let passes = 0;
  /** The earliest time a message held back by a limit may go; the loop wakes for it. */
  let nextWakeAt: number | undefined;

  const targetOf = (message: OutboxMessage): Target => {
    if (message.audience === 'operators') {
      if (operatorChatId === undefined) {
        if (!warnedNoOperatorChat) {
          warnedNoOperatorChat = true;
          logger.warn('operator alerts are waiting: no operator chat is configured', { outboxId: message.id, kind: message.kind });
        }
        return { skip: 'deferred', reason: 'no operator chat' };
      }
      return { chatId: operatorChatId, language: operatorLanguage };
    }
    const user = message.userId === null ? undefined : users.byId(message.userId);
    if (!user) return { skip: 'failed', reason: 'no such user' };
    if (user.unreachableAt !== null) return { skip: 'failed', reason: 'user unreachable (blocked the bot)' };
    return { chatId: user.telegramId, language: user.language === 'ru' ? 'ru' : 'en' };
  };

  /** When this chat may next receive a message under every limit. */
  const allowedAt = (chatId: number, at: number): number => {
    let when = Math.max(globalAllowedAt(at), perChat.nextAllowedAt(chatId, at), chatPausedUntil.get(chatId) ?? at);
    if (chatId < 0) when = Math.max(when, perGroup.nextAllowedAt(chatId, at));
    return when;
  };

  const recordSend = (chatId: number, at: number) => {
    global.record('all', at);
    pace.record(at);
    perChat.record(chatId, at);
    if (chatId < 0) perGroup.record(chatId, at);
  };

  /**
   * Round trips of recent answered requests. A request counts against
   * Telegram's limits when it arrives, which can be well after we started it
   * when many go at once or the process is busy; with windows counted from
   * the start, the next burst would land inside the last one's second. The
   * fastest recent round trip is the pure network-and-server time, so an
   * answer that took longer waited on our side first: the request left at
   * about `answer - fastest`, and its place in the windows moves there.
   */
  const recentRoundTrips: number[] = [];
  let answersSeen = 0;
  const estimateDeparture = (chatId: number, startedAt: number) => {
    const answeredAt = now();
    recentRoundTrips.push(answeredAt - startedAt);
    if (recentRoundTrips.length > 64) recentRoundTrips.shift();
    answersSeen++;
    // The first second's round trips include connection set-up and a cold process, which would make the
    // fastest one look slow and the estimates early: until then, the answer itself dates the request.
    const leftAt = answersSeen <= limits.perSecond ? answeredAt : answeredAt - Math.min(...recentRoundTrips);
    if (leftAt <= startedAt) return;
    global.move('all', startedAt, leftAt);
    perChat.move(chatId, startedAt, leftAt);
    if (chatId < 0) perGroup.move(chatId, startedAt, leftAt);
  };

  const backoffMs = (attempt: number) => Math.min(baseBackoffMs * 2 ** (attempt - 1), maxBackoffMs);

  /** Decides what a failed send means for the message; returns how it was counted. */
  const handleFailure = (
    message: OutboxMessage,
    chatId: number,
    failure: SendFailure,
    mayFollowMigration: boolean,
  ): 'retried' | 'failed' | 'again' => {
    const attempt = message.attempts + 1;
    const at = now();
    const { description } = failure;
    switch (failure.kind) {
      case 'retry_after': {
        // Telegram says exactly when; retrying earlier only extends the ban.
        const retryAfterS = failure.seconds;
        const retryAt = at + retryAfterS * 1_000;
        chatPausedUntil.set(chatId, retryAt);
        outbox.markFailed(message.id, description, retryAt);
        logger.warn('telegram asked us to slow down', { outboxId: message.id, chatId, retryAfterS });
        return 'retried';
      }
      case 'blocked':
        if (message.audience === 'user' && message.userId !== null) users.setReachable(message.userId, false);
        outbox.markFailed(message.id, description, null);
        logger.info('user is unreachable; message dropped', { outboxId: message.id, userId: message.userId });
        return 'failed';
      case 'migrated':
        if (mayFollowMigration && message.audience === 'operators' && chatId === operatorChatId) {
          // The group became a supergroup: its id changed, the messages did not.
          operatorChatId = failure.toChatId;
          logger.warn('operator group moved to a new chat id; update the configuration', { from: chatId, to: failure.toChatId });
          return 'again';
        }
        // Not ours to follow (a customer's chat, or the second move in a row): Telegram's answer is a 400, a definite no.
        return refuse(message, description);
      case 'refused':
        return refuse(message, description);
      case 'failed':
        // Network trouble, 5xx, 401/404 from a misconfigured token: transient or fixable, so retry with backoff.
        if (attempt >= maxAttempts) {
          outbox.markFailed(message.id, description, null);
          logger.error('gave up sending a message', { outboxId: message.id, kind: message.kind, attempts: attempt, error: description });
          return 'failed';
        }
        outbox.markFailed(message.id, description, at + backoffMs(attempt));
        logger.warn('sending a message failed; will retry', { outboxId: message.id, attempts: attempt, error: description });
        return 'retried';
    }
  };

  /** Bad text, chat not found, kicked from the group: the same request will be refused again. */
  const refuse = (message: OutboxMessage, description: string): 'failed' => {
    outbox.markFailed(message.id, description, null);
    logger.error('telegram refused a message for good', { outboxId: message.id, kind: message.kind, error: description });
    return 'failed';
  };

  /**
   * Forum topics Telegram said are gone (`<chat>:<thread>`). A deleted topic never comes back and its id is
   * a setting, so until a restart with a fixed setting the chat's General topic is used without asking again.
   */
  const missingThreads = new Set<string>();
  const threadKey = (chatId: number, threadId: number) => `${chatId}:${threadId}`;

  const sendOnce = async (chatId: number, rendered: RenderedMessage): Promise<SendResult> => {
    const options = () => ({
      ...(rendered.parse_mode ? { parseMode: rendered.parse_mode } : {}),
      ...(rendered.reply_markup !== undefined ? { replyMarkup: rendered.reply_markup } : {}),
      signal: AbortSignal.timeout(sendTimeoutMs),
    });
    const threadId = rendered.message_thread_id;
    const inTopic = threadId !== undefined && !missingThreads.has(threadKey(chatId, threadId));
    try {
      const target = rendered.replaces;
      if (target && target.chatId === chatId && sender.editMessageText) {
        const edited = await sender.editMessageText(chatId, target.messageId, rendered.text, options());
        // Refused: the message was deleted or can no longer be edited; the news goes out as a new message.
        if (edited.kind !== 'refused') return edited;
      }
      if (!inTopic) return await sender.sendMessage(chatId, rendered.text, options());
      const sent = await sender.sendMessage(chatId, rendered.text, { ...options(), messageThreadId: threadId });
      if (sent.kind !== 'refused' || sent.reason !== 'thread_not_found') return sent;
      // The topic was deleted. An alert that waits for a setting to be fixed may come too late, so it goes
      // to the General topic (no thread id) at once, and the operator is told which setting to fix.
      missingThreads.add(threadKey(chatId, threadId));
      logger.warn('a forum topic is gone; messages for it go to the General topic until the setting is fixed', {
        chatId,
        threadId,
        ...(rendered.thread_setting ? { setting: rendered.thread_setting } : {}),
        error: sent.description,
      });
      recordSend(chatId, now());
      return await sender.sendMessage(chatId, rendered.text, options());
    } catch (error) {
      // A sender should not throw; if one does, it is treated like a request that never got an answer.
      return { kind: 'failed', description: describeError(error), answered: false };
    }
  };

  /** Sends a claimed message and records how it ended; never throws. */
  const send = async (
    message: OutboxMessage,
    chatId: number,
    rendered: RenderedMessage,
    startedAt: number,
  ): Promise<keyof NotifierPass> => {
    chatsInFlight.add(chatId);
    try {
      const result = await sendOnce(chatId, rendered);
      // An answer from Telegram (even a refusal) dates the request as well as a success does.
      if (result.kind !== 'failed' || result.answered) estimateDeparture(chatId, startedAt);
      if (result.kind !== 'sent') {
        const outcome = handleFailure(message, chatId, result, true);
        if (outcome !== 'again') return outcome;
        // The operator group moved; this message follows it once, counted against the new chat's limits.
        const movedTo = operatorChatId!;
        recordSend(movedTo, now());
        const retry = await sendOnce(movedTo, rendered);
        if (retry.kind !== 'sent') {
          const retried = handleFailure(message, movedTo, retry, false);
          return retried === 'again' ? 'retried' : retried;
        }
      }
      outbox.markSent(message.id);
      return 'sent';
    } catch (error) {
      // Only the outbox writes above can land here (e.g. the database closed under us). The claim lapses
      // and the message goes again: better a rare repeat than a receipt never sent.
      logger.error('could not record the outcome of a send', { outboxId: message.id, error });
      return 'retried';
    } finally {
      chatsInFlight.delete(chatId);
    }
  };

  const wakeAt = (when: number) => {
    nextWakeAt = Math.min(nextWakeAt ?? when, when);
  };

  /**
   * Looks at one due message. Either settles it at once (nothing to send, no
   * recipient), leaves it pending (a limit holds it back), or claims it and
   * returns the send in flight.
   */
  const dispatch = (message: OutboxMessage, at: number, heldThisPass: Set<number>): keyof NotifierPass | Promise<keyof NotifierPass> => {
    const target = targetOf(message);
    if ('skip' in target) {
      if (target.skip === 'deferred') return 'deferred';
      outbox.markFailed(message.id, target.reason, null);
      return 'failed';
    }
    // The clock moves during a pass: a chat's older message held back a moment ago must not be overtaken.
    if (heldThisPass.has(target.chatId)) return 'deferred';
    const hold = (): 'deferred' => {
      heldThisPass.add(target.chatId);
      return 'deferred';
    };
    if (chatsInFlight.has(target.chatId)) {
      // Its answer comes within a round trip; the per-chat limit would hold this one back a second anyway.
      wakeAt(Math.max(allowedAt(target.chatId, at), at + 50));
      return hold();
    }
    const when = allowedAt(target.chatId, at);
    if (when > at) {
      // Left pending and due: a later pass looks again, oldest first, so a chat's order is kept.
      wakeAt(when);
      return hold();
    }

    let rendered: RenderedMessage | null;
    try {
      rendered = render(message, target.language);
    } catch (error) {
      // A rendering bug is fixed by a deploy; retrying with backoff gives it that chance.
      const outcome = handleFailure(message, target.chatId, { kind: 'failed', description: describeError(error), answered: false }, false);
      return outcome === 'failed' ? 'failed' : 'retried';
    }
    // Nothing to tell (e.g. the event is no longer news): done, and no quota spent on it.
    if (rendered === null) {
      outbox.markSent(message.id);
      return 'sent';
    }

    // Another sender (a second process, a pass that overlapped a restart) took it first.
    if (!outbox.claim(message.id, at + claimMs)) return hold();
    // Counted before the call: a request that reached Telegram counts against the limit even if it failed.
    recordSend(target.chatId, at);
    return send(message, target.chatId, rendered, at);
  };

  /** Sends still waiting for their answer, whichever pass started them. */
  const sendsInFlight = new Set<Promise<keyof NotifierPass>>();

  /**
   * Starts what may go now and settles what needs no request; returns the
   * tally so far and the sends it started, without waiting for them.
   */
  const startPass = (): { result: NotifierPass; started: Promise<keyof NotifierPass>[] } => {
    const result: NotifierPass = { sent: 0, retried: 0, failed: 0, deferred: 0 };
    nextWakeAt = undefined;
    if (++passes % 100 === 0) {
      const at = now();
      global.sweep(at);
      perChat.sweep(at);
      perGroup.sweep(at);
      for (const [chatId, until] of chatPausedUntil) if (until <= at) chatPausedUntil.delete(chatId);
    }

    const inFlight: Promise<keyof NotifierPass>[] = [];
    const heldThisPass = new Set<number>();
    const seen = new Set<number>();
    // Read about as many rows as may go now, not the whole batch size: a pass runs for every freed slot,
    // many times a second at full speed. When chats held back fill that read, read further, up to `batchSize`.
    let readSize = Math.min(batchSize, Math.max(32, 2 * global.remaining('all', now())));
    for (;;) {
      // Oldest-due first; within the read, creation order, so a message retried after a 429 still
      // goes before the ones its chat queued after it.
      const batch = outbox.due(readSize).sort((a, b) => a.id - b.id);
      let globallyFull = false;
      for (const [index, message] of batch.entries()) {
        if (seen.has(message.id)) continue;
        const at = now();
        const globalAt = globalAllowedAt(at);
        if (globalAt > at) {
          // Nothing more may go this second; the rest wait without a lookup each.
          wakeAt(globalAt);
          result.deferred += batch.slice(index).filter((m) => !seen.has(m.id)).length;
          globallyFull = true;
          break;
        }
        seen.add(message.id);
        const outcome = dispatch(message, at, heldThisPass);
        if (typeof outcome === 'string') {
          result[outcome]++;
        } else {
          inFlight.push(outcome);
          sendsInFlight.add(outcome);
          void outcome.finally(() => sendsInFlight.delete(outcome));
        }
      }
      if (globallyFull || batch.length < readSize || readSize >= batchSize) break;
      readSize = Math.min(batchSize, readSize * 4);
    }
    return { result, started: inFlight };
  };

  /** A pass and the answers to every send it started. */
  const pass = async (): Promise<NotifierPass> => {
    const { result, started } = startPass();
    for (const outcome of await Promise.all(started)) result[outcome]++;
    return result;
  };

  /** `runOnce` passes, one at a time. */
  const callerPass = new SingleFlight<'pass', NotifierPass>();
  let timer: NodeJS.Timeout | undefined;
  let started = false;

  /** One pass over due messages; concurrent callers share the pass in progress, so nothing is sent twice. */
  const runOnce = (): Promise<NotifierPass> => {
    return callerPass.run('pass', pass);
  };

  return {
    runOnce,

    /** Sends on a loop until `stop`; wakes sooner than `intervalMs` when a held-back message may go. */
    start(intervalMs = 1_000): void {
      if (started) return;
      started = true;
      const tick = async () => {
        let delay = intervalMs;
        try {
          // Waits only for a `runOnce` caller's pass; the loop's own passes start sends and move on, so a
          // slow answer never holds up other chats' messages (their order is kept per chat by `chatsInFlight`).
          await callerPass.current('pass');
          startPass();
          // A message held back by a limit may go in well under `intervalMs` (1 s per chat); wake for it.
          if (nextWakeAt !== undefined) delay = Math.max(10, Math.min(intervalMs, nextWakeAt - now()));
        } catch (error) {
          logger.error('notifier pass failed', { error });
        }
        if (started) timer = setTimeout(() => void tick(), delay);
      };
      timer = setTimeout(() => void tick(), 0);
    },

    /** Stops the loop and waits for every send in flight, so shutdown never cuts one in half. */
    async stop(): Promise<void> {
      started = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await callerPass.settled();
      await Promise.all([...sendsInFlight]);
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;

function describeError(error: unknown): string {
  return String((error as Error)?.message ?? error);
}
