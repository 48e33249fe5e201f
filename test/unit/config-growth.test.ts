import { describe, expect, it } from 'vitest';
import { parseConfig, secretValues } from '../../src/config.js';
import { cardPriceFor } from '../../src/payments/card.js';

describe('card payment and referral settings', () => {
  it('offer no card top-ups and pay no referral rewards by default', () => {
    const result = parseConfig({});
    expect(result.ok && result.config.topUps.card).toBeUndefined();
    expect(result.ok && result.config.referralPercent).toBe(0);
  });

  it('take a provider token, a currency and its rate; the token is a secret', () => {
    const result = parseConfig({
      PAYMENTS_PROVIDER_TOKEN: '284685063:TEST:abc',
      PAYMENTS_CURRENCY: 'eur',
      PAYMENTS_CURRENCY_PER_USD: '0.92',
      REFERRAL_PERCENT: '7.5',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.topUps.card).toEqual({ providerToken: '284685063:TEST:abc', currency: 'EUR', perUsd: 0.92 });
    expect(result.config.referralPercent).toBe(7.5);
    expect(secretValues(result.config)).toContain('284685063:TEST:abc');
  });

  it('refuse a currency other than USD without a rate, and a referral share above 50 %', () => {
    const result = parseConfig({ PAYMENTS_PROVIDER_TOKEN: '284685063:TEST:abc', PAYMENTS_CURRENCY: 'EUR', REFERRAL_PERCENT: '60' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.some((p) => p.startsWith('PAYMENTS_CURRENCY_PER_USD:'))).toBe(true);
    expect(result.problems.some((p) => p.startsWith('REFERRAL_PERCENT:'))).toBe(true);
  });

  it('price invoices in the currency’s smallest units, rounded up', () => {
    expect(cardPriceFor(1_000, 'USD', 1)).toBe(1_000);
    expect(cardPriceFor(1_000, 'EUR', 0.92)).toBe(920);
    expect(cardPriceFor(999, 'EUR', 0.9)).toBe(900); // 899.1 → 900
    expect(cardPriceFor(1_000, 'JPY', 150)).toBe(1_500);
    expect(cardPriceFor(1_000, 'RUB', 92.35)).toBe(92_350);
  });
});
