import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/services/wallet.js';
import { freshServices } from '../helpers/db.js';

let s: ReturnType<typeof freshServices>;
beforeEach(() => {
  s = freshServices();
});
afterEach(() => {
  expect(s.wallet.checkInvariants()).toEqual([]);
  s.close();
});

const transferCount = () => (s.database.sqlite.prepare('SELECT COUNT(*) AS n FROM ledger_transfers').get() as { n: number }).n;

/** Runs `fn`, expects a LedgerError with `code`, and proves nothing was written. */
function expectRefusal(code: string, fn: () => unknown) {
  const before = transferCount();
  const balances = s.database.sqlite.prepare('SELECT * FROM ledger_accounts ORDER BY id').all();
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(LedgerError);
  expect((caught as LedgerError).code).toBe(code);
  expect(transferCount()).toBe(before);
  expect(s.database.sqlite.prepare('SELECT * FROM ledger_accounts ORDER BY id').all()).toEqual(balances);
}

function funded(cents: number) {
  const user = s.newUser();
  if (cents > 0) s.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: `seed-${user.id}`, amountCents: cents });
  return user;
}

describe('top-ups', () => {
  it('credit the wallet once per external payment id', () => {
    const user = s.newUser();
    const first = s.wallet.creditTopUp({ userId: user.id, method: 'stars', externalId: 'charge-1', amountCents: 500 });
    const again = s.wallet.creditTopUp({ userId: user.id, method: 'stars', externalId: 'charge-1', amountCents: 500 });
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    expect(s.wallet.balance(user.id)).toEqual({ availableCents: 500, heldCents: 0 });
  });

  it('refuse the same external id with another amount', () => {
    const user = s.newUser();
    s.wallet.creditTopUp({ userId: user.id, method: 'stars', externalId: 'charge-1', amountCents: 500 });
    expectRefusal('idempotency_conflict', () =>
      s.wallet.creditTopUp({ userId: user.id, method: 'stars', externalId: 'charge-1', amountCents: 900 }),
    );
  });

  it('keep separate methods apart: the same id at two methods is two payments', () => {
    const user = s.newUser();
    s.wallet.creditTopUp({ userId: user.id, method: 'stars', externalId: '77', amountCents: 100 });
    s.wallet.creditTopUp({ userId: user.id, method: 'cryptopay', externalId: '77', amountCents: 100 });
    expect(s.wallet.balance(user.id).availableCents).toBe(200);
  });

  it.each([0, -5, 1.5, Number.NaN, 100_000_001, '100'])('refuse the amount %s', (amount) => {
    const user = s.newUser();
    expectRefusal('invalid_amount', () =>
      s.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: 'x', amountCents: amount as number }),
    );
  });

  it('refuse an unknown user', () => {
    expectRefusal('unknown_user', () => s.wallet.creditTopUp({ userId: 999, method: 'manual', externalId: 'x', amountCents: 100 }));
  });

  it('refuse an empty external id', () => {
    const user = s.newUser();
    expectRefusal('invalid_input', () => s.wallet.creditTopUp({ userId: user.id, method: 'manual', externalId: '', amountCents: 100 }));
  });
});

describe('holds', () => {
  it('move money from available to held', () => {
    const user = funded(1_000);
    const result = s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 300 });
    expect(result.transferId).toBe('hold:o1');
    expect(s.wallet.balance(user.id)).toEqual({ availableCents: 700, heldCents: 300 });
  });

  it('are a no-op when repeated for the same order', () => {
    const user = funded(1_000);
    s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 300 });
    const again = s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 300 });
    expect(again.replayed).toBe(true);
    expect(s.wallet.balance(user.id)).toEqual({ availableCents: 700, heldCents: 300 });
  });

  it('fail cleanly when funds are short', () => {
    const user = funded(299);
    expectRefusal('insufficient_funds', () => s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 300 }));
    expect(s.wallet.balance(user.id)).toEqual({ availableCents: 299, heldCents: 0 });
  });

  it('can spend exactly the whole balance', () => {
    const user = funded(300);
    s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 300 });
    expect(s.wallet.balance(user.id)).toEqual({ availableCents: 0, heldCents: 300 });
  });

  it('refuse an unknown user and a bad amount', () => {
    expectRefusal('unknown_user', () => s.wallet.hold({ userId: 4242, orderId: 'o1', amountCents: 1 }));
    const user = funded(100);
    expectRefusal('invalid_amount', () => s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 0 }));
  });
});

