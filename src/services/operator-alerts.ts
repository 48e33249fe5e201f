/**
 * The operator group's alerts on their way out: which forum topic each goes
 * to, and what happens in a storm.
 *
 * Telegram lets a bot post 20 messages a minute in one group. The notifier
 * already keeps to that by making messages wait, but a storm of 100 failed
 * orders would then take five minutes to read out, one alert at a time, and
 * everything behind it would wait too. So the group gets at most
 * `perMinute - 2` alerts one by one in any minute; past that, an alert is
 * folded: not sent, only counted, and once the minute it started is over one
 * summary says "12 more orders need attention", with a button for each of
 * the first few orders so nothing is out of reach. The two spare places are
 * for the summaries (one per minute at most, and a minute's boundary can
 * put two in one rolling window).
 *
 * Alerts a person must answer one by one (a manual top-up request) are never
 * folded; they count towards the budget and wait their turn in the outbox.
 *
 * The folding happens when the notifier renders an alert, just before it
 * would be sent, so the count reflects what actually reached the group. The
 * counts are kept in memory: a crash loses the summary of the current minute
 * (at most a minute's folded alerts, whose events stay in the database).
 */
import type { Logger } from '../logger.js';
import type { RenderedMessage } from './notifier.js';
import type { Outbox, OutboxMessage } from './outbox.js';
import type { OperatorEvent } from './outbox-events.js';
import type { Language } from './users.js';

/** The forum topics of the operator group (`OPERATOR_TOPIC_*`). */
export type OperatorTopic = 'sales' | 'money' | 'problems';
export type OperatorTopics = Partial<Record<OperatorTopic, number>>;

/** The setting that names each topic, for the warning when Telegram says the topic is gone. */
export const SETTING_OF_TOPIC: Record<OperatorTopic, `OPERATOR_TOPIC_${Uppercase<OperatorTopic>}`> = {
  sales: 'OPERATOR_TOPIC_SALES',
  money: 'OPERATOR_TOPIC_MONEY',
  problems: 'OPERATOR_TOPIC_PROBLEMS',
};

/** Which topic each alert belongs in; the record names every kind, so a new one must choose. */
export const TOPIC_OF_ALERT: Record<OperatorEvent['kind'], OperatorTopic> = {
  topup_received: 'sales',
  manual_topup_requested: 'money',
  stars_payment_unmatched: 'money',
  upstream_balance_low: 'money',
  upstream_balance_below: 'money',
  upstream_balance_recovered: 'money',
  upstream_auth_failed: 'problems',
  order_needs_attention: 'problems',
  delivered_proxy_check_failed: 'problems',
  broadcast_finished: 'sales',
  alerts_folded: 'problems',
  backup_failed: 'problems',
  referral_reward_unrecovered: 'money',
  card_payment_unmatched: 'money',
};

/** Alerts that carry a decision only a person makes, one at a time. */
const NEVER_FOLDED = new Set<string>(['manual_topup_requested', 'alerts_folded', 'broadcast_finished']);

/** Order ids a summary offers buttons for; Telegram shows a keyboard of about this many comfortably. */
const ORDERS_PER_SUMMARY = 8;
const MINUTE_MS = 60_000;

export interface OperatorAlertsDeps {
  outbox: Pick<Outbox, 'enqueue'>;
  topics?: OperatorTopics;
  /** Telegram's limit for one group; default 20. */
  perMinute?: number;
  logger: Logger;
  now?: () => number;
}

type Render = (message: OutboxMessage, language: Language) => RenderedMessage | null;

export function createOperatorAlerts(deps: OperatorAlertsDeps) {
  const now = deps.now ?? Date.now;
  const topics = deps.topics ?? {};
  const individualPerMinute = Math.max(1, (deps.perMinute ?? 20) - 2);
  /** When each alert sent one by one went out, oldest first; only the last minute's are kept. */
  const sentAt: number[] = [];
  /** The minute being folded: when its first fold happened, and what was folded. */
  let folding: { fromMs: number; counts: Map<string, number>; orderIds: string[] } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const forget = (at: number) => {
    while (sentAt.length > 0 && sentAt[0]! <= at - MINUTE_MS) sentAt.shift();
  };

  const threadOf = (kind: string): Pick<RenderedMessage, 'message_thread_id' | 'thread_setting'> => {
    const topic = (TOPIC_OF_ALERT as Record<string, OperatorTopic | undefined>)[kind];
    const threadId = topic === undefined ? undefined : topics[topic];
    return topic === undefined || threadId === undefined ? {} : { message_thread_id: threadId, thread_setting: SETTING_OF_TOPIC[topic] };
  };

  const fold = (message: OutboxMessage, at: number) => {
    folding ??= { fromMs: at, counts: new Map(), orderIds: [] };
    folding.counts.set(message.kind, (folding.counts.get(message.kind) ?? 0) + 1);
    if (message.kind === 'order_needs_attention' && folding.orderIds.length < ORDERS_PER_SUMMARY) {
      const orderId = (JSON.parse(message.payload) as { orderId?: unknown }).orderId;
      if (typeof orderId === 'string') folding.orderIds.push(orderId);
    }
  };

  /** Queues the summary of a minute that is over; true when one was queued. */
  const flush = (): boolean => {
    const at = now();
    if (!folding || at < folding.fromMs + MINUTE_MS) return false;
    const { fromMs, counts, orderIds } = folding;
    folding = undefined;
    deps.outbox.enqueue({
      audience: 'operators',
      kind: 'alerts_folded',
      payload: { counts: Object.fromEntries(counts), orderIds, fromMs, toMs: at },
      dedupeKey: `alerts-folded:${fromMs}`,
    });
    deps.logger.warn('operator alerts were folded into a summary', { counts: Object.fromEntries(counts) });
    return true;
  };

  return {
    /**
     * The notifier's render, wrapped: operator alerts get their topic, and
     * past the minute's budget are folded (rendered as nothing, which the
     * notifier records as done without a request).
     */
    wrap(render: Render): Render {
      return (message, language) => {
        const rendered = render(message, language);
        if (rendered === null || message.audience !== 'operators') return rendered;
        const at = now();
        forget(at);
        if (sentAt.length >= individualPerMinute && !NEVER_FOLDED.has(message.kind)) {
          fold(message, at);
          return null;
        }
        sentAt.push(at);
        return { ...rendered, ...threadOf(message.kind) };
      };
    },

    flush,

    /** Checks for a finished minute to summarise every few seconds, until `stop`. */
    start(intervalMs = 5_000): void {
      if (timer) return;
      timer = setInterval(() => {
        try {
          flush();
        } catch (error) {
          deps.logger.error('folded alerts could not be summarised', { error });
        }
      }, intervalMs);
      timer.unref();
    },

    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
      // What is folded so far is told now rather than lost with the process.
      if (folding) {
        folding.fromMs = Math.min(folding.fromMs, now() - MINUTE_MS);
        flush();
      }
    },
  };
}

export type OperatorAlerts = ReturnType<typeof createOperatorAlerts>;
