/**
 * Sends outbox messages through Telegram without tripping its flood control:
 * about 30 messages a second overall, one a second per chat and 20 a minute
 * per group. A message over a limit waits (it is never dropped); a 429 is
 * honoured to the second; a user who blocked the bot is marked unreachable so
 * nobody keeps writing to them.
 */
import { GrammyError, type Api } from 'grammy';
import type { Logger } from '../logger.js';
import type { Outbox, OutboxMessage } from './outbox.js';
import type { Language, Users } from './users.js';

export interface RenderedMessage {
  text: string;
  reply_markup?: unknown;
  parse_mode?: 'HTML';
}

export interface NotifierLimits {
  /** All chats together; Telegram allows about 30. */
  perSecond?: number;
  /** One chat; Telegram allows about 1. */
  perChatPerSecond?: number;
  /** One group or channel (negative chat id), on top of the per-chat limit; Telegram allows 20. */
  perGroupPerMinute?: number;
}

export interface NotifierDeps {
  outbox: Pick<Outbox, 'due' | 'markSent' | 'markFailed'>;
  users: Pick<Users, 'byId' | 'setReachable'>;
  api: Pick<Api, 'sendMessage'>;
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

const DEFAULT_LIMITS: Required<NotifierLimits> = { perSecond: 30, perChatPerSecond: 1, perGroupPerMinute: 20 };

/**
 * At most `limit` events in any window of `windowMs`. An exact sliding window
 * rather than a token bucket: a bucket lets `capacity + rate × T` through in a
 * window of T, which overshoots the counts Telegram states, while the window
 * log never does and is as cheap at these sizes (≤ 30 timestamps per key).
 */
class SlidingWindow {
  private readonly sends = new Map<string | number, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** When the next event for `key` may happen (≤ now: right away). */
  nextAllowedAt(key: string | number, now: number): number {
    const times = this.prune(key, now);
    return times.length < this.limit ? now : times[times.length - this.limit]! + this.windowMs;
  }

  record(key: string | number, at: number): void {
    const times = this.sends.get(key) ?? [];
    times.push(at);
    this.sends.set(key, times);
  }

  /** Forgets chats nobody wrote to for a whole window, so the map does not grow with the user base. */
  sweep(now: number): void {
    for (const key of [...this.sends.keys()]) this.prune(key, now);
  }

  private prune(key: string | number, now: number): number[] {
    const times = this.sends.get(key);
    if (!times) return [];
    while (times.length > 0 && times[0]! <= now - this.windowMs) times.shift();
    if (times.length === 0) this.sends.delete(key);
    return times;
  }
}

type Target = { chatId: number; language: Language } | { skip: 'failed' | 'deferred'; reason: string };

export function createNotifier(deps: NotifierDeps) {
  const { outbox, users, api, render, logger } = deps;
  const now = deps.now ?? Date.now;
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const maxAttempts = deps.maxAttempts ?? 8;
  const baseBackoffMs = deps.baseBackoffMs ?? 10_000;
  const maxBackoffMs = deps.maxBackoffMs ?? 3_600_000;
  const batchSize = deps.batchSize ?? 500;
  const operatorLanguage = deps.operatorLanguage ?? 'en';
  let operatorChatId = deps.operatorChatId;

  const global = new SlidingWindow(limits.perSecond, 1_000);
  const perChat = new SlidingWindow(limits.perChatPerSecond, 1_000);
  const perGroup = new SlidingWindow(limits.perGroupPerMinute, 60_000);
  /** A chat Telegram told us to leave alone until then (429), kept in memory for the chat's other messages. */
  const chatPausedUntil = new Map<number, number>();
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
    let when = Math.max(global.nextAllowedAt('all', at), perChat.nextAllowedAt(chatId, at), chatPausedUntil.get(chatId) ?? at);
    if (chatId < 0) when = Math.max(when, perGroup.nextAllowedAt(chatId, at));
    return when;
  };

  const recordSend = (chatId: number, at: number) => {
    global.record('all', at);
    perChat.record(chatId, at);
    if (chatId < 0) perGroup.record(chatId, at);
  };

  const backoffMs = (attempt: number) => Math.min(baseBackoffMs * 2 ** (attempt - 1), maxBackoffMs);

