/**
 * Outgoing webhooks: API customers register URLs and receive signed events
 * about their orders, proxies and balance.
 *
 * - `emit` only writes rows: one delivery per active endpoint that wants
 *   the event, in the caller's transaction when there is one (better-sqlite3
 *   runs everything on one connection, so a call inside `writeTransaction`
 *   or `db.transaction` commits or rolls back with it). Nothing on the
 *   saga's path waits for a receiver.
 * - `deliverDue` (a scheduler job) sends what is due with a small pool of
 *   workers, each POST bounded by a timeout. A delivery is claimed before it
 *   is sent by moving its due time past the timeout, so overlapping runs
 *   never send it twice and a crash mid-send only delays it (no lease).
 * - A failed attempt is retried after 1 min, 5 min, 30 min, 2 h and 6 h;
 *   after the sixth try the delivery is given up and stays in the log.
 *
 * Signing (also in docs/webhooks.md): every request carries
 *   X-Webhook-Id: whd_…            the same on every retry of one delivery
 *   X-Webhook-Event: order.delivered
 *   X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
 * keyed by the endpoint's secret (`whsec_…`, shown once at registration).
 */
import { randomBytes } from 'node:crypto';
import { and, asc, count, desc, eq, inArray, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Db, Sqlite } from '../db/client.js';
import { writeTransaction } from '../db/client.js';
import { webhookAttempts, webhookDeliveries, webhookEndpoints, type WebhookDeliveryState } from '../db/schema/index.js';
import { newId } from '../domain/ids.js';
import { silentLogger, type Logger } from '../logger.js';
import { checkWebhookUrl, type UrlRefusal } from './url-guard.js';
import { EVENT_HEADER, ID_HEADER, postWebhook, SIGNATURE_HEADER, signatureHeader, type PostOutcome } from './webhook-delivery.js';

export const WEBHOOK_EVENT_TYPES = [
  'order.delivered',
  'order.failed',
  'proxy.expiring',
  'proxy.renewed',
  'proxy.expired',
  'balance.low',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event sent by "send a test event"; never emitted by the shop itself. */
export const TEST_EVENT_TYPE = 'webhook.test';
export type DeliveryEventType = WebhookEventType | typeof TEST_EVENT_TYPE;

/**
 * What the shop reports, one variant per event type. Payloads carry ids and
 * amounts, never proxy credentials: a receiver fetches those over the
 * authenticated API (GET /proxies/:id), so a leaked webhook log leaks none.
 */
export type WebhookEvent =
  | {
      type: 'order.delivered';
      order: { id: string; kind: 'purchase' | 'renewal'; providerId: string; priceCents: number; proxyIds: string[] };
    }
  | {
      type: 'order.failed';
      /** `reason` is the saga's failure code; the hold was released, nothing was charged. */
      order: { id: string; kind: 'purchase' | 'renewal'; providerId: string; priceCents: number; reason: string };
    }
  | { type: 'proxy.expiring'; proxy: { id: string; expiresAt: string; autoRenew: boolean }; hoursLeft: number }
  | { type: 'proxy.renewed'; proxy: { id: string; expiresAt: string | null }; orderId: string }
  | { type: 'proxy.expired'; proxy: { id: string; expiredAt: string } }
  | {
      type: 'balance.low';
      balance: { availableCents: number; thresholdCents: number };
      /** What took the balance below the threshold (e.g. `hold:<order id>`): one event per cause. */
      cause: string;
    };

/** Tries in all: the first and five retries. */
export const MAX_ATTEMPTS = 6;
/** Wait before retry n (after failed try n). */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 6 * 3_600_000] as const;
export const MAX_ENDPOINTS_PER_USER = 5;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONCURRENCY = 8;
/** Deliveries one `deliverDue` run sends at most; the rest wait for the next run. */
export const DEFAULT_MAX_PER_RUN = 200;
export const DEFAULT_LOW_BALANCE_CENTS = 500;
/** Older finished deliveries leave the log. */
export const LOG_RETENTION_MS = 30 * 24 * 3_600_000;

export type WebhookRefusal = UrlRefusal | 'invalid_events' | 'too_many_endpoints';

export interface EndpointInfo {
  id: string;
  url: string;
  events: WebhookEventType[];
  createdAt: number;
}

export interface AttemptInfo {
  attempt: number;
  at: number;
  durationMs: number;
  status: number | null;
  error: string | null;
}