describe('capture and void', () => {
  it('capture makes held money the shop’s', () => {
    const user = funded(1_000);
    s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 300 });
    s.wallet.capture('o1');
    expect(s.wallet.balance(user.id)).toEqual({ availableCents: 700, heldCents: 0 });
  });

  it('void gives held money back', () => {
    const user = funded(1_000);
    s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 300 });
    s.wallet.void('o1', 'system', 'upstream out of stock');
    expect(s.wallet.balance(user.id)).toEqual({ availableCents: 1_000, heldCents: 0 });
  });

  it('a second capture is refused and writes nothing', () => {
    const user = funded(1_000);
    s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 300 });
    s.wallet.capture('o1');
    expectRefusal('already_captured', () => s.wallet.capture('o1'));
    expect(s.wallet.balance(user.id)).toEqual({ availableCents: 700, heldCents: 0 });
  });

  it('a captured hold cannot be voided, nor a voided one captured', () => {
    const user = funded(1_000);
    s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 300 });
    s.wallet.hold({ userId: user.id, orderId: 'o2', amountCents: 300 });
    s.wallet.capture('o1');
    s.wallet.void('o2');
    expectRefusal('already_captured', () => s.wallet.void('o1'));
    expectRefusal('already_voided', () => s.wallet.capture('o2'));
    expectRefusal('already_voided', () => s.wallet.void('o2'));
  });

  it('capturing an order without a hold is refused', () => {
    expectRefusal('hold_not_found', () => s.wallet.capture('nope'));
  });
});

describe('refunds', () => {
  function capturedOrder(amount: number) {
    const user = funded(1_000);
    s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: amount });
    s.wallet.capture('o1');
    return user;
  }

  it('return part, then the rest, of a captured order', () => {
    const user = capturedOrder(400);
    s.wallet.refund({ orderId: 'o1', amountCents: 150, refundKey: 'r1', actor: 'admin:1', reason: 'slow proxy' });
    s.wallet.refund({ orderId: 'o1', amountCents: 250, refundKey: 'r2', actor: 'admin:1', reason: 'dead proxy' });
    expect(s.wallet.balance(user.id).availableCents).toBe(1_000);
  });

  it('never exceed what was captured', () => {
    capturedOrder(400);
    s.wallet.refund({ orderId: 'o1', amountCents: 300, refundKey: 'r1', actor: 'admin:1', reason: 'partial' });
    expectRefusal('refund_exceeds_capture', () =>
      s.wallet.refund({ orderId: 'o1', amountCents: 101, refundKey: 'r2', actor: 'admin:1', reason: 'too much' }),
    );
  });

  it('are a no-op when the same refund key is repeated', () => {
    const user = capturedOrder(400);
    s.wallet.refund({ orderId: 'o1', amountCents: 100, refundKey: 'r1', actor: 'admin:1', reason: 'x' });
    const again = s.wallet.refund({ orderId: 'o1', amountCents: 100, refundKey: 'r1', actor: 'admin:1', reason: 'x' });
    expect(again.replayed).toBe(true);
    expect(s.wallet.balance(user.id).availableCents).toBe(700);
  });

  it('are refused for an order that was never charged', () => {
    const user = funded(1_000);
    s.wallet.hold({ userId: user.id, orderId: 'o1', amountCents: 400 });
    expectRefusal('not_captured', () =>
      s.wallet.refund({ orderId: 'o1', amountCents: 100, refundKey: 'r1', actor: 'admin:1', reason: 'x' }),
    );
    s.wallet.void('o1');
    expectRefusal('not_captured', () =>
      s.wallet.refund({ orderId: 'o1', amountCents: 100, refundKey: 'r1', actor: 'admin:1', reason: 'x' }),
    );
  });

  it('need a reason and a known order', () => {
    capturedOrder(400);
    expectRefusal('invalid_input', () =>
      s.wallet.refund({ orderId: 'o1', amountCents: 100, refundKey: 'r1', actor: 'admin:1', reason: '  ' }),
    );
    expectRefusal('hold_not_found', () =>
      s.wallet.refund({ orderId: 'zzz', amountCents: 100, refundKey: 'r1', actor: 'admin:1', reason: 'x' }),
    );
  });
});

