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
 * The hot path uses prepared better-sqlite3 statements: every purchase goes
 * through here twice, and the query builder's overhead would show.
 */
import type { Sqlite } from '../db/client.js';
import { settleTransaction, writeTransaction } from '../db/client.js';
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

export type TopUpMethod = 'stars' | 'cryptopay' | 'manual';

export interface TopUpCorrection {
  userId: number;
  method: TopUpMethod;
  externalId: string;
  amountCents: number;
  actor: string;
  reason: string;
}

export interface Balance {
  availableCents: number;
  heldCents: number;
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

type TransferKind = 'posted' | 'pending' | 'post_pending' | 'void_pending';
type TransferCategory = 'topup' | 'purchase' | 'refund' | 'adjustment' | 'upstream_cost';
type AccountKind = 'wallet' | 'revenue' | 'topup_clearing' | 'adjustments' | 'upstream' | 'upstream_cost';

interface TransferRow {
  seq: number;
  id: string;
  kind: TransferKind;
  category: TransferCategory;
  debit_account_id: string;
  credit_account_id: string;
  amount_cents: number;
  pending_id: string | null;
  user_id: number | null;
  order_id: string | null;
  actor: string;
  reason: string | null;
  created_at: number;
}

interface AccountRow {
  id: string;
  kind: AccountKind;
  user_id: number | null;
  debits_posted: number;
  credits_posted: number;
  debits_pending: number;
  credits_pending: number;
  available: number;
}

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

export function createWallet(sqlite: Sqlite, options: WalletOptions = {}) {
  const now = options.now ?? Date.now;

  const stmt = {
    account: sqlite.prepare<[string], AccountRow>('SELECT * FROM ledger_accounts WHERE id = ?'),
    insertAccount: sqlite.prepare<[string, string, number | null]>(
      'INSERT OR IGNORE INTO ledger_accounts (id, kind, user_id) VALUES (?, ?, ?)',
    ),
    transfer: sqlite.prepare<[string], TransferRow>('SELECT * FROM ledger_transfers WHERE id = ?'),
    resolutionOf: sqlite.prepare<[string], TransferRow>('SELECT * FROM ledger_transfers WHERE pending_id = ?'),
    insertTransfer: sqlite.prepare(
      `INSERT INTO ledger_transfers
         (id, kind, category, debit_account_id, credit_account_id, amount_cents, pending_id, user_id, order_id, actor, reason, created_at)
       VALUES (@id, @kind, @category, @debit, @credit, @amount, @pendingId, @userId, @orderId, @actor, @reason, @createdAt)`,
    ),
    /** One statement per account and transfer: every write to the cache goes through here. */
    moveTotals: sqlite.prepare<[number, number, number, number, string]>(
      `UPDATE ledger_accounts SET debits_posted = debits_posted + ?, credits_posted = credits_posted + ?,
              debits_pending = debits_pending + ?, credits_pending = credits_pending + ? WHERE id = ?`,
    ),
    /** Refunds of an order are 'refund:<order>:<key>': a range of the unique id index (';' follows ':'). */
    refundedForOrder: sqlite.prepare<[string, string], { total: number | null }>(
      `SELECT SUM(amount_cents) AS total FROM ledger_transfers WHERE id >= ? AND id < ?`,
    ),
    history: sqlite.prepare<[number, number, number], TransferRow>(
      `SELECT * FROM ledger_transfers WHERE user_id = ? AND seq < ? AND category <> 'upstream_cost'
        ORDER BY seq DESC LIMIT ?`,
    ),
    allTransfers: sqlite.prepare<[], TransferRow>('SELECT * FROM ledger_transfers ORDER BY seq'),
    allAccounts: sqlite.prepare<[], AccountRow>('SELECT * FROM ledger_accounts'),
  };

  // The shop's own fixed accounts exist before any transfer, so the hot path never inserts them.
  const FIXED_ACCOUNTS: Array<[string, AccountKind]> = [
    [REVENUE, 'revenue'],
    [ADJUSTMENTS, 'adjustments'],
    [UPSTREAM_COST, 'upstream_cost'],
    ...(['stars', 'cryptopay', 'manual'] as const).map((m): [string, AccountKind] => [topUpClearing(m), 'topup_clearing']),
  ];
  for (const [id, kind] of FIXED_ACCOUNTS) stmt.insertAccount.run(id, kind, null);

  /** An account per upstream appears the first time we record a cost there. */
  const upstreamAccountFor = (provider: string) => {
    const id = upstreamAccount(provider);
    stmt.insertAccount.run(id, 'upstream', null);
    return id;
  };

  const requireWallet = (userId: number): AccountRow => {
    if (!Number.isSafeInteger(userId) || userId <= 0) {
      throw new LedgerError('unknown_user', `unknown user ${String(userId)}`);
    }
    const account = stmt.account.get(walletAccountId(userId));
    if (!account) throw new LedgerError('unknown_user', `unknown user ${userId}`);
    return account;
  };

  const balanceOf = (userId: number): Balance => {
    const account = stmt.account.get(walletAccountId(userId));
    if (!account) throw new LedgerError('unknown_user', `unknown user ${userId}`);
    return { availableCents: account.available, heldCents: account.debits_pending };
  };

  /** Moves the cached totals of both accounts for one new transfer. */
  const applyToAccounts = (t: NewTransfer) => {
    const a = t.amount;
    switch (t.kind) {
      case 'posted':
        stmt.moveTotals.run(a, 0, 0, 0, t.debit);
        stmt.moveTotals.run(0, a, 0, 0, t.credit);
        break;
      case 'pending':
        stmt.moveTotals.run(0, 0, a, 0, t.debit);
        stmt.moveTotals.run(0, 0, 0, a, t.credit);
        break;
      case 'post_pending':
        stmt.moveTotals.run(a, 0, -a, 0, t.debit);
        stmt.moveTotals.run(0, a, 0, -a, t.credit);
        break;
      case 'void_pending':
        stmt.moveTotals.run(0, 0, -a, 0, t.debit);
        stmt.moveTotals.run(0, 0, 0, -a, t.credit);
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
    const existing = stmt.transfer.get(t.id);
    if (!existing) return undefined;
    const same =
      existing.kind === t.kind &&
      existing.debit_account_id === t.debit &&
      existing.credit_account_id === t.credit &&
      existing.amount_cents === t.amount;
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
      if (wallet.available < t.amount) {
        throw new LedgerError(
          'insufficient_funds',
          `available ${wallet.available} cents is less than ${t.amount} cents`,
        );
      }
    }
    insert(t);
    return result(t.id, t.amount, false, userId);
  };

  const resolveHold = (orderId: string, resolution: 'post_pending' | 'void_pending', actor: string, reason?: string) => {
    requireKey(orderId, 'order id');
    // Resolving a hold can be rebuilt by the reconciler (see settleTransaction).
    return settleTransaction(sqlite, () => {
      const hold = stmt.transfer.get(holdId(orderId));
      if (!hold || hold.kind !== 'pending') throw new LedgerError('hold_not_found', `no hold for order ${orderId}`);
      const existing = stmt.resolutionOf.get(hold.id);
      if (existing) {
        const code = existing.kind === 'post_pending' ? 'already_captured' : 'already_voided';
        throw new LedgerError(code, `the hold for order ${orderId} is ${code.replace('already_', '')} already`);
      }
      const t: NewTransfer = {
        id: resolution === 'post_pending' ? captureId(orderId) : voidId(orderId),
        kind: resolution,
        category: 'purchase',
        debit: hold.debit_account_id,
        credit: hold.credit_account_id,
        amount: hold.amount_cents,
        pendingId: hold.id,
        userId: hold.user_id,
        orderId,
        actor,
        reason,
      };
      insert(t);
      return result(t.id, t.amount, false, hold.user_id!);
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
      stmt.insertAccount.run(walletAccountId(userId), 'wallet', userId);
    },

    balance: balanceOf,

    /** Credits a paid top-up; the payment's external id makes it happen once. */
    creditTopUp(input: {
      userId: number;
      method: TopUpMethod;
      externalId: string;
      amountCents: number;
      actor?: string;
    }): TransferResult {
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
        const hold = stmt.transfer.get(holdId(input.orderId));
        if (!hold) throw new LedgerError('hold_not_found', `no order ${input.orderId} in the ledger`);
        const t: NewTransfer = {
          id: `refund:${input.orderId}:${input.refundKey}`,
          kind: 'posted',
          category: 'refund',
          debit: hold.credit_account_id,
          credit: hold.debit_account_id,
          amount: input.amountCents,
          userId: hold.user_id,
          orderId: input.orderId,
          actor: input.actor,
          reason: input.reason,
        };
        if (replayOf(t)) return result(t.id, t.amount, true, hold.user_id!);
        const captured = stmt.transfer.get(captureId(input.orderId))?.amount_cents ?? 0;
        if (captured === 0) throw new LedgerError('not_captured', `order ${input.orderId} was never charged`);
        const refunded = stmt.refundedForOrder.get(`refund:${input.orderId}:`, `refund:${input.orderId};`)?.total ?? 0;
        if (refunded + input.amountCents > captured) {
          throw new LedgerError(
            'refund_exceeds_capture',
            `refunds would total ${refunded + input.amountCents} cents of ${captured} captured`,
          );
        }
        insert(t);
        return result(t.id, t.amount, false, hold.user_id!);
      });
    },

    /** What has been refunded for an order so far: the exact sum of its refund transfers. */
    refundedCents(orderId: string): number {
      requireKey(orderId, 'order id');
      return stmt.refundedForOrder.get(`refund:${orderId}:`, `refund:${orderId};`)?.total ?? 0;
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
      const rows = stmt.history.all(userId, page.beforeSeq ?? Number.MAX_SAFE_INTEGER, limit + 1);
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
  const sign = row.credit_account_id === wallet ? 1 : -1;
  let availableChange = 0;
  let heldChange = 0;
  switch (row.kind) {
    case 'posted':
      availableChange = sign * row.amount_cents;
      break;
    case 'pending':
      availableChange = sign * row.amount_cents;
      heldChange = row.amount_cents;
      break;
    case 'post_pending':
      heldChange = -row.amount_cents;
      break;
    case 'void_pending':
      availableChange = row.amount_cents;
      heldChange = -row.amount_cents;
      break;
  }
  return {
    seq: row.seq,
    transferId: row.id,
    at: row.created_at,
    category: row.category,
    kind: row.kind,
    availableChangeCents: availableChange,
    heldChangeCents: heldChange,
    orderId: row.order_id,
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
  for (const t of transfers) if (t.pending_id) resolutions.set(t.pending_id, t);

  const totals = new Map<string, { dp: number; cp: number; dpe: number; cpe: number }>();
  const totalFor = (id: string) => {
    let entry = totals.get(id);
    if (!entry) totals.set(id, (entry = { dp: 0, cp: 0, dpe: 0, cpe: 0 }));
    return entry;
  };
  const capturesPerOrder = new Map<string, number>();
  const capturedAmount = new Map<string, number>();
  const refundedAmount = new Map<string, number>();

  for (const t of transfers) {
    const debit = totalFor(t.debit_account_id);
    const credit = totalFor(t.credit_account_id);
    if (t.kind === 'posted' || t.kind === 'post_pending') {
      debit.dp += t.amount_cents;
      credit.cp += t.amount_cents;
    } else if (t.kind === 'pending' && !resolutions.has(t.id)) {
      debit.dpe += t.amount_cents;
      credit.cpe += t.amount_cents;
    }
    if (t.pending_id) {
      const pending = byId.get(t.pending_id);
      if (!pending || pending.kind !== 'pending') violations.push(`${t.id} resolves ${t.pending_id}, which is not a hold`);
      else if (pending.amount_cents !== t.amount_cents || pending.debit_account_id !== t.debit_account_id) {
        violations.push(`${t.id} does not match the hold it resolves`);
      }
    }
    if (t.category === 'purchase' && t.kind === 'post_pending' && t.order_id) {
      capturesPerOrder.set(t.order_id, (capturesPerOrder.get(t.order_id) ?? 0) + 1);
      capturedAmount.set(t.order_id, (capturedAmount.get(t.order_id) ?? 0) + t.amount_cents);
    }
    if (t.category === 'refund' && t.order_id) {
      refundedAmount.set(t.order_id, (refundedAmount.get(t.order_id) ?? 0) + t.amount_cents);
    }
  }

  let postedSum = 0;
  let pendingSum = 0;
  for (const a of accounts) {
    const j = totals.get(a.id) ?? { dp: 0, cp: 0, dpe: 0, cpe: 0 };
    if (a.debits_posted !== j.dp || a.credits_posted !== j.cp || a.debits_pending !== j.dpe || a.credits_pending !== j.cpe) {
      violations.push(`account ${a.id}: cached totals differ from the journal`);
    }
    if (a.kind === 'wallet' && a.available < 0) violations.push(`wallet ${a.id} has negative available money`);
    postedSum += a.credits_posted - a.debits_posted;
    pendingSum += a.credits_pending - a.debits_pending;
    totals.delete(a.id);
  }
  for (const id of totals.keys()) violations.push(`transfers name account ${id}, which does not exist`);
  if (postedSum !== 0 || pendingSum !== 0) violations.push(`money is not conserved (posted ${postedSum}, pending ${pendingSum})`);
  for (const [order, count] of capturesPerOrder) if (count > 1) violations.push(`order ${order} captured ${count} times`);
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