export interface DeliveryInfo {
  seq: number;
  id: string;
  endpointId: string;
  eventType: DeliveryEventType;
  state: WebhookDeliveryState;
  attempts: AttemptInfo[];
  /** When the next try is due; null once delivered, given up or cancelled. */
  nextAttemptAt: number | null;
  deliveredAt: number | null;
  createdAt: number;
  body: string;
}

export interface DeliveryRun {
  sent: number;
  delivered: number;
  retrying: number;
  gaveUp: number;
}

export interface WebhooksDeps {
  db: Db;
  sqlite: Sqlite;
  /** WEBHOOKS_ALLOW_PRIVATE: only the sandbox and tests deliver to loopback or private networks. */
  allowPrivateUrls: boolean;
  now?: () => number;
  logger?: Logger;
  timeoutMs?: number;
  concurrency?: number;
  maxPerRun?: number;
  /** Below this available balance a customer gets `balance.low`; default $5. */
  lowBalanceCents?: number;
}

type EndpointRow = typeof webhookEndpoints.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type Writer = Pick<Db, 'select' | 'insert'>;

const iso = (ms: number) => new Date(ms).toISOString();

/** The natural identity of an event: emitting it again (a replayed saga step) enqueues nothing. */
function eventKey(event: WebhookEvent): string {
  switch (event.type) {
    case 'order.delivered':
    case 'order.failed':
      return `${event.type}:${event.order.id}`;
    case 'proxy.expiring':
      return `${event.type}:${event.proxy.id}:${event.proxy.expiresAt}:${event.hoursLeft}`;
    case 'proxy.renewed':
      return `${event.type}:${event.proxy.id}:${event.orderId}`;
    case 'proxy.expired':
      return `${event.type}:${event.proxy.id}:${event.proxy.expiredAt}`;
    case 'balance.low':
      return `${event.type}:${event.cause}`;
  }
}

/** The `data` object of the wire body: snake_case and `*_cents`, like the REST API. */
function wireData(event: WebhookEvent): Record<string, unknown> {
  switch (event.type) {
    case 'order.delivered':
      return {
        order: {
          id: event.order.id,
          kind: event.order.kind,
          provider: event.order.providerId,
          price_cents: event.order.priceCents,
          proxy_ids: event.order.proxyIds,
        },
      };
    case 'order.failed':
      return {
        order: {
          id: event.order.id,
          kind: event.order.kind,
          provider: event.order.providerId,
          price_cents: event.order.priceCents,
          reason: event.order.reason,
        },
      };
    case 'proxy.expiring':
      return {
        proxy: { id: event.proxy.id, expires_at: event.proxy.expiresAt, auto_renew: event.proxy.autoRenew },
        hours_left: event.hoursLeft,
      };
    case 'proxy.renewed':
      return { proxy: { id: event.proxy.id, expires_at: event.proxy.expiresAt }, order_id: event.orderId };
    case 'proxy.expired':
      return { proxy: { id: event.proxy.id, expired_at: event.proxy.expiredAt } };
    case 'balance.low':
      return { balance: { available_cents: event.balance.availableCents, threshold_cents: event.balance.thresholdCents } };
  }
}

function wireBody(id: string, type: DeliveryEventType, at: number, data: Record<string, unknown>): string {
  return JSON.stringify({ id, type, created_at: iso(at), data });
}

function parseEvents(stored: string): WebhookEventType[] {
  const words = new Set(stored.split(' '));
  return WEBHOOK_EVENT_TYPES.filter((t) => words.has(t));
}

function toEndpointInfo(row: EndpointRow): EndpointInfo {
  return { id: row.id, url: row.url, events: parseEvents(row.events), createdAt: row.createdAt };
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * The next pending delivery due by `dueBy` (the worker's per-claim query,
 * served by the partial index on pending due times), or a given one.
 */
export function dueDeliveryQuery(db: Db, which: { dueBy: number } | { seq: number }) {
  return db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(
      and(
        eq(webhookDeliveries.state, 'pending'),
        'seq' in which ? eq(webhookDeliveries.seq, which.seq) : lte(webhookDeliveries.nextAttemptAt, which.dueBy),
      ),
    )
    .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.seq))
    .limit(1);
}

