/**
 * What the operators' console does to customers, beside the bot that shows
 * it: find a customer however an operator knows them, move money in or out
 * of their wallet with a reason they are told, refund an order, ban and
 * unban, and the audit log of every admin action.
 *
 * Money moves and the customer's notice are written in one transaction, so
 * a customer is told exactly when their money moved.
 */
import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { writeTransaction, type Db, type Sqlite } from '../db/client.js';
import { adminAudit, customerBans, orders, subscriptions, users, type AuditOutcome } from '../db/schema/index.js';
import { OPEN_STATES, type OrderRow } from './order-store.js';
import type { Orders } from './orders.js';
import type { Outbox } from './outbox.js';
import type { WalletAdjustment } from './outbox-events.js';
import type { User, Users } from './users.js';
import type { Wallet } from './wallet.js';

export type AuditRow = typeof adminAudit.$inferSelect;
export type BanRow = typeof customerBans.$inferSelect;

export interface AuditEntry {
  actorTelegramId: number;
  chatId: number | null;
  action: string;
  arguments: string;
  outcome: AuditOutcome;
  result: string;
  subjectUserId: number | null;
}

const MAX_AUDIT_TEXT = 1_000;

export function createAudit(deps: { db: Db; now?: () => number }) {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const insert = db
    .insert(adminAudit)
    .values({
      actorTelegramId: sql.placeholder('actorTelegramId'),
      chatId: sql.placeholder('chatId'),
      action: sql.placeholder('action'),
      arguments: sql.placeholder('arguments'),
      outcome: sql.placeholder('outcome'),
      result: sql.placeholder('result'),
      subjectUserId: sql.placeholder('subjectUserId'),
      createdAt: sql.placeholder('createdAt'),
    })
    .prepare();
  return {
    record(entry: AuditEntry): void {
      insert.run({
        ...entry,
        arguments: entry.arguments.slice(0, MAX_AUDIT_TEXT),
        result: entry.result.slice(0, MAX_AUDIT_TEXT),
        createdAt: now(),
      });
    },
    /** A customer's entries, newest first; pass the last id back as `beforeId` for older ones. */
    ofUser(userId: number, page: { limit: number; beforeId?: number }): AuditRow[] {
      return db
        .select()
        .from(adminAudit)
        .where(and(eq(adminAudit.subjectUserId, userId), lt(adminAudit.id, page.beforeId ?? Number.MAX_SAFE_INTEGER)))
        .orderBy(desc(adminAudit.id))
        .limit(page.limit)
        .all();
    },
    /** Newest first, everyone's. */
    latest(limit: number): AuditRow[] {
      return db.select().from(adminAudit).orderBy(desc(adminAudit.id)).limit(limit).all();
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;

/**
 * How long a ban lookup is reused. The bot and the API ask on every update and
 * every request, and each read of the database costs a lock round trip that is
 * a fifth of a `GET /balance`. A ban or unban made through this process clears
 * its entry at once; one made by another process on the same file is seen
 * within this time, the same bound as a token revoked elsewhere.
 */
export const BAN_CACHE_MS = 5_000;
const BAN_CACHE_MAX = 10_000;

export function createBans(deps: { db: Db; now?: () => number; cacheMs?: number }) {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const cacheMs = deps.cacheMs ?? BAN_CACHE_MS;
  // Prepared once, a primary-key lookup.
  const banQuery = db
    .select()
    .from(customerBans)
    .where(eq(customerBans.userId, sql.placeholder('userId')))
    .prepare();
  const banOfNow = (userId: number): BanRow | undefined => banQuery.get({ userId });
  const recent = new Map<number, { ban: BanRow | undefined; readAt: number }>();
  return {
    /** The customer's ban, read at most `BAN_CACHE_MS` ago: for the checks on every update and request. */
    banOf(userId: number): BanRow | undefined {
      const at = now();
      const cached = recent.get(userId);
      if (cached && at - cached.readAt < cacheMs) return cached.ban;
      const ban = banOfNow(userId);
      if (recent.size >= BAN_CACHE_MAX) recent.delete(recent.keys().next().value!);
      recent.set(userId, { ban, readAt: at });
      return ban;
    },
    /** The customer's ban as the database has it now: for what an operator reads. */
    banOfNow,
    isBanned: (userId: number): boolean => banOfNow(userId) !== undefined,
    /** False when the customer was banned already (the first reason stands). */
    ban(userId: number, reason: string, actor: string): boolean {
      const inserted = db.insert(customerBans).values({ userId, reason, bannedBy: actor, bannedAt: now() }).onConflictDoNothing().run();
      recent.delete(userId);
      return inserted.changes > 0;
    },
    /** False when the customer was not banned. */
    unban(userId: number): boolean {
      const removed = db.delete(customerBans).where(eq(customerBans.userId, userId)).run().changes > 0;
      recent.delete(userId);
      return removed;
    },
  };
}

export type Bans = ReturnType<typeof createBans>;

/** How an operator names a customer: a Telegram id, an @username, an order id or a proxy host. */
export type CustomerRef =
  | { kind: 'telegram_id'; telegramId: number }
  | { kind: 'username'; username: string }
  | { kind: 'order'; orderId: string }
  | { kind: 'host'; host: string };

export function parseCustomerRef(text: string | undefined): CustomerRef | undefined {
  const ref = text?.trim();
  if (!ref) return undefined;
  if (/^\d{1,15}$/.test(ref)) return { kind: 'telegram_id', telegramId: Number(ref) };
  if (/^@[A-Za-z0-9_]{1,64}$/.test(ref)) return { kind: 'username', username: ref.slice(1) };
  if (/^ord_[A-Za-z0-9]{1,40}$/.test(ref)) return { kind: 'order', orderId: ref };
  if (/^[A-Za-z0-9.:[\]-]{1,255}$/.test(ref)) return { kind: 'host', host: ref };
  return undefined;
}

export function createCustomerLookup(deps: { db: Db; users: Pick<Users, 'byTelegramId' | 'byId'>; orders: Pick<Orders, 'order'> }) {
  const { db } = deps;
  return (ref: CustomerRef): User | undefined => {
    switch (ref.kind) {
      case 'telegram_id':
        return deps.users.byTelegramId(ref.telegramId);
      case 'username':
        return db.select().from(users).where(sql`lower(${users.username}) = lower(${ref.username})`).get();
      case 'order': {
        const order = deps.orders.order(ref.orderId);
        return order ? deps.users.byId(order.userId) : undefined;
      }
      case 'host': {
        const sub = db.select({ userId: subscriptions.userId }).from(subscriptions).where(eq(subscriptions.host, ref.host)).get();
        return sub ? deps.users.byId(sub.userId) : undefined;
      }
    }
  };
}

export interface MoneyAdjustmentDeps {
  sqlite: Sqlite;
  wallet: Pick<Wallet, 'adjust'>;
  orders: Pick<Orders, 'refund' | 'order'>;
  outbox: Outbox;
}

/**
 * Money an operator moves by hand, each with the customer's notice in the
 * same transaction. A debit never takes a wallet below zero (the ledger
 * refuses it with `insufficient_funds`); a refund never exceeds what the
 * order captured.
 */
export function createMoneyAdjustments(deps: MoneyAdjustmentDeps) {
  const { sqlite, outbox } = deps;
  const tell = (userId: number, change: WalletAdjustment, amountCents: number, reason: string, orderId: string | null, key: string) =>
    outbox.enqueue({
      audience: 'user',
      userId,
      kind: 'wallet_adjusted',
      payload: { change, amountCents, reason, orderId },
      dedupeKey: `adjusted:${key}`,
    });

  return {
    /** Positive credits, negative debits. `key` makes a repeated command a no-op. */
    adjust(input: { userId: number; amountCents: number; key: string; actor: string; reason: string }) {
      return writeTransaction(sqlite, () => {
        const result = deps.wallet.adjust({
          userId: input.userId,
          amountCents: input.amountCents,
          adjustmentKey: input.key,
          actor: input.actor,
          reason: input.reason,
        });
        if (!result.replayed) {
          const change = input.amountCents > 0 ? 'credit' : 'debit';
          tell(input.userId, change, Math.abs(input.amountCents), input.reason, null, `adjust:${input.key}`);
        }
        return result;
      });
    },

    /** All that is left of an order's price, or `amountCents`; the customer hears `customerReason` when it differs from the ledger's. */
    refund(input: { orderId: string; amountCents?: number; key: string; actor: string; reason: string; customerReason?: string }) {
      return writeTransaction(sqlite, () => {
        const result = deps.orders.refund({
          orderId: input.orderId,
          ...(input.amountCents === undefined ? {} : { amountCents: input.amountCents }),
          refundKey: input.key,
          actor: input.actor,
          reason: input.reason,
        });
        const order = deps.orders.order(input.orderId)!;
        if (!result.replayed)
          tell(
            order.userId,
            'refund',
            result.amountCents,
            input.customerReason ?? input.reason,
            order.id,
            `refund:${order.id}:${input.key}`,
          );
        return result;
      });
    },
  };
}

export type MoneyAdjustments = ReturnType<typeof createMoneyAdjustments>;

/** Which orders `/orders` lists. */
export type OrderListFilter = { kind: 'open' } | { kind: 'failed' } | { kind: 'today'; since: number } | { kind: 'user'; userId: number };

/** Orders for the operators' lists, newest first, a page at a time (one extra row tells whether more follow). */
export function createOrderListing(db: Db) {
  const where = (filter: OrderListFilter) => {
    switch (filter.kind) {
      case 'open':
        return inArray(orders.state, OPEN_STATES);
      case 'failed':
        return eq(orders.state, 'failed');
      case 'today':
        return gte(orders.createdAt, filter.since);
      case 'user':
        return eq(orders.userId, filter.userId);
    }
  };
  return (filter: OrderListFilter, page: number, pageSize: number): { items: OrderRow[]; more: boolean } => {
    const rows = db
      .select()
      .from(orders)
      .where(where(filter))
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(pageSize + 1)
      .offset(page * pageSize)
      .all();
    return { items: rows.slice(0, pageSize), more: rows.length > pageSize };
  };
}

export type OrderListing = ReturnType<typeof createOrderListing>;
