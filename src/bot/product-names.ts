/**
 * Product names in the customer's language. Names come from each upstream's
 * catalog (or are built by its adapter from catalog fields) and are stored
 * with each order and proxy as sold, in English. For Russian they are
 * translated phrase by phrase from a glossary of the words our adapters and
 * upstreams use; a name with no known phrase is shown as the upstream wrote it.
 */
import { isoCountry } from '../domain/countries.js';
import { countryText } from './labels.js';
import type { Translate } from './ui.js';

type Glossary = ReadonlyArray<readonly [RegExp, string]>;

/** Longer phrases first: each rule rewrites what the ones before it left. */
const RUSSIAN: Glossary = [
  [/\bPrivate IPv4 proxies\b/i, 'Приватные IPv4-прокси'],
  [/\bIPv6 proxies\b/i, 'IPv6-прокси'],
  [/\bISP proxies\b/i, 'ISP-прокси'],
  [/\bMobile proxies\b/i, 'Мобильные прокси'],
  [/\bDatacenter proxies\b/i, 'Прокси дата-центров'],
  [/\bresidential proxies\b/, 'резидентные прокси'],
  [/\bResidential proxies\b/i, 'Резидентные прокси'],
  [/\bpay per GB\b/i, 'оплата за ГБ'],
  [/\(per GB\)/i, '(за ГБ)'],
  [/\(per day\)/i, '(посуточно)'],
  [/\((\d+) days\)/i, '($1 дн.)'],
  [/\bUnlimited Residential trial\b/i, 'Безлимитные резидентные, пробный'],
  [/\bResidential Lite\b/i, 'Резидентные Lite'],
  [/\bShared ISP\b/i, 'Общие ISP'],
  [/\bDedicated ISP\b/i, 'Выделенные ISP'],
  [/\bResidential\b/i, 'Резидентные'],
  [/\bMobile\b/i, 'Мобильные'],
  [/\bDatacenter\b/i, 'Дата-центр'],
  [/, shared\b/i, ', общие'],
  [/, private\b/i, ', приватные'],
  [/, dedicated\b/i, ', выделенные'],
];

const GLOSSARIES: Partial<Record<string, Glossary>> = { ru: RUSSIAN };

export function translateProductName(language: string, name: string): string {
  const glossary = GLOSSARIES[language];
  if (!glossary) return name;
  return glossary.reduce((text, [phrase, translation]) => text.replace(phrase, translation), name);
}

/** The product's name in the language `t` speaks (its `labels-language` message). */
export function productName(t: Translate, name: string): string {
  return translateProductName(t('labels-language'), name);
}

/** A stored country value ("USA", "DE", "ENGLAND") as its flag and name in the language `t` speaks. */
export function countryOf(t: Translate, stored: string): string {
  const iso = isoCountry(stored);
  return countryText(t, { name: stored, ...(iso ? { iso } : {}) });
}