describe('admin adjustments', () => {
  it('add and take away money with actor and reason kept', () => {
    const user = funded(500);
    s.wallet.adjust({ userId: user.id, amountCents: 250, adjustmentKey: 'a1', actor: 'admin:7', reason: 'goodwill' });
    s.wallet.adjust({ userId: user.id, amountCents: -100, adjustmentKey: 'a2', actor: 'admin:7', reason: 'typo fix' });
    expect(s.wallet.balance(user.id).availableCents).toBe(650);
    const row = s.database.sqlite.prepare("SELECT actor, reason FROM ledger_transfers WHERE id = 'adjust:a2'").get() as {
      actor: string;
      reason: string;
    };
    expect(row).toEqual({ actor: 'admin:7', reason: 'typo fix' });
  });

  it('cannot take the wallet below zero', () => {
    const user = funded(100);
    expectRefusal('insufficient_funds', () =>
      s.wallet.adjust({ userId: user.id, amountCents: -101, adjustmentKey: 'a1', actor: 'admin:7', reason: 'x' }),
    );
  });

  it('refuse zero and fractional amounts', () => {
    const user = funded(100);
    expectRefusal('invalid_amount', () =>
      s.wallet.adjust({ userId: user.id, amountCents: 0, adjustmentKey: 'a1', actor: 'admin:7', reason: 'x' }),
    );
    expectRefusal('invalid_amount', () =>
      s.wallet.adjust({ userId: user.id, amountCents: 0.5, adjustmentKey: 'a1', actor: 'admin:7', reason: 'x' }),
    );
  });
});

describe('history', () => {
  it('lists movements newest first, page by page', () => {
    const user = funded(1_000);
    for (let i = 1; i <= 4; i++) s.wallet.hold({ userId: user.id, orderId: `o${i}`, amountCents: 100 });
    s.wallet.capture('o1');
    s.wallet.void('o2');

    const first = s.wallet.history(user.id, { limit: 4 });
    expect(first.entries.map((e) => e.transferId)).toEqual(['void:o2', 'capture:o1', 'hold:o4', 'hold:o3']);
    expect(first.entries[0]).toMatchObject({ availableChangeCents: 100, heldChangeCents: -100 });
    expect(first.entries[2]).toMatchObject({ availableChangeCents: -100, heldChangeCents: 100 });
    expect(first.nextCursor).not.toBeNull();

    const second = s.wallet.history(user.id, { limit: 4, beforeSeq: first.nextCursor! });
    expect(second.entries.map((e) => e.transferId)).toEqual(['hold:o2', 'hold:o1', `topup:manual:seed-${user.id}`]);
    expect(second.nextCursor).toBeNull();
  });

  it('shows only the customer’s own movements', () => {
    const alice = funded(100);
    const bob = funded(200);
    expect(s.wallet.history(alice.id).entries).toHaveLength(1);
    expect(s.wallet.history(bob.id).entries[0]!.availableChangeCents).toBe(200);
  });
});

describe('the journal itself', () => {
  it('refuses UPDATE and DELETE of transfers', () => {
    const user = funded(100);
    expect(() => s.database.sqlite.exec('UPDATE ledger_transfers SET amount_cents = 1')).toThrow(/immutable/);
    expect(() => s.database.sqlite.exec('DELETE FROM ledger_transfers')).toThrow(/immutable/);
    expect(s.wallet.balance(user.id).availableCents).toBe(100);
  });

  it('refuses a wallet balance below zero even from raw SQL', () => {
    const user = funded(100);
    expect(() => s.database.sqlite.exec(`UPDATE ledger_accounts SET debits_posted = 101 WHERE id = 'wallet:${user.id}'`)).toThrow(
      /wallet_available_not_negative/,
    );
  });

  it('the invariant checker notices a cache that disagrees with the journal', () => {
    const user = funded(100);
    s.database.sqlite.exec(`UPDATE ledger_accounts SET credits_posted = 150 WHERE id = 'wallet:${user.id}'`);
    expect(s.wallet.checkInvariants().join('\n')).toMatch(/cached totals differ|not conserved/);
    // Put it back so the after-each check passes.
    s.database.sqlite.exec(`UPDATE ledger_accounts SET credits_posted = 100 WHERE id = 'wallet:${user.id}'`);
  });
});
