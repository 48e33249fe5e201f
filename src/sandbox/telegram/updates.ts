/**
 * The bot's update queue with Telegram's delivery rules.
 *
 * - update_id only grows; an update stays queued until confirmed: by a
 *   getUpdates whose offset is above its id, or by a 2xx from the webhook.
 * - allowed_updates filters when an update is *created* (as Telegram documents:
 *   changing it does not affect updates already queued). The last setting given
 *   to getUpdates or setWebhook stays in force.
 * - Long polling holds the request and is woken by the next enqueue; nothing polls.
 * - A getUpdates arriving while another one is held answers 409 itself and the
 *   held one carries on (Telegram terminates the older one instead; keeping the
 *   bot's own poll alive means a test can probe for the conflict without
 *   killing the bot under test). Before answering 409 the queue gives the held
 *   request a short grace period to finish, because grammY's `bot.stop()` aborts
 *   its poll and immediately polls again, and the abort may reach us second.
 * - With a webhook set, getUpdates answers 409 and updates are POSTed one at a
 *   time, in order, retrying with exponential backoff until a 2xx.
 */
import { conflict } from './errors.js';
import type { UpdatePayload, UpdateType, WireUpdate } from './types.js';

/** Telegram's default when allowed_updates is an empty list. */
const DEFAULT_EXCLUDED = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
  ipAddress?: string;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

export interface UpdateQueueOptions {
  clock: () => number;
  /** First retry delay after a failed webhook delivery; doubles up to `webhookRetryMaxMs`. */
  webhookRetryBaseMs: number;
  webhookRetryMaxMs: number;
  webhookTimeoutMs: number;
  conflictGraceMs: number;
  /** Runs a method the webhook handler returned in its response body. */
  onWebhookReply: (call: Record<string, unknown>) => Promise<void>;
}

export interface GetUpdatesOptions {
  offset?: number;
  limit?: number;
  timeoutSeconds?: number;
  allowedUpdates?: string[];
}

interface HeldPoll {
  finish(result: WireUpdate[] | Error): void;
  done: Promise<void>;
  limit: number;
}

export class UpdateQueue {
  private queue: WireUpdate[] = [];
  private nextUpdateId = 1;
  private allowed: Set<string> | undefined; // undefined: the default set
  private held: HeldPoll | undefined;
  private webhookConfig: WebhookConfig | undefined;
  private delivering = false;
  private wakeDelivery: (() => void) | undefined;
  private closed = false;
  /** The latest updates queued (bounded), so one can be delivered again. */
  private readonly recentUpdates: WireUpdate[] = [];
  /** Updates queued again and not yet handed out: a getUpdates offset above them does not drop them. */
  private readonly again = new Set<WireUpdate>();
  /** Cancels an in-flight webhook POST when the emulator closes. */
  private readonly shutdown = new AbortController();

  constructor(private readonly options: UpdateQueueOptions) {}

  /** Queues an update unless its type is filtered out; returns it with its id. */
  enqueue(payload: UpdatePayload): WireUpdate | undefined {
    const type = Object.keys(payload)[0] as UpdateType;
    if (!this.isAllowed(type)) return undefined;
    const update: WireUpdate = { update_id: this.nextUpdateId++, ...payload };
    this.queue.push(update);
    this.recentUpdates.push(update);
    if (this.recentUpdates.length > 1_000) this.recentUpdates.shift();
    if (this.held) this.held.finish(this.handOut(this.queue.slice(0, this.held.limit)));
    if (this.webhookConfig) void this.deliver();
    return update;
  }

  pending(): WireUpdate[] {
    return [...this.queue];
  }

  /** The latest updates queued, oldest first, whether or not confirmed since. */
  recent(): WireUpdate[] {
    return [...this.recentUpdates];
  }

  /**
   * Queues an update again under its own update_id, as Telegram does when it
   * never saw the update confirmed: a webhook answer that timed out, a
   * poller that stopped before its next getUpdates.
   */
  redeliver(updateId: number): WireUpdate {
    const update = this.recentUpdates.find((u) => u.update_id === updateId);
    if (!update) throw new Error(`no recent update ${updateId}`);
    this.again.add(update);
    this.queue.push(update);
    this.queue.sort((a, b) => a.update_id - b.update_id);
    if (this.held) this.held.finish(this.handOut(this.queue.slice(0, this.held.limit)));
    if (this.webhookConfig) void this.deliver();
    return update;
  }

  private handOut(updates: WireUpdate[]): WireUpdate[] {
    for (const update of updates) this.again.delete(update);
    return updates;
  }

  get webhook(): WebhookConfig | undefined {
    return this.webhookConfig;
  }

  allowedUpdates(): string[] | undefined {
    return this.allowed ? [...this.allowed] : undefined;
  }

  setAllowedUpdates(list: string[] | undefined): void {
    if (list === undefined) return; // "If not specified, the previous setting will be used."
    this.allowed = list.length === 0 ? undefined : new Set(list);
  }