export function createWebhooks(deps: WebhooksDeps) {
  const { db, sqlite, allowPrivateUrls } = deps;
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const concurrency = Math.max(1, deps.concurrency ?? DEFAULT_CONCURRENCY);
  const maxPerRun = Math.max(1, deps.maxPerRun ?? DEFAULT_MAX_PER_RUN);
  const lowBalanceCents = deps.lowBalanceCents ?? DEFAULT_LOW_BALANCE_CENTS;
  // A claim outlives the attempt it covers, so a delivery is never sent by two runs at once.
  const claimMs = timeoutMs + 60_000;
  const inFlight = new Set<Promise<unknown>>();

  const activeEndpoint = (userId: number, endpointId: string): EndpointRow | undefined =>
    db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.userId, userId), isNull(webhookEndpoints.deletedAt)))
      .get();

  const enqueue = (
    writer: Writer,
    endpoint: Pick<EndpointRow, 'id'>,
    type: DeliveryEventType,
    key: string,
    data: Record<string, unknown>,
  ): DeliveryRow | undefined => {
    const at = now();
    const id = newId('whd');
    return writer
      .insert(webhookDeliveries)
      .values({
        id,
        endpointId: endpoint.id,
        eventType: type,
        eventKey: key,
        body: wireBody(id, type, at, data),
        nextAttemptAt: at,
        createdAt: at,
      })
      .onConflictDoNothing()
      .returning()
      .get();
  };

  /** Takes one due delivery (or the given one) for sending; undefined when there is none. */
  const claim = (seq?: number): { delivery: DeliveryRow; endpoint: EndpointRow } | undefined =>
    writeTransaction(sqlite, () => {
      const at = now();
      const row = dueDeliveryQuery(db, seq === undefined ? { dueBy: at } : { seq }).get();
      if (!row) return undefined;
      const claimed = db
        .update(webhookDeliveries)
        .set({ attempts: sql`${webhookDeliveries.attempts} + 1`, nextAttemptAt: at + claimMs })
        .where(eq(webhookDeliveries.seq, row.delivery.seq))
        .returning()
        .get();
      return { delivery: claimed, endpoint: row.endpoint };
    });

  /**
   * Queues `event` for every active endpoint of the user that wants it;
   * synchronous, so it can run inside the caller's transaction (pass the
   * drizzle `tx` when the caller has one; plain better-sqlite3
   * transactions on the same connection include it anyway). Returns how
   * many deliveries were queued (0 for a replayed event).
   */
  const emit = (userId: number, event: WebhookEvent, tx: Writer = db): number => {
    const endpoints = tx
      .select({ id: webhookEndpoints.id, events: webhookEndpoints.events })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.userId, userId), isNull(webhookEndpoints.deletedAt)))
      .all();
    const key = eventKey(event);
    let queued = 0;
    for (const endpoint of endpoints) {
      if (!parseEvents(endpoint.events).includes(event.type)) continue;
      if (enqueue(tx, endpoint, event.type, key, wireData(event))) queued++;
    }
    return queued;
  };

  type AttemptResult = 'delivered' | 'retrying' | 'gave_up';

  const attempt = async (delivery: DeliveryRow, endpoint: EndpointRow): Promise<AttemptResult> => {
    const startedAt = now();
    const outcome: PostOutcome = await postWebhook({
      url: endpoint.url,
      body: delivery.body,
      headers: {
        [ID_HEADER]: delivery.id,
        [EVENT_HEADER]: delivery.eventType,
        [SIGNATURE_HEADER]: signatureHeader(endpoint.secret, delivery.body, Math.floor(startedAt / 1000)),
      },
      timeoutMs,
      allowPrivate: allowPrivateUrls,
    });
    const ok = outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300;
    const status = outcome.kind === 'answered' ? outcome.status : null;
    const error = ok ? null : outcome.kind === 'answered' ? `answered ${outcome.status}` : outcome.error;
    // A test event is tried once: the customer is watching and can press again.
    const limit = delivery.eventType === TEST_EVENT_TYPE ? 1 : MAX_ATTEMPTS;
    const result: AttemptResult = ok ? 'delivered' : delivery.attempts >= limit ? 'gave_up' : 'retrying';
    const finishedAt = now();
    writeTransaction(sqlite, () => {
      db.insert(webhookAttempts)
        .values({ deliverySeq: delivery.seq, attempt: delivery.attempts, at: startedAt, durationMs: outcome.durationMs, status, error })
        .onConflictDoNothing()
        .run();
      db.update(webhookDeliveries)
        .set({
          state: result === 'delivered' ? 'delivered' : result === 'gave_up' ? 'failed' : 'pending',
          nextAttemptAt: result === 'retrying' ? finishedAt + RETRY_DELAYS_MS[delivery.attempts - 1]! : finishedAt,
          lastStatus: status,
          lastError: error,
          ...(ok ? { deliveredAt: finishedAt } : {}),
        })
        // Only while still ours: a customer may have removed the endpoint meanwhile (cancelled stays cancelled).
        .where(and(eq(webhookDeliveries.seq, delivery.seq), eq(webhookDeliveries.state, 'pending')))
        .run();
    });
    if (result === 'gave_up') {
      // The URL is the customer's and may carry a token in its path or query: only ids are logged.
      logger.warn('webhook delivery given up', { deliveryId: delivery.id, endpointId: endpoint.id, attempts: delivery.attempts, error });
    }
    return result;
  };

  const tracked = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };

  const attemptsOf = (seqs: number[]): Map<number, AttemptInfo[]> => {
    const bySeq = new Map<number, AttemptInfo[]>();
    if (seqs.length === 0) return bySeq;
    const rows = db
      .select()
      .from(webhookAttempts)
      .where(inArray(webhookAttempts.deliverySeq, seqs))
      .orderBy(asc(webhookAttempts.attempt))
      .all();
    for (const row of rows) {
      const list = bySeq.get(row.deliverySeq) ?? [];
      list.push({ attempt: row.attempt, at: row.at, durationMs: row.durationMs, status: row.status, error: row.error });
      bySeq.set(row.deliverySeq, list);
    }
    return bySeq;
  };

  const toDeliveryInfo = (row: DeliveryRow, attempts: AttemptInfo[]): DeliveryInfo => ({
    seq: row.seq,
    id: row.id,
    endpointId: row.endpointId,
    eventType: row.eventType as DeliveryEventType,
    state: row.state,
    attempts,
    nextAttemptAt: row.state === 'pending' ? row.nextAttemptAt : null,
    deliveredAt: row.deliveredAt,
    createdAt: row.createdAt,
    body: row.body,
  });

  return {
    /**
     * Registers a URL for `events` (all of them when absent). The URL is
     * checked, its host resolved, and every address must be public unless
     * the sandbox allows private ones. The secret is returned here only.
     */
    async register(
      userId: number,
      input: { url: string; events?: readonly WebhookEventType[] },
    ): Promise<{ ok: true; endpoint: EndpointInfo; secret: string } | { ok: false; reason: WebhookRefusal; message: string }> {
      const events = input.events ?? WEBHOOK_EVENT_TYPES;
      if (events.length === 0 || events.some((e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e))) {
        return { ok: false, reason: 'invalid_events', message: `choose events among ${WEBHOOK_EVENT_TYPES.join(', ')}` };
      }
      const checked = await checkWebhookUrl(input.url.trim(), allowPrivateUrls);
      if (!checked.ok) return checked;
      const secret = newSecret();
      const id = newId('whe');
      const row = writeTransaction(sqlite, () => {
        const active =
          db
            .select({ n: count() })
            .from(webhookEndpoints)
            .where(and(eq(webhookEndpoints.userId, userId), isNull(webhookEndpoints.deletedAt)))
            .get()?.n ?? 0;
        if (active >= MAX_ENDPOINTS_PER_USER) return undefined;
        return db
          .insert(webhookEndpoints)
          .values({
            id,
            userId,
            url: checked.url.toString(),
            secret,
            events: WEBHOOK_EVENT_TYPES.filter((t) => events.includes(t)).join(' '),
            createdAt: now(),
          })
          .returning()
          .get();
      });
      if (!row) {
        return { ok: false, reason: 'too_many_endpoints', message: `at most ${MAX_ENDPOINTS_PER_USER} webhook URLs; remove one first` };
      }
      return { ok: true, endpoint: toEndpointInfo(row), secret };
    },

    /** The user's active endpoints, oldest first. */
    list(userId: number): EndpointInfo[] {
      return db
        .select()
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.userId, userId), isNull(webhookEndpoints.deletedAt)))
        .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id))
        .all()
        .map(toEndpointInfo);
    },

    get(userId: number, endpointId: string): EndpointInfo | undefined {
      const row = activeEndpoint(userId, endpointId);
      return row ? toEndpointInfo(row) : undefined;
    },

    /** Removes one of the user's endpoints and cancels what it still had to receive; false when it is not theirs. */
    remove(userId: number, endpointId: string): boolean {
      return writeTransaction(sqlite, () => {
        const removed = db
          .update(webhookEndpoints)
          .set({ deletedAt: now() })
          .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.userId, userId), isNull(webhookEndpoints.deletedAt)))
          .run();
        if (removed.changes === 0) return false;
        db.update(webhookDeliveries)
          .set({ state: 'cancelled', lastError: 'the endpoint was removed' })
          .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.state, 'pending')))
          .run();
        return true;
      });
    },

    emit,

    /**
     * Emits `balance.low` when a debit (a purchase's hold) took the user's
     * available balance from at or above the threshold to below it: once
     * per crossing, not on every purchase made while already low.
     */
    balanceDebited(userId: number, debit: { availableAfterCents: number; debitCents: number; cause: string }, tx: Writer = db): number {
      const before = debit.availableAfterCents + debit.debitCents;
      if (!(debit.availableAfterCents < lowBalanceCents && before >= lowBalanceCents)) return 0;
      return emit(
        userId,
        {
          type: 'balance.low',
          balance: { availableCents: debit.availableAfterCents, thresholdCents: lowBalanceCents },
          cause: debit.cause,
        },
        tx,
      );
    },

    /**
     * Sends a `webhook.test` event to the endpoint now and answers with the
     * logged delivery; bounded by the delivery timeout. Undefined when the
     * endpoint is not the user's.
     */
    async sendTest(userId: number, endpointId: string): Promise<DeliveryInfo | undefined> {
      const endpoint = activeEndpoint(userId, endpointId);
      if (!endpoint) return undefined;
      const row = enqueue(db, endpoint, TEST_EVENT_TYPE, `test:${newId('t')}`, { message: 'a test event from the proxy shop' });
      if (!row) return undefined;
      const claimed = claim(row.seq);
      if (claimed) await tracked(attempt(claimed.delivery, claimed.endpoint));
      const fresh = db.select().from(webhookDeliveries).where(eq(webhookDeliveries.seq, row.seq)).get()!;
      return toDeliveryInfo(fresh, attemptsOf([fresh.seq]).get(fresh.seq) ?? []);
    },

    /**
     * The endpoint's delivery log, newest first, with every attempt. Also
     * for removed endpoints, so the customer can still read what happened.
     */
    deliveries(
      userId: number,
      endpointId: string,
      page: { limit: number; beforeSeq?: number },
    ): { entries: DeliveryInfo[]; nextCursor: number | null } | undefined {
      const owner = db
        .select({ id: webhookEndpoints.id })
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.userId, userId)))
        .get();
      if (!owner) return undefined;
      const rows = db
        .select()
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.endpointId, endpointId),
            page.beforeSeq === undefined ? undefined : lt(webhookDeliveries.seq, page.beforeSeq),
          ),
        )
        .orderBy(desc(webhookDeliveries.seq))
        .limit(page.limit + 1)
        .all();
      const entries = rows.slice(0, page.limit);
      const attempts = attemptsOf(entries.map((r) => r.seq));
      return {
        entries: entries.map((r) => toDeliveryInfo(r, attempts.get(r.seq) ?? [])),
        nextCursor: rows.length > page.limit ? entries[entries.length - 1]!.seq : null,
      };
    },

    /**
     * The scheduler's job: sends due deliveries with at most `concurrency`
     * requests at a time and at most `maxPerRun` in one run.
     */
    async deliverDue(): Promise<DeliveryRun> {
      const run: DeliveryRun = { sent: 0, delivered: 0, retrying: 0, gaveUp: 0 };
      const worker = async () => {
        while (run.sent < maxPerRun) {
          const next = claim();
          if (!next) return;
          run.sent++;
          const result = await tracked(attempt(next.delivery, next.endpoint));
          if (result === 'delivered') run.delivered++;
          else if (result === 'retrying') run.retrying++;
          else run.gaveUp++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return run;
    },

    /** Deletes finished deliveries older than the retention, a bounded number per call. */
    pruneLog(limit = 1_000): number {
      const cutoff = now() - LOG_RETENTION_MS;
      return writeTransaction(sqlite, () => {
        const old = db
          .select({ seq: webhookDeliveries.seq })
          .from(webhookDeliveries)
          .where(and(inArray(webhookDeliveries.state, ['delivered', 'failed', 'cancelled']), lt(webhookDeliveries.createdAt, cutoff)))
          .limit(limit)
          .all()
          .map((r) => r.seq);
        if (old.length === 0) return 0;
        return db.delete(webhookDeliveries).where(inArray(webhookDeliveries.seq, old)).run().changes;
      });
    },

    /** Waits for attempts in flight (shutdown, before the database closes). */
    async drain(): Promise<void> {
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
