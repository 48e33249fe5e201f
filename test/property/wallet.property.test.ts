/**
 * Random sequences of wallet operations across several customers. After every
 * step the ledger's invariants hold and every balance equals a plain
 * in-memory model of what the customer should have.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/services/wallet.js';
import { freshServices } from '../helpers/db.js';

const USERS = 3;
const ORDERS = 6;

type Op =
  | { op: 'credit'; user: number; amount: number; paymentId: number }
  | { op: 'hold'; user: number; order: number; amount: number }
  | { op: 'capture'; order: number }
  | { op: 'void'; order: number }
  | { op: 'refund'; order: number; amount: number; key: number }
  | { op: 'adjust'; user: number; amount: number; key: number };

const amount = fc.integer({ min: 1, max: 2_000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('credit' as const), user: fc.nat(USERS - 1), amount, paymentId: fc.nat(8) }),
  fc.record({ op: fc.constant('hold' as const), user: fc.nat(USERS - 1), order: fc.nat(ORDERS - 1), amount }),
  fc.record({ op: fc.constant('capture' as const), order: fc.nat(ORDERS - 1) }),
  fc.record({ op: fc.constant('void' as const), order: fc.nat(ORDERS - 1) }),
  fc.record({ op: fc.constant('refund' as const), order: fc.nat(ORDERS - 1), amount, key: fc.nat(3) }),
  fc.record({
    op: fc.constant('adjust' as const),
    user: fc.nat(USERS - 1),
    amount: fc.integer({ min: -1_500, max: 1_500 }).filter((n) => n !== 0),
    key: fc.nat(8),
  }),
);

interface ModelOrder {
  user: number;
  amount: number;
  state: 'held' | 'captured' | 'voided';
  refunded: number;
}

class Model {
  available = new Array<number>(USERS).fill(0);
  held = new Array<number>(USERS).fill(0);
  orders = new Map<number, ModelOrder>();
  payments = new Map<string, number>();
  refunds = new Map<string, number>();
  adjustments = new Map<number, { user: number; amount: number }>();

  /** Applies `op` to the model; answers the error code the ledger must give, or null. */
  apply(o: Op): string | null {
    switch (o.op) {
      case 'credit': {
        const key = `${o.user}:${o.paymentId}`;
        // Payment ids are per user here, so the same id is a replay only with the same amount.
        const seen = this.payments.get(key);
        if (seen !== undefined) return seen === o.amount ? null : 'idempotency_conflict';
        this.payments.set(key, o.amount);
        this.available[o.user]! += o.amount;
        return null;
      }
      case 'hold': {
        const existing = this.orders.get(o.order);
        if (existing) return existing.user === o.user && existing.amount === o.amount ? null : 'idempotency_conflict';
        if (this.available[o.user]! < o.amount) return 'insufficient_funds';
        this.orders.set(o.order, { user: o.user, amount: o.amount, state: 'held', refunded: 0 });
        this.available[o.user]! -= o.amount;
        this.held[o.user]! += o.amount;
        return null;
      }
      case 'capture':
      case 'void': {
        const order = this.orders.get(o.order);
        if (!order) return 'hold_not_found';
        if (order.state !== 'held') return order.state === 'captured' ? 'already_captured' : 'already_voided';
        this.held[order.user]! -= order.amount;
        if (o.op === 'void') this.available[order.user]! += order.amount;
        order.state = o.op === 'capture' ? 'captured' : 'voided';
        return null;
      }
      case 'refund': {
        const order = this.orders.get(o.order);
        if (!order) return 'hold_not_found';
        const key = `${o.order}:${o.key}`;
        const seen = this.refunds.get(key);
        if (seen !== undefined) return seen === o.amount ? null : 'idempotency_conflict';
        if (order.state !== 'captured') return 'not_captured';
        if (order.refunded + o.amount > order.amount) return 'refund_exceeds_capture';
        this.refunds.set(key, o.amount);
        order.refunded += o.amount;
        this.available[order.user]! += o.amount;
        return null;
      }
      case 'adjust': {
        const seen = this.adjustments.get(o.key);
        if (seen) return seen.user === o.user && seen.amount === o.amount ? null : 'idempotency_conflict';
        if (o.amount < 0 && this.available[o.user]! < -o.amount) return 'insufficient_funds';
        this.adjustments.set(o.key, { user: o.user, amount: o.amount });
        this.available[o.user]! += o.amount;
        return null;
      }
    }
  }
}

describe('wallet ledger under random operation sequences', () => {
  it('keeps its invariants and matches the model after every step', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const s = freshServices();
        try {
          const userIds = Array.from({ length: USERS }, (_, i) => s.newUser(`u${i}`).id);
          const model = new Model();
          for (const o of ops) {
            const expected = model.apply(o);
            let actual: string | null = null;
            try {
              run(s.wallet, o, userIds);
            } catch (error) {
              if (!(error instanceof LedgerError)) throw error;
              actual = error.code;
            }
            expect(actual, JSON.stringify(o)).toBe(expected);
            expect(s.wallet.checkInvariants()).toEqual([]);
            for (const [i, id] of userIds.entries()) {
              expect(s.wallet.balance(id)).toEqual({ availableCents: model.available[i], heldCents: model.held[i] });
            }
          }
        } finally {
          s.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});

function run(wallet: ReturnType<typeof freshServices>['wallet'], o: Op, userIds: number[]) {
  switch (o.op) {
    case 'credit':
      return wallet.creditTopUp({
        userId: userIds[o.user]!,
        method: 'manual',
        externalId: `${o.user}:${o.paymentId}`,
        amountCents: o.amount,
      });
    case 'hold':
      return wallet.hold({ userId: userIds[o.user]!, orderId: `order-${o.order}`, amountCents: o.amount });
    case 'capture':
      return wallet.capture(`order-${o.order}`);
    case 'void':
      return wallet.void(`order-${o.order}`);
    case 'refund':
      return wallet.refund({
        orderId: `order-${o.order}`,
        amountCents: o.amount,
        refundKey: String(o.key),
        actor: 'admin:1',
        reason: 'property test',
      });
    case 'adjust':
      return wallet.adjust({
        userId: userIds[o.user]!,
        amountCents: o.amount,
        adjustmentKey: String(o.key),
        actor: 'admin:1',
        reason: 'property test',
      });
  }
}