  private isAllowed(type: string): boolean {
    return this.allowed ? this.allowed.has(type) : !DEFAULT_EXCLUDED.has(type);
  }

  async getUpdates(options: GetUpdatesOptions, signal: AbortSignal): Promise<WireUpdate[]> {
    if (this.webhookConfig) {
      throw conflict("can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    if (this.held) {
      const held = this.held;
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([held.done, new Promise((resolve) => (grace = setTimeout(resolve, this.options.conflictGraceMs)))]);
      clearTimeout(grace);
      if (this.held === held) {
        throw conflict('terminated by other getUpdates request; make sure that only one bot instance is running');
      }
    }
    this.setAllowedUpdates(options.allowedUpdates);
    this.confirm(options.offset);

    const limit = options.limit ?? 100;
    const ready = this.handOut(this.queue.slice(0, limit));
    const timeoutMs = (options.timeoutSeconds ?? 0) * 1000;
    if (ready.length > 0 || timeoutMs <= 0 || this.closed || signal.aborted) return ready;
    // Two newcomers may both have outwaited the grace period; only one may hold.
    if (this.held) throw conflict('terminated by other getUpdates request; make sure that only one bot instance is running');
    return this.hold(limit, timeoutMs, signal);
  }

  /** Offsets above an update's id confirm it; a negative offset keeps only the last -offset updates. */
  private confirm(offset: number | undefined): void {
    if (!offset) return;
    if (offset > 0) this.queue = this.queue.filter((update) => update.update_id >= offset || this.again.has(update));
    else this.queue = this.queue.slice(Math.max(0, this.queue.length + offset));
  }

  private hold(limit: number, timeoutMs: number, signal: AbortSignal): Promise<WireUpdate[]> {
    return new Promise<WireUpdate[]>((resolve, reject) => {
      let markDone!: () => void;
      const held: HeldPoll = {
        limit,
        done: new Promise<void>((r) => (markDone = r)),
        finish: (result) => {
          if (this.held !== held) return;
          this.held = undefined;
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          markDone();
          if (result instanceof Error) reject(result);
          else resolve(result);
        },
      };
      const timer = setTimeout(() => held.finish([]), timeoutMs);
      // The client went away (grammY aborts its poll on stop): nobody will read the answer.
      const onAbort = () => held.finish([]);
      signal.addEventListener('abort', onAbort);
      this.held = held;
    });
  }

  setWebhook(config: WebhookConfig, dropPending: boolean): void {
    if (dropPending) this.queue = [];
    this.webhookConfig = config;
    this.held?.finish(conflict('terminated by setWebhook request'));
    void this.deliver();
  }

  deleteWebhook(dropPending: boolean): void {
    if (dropPending) this.queue = [];
    this.webhookConfig = undefined;
    this.wakeDelivery?.();
  }

  close(): void {
    this.closed = true;
    this.shutdown.abort();
    this.held?.finish([]);
    this.wakeDelivery?.();
  }

  /** Delivers queued updates to the webhook one by one until the queue is empty. */
  private async deliver(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      let failures = 0;
      while (!this.closed && this.webhookConfig && this.queue.length > 0) {
        const hook = this.webhookConfig;
        const update = this.queue[0]!;
        const error = await this.post(hook, update);
        if (error === undefined) {
          failures = 0;
          if (this.queue[0] === update) this.queue.shift();
          continue;
        }
        hook.lastErrorDate = Math.floor(this.options.clock() / 1000);
        hook.lastErrorMessage = error;
        failures++;
        const delay = Math.min(this.options.webhookRetryMaxMs, this.options.webhookRetryBaseMs * 2 ** (failures - 1));
        await this.pause(delay);
      }
    } finally {
      this.delivering = false;
    }
  }

  /** Returns undefined on success, else Telegram-style last_error_message text. */
  private async post(hook: WebhookConfig, update: WireUpdate): Promise<string | undefined> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (hook.secretToken) headers['x-telegram-bot-api-secret-token'] = hook.secretToken;
    try {
      const response = await fetch(hook.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(update),
        signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.options.webhookTimeoutMs)]),
      });
      const body = await response.text();
      if (!response.ok) return `Wrong response from the webhook: ${response.status} ${response.statusText}`;
      await this.runWebhookReply(response.headers.get('content-type'), body);
      return undefined;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return cause === 'ECONNREFUSED' ? 'Connection refused' : `Connection failed: ${(error as Error).message}`;
    }
  }

  /** A webhook may answer with one method call in its body (grammY's webhook reply). */
  private async runWebhookReply(contentType: string | null, body: string): Promise<void> {
    if (!contentType?.includes('application/json') || body.length === 0) return;
    try {
      const call = JSON.parse(body) as unknown;
      if (call && typeof call === 'object' && typeof (call as { method?: unknown }).method === 'string') {
        await this.options.onWebhookReply(call as Record<string, unknown>);
      }
    } catch {
      // Telegram ignores unparsable webhook answers too.
    }
  }

  /** Waits before a retry; deleteWebhook and close() cut the wait short. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeDelivery = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeDelivery = done;
    });
  }
}
