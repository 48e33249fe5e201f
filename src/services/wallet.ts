/**
 * The customers' wallets: a double-entry ledger in integer cents.
 *
 * Every movement is an immutable transfer from one account to another, so
 * money is never created or destroyed, only moved. A purchase first places a
 * pending hold on the wallet, which is later captured (the shop earns it) or
 * voided (the customer gets it back). Transfer ids are deterministic
 * ('hold:<order>', 'topup:stars:<charge id>'…), so repeating a step after a
 * retry or a crash writes nothing new.
 *
 * Every statement is a drizzle query prepared once: every purchase goes
 * through here twice, and building the SQL per call would show.
 */
import { and, asc, desc, eq, gte, lt, ne, sql, type SQLWrapper } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { settleTransaction, writeTransaction } from '../db/client.js';
import { cachedUntilChange } from '../db/read-cache.js';
import { ledgerAccounts, ledgerTransfers } from '../db/schema/index.js';
import { MAX_AMOUNT_CENTS, isValidAmount } from '../domain/money.js';

export type LedgerErrorCode =
  | 'invalid_amount'
  | 'invalid_input'
  | 'unknown_user'
  | 'insufficient_funds'
  | 'hold_not_found'
  | 'already_captured'
  | 'already_voided'
  | 'not_captured'
  | 'refund_exceeds_capture'
  | 'idempotency_conflict';

