import { describe, expect, it } from 'vitest';
import { countryLabel, flagOf, isoCountry } from '../../src/domain/countries.js';

describe('countries', () => {
  it('map the upstreams’ spellings to ISO codes', () => {
    expect(['USA', 'us', 'DE', 'DEU', 'GERMANY', 'ENGLAND', 'GBR', 'United Kingdom', 'Netherlands'].map(isoCountry)).toEqual([
      'US',
      'US',
      'DE',
      'DE',
      'DE',
      'GB',
      'GB',
      'GB',
      'NL',
    ]);
    // A pool id or a region is not a country.
    expect(isoCountry('pool-eu-3')).toBeUndefined();
    expect(isoCountry('')).toBeUndefined();
  });

  it('show a flag and the name in the reader’s language', () => {
    expect(flagOf('de')).toBe('🇩🇪');
    expect(countryLabel('US', 'en')).toBe('🇺🇸 United States');
    expect(countryLabel('DE', 'ru')).toBe('🇩🇪 Германия');
  });
});