  /** Decides what a failed send means for the message; returns how it was counted. */
  const handleError = (
    message: OutboxMessage,
    chatId: number,
    error: unknown,
    mayFollowMigration: boolean,
  ): 'retried' | 'failed' | 'again' => {
    const attempt = message.attempts + 1;
    const at = now();
    if (error instanceof GrammyError) {
      const description = `${error.error_code} ${error.description}`;
      if (error.error_code === 429) {
        // Telegram says exactly when; retrying earlier only extends the ban.
        const retryAfterS = error.parameters.retry_after ?? 1;
        const retryAt = at + retryAfterS * 1_000;
        chatPausedUntil.set(chatId, retryAt);
        outbox.markFailed(message.id, description, retryAt);
        logger.warn('telegram asked us to slow down', { outboxId: message.id, chatId, retryAfterS });
        return 'retried';
      }
      if (error.error_code === 403 && /blocked by the user|user is deactivated/i.test(error.description)) {
        if (message.audience === 'user' && message.userId !== null) users.setReachable(message.userId, false);
        outbox.markFailed(message.id, description, null);
        logger.info('user is unreachable; message dropped', { outboxId: message.id, userId: message.userId });
        return 'failed';
      }
      const migratedTo = error.parameters.migrate_to_chat_id;
      if (mayFollowMigration && message.audience === 'operators' && migratedTo !== undefined && chatId === operatorChatId) {
        // The group became a supergroup: its id changed, the messages did not.
        operatorChatId = migratedTo;
        logger.warn('operator group moved to a new chat id; update the configuration', { from: chatId, to: migratedTo });
        return 'again';
      }
      if (error.error_code === 400 || error.error_code === 403) {
        // Bad text, chat not found, kicked from the group: the same request will be refused again.
        outbox.markFailed(message.id, description, null);
        logger.error('telegram refused a message for good', { outboxId: message.id, kind: message.kind, error: description });
        return 'failed';
      }
    }
    // Network trouble, 5xx, 401/404 from a misconfigured token: transient or fixable, so retry with backoff.
    const text = error instanceof GrammyError ? `${error.error_code} ${error.description}` : String((error as Error)?.message ?? error);
    if (attempt >= maxAttempts) {
      outbox.markFailed(message.id, text, null);
      logger.error('gave up sending a message', { outboxId: message.id, kind: message.kind, attempts: attempt, error: text });
      return 'failed';
    }
    outbox.markFailed(message.id, text, at + backoffMs(attempt));
    logger.warn('sending a message failed; will retry', { outboxId: message.id, attempts: attempt, error: text });
    return 'retried';
  };

  /** Tries one message; says how it ended for the pass's tally. */
  const deliver = async (message: OutboxMessage): Promise<keyof NotifierPass> => {
    let mayFollowMigration = true;
    for (;;) {
      const target = targetOf(message);
      if ('skip' in target) {
        if (target.skip === 'deferred') return 'deferred';
        outbox.markFailed(message.id, target.reason, null);
        return 'failed';
      }

      let rendered: RenderedMessage | null;
      try {
        rendered = render(message, target.language);
      } catch (error) {
        // A rendering bug is fixed by a deploy; retrying with backoff gives it that chance.
        const outcome = handleError(message, target.chatId, error, false);
        return outcome === 'failed' ? 'failed' : 'retried';
      }
      // Nothing to tell (e.g. the event is no longer news): done, and no quota spent on it.
      if (rendered === null) {
        outbox.markSent(message.id);
        return 'sent';
      }

      const at = now();
      const when = allowedAt(target.chatId, at);
      if (when > at) {
        // Left pending and due: the next pass looks again, oldest first, so a chat's order is kept.
        nextWakeAt = Math.min(nextWakeAt ?? when, when);
        return 'deferred';
      }

      // Counted before the call: a request that reached Telegram counts against the limit even if it failed.
      recordSend(target.chatId, at);
      try {
        await api.sendMessage(target.chatId, rendered.text, {
          ...(rendered.parse_mode ? { parse_mode: rendered.parse_mode } : {}),
          ...(rendered.reply_markup !== undefined ? { reply_markup: rendered.reply_markup as never } : {}),
        });
      } catch (error) {
        const outcome = handleError(message, target.chatId, error, mayFollowMigration);
        if (outcome !== 'again') return outcome;
        mayFollowMigration = false;
        continue;
      }
      outbox.markSent(message.id);
      return 'sent';
    }
  };

  const pass = async (): Promise<NotifierPass> => {
    const result: NotifierPass = { sent: 0, retried: 0, failed: 0, deferred: 0 };
    nextWakeAt = undefined;
    if (++passes % 100 === 0) {
      const at = now();
      global.sweep(at);
      perChat.sweep(at);
      perGroup.sweep(at);
      for (const [chatId, until] of chatPausedUntil) if (until <= at) chatPausedUntil.delete(chatId);
    }

    for (const message of outbox.due(batchSize)) result[await deliver(message)]++;
    return result;
  };

  let running: Promise<NotifierPass> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;

  /** One pass over due messages; concurrent callers share the pass in progress, so nothing is sent twice. */
  const runOnce = (): Promise<NotifierPass> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
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
          await runOnce();
          // A message held back by a limit may go in well under `intervalMs` (1 s per chat); wake for it.
          if (nextWakeAt !== undefined) delay = Math.max(10, Math.min(intervalMs, nextWakeAt - now()));
        } catch (error) {
          logger.error('notifier pass failed', { error });
        }
        if (started) timer = setTimeout(() => void tick(), delay);
      };
      timer = setTimeout(() => void tick(), 0);
    },

    /** Stops the loop and waits for a pass in progress, so shutdown never cuts a send in half. */
    async stop(): Promise<void> {
      started = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
