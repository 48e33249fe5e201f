/**
 * The options an admin types after `/promo new`: each key in any case, the
 * limits as whole numbers, dates as UTC days; anything else refuses the line.
 */
import { describe, expect, it } from 'vitest';
import { parsePromoOptions } from '../../src/bot/features/promo-operators.js';

describe('promo options', () => {
  it('reads every option, whatever the case of its key', () => {
    expect(
      parsePromoOptions(['min=$5', 'provider=lumiweb', 'product=dc', 'FIRST', 'TOTAL=10', 'Per=2', 'from=2026-01-01', 'UNTIL=2026-02-01']),
    ).toEqual({
      minOrderCents: 500,
      providerId: 'lumiweb',
      productId: 'dc',
      firstPurchaseOnly: true,
      totalLimit: 10,
      perCustomerLimit: 2,
      startsAt: Date.parse('2026-01-01T00:00:00Z'),
      endsAt: Date.parse('2026-02-01T00:00:00Z'),
    });
  });

  it('refuses an unknown key, a missing value, a limit below one and a date that is not a day', () => {
    for (const words of [['colour=red'], ['total='], ['per=0'], ['total=1.5'], ['from=tomorrow'], ['min=-1']]) {
      expect(parsePromoOptions(words)).toBeUndefined();
    }
  });
});
