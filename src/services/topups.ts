/**
 * Wallet top-ups, whatever the method. A top-up is a row that moves through
 * created → paid → credited (or expired / rejected, and for Stars, refunding →
 * refunded). Crediting happens in one transaction with the ledger transfer,
 * whose id comes from the payment's external id: the same payment reported
 * twice (a repeated webhook, a duplicated update, two operators pressing
 * Confirm) credits the wallet once.
 */
import { and, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import { writeTransaction, type Db, type Sqlite } from '../db/client.js';
import { topUps, type TopUpState } from '../db/schema/index.js';
import { newId } from '../domain/ids.js';
import type { Logger } from '../logger.js';
import type { Outbox } from './outbox.js';
import { LedgerError, type TopUpMethod, type Wallet } from './wallet.js';

export type TopUpRow = typeof topUps.$inferSelect;

export interface TopUpLimits {
  minCents: number;
  maxCents: number;
}

export type CreditResult =
  | { ok: true; credited: boolean; topUp: TopUpRow }
  | { ok: false; reason: 'not_found' | 'wrong_state' | 'amount_mismatch' | 'external_id_conflict'; message: string };

export function createTopUps(deps: {
  sqlite: Sqlite;
  db: Db;
  wallet: Wallet;
  outbox: Outbox;
  logger: Logger;
  limits: TopUpLimits;
  now?: () => number;
}) {
  const { sqlite, db, wallet, outbox, logger, limits } = deps;
  const now = deps.now ?? Date.now;

  // Every payment step reads its top-up, and the wallet screen lists a customer's: prepared once.
  const byIdQuery = db
    .select()
    .from(topUps)
    .where(eq(topUps.id, sql.placeholder('id')))
    .prepare();
  const ofUserQuery = db
    .select()
    .from(topUps)
    .where(eq(topUps.userId, sql.placeholder('userId')))
    .prepare();
  const get = (id: string): TopUpRow | undefined => byIdQuery.get({ id });
  const byExternal = (method: TopUpMethod, externalId: string): TopUpRow | undefined =>
    db
      .select()
      .from(topUps)
      .where(and(eq(topUps.method, method), eq(topUps.externalId, externalId)))
      .get();

  /** Moves a top-up from one of `from` to `to`; false if someone else moved it first. */
  const transition = (id: string, from: TopUpState[], to: TopUpState, fields: Partial<TopUpRow> = {}) =>
    db
      .update(topUps)
      .set({ ...fields, state: to, updatedAt: now() })
      .where(and(eq(topUps.id, id), inArray(topUps.state, from)))
      .run().changes === 1;

  const checkAmount = (amountCents: number): string | null => {
    if (!Number.isSafeInteger(amountCents)) return 'the amount must be a whole number of cents';
    if (amountCents < limits.minCents || amountCents > limits.maxCents) return 'the amount is outside the allowed range';
    return null;
  };

  return {
    limits,
    get,
    byExternal,
    checkAmount,

    /** Records a new top-up request; refuses amounts outside the limits. */
    create(input: {
      userId: number;
      method: TopUpMethod;
      amountCents: number;
      details?: Record<string, unknown>;
      expiresAt?: number;
    }): { ok: true; topUp: TopUpRow } | { ok: false; message: string } {
      const problem = checkAmount(input.amountCents);
      if (problem) return { ok: false, message: problem };
      const row = {
        id: newId('tu'),
        userId: input.userId,
        method: input.method,
        amountCents: input.amountCents,
        state: 'created' as const,
        details: JSON.stringify(input.details ?? {}),
        expiresAt: input.expiresAt ?? null,
        createdAt: now(),
        updatedAt: now(),
      };
      db.insert(topUps).values(row).run();
      return { ok: true, topUp: get(row.id)! };
    },

    /** Attaches the payment provider's id (e.g. the invoice id) and extra details. */
    attach(id: string, externalId: string, details: Record<string, unknown>): void {
      const current = get(id);
      if (!current) return;
      db.update(topUps)
        .set({ externalId, details: JSON.stringify({ ...JSON.parse(current.details), ...details }), updatedAt: now() })
        .where(eq(topUps.id, id))
        .run();
    },

    /**
     * Credits a paid top-up exactly once. `amountCents`, when given, is what
     * the payment says was paid; it must equal the top-up's amount.
     */
    credit(input: { topUpId: string; externalId: string; actor: string; amountCents?: number }): CreditResult {
      const outcome = writeTransaction(sqlite, (): CreditResult => {
        const topUp = get(input.topUpId);
        if (!topUp) return { ok: false, reason: 'not_found', message: 'no such top-up' };
        if (['credited', 'refunding', 'refunded'].includes(topUp.state)) {
          return topUp.externalId === input.externalId
            ? { ok: true, credited: false, topUp }
            : { ok: false, reason: 'external_id_conflict', message: 'the top-up was paid by another payment' };
        }
        // A payment that arrives just after we closed the window was still made: credit it.
        if (topUp.state !== 'created' && topUp.state !== 'paid' && topUp.state !== 'expired') {
          return { ok: false, reason: 'wrong_state', message: `the top-up is ${topUp.state}` };
        }
        if (input.amountCents !== undefined && input.amountCents !== topUp.amountCents) {
          return { ok: false, reason: 'amount_mismatch', message: 'the paid amount differs from the top-up' };
        }
        const other = byExternal(topUp.method, input.externalId);
        if (other && other.id !== topUp.id) {
          return { ok: false, reason: 'external_id_conflict', message: 'that payment already credited another top-up' };
        }
        wallet.creditTopUp({
          userId: topUp.userId,
          method: topUp.method,
          externalId: input.externalId,
          amountCents: topUp.amountCents,
          actor: input.actor,
        });
        transition(topUp.id, ['created', 'paid', 'expired'], 'credited', {
          externalId: input.externalId,
          creditedAt: now(),
          decidedBy: input.actor,
        });
        const facts = { topUpId: topUp.id, method: topUp.method, amountCents: topUp.amountCents, userId: topUp.userId };
        outbox.enqueue({
          audience: 'user',
          userId: topUp.userId,
          kind: 'topup_credited',
          payload: facts,
          dedupeKey: `topup-receipt:${topUp.id}`,
        });
        outbox.enqueue({ audience: 'operators', kind: 'topup_received', payload: facts, dedupeKey: `topup-alert:${topUp.id}` });
        return { ok: true, credited: true, topUp: get(topUp.id)! };
      });
      if (outcome.ok && outcome.credited) {
        logger.info('top-up credited', { topUpId: input.topUpId, method: outcome.topUp.method, amountCents: outcome.topUp.amountCents });
      }
      return outcome;
    },

    /** An operator turns down a manual top-up; the customer is told why. */
    reject(id: string, actor: string, reason: string): boolean {
      return writeTransaction(sqlite, () => {
        const topUp = get(id);
        if (!topUp || !transition(id, ['created'], 'rejected', { decidedBy: actor, reason })) return false;
        outbox.enqueue({
          audience: 'user',
          userId: topUp.userId,
          kind: 'topup_rejected',
          payload: { topUpId: id, amountCents: topUp.amountCents, reason },
          dedupeKey: `topup-rejected:${id}`,
        });
        return true;
      });
    },

    /** Closes unpaid top-ups whose payment window has passed. */
    expireDue(method: TopUpMethod): TopUpRow[] {
      const due = db
        .select()
        .from(topUps)
        .where(and(eq(topUps.method, method), eq(topUps.state, 'created'), lte(topUps.expiresAt, now())))
        .all();
      return due.filter((t) => transition(t.id, ['created'], 'expired'));
    },

    expire(id: string): boolean {
      return transition(id, ['created'], 'expired');
    },

    inState(method: TopUpMethod, state: TopUpState): TopUpRow[] {
      return db
        .select()
        .from(topUps)
        .where(and(eq(topUps.method, method), eq(topUps.state, state)))
        .all();
    },

    open(method: TopUpMethod): TopUpRow[] {
      return db
        .select()
        .from(topUps)
        .where(and(eq(topUps.method, method), eq(topUps.state, 'created')))
        .all();
    },

    openWithoutExternalId(method: TopUpMethod): TopUpRow[] {
      return db
        .select()
        .from(topUps)
        .where(and(eq(topUps.method, method), eq(topUps.state, 'created'), isNull(topUps.externalId)))
        .all();
    },

    /**
     * First half of a refund: the money leaves the wallet (only if unspent)
     * before the payment provider is asked to send it back.
     */
    beginRefund(id: string, actor: string, reason: string): { ok: true; topUp: TopUpRow } | { ok: false; message: string } {
      try {
        return writeTransaction(sqlite, () => {
          const topUp = get(id);
          if (topUp?.state !== 'credited' || !topUp.externalId) {
            return { ok: false as const, message: 'only a credited top-up can be refunded' };
          }
          // Each refund attempt has its own ledger ids, so a retry after a refused refund debits again.
          const details = JSON.parse(topUp.details) as { refundAttempts?: number };
          const attempt = (details.refundAttempts ?? 0) + 1;
          wallet.reverseTopUp({
            userId: topUp.userId,
            method: topUp.method,
            externalId: `${topUp.externalId}#${attempt}`,
            amountCents: topUp.amountCents,
            actor,
            reason,
          });
          transition(id, ['credited'], 'refunding', {
            decidedBy: actor,
            reason,
            details: JSON.stringify({ ...details, refundAttempts: attempt }),
          });
          return { ok: true as const, topUp: get(id)! };
        });
      } catch (error) {
        if (error instanceof LedgerError && error.code === 'insufficient_funds') {
          return { ok: false, message: 'the customer has already spent part of this top-up' };
        }
        throw error;
      }
    },

    /** Second half: the provider refunded (done) or refused (the money goes back to the wallet). */
    finishRefund(id: string, refundedUpstream: boolean, actor: string): boolean {
      return writeTransaction(sqlite, () => {
        const topUp = get(id);
        if (topUp?.state !== 'refunding') return false;
        if (refundedUpstream) return transition(id, ['refunding'], 'refunded');
        const attempt = (JSON.parse(topUp.details) as { refundAttempts?: number }).refundAttempts ?? 1;
        wallet.restoreTopUp({
          userId: topUp.userId,
          method: topUp.method,
          externalId: `${topUp.externalId!}#${attempt}`,
          amountCents: topUp.amountCents,
          actor,
          reason: 'the payment provider refused the refund',
        });
        return transition(id, ['refunding'], 'credited');
      });
    },

    ofUser(userId: number): TopUpRow[] {
      return ofUserQuery.all({ userId });
    },
  };
}

export type TopUps = ReturnType<typeof createTopUps>;
