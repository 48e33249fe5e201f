/**
 * Measuring parts of the shop from the composition root, by wrapping what
 * they are given rather than editing them: the purchase call every door
 * uses, the outbox the notifier writes its results to, the bot's Api and
 * the scheduler's jobs. Each wrapper keeps the wrapped behaviour exactly.
 */
import type { RawApi, Transformer } from 'grammy';
import type { JobContext } from '../lib/batches.js';
import type { Orders } from '../services/orders.js';
import type { Outbox } from '../services/outbox.js';
import type { Metrics } from './metrics.js';

/**
 * Times `purchase` for each saga it starts. A call that only joins an order
 * made earlier (the same intent key again) is not a saga and is not timed:
 * such an order was created before the call began.
 */
export function instrumentOrders(orders: Orders, metrics: Metrics, now: () => number = Date.now): Orders {
  return {
    ...orders,
    async purchase(input) {
      const calledAt = now();
      const started = performance.now();
      const result = await orders.purchase(input);
      if (
        (result.kind === 'delivered' || result.kind === 'failed' || result.kind === 'provisioning') &&
        result.order.createdAt >= calledAt
      ) {
        metrics.sagaSettled(result.order.providerId, result.kind, (performance.now() - started) / 1000);
      }
      return result;
    },
  };
}

/** The outbox as the notifier sees it, counting what became of each message it handled. */
export function instrumentOutboxSends<O extends Pick<Outbox, 'markSent' | 'markFailed'>>(outbox: O, metrics: Metrics): O {
  return {
    ...outbox,
    markSent(id) {
      outbox.markSent(id);
      metrics.outboxSend('sent');
    },
    markFailed(id, error, retryAt) {
      outbox.markFailed(id, error, retryAt);
      metrics.outboxSend(retryAt === null ? 'failed' : 'retried');
    },
  };
}

/** Counts Bot API calls Telegram answered 429; installed last, it sees what automatic retries could not absorb. */
export function countTelegramRateLimits(metrics: Metrics): Transformer<RawApi> {
  return async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal);
    if (!result.ok && result.error_code === 429) metrics.telegramRateLimited(method);
    return result;
  };
}

/** What instrumenting needs of a scheduler job: its name and its run. */
interface NamedRun {
  name: string;
  run: (ctx: JobContext) => Promise<unknown>;
}

/** Each job's runs timed, by outcome; a run that throws still throws. */
export function instrumentJobs<J extends NamedRun>(jobs: J[], metrics: Metrics): J[] {
  return jobs.map((job) => ({
    ...job,
    async run(ctx: JobContext) {
      const started = performance.now();
      try {
        const result = await job.run(ctx);
        metrics.jobFinished(job.name, 'ok', (performance.now() - started) / 1000);
        return result;
      } catch (error) {
        metrics.jobFinished(job.name, 'error', (performance.now() - started) / 1000);
        throw error;
      }
    },
  }));
}
