/**
 * Catalog labels in the customer's language: countries as a flag and a
 * localized name from their ISO code, terms through Fluent's plural rules
 * ("1 day", "2 дня", "5 дней"). What the upstream calls them is the fallback
 * when there is no ISO code or day count (a pool, a traffic plan's own name).
 */
import { countryLabel } from '../domain/countries.js';
import type { CountryOption, TermOption } from '../providers/types.js';
import type { Translate } from './ui.js';

export function countryText(t: Translate, country: Pick<CountryOption, 'name' | 'iso'>): string {
  return country.iso ? countryLabel(country.iso, t('labels-language')) : country.name;
}

export function termText(t: Translate, term: Pick<TermOption, 'label' | 'days' | 'trafficGb'>): string {
  if (term.days !== undefined) return t('term-days', { days: term.days });
  if (term.trafficGb !== undefined) return t('term-traffic', { gb: term.trafficGb });
  return term.label;
}