/** A refusal: nothing was written. */
export class LedgerError extends Error {
  override name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type TopUpMethod = 'stars' | 'cryptopay' | 'manual' | 'card';

export interface TopUpCorrection {
  userId: number;
  method: TopUpMethod;
  externalId: string;
  amountCents: number;
  actor: string;
  reason: string;
}

export interface Balance {
  readonly availableCents: number;
  readonly heldCents: number;
}

export interface TransferResult {
  transferId: string;
  /** True when the transfer already existed: the call changed nothing. */
  replayed: boolean;
  amountCents: number;
  balance: Balance;
}

export interface HistoryEntry {
  seq: number;
  transferId: string;
  at: number;
  category: TransferCategory;
  kind: TransferKind;
  /** How the transfer changed the customer's available money (negative = less). */
  availableChangeCents: number;
  /** How it changed the money held for unfinished orders. */
  heldChangeCents: number;
  orderId: string | null;
  reason: string | null;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Pass as `beforeSeq` for the next (older) page; null at the end. */
  nextCursor: number | null;
}

export type TransferRow = typeof ledgerTransfers.$inferSelect;
export type AccountRow = typeof ledgerAccounts.$inferSelect;
type TransferKind = TransferRow['kind'];
type TransferCategory = TransferRow['category'];
type AccountKind = AccountRow['kind'];

/**
 * An account's available money, as the database's generated column computes
 * it. Never NULL (every input is NOT NULL), though drizzle types generated
 * columns as nullable.
 */
const availableOf = (account: AccountRow): number => account.available ?? 0;

interface NewTransfer {
  id: string;
  kind: TransferKind;
  category: TransferCategory;
  debit: string;
  credit: string;
  amount: number;
  pendingId?: string;
  userId: number | null;
  orderId?: string;
  actor: string;
  reason?: string;
}

export const walletAccountId = (userId: number) => `wallet:${userId}`;
const REVENUE = 'revenue';
const ADJUSTMENTS = 'adjustments';
const UPSTREAM_COST = 'upstream_cost';
/** Where referral rewards come from (and go back to when a refund reverses one). */
const MARKETING = 'marketing';
/** Pays discounts (to revenue, so revenue and margins stay true) and gift codes (to wallets). */
const PROMOTIONS = 'promotions';
const topUpClearing = (method: TopUpMethod) => `topup:${method}`;
const upstreamAccount = (provider: string) => `upstream:${provider}`;

export const holdId = (orderId: string) => `hold:${orderId}`;
export const captureId = (orderId: string) => `capture:${orderId}`;
export const voidId = (orderId: string) => `void:${orderId}`;

const MAX_KEY_LENGTH = 200;
const MAX_REASON_LENGTH = 500;

export interface WalletOptions {
  now?: () => number;
}

export function createWallet(db: Db, options: WalletOptions = {}) {
  const now = options.now ?? Date.now;
  const sqlite = db.$client;
  const placeholder = sql.placeholder;

  /** The cached totals move by these amounts (signed) in one statement: every write to the cache goes through here. */
  const moveBy = (column: SQLWrapper, name: string) => sql`${column} + ${placeholder(name)}`;

  const stmt = {
    account: db
      .select()
      .from(ledgerAccounts)
      .where(eq(ledgerAccounts.id, placeholder('id')))
      .prepare(),
    // A fixed account or a wallet that exists already is left as it is.
    insertAccount: db
      .insert(ledgerAccounts)
      .values({ id: placeholder('id'), kind: placeholder('kind'), userId: placeholder('userId') })
      .onConflictDoNothing()
      .prepare(),
    transfer: db
      .select()
      .from(ledgerTransfers)
      .where(eq(ledgerTransfers.id, placeholder('id')))
      .prepare(),
    resolutionOf: db
      .select()
      .from(ledgerTransfers)
      .where(eq(ledgerTransfers.pendingId, placeholder('pendingId')))
      .prepare(),
    insertTransfer: db
      .insert(ledgerTransfers)
      .values({
        id: placeholder('id'),
        kind: placeholder('kind'),
        category: placeholder('category'),
        debitAccountId: placeholder('debit'),
        creditAccountId: placeholder('credit'),
        amountCents: placeholder('amount'),
        pendingId: placeholder('pendingId'),
        userId: placeholder('userId'),
        orderId: placeholder('orderId'),
        actor: placeholder('actor'),
        reason: placeholder('reason'),
        createdAt: placeholder('createdAt'),
      })
      .prepare(),
    moveTotals: db
      .update(ledgerAccounts)
      .set({
        debitsPosted: moveBy(ledgerAccounts.debitsPosted, 'debitsPosted'),
        creditsPosted: moveBy(ledgerAccounts.creditsPosted, 'creditsPosted'),
        debitsPending: moveBy(ledgerAccounts.debitsPending, 'debitsPending'),
        creditsPending: moveBy(ledgerAccounts.creditsPending, 'creditsPending'),
      })
      .where(eq(ledgerAccounts.id, placeholder('id')))
      .prepare(),
    /** Refunds of an order are 'refund:<order>:<key>': a range of the unique id index (';' follows ':'). */
    refundedForOrder: db
      .select({ total: sql<number | null>`sum(${ledgerTransfers.amountCents})` })
      .from(ledgerTransfers)
      .where(and(gte(ledgerTransfers.id, placeholder('from')), lt(ledgerTransfers.id, placeholder('to'))))
      .prepare(),
    history: db
      .select()
      .from(ledgerTransfers)
      .where(
        and(
          eq(ledgerTransfers.userId, placeholder('userId')),
          lt(ledgerTransfers.seq, placeholder('beforeSeq')),
          ne(ledgerTransfers.category, 'upstream_cost'),
        ),
      )
      .orderBy(desc(ledgerTransfers.seq))
      .limit(placeholder('limit'))
      .prepare(),
    allTransfers: db.select().from(ledgerTransfers).orderBy(asc(ledgerTransfers.seq)).prepare(),
    allAccounts: db.select().from(ledgerAccounts).prepare(),
  };

  const insertAccount = (id: string, kind: AccountKind, userId: number | null) => stmt.insertAccount.run({ id, kind, userId });
  const move = (id: string, debitsPosted: number, creditsPosted: number, debitsPending: number, creditsPending: number) =>
    stmt.moveTotals.run({ id, debitsPosted, creditsPosted, debitsPending, creditsPending });
  const refundedForOrder = (orderId: string) =>
    stmt.refundedForOrder.get({ from: `refund:${orderId}:`, to: `refund:${orderId};` })?.total ?? 0;

  // The shop's own fixed accounts exist before any transfer, so the hot path never inserts them.
  const FIXED_ACCOUNTS: Array<[string, AccountKind]> = [
    [REVENUE, 'revenue'],
    [ADJUSTMENTS, 'adjustments'],
    [UPSTREAM_COST, 'upstream_cost'],
    [MARKETING, 'marketing'],
    ...(['stars', 'cryptopay', 'manual', 'card'] as const).map((m): [string, AccountKind] => [topUpClearing(m), 'topup_clearing']),
    [PROMOTIONS, 'promotions'],
  ];
  for (const [id, kind] of FIXED_ACCOUNTS) insertAccount(id, kind, null);

  /** An account per upstream appears the first time we record a cost there. */
  const upstreamAccountFor = (provider: string) => {
    const id = upstreamAccount(provider);
    insertAccount(id, 'upstream', null);
    return id;
  };

  const requireWallet = (userId: number): AccountRow => {
    if (!Number.isSafeInteger(userId) || userId <= 0) {
      throw new LedgerError('unknown_user', `unknown user ${String(userId)}`);
    }
    const account = stmt.account.get({ id: walletAccountId(userId) });
    if (!account) throw new LedgerError('unknown_user', `unknown user ${userId}`);
    return account;
  };

  // Read on every menu and every `GET /balance`; served from memory until the database changes.
  const balanceOf = cachedUntilChange(sqlite, (userId: number): Balance => {
    const account = stmt.account.get({ id: walletAccountId(userId) });
    if (!account) throw new LedgerError('unknown_user', `unknown user ${userId}`);
    // Frozen: the same object is handed to every caller until the balance changes.
    return Object.freeze({ availableCents: availableOf(account), heldCents: account.debitsPending });
  });

  /** Moves the cached totals of both accounts for one new transfer. */
  const applyToAccounts = (t: NewTransfer) => {
    const a = t.amount;
    switch (t.kind) {
      case 'posted':
        move(t.debit, a, 0, 0, 0);
        move(t.credit, 0, a, 0, 0);
        break;
      case 'pending':
        move(t.debit, 0, 0, a, 0);
        move(t.credit, 0, 0, 0, a);
        break;
      case 'post_pending':
        move(t.debit, a, 0, -a, 0);
        move(t.credit, 0, a, 0, -a);
        break;
      case 'void_pending':
        move(t.debit, 0, 0, -a, 0);
        move(t.credit, 0, 0, 0, -a);
        break;
    }
  };

  const insert = (t: NewTransfer) => {
    stmt.insertTransfer.run({
      id: t.id,
      kind: t.kind,
      category: t.category,
      debit: t.debit,
      credit: t.credit,
      amount: t.amount,
      pendingId: t.pendingId ?? null,
      userId: t.userId,
      orderId: t.orderId ?? null,
      actor: t.actor,
      reason: t.reason ?? null,
      createdAt: now(),
    });
    applyToAccounts(t);
  };

  /**
   * The same id again: a no-op when it describes the same movement, a refusal
   * when someone reused an id for a different one.
   */
  const replayOf = (t: NewTransfer): TransferRow | undefined => {
    const existing = stmt.transfer.get({ id: t.id });
    if (!existing) return undefined;
    const same =
      existing.kind === t.kind &&
      existing.debitAccountId === t.debit &&
      existing.creditAccountId === t.credit &&
      existing.amountCents === t.amount;
    if (!same) throw new LedgerError('idempotency_conflict', `transfer ${t.id} already exists with other details`);
    return existing;
  };

  const result = (id: string, amount: number, replayed: boolean, userId: number): TransferResult => ({
    transferId: id,
    replayed,
    amountCents: amount,
    balance: balanceOf(userId),
  });

  /** Writes `t` unless it exists already; checks the wallet can pay first. */
  const record = (t: NewTransfer, userId: number, spendsFromWallet: boolean): TransferResult => {
    if (replayOf(t)) return result(t.id, t.amount, true, userId);
    if (spendsFromWallet) {
      const wallet = requireWallet(userId);
      const available = availableOf(wallet);
      if (available < t.amount) {
        throw new LedgerError('insufficient_funds', `available ${available} cents is less than ${t.amount} cents`);
      }
    }
    insert(t);
    return result(t.id, t.amount, false, userId);
  };

  const resolveHold = (orderId: string, resolution: 'post_pending' | 'void_pending', actor: string, reason?: string) => {
    requireKey(orderId, 'order id');
    // Resolving a hold can be rebuilt by the reconciler (see settleTransaction).
    return settleTransaction(sqlite, () => {
      const hold = stmt.transfer.get({ id: holdId(orderId) });
      if (hold?.kind !== 'pending') throw new LedgerError('hold_not_found', `no hold for order ${orderId}`);
      const existing = stmt.resolutionOf.get({ pendingId: hold.id });
      if (existing) {
        const code = existing.kind === 'post_pending' ? 'already_captured' : 'already_voided';
        throw new LedgerError(code, `the hold for order ${orderId} is ${code.replace('already_', '')} already`);
      }
      const t: NewTransfer = {
        id: resolution === 'post_pending' ? captureId(orderId) : voidId(orderId),
        kind: resolution,
        category: 'purchase',
        debit: hold.debitAccountId,
        credit: hold.creditAccountId,
        amount: hold.amountCents,
        pendingId: hold.id,
        userId: hold.userId,
        orderId,
        actor,
        reason,
      };
      insert(t);
      return result(t.id, t.amount, false, hold.userId!);
    });
  };

  /** Money of a refunded top-up leaving the wallet ('reversal') or coming back ('restore'). */
  const correctTopUp = (input: TopUpCorrection, direction: 'reversal' | 'restore') => {
    requireAmount(input.amountCents);
    requireKey(input.externalId, 'external payment id');
    requireReason(input.reason);
    return writeTransaction(sqlite, () => {
      requireWallet(input.userId);
      const wallet = walletAccountId(input.userId);
      const clearing = topUpClearing(input.method);
      const t: NewTransfer = {
        id: `topup-${direction}:${input.method}:${input.externalId}`,
        kind: 'posted',
        category: 'topup',
        debit: direction === 'reversal' ? wallet : clearing,
        credit: direction === 'reversal' ? clearing : wallet,
        amount: input.amountCents,
        userId: input.userId,
        actor: input.actor,
        reason: input.reason,
      };
      return record(t, input.userId, direction === 'reversal');
    });
  };

  return {
    /** Opens a wallet for a new customer; harmless when it exists. */
    openWallet(userId: number): void {
      if (!Number.isSafeInteger(userId) || userId <= 0) throw new LedgerError('invalid_input', 'invalid user id');
      insertAccount(walletAccountId(userId), 'wallet', userId);
    },

    balance: balanceOf,

    /** Credits a paid top-up; the payment's external id makes it happen once. */
    creditTopUp(input: { userId: number; method: TopUpMethod; externalId: string; amountCents: number; actor?: string }): TransferResult {
      requireAmount(input.amountCents);
      requireKey(input.externalId, 'external payment id');
      return writeTransaction(sqlite, () => {
        requireWallet(input.userId);
        const t: NewTransfer = {
          id: `topup:${input.method}:${input.externalId}`,
          kind: 'posted',
          category: 'topup',
          debit: topUpClearing(input.method),
          credit: walletAccountId(input.userId),
          amount: input.amountCents,
          userId: input.userId,
          actor: input.actor ?? `payment:${input.method}`,
        };
        return record(t, input.userId, false);
      });
    },

    /**
     * Takes a refunded payment's money back out of the wallet (before the
     * payment provider is asked to return it), only while it is unspent.
     */
    reverseTopUp(input: TopUpCorrection) {
      return correctTopUp(input, 'reversal');
    },

    /** Puts a reversed top-up back when the provider refused to refund it. */
    restoreTopUp(input: TopUpCorrection) {
      return correctTopUp(input, 'restore');
    },

    /** Reserves money for an order; fails cleanly when the wallet is short. */
    hold(input: { userId: number; orderId: string; amountCents: number; actor?: string }): TransferResult {
      requireAmount(input.amountCents);
      requireKey(input.orderId, 'order id');
      return writeTransaction(sqlite, () => {
        const t: NewTransfer = {
          id: holdId(input.orderId),
          kind: 'pending',
          category: 'purchase',
          debit: walletAccountId(input.userId),
          credit: REVENUE,
          amount: input.amountCents,
          userId: input.userId,
          orderId: input.orderId,
          actor: input.actor ?? `user:${input.userId}`,
        };
        return record(t, input.userId, true);
      });
    },

    /** The order was delivered: the held money becomes the shop's. */
    capture(orderId: string, actor = 'system', reason?: string): TransferResult {
      return resolveHold(orderId, 'post_pending', actor, reason);
    },

    /** The order failed: the held money goes back to the customer. */
    void(orderId: string, actor = 'system', reason?: string): TransferResult {
      return resolveHold(orderId, 'void_pending', actor, reason);
    },

    /** Gives back some or all of a captured order; never more than was captured. */
    refund(input: { orderId: string; amountCents: number; refundKey: string; actor: string; reason: string }) {
      requireAmount(input.amountCents);
      requireKey(input.orderId, 'order id');
      requireKey(input.refundKey, 'refund key');
      requireReason(input.reason);
      return writeTransaction(sqlite, () => {
        const hold = stmt.transfer.get({ id: holdId(input.orderId) });
        if (!hold) throw new LedgerError('hold_not_found', `no order ${input.orderId} in the ledger`);
        const t: NewTransfer = {
          id: `refund:${input.orderId}:${input.refundKey}`,
          kind: 'posted',
          category: 'refund',
          debit: hold.creditAccountId,
          credit: hold.debitAccountId,
          amount: input.amountCents,
          userId: hold.userId,
          orderId: input.orderId,
          actor: input.actor,
          reason: input.reason,
        };
        if (replayOf(t)) return result(t.id, t.amount, true, hold.userId!);
        const captured = stmt.transfer.get({ id: captureId(input.orderId) })?.amountCents ?? 0;
        if (captured === 0) throw new LedgerError('not_captured', `order ${input.orderId} was never charged`);
        const refunded = refundedForOrder(input.orderId);
        if (refunded + input.amountCents > captured) {
          throw new LedgerError(
            'refund_exceeds_capture',
            `refunds would total ${refunded + input.amountCents} cents of ${captured} captured`,
          );
        }
        insert(t);
        return result(t.id, t.amount, false, hold.userId!);
      });
    },

    /** What has been refunded for an order so far: the exact sum of its refund transfers. */
    refundedCents(orderId: string): number {
      requireKey(orderId, 'order id');
      return refundedForOrder(orderId);
    },

    /** An operator's correction: positive adds to the wallet, negative takes away. */
    adjust(input: { userId: number; amountCents: number; adjustmentKey: string; actor: string; reason: string }) {
      const amount = input.amountCents;
      if (!Number.isSafeInteger(amount) || amount === 0 || Math.abs(amount) > MAX_AMOUNT_CENTS) {
        throw new LedgerError('invalid_amount', 'an adjustment is a non-zero whole number of cents within limits');
      }
      requireKey(input.adjustmentKey, 'adjustment key');
      requireReason(input.reason);
      return writeTransaction(sqlite, () => {
        requireWallet(input.userId);
        const wallet = walletAccountId(input.userId);
        const adjustments = ADJUSTMENTS;
        const t: NewTransfer = {
          id: `adjust:${input.adjustmentKey}`,
          kind: 'posted',
          category: 'adjustment',
          debit: amount > 0 ? adjustments : wallet,
          credit: amount > 0 ? wallet : adjustments,
          amount: Math.abs(amount),
          userId: input.userId,
          actor: input.actor,
          reason: input.reason,
        };
        return record(t, input.userId, amount < 0);
      });
    },

    /**
     * Pays a referrer their reward for a referee's captured order, from the
     * marketing account. One per order ('referral:<order>'): a replay is a no-op.
     */
    payReferralReward(input: { referrerUserId: number; orderId: string; amountCents: number }): TransferResult {
      requireAmount(input.amountCents);
      requireKey(input.orderId, 'order id');
      return writeTransaction(sqlite, () => {
        requireWallet(input.referrerUserId);
        const t: NewTransfer = {
          id: `referral:${input.orderId}`,
          kind: 'posted',
          category: 'referral',
          debit: MARKETING,
          credit: walletAccountId(input.referrerUserId),
          amount: input.amountCents,
          userId: input.referrerUserId,
          orderId: input.orderId,
          actor: 'system',
          reason: 'referral reward',
        };
        return record(t, input.referrerUserId, false);
      });
    },

    /**
     * Takes (part of) a referral reward back after the purchase was refunded,
     * once per refund ('referral-reversal:<order>:<refund key>'). Never more
     * than the wallet holds: the caller decides how much is recoverable.
     */
    reverseReferralReward(input: { referrerUserId: number; orderId: string; refundKey: string; amountCents: number }): TransferResult {
      requireAmount(input.amountCents);
      requireKey(input.orderId, 'order id');
      requireKey(input.refundKey, 'refund key');
      return writeTransaction(sqlite, () => {
        const t: NewTransfer = {
          id: `referral-reversal:${input.orderId}:${input.refundKey}`,
          kind: 'posted',
          category: 'referral',
          debit: walletAccountId(input.referrerUserId),
          credit: MARKETING,
          amount: input.amountCents,
          userId: input.referrerUserId,
          orderId: input.orderId,
          actor: 'system',
          reason: 'the referred purchase was refunded',
        };
        return record(t, input.referrerUserId, true);
      });
    },

    /**
     * Money the promotions account pays or gets back: a discount's difference
     * to revenue when a discounted order is captured, its reversal when that
     * order is refunded, or a gift code credited to a wallet. The id makes it
     * happen once; joins the caller's transaction when there is one.
     */
    promotionTransfer(input: {
      transferId: string;
      purpose: 'discount' | 'discount_reversal' | 'gift';
      userId: number;
      orderId?: string;
      amountCents: number;
      actor: string;
      reason: string;
    }): { transferId: string; replayed: boolean } {
      requireAmount(input.amountCents);
      requireKey(input.transferId, 'transfer id');
      requireReason(input.reason);
      return writeTransaction(sqlite, () => {
        const [debit, credit] =
          input.purpose === 'discount'
            ? [PROMOTIONS, REVENUE]
            : input.purpose === 'discount_reversal'
              ? [REVENUE, PROMOTIONS]
              : [PROMOTIONS, walletAccountId(requireWallet(input.userId).userId!)];
        const t: NewTransfer = {
          id: input.transferId,
          kind: 'posted',
          category: 'promotion',
          debit,
          credit,
          amount: input.amountCents,
          // Only a gift touches the customer's wallet, so only a gift shows in their history.
          userId: input.purpose === 'gift' ? input.userId : null,
          ...(input.orderId ? { orderId: input.orderId } : {}),
          actor: input.actor,
          reason: input.reason,
        };
        const replayed = replayOf(t) !== undefined;
        if (!replayed) insert(t);
        return { transferId: t.id, replayed };
      });
    },

    /** What a transfer moved, by its id (undefined when there is none). */
    transferAmount(transferId: string): number | undefined {
      return stmt.transfer.get({ id: transferId })?.amountCents;
    },

    /**
     * Records what an upstream charged us for an order, for margin reporting.
     * It moves no customer money.
     */
    recordUpstreamCost(input: { orderId: string; provider: string; amountCents: number }): void {
      requireAmount(input.amountCents);
      writeTransaction(sqlite, () => {
        const t: NewTransfer = {
          id: `cost:${input.orderId}`,
          kind: 'posted',
          category: 'upstream_cost',
          debit: upstreamAccountFor(input.provider),
          credit: UPSTREAM_COST,
          amount: input.amountCents,
          userId: null,
          orderId: input.orderId,
          actor: 'system',
        };
        if (!replayOf(t)) insert(t);
      });
    },

    /** Newest first; pass `nextCursor` back as `beforeSeq` for older entries. */
    history(userId: number, page: { limit?: number; beforeSeq?: number } = {}): HistoryPage {
      requireWallet(userId);
      const limit = Math.min(Math.max(Math.trunc(page.limit ?? 10), 1), 100);
      const rows = stmt.history.all({ userId, beforeSeq: page.beforeSeq ?? Number.MAX_SAFE_INTEGER, limit: limit + 1 });
      const wallet = walletAccountId(userId);
      const entries = rows.slice(0, limit).map((row) => toHistoryEntry(row, wallet));
      return { entries, nextCursor: rows.length > limit ? entries[entries.length - 1]!.seq : null };
    },

    /** Checks the ledger's promises; an empty list means all hold. */
    checkInvariants(): string[] {
      return checkLedgerInvariants(stmt.allAccounts.all(), stmt.allTransfers.all());
    },
  };
}

export type Wallet = ReturnType<typeof createWallet>;

function toHistoryEntry(row: TransferRow, wallet: string): HistoryEntry {
  const sign = row.creditAccountId === wallet ? 1 : -1;
  let availableChange = 0;
  let heldChange = 0;
  switch (row.kind) {
    case 'posted':
      availableChange = sign * row.amountCents;
      break;
    case 'pending':
      availableChange = sign * row.amountCents;
      heldChange = row.amountCents;
      break;
    case 'post_pending':
      heldChange = -row.amountCents;
      break;
    case 'void_pending':
      availableChange = row.amountCents;
      heldChange = -row.amountCents;
      break;
  }
  return {
    seq: row.seq,
    transferId: row.id,
    at: row.createdAt,
    category: row.category,
    kind: row.kind,
    availableChangeCents: availableChange,
    heldChangeCents: heldChange,
    orderId: row.orderId,
    reason: row.reason,
  };
}

/**
 * Recomputes every account from the journal and compares. Pure: takes rows,
 * returns violations, so the property tests and the operator command share it.
 */
export function checkLedgerInvariants(accounts: AccountRow[], transfers: TransferRow[]): string[] {
  const violations: string[] = [];
  const byId = new Map(transfers.map((t) => [t.id, t]));
  const resolutions = new Map<string, TransferRow>();
  for (const t of transfers) if (t.pendingId) resolutions.set(t.pendingId, t);

  const totals = new Map<string, { dp: number; cp: number; dpe: number; cpe: number }>();
  const totalFor = (id: string) => {
    let entry = totals.get(id);
    if (!entry) {
      entry = { dp: 0, cp: 0, dpe: 0, cpe: 0 };
      totals.set(id, entry);
    }
    return entry;
  };
  const capturesPerOrder = new Map<string, number>();
  const capturedAmount = new Map<string, number>();
  const refundedAmount = new Map<string, number>();
  /** Referral rewards per order, and what refunds took back of them. */
  const referralPaid = new Map<string, number>();
  const referralTakenBack = new Map<string, number>();

  for (const t of transfers) {
    const debit = totalFor(t.debitAccountId);
    const credit = totalFor(t.creditAccountId);
    if (t.kind === 'posted' || t.kind === 'post_pending') {
      debit.dp += t.amountCents;
      credit.cp += t.amountCents;
    } else if (t.kind === 'pending' && !resolutions.has(t.id)) {
      debit.dpe += t.amountCents;
      credit.cpe += t.amountCents;
    }
    if (t.pendingId) {
      const pending = byId.get(t.pendingId);
      if (pending?.kind !== 'pending') violations.push(`${t.id} resolves ${t.pendingId}, which is not a hold`);
      else if (pending.amountCents !== t.amountCents || pending.debitAccountId !== t.debitAccountId) {
        violations.push(`${t.id} does not match the hold it resolves`);
      }
    }
    if (t.category === 'purchase' && t.kind === 'post_pending' && t.orderId) {
      capturesPerOrder.set(t.orderId, (capturesPerOrder.get(t.orderId) ?? 0) + 1);
      capturedAmount.set(t.orderId, (capturedAmount.get(t.orderId) ?? 0) + t.amountCents);
    }
    if (t.category === 'refund' && t.orderId) {
      refundedAmount.set(t.orderId, (refundedAmount.get(t.orderId) ?? 0) + t.amountCents);
    }
    if (t.category === 'referral' && t.orderId) {
      const paid = t.debitAccountId === MARKETING;
      const tally = paid ? referralPaid : referralTakenBack;
      tally.set(t.orderId, (tally.get(t.orderId) ?? 0) + t.amountCents);
      if (paid && t.id !== `referral:${t.orderId}`) violations.push(`${t.id} pays a referral reward under another order's id`);
    }
  }

  let postedSum = 0;
  let pendingSum = 0;
  for (const a of accounts) {
    const j = totals.get(a.id) ?? { dp: 0, cp: 0, dpe: 0, cpe: 0 };
    if (a.debitsPosted !== j.dp || a.creditsPosted !== j.cp || a.debitsPending !== j.dpe || a.creditsPending !== j.cpe) {
      violations.push(`account ${a.id}: cached totals differ from the journal`);
    }
    if (a.kind === 'wallet' && availableOf(a) < 0) violations.push(`wallet ${a.id} has negative available money`);
    postedSum += a.creditsPosted - a.debitsPosted;
    pendingSum += a.creditsPending - a.debitsPending;
    totals.delete(a.id);
  }
  for (const id of totals.keys()) violations.push(`transfers name account ${id}, which does not exist`);
  if (postedSum !== 0 || pendingSum !== 0) violations.push(`money is not conserved (posted ${postedSum}, pending ${pendingSum})`);
  for (const [order, count] of capturesPerOrder) if (count > 1) violations.push(`order ${order} captured ${count} times`);
  for (const [order, takenBack] of referralTakenBack) {
    if (takenBack > (referralPaid.get(order) ?? 0)) violations.push(`order ${order}: more referral reward taken back than paid`);
  }
  for (const [order, refunded] of refundedAmount) {
    if (refunded > (capturedAmount.get(order) ?? 0)) violations.push(`order ${order} refunded more than captured`);
  }
  return violations;
}

function requireAmount(amount: unknown): asserts amount is number {
  if (!isValidAmount(amount)) {
    throw new LedgerError('invalid_amount', `amount must be a whole number of cents from 1 to ${MAX_AMOUNT_CENTS}`);
  }
}

function requireKey(key: unknown, what: string): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || /\s/.test(key)) {
    throw new LedgerError('invalid_input', `${what} must be 1–${MAX_KEY_LENGTH} characters without spaces`);
  }
}

function requireReason(reason: unknown): asserts reason is string {
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw new LedgerError('invalid_input', `a reason of 1–${MAX_REASON_LENGTH} characters is required`);
  }
}
