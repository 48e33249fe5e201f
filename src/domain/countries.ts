/**
 * Countries as customers read them: ISO 3166-1 alpha-2 codes, shown as a
 * flag and the name in the customer's language (from the ICU data Node
 * ships). Upstreams name countries their own way ("USA", "DEU", "GERMANY",
 * "ENGLAND"); each adapter maps its values to an ISO code with `isoCountry`.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const english = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** Every alpha-2 code ICU knows as a region, with its English name upper-cased, built once. */
const byEnglishName = new Map<string, string>();
const knownCodes = new Set<string>();
/** Codes ICU names that are not ISO 3166-1 countries (or duplicate one, like UK for GB). */
const NOT_ISO = new Set(['UK', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'ZZ']);
for (const a of ALPHABET) {
  for (const b of ALPHABET) {
    const code = a + b;
    const name = english.of(code);
    if (name && name !== code && !NOT_ISO.has(code)) {
      knownCodes.add(code);
      byEnglishName.set(name.toUpperCase(), code);
    }
  }
}

/** Alpha-3 codes and the names upstreams use that ICU does not spell the same way. */
const ALIASES: Readonly<Record<string, string>> = {
  USA: 'US',
  'UNITED STATES OF AMERICA': 'US',
  UK: 'GB',
  GBR: 'GB',
  ENGLAND: 'GB',
  'GREAT BRITAIN': 'GB',
  DEU: 'DE',
  FRA: 'FR',
  NLD: 'NL',
  RUS: 'RU',
  UKR: 'UA',
  KAZ: 'KZ',
  POL: 'PL',
  ITA: 'IT',
  ESP: 'ES',
  CAN: 'CA',
  JPN: 'JP',
  SGP: 'SG',
  BRA: 'BR',
  IND: 'IN',
  TUR: 'TR',
  CHN: 'CN',
  HKG: 'HK',
  AUS: 'AU',
  SWE: 'SE',
  FIN: 'FI',
  CHE: 'CH',
  AUT: 'AT',
  CZE: 'CZ',
  LTU: 'LT',
  LVA: 'LV',
  EST: 'EE',
  ROU: 'RO',
  BGR: 'BG',
  ISR: 'IL',
  KOR: 'KR',
  MEX: 'MX',
  ARG: 'AR',
  ZAF: 'ZA',
  GEO: 'GE',
  ARM: 'AM',
  BLR: 'BY',
  MDA: 'MD',
  PRT: 'PT',
  IRL: 'IE',
  BEL: 'BE',
  DNK: 'DK',
  NOR: 'NO',
  HUN: 'HU',
  GRC: 'GR',
  SRB: 'RS',
  VNM: 'VN',
  THA: 'TH',
  IDN: 'ID',
  ARE: 'AE',
  SAU: 'SA',
  KOREA: 'KR',
  RUSSIA: 'RU',
  'SOUTH KOREA': 'KR',
  'CZECH REPUBLIC': 'CZ',
  VIETNAM: 'VN',
  HOLLAND: 'NL',
};

/** The ISO alpha-2 code for an upstream's country value (code or English name, any case); undefined when unknown. */
export function isoCountry(value: string | null | undefined): string | undefined {
  const key = value?.trim().toUpperCase();
  if (!key) return undefined;
  if (ALIASES[key]) return ALIASES[key];
  if (key.length === 2 && knownCodes.has(key)) return key;
  return byEnglishName.get(key);
}

/** The flag emoji of an alpha-2 code: its two regional indicator symbols. */
export function flagOf(iso: string): string {
  return [...iso.toUpperCase()].map((c) => String.fromCodePoint(0x1f1e6 + c.charCodeAt(0) - 65)).join('');
}

const namesByLanguage = new Map<string, Intl.DisplayNames>();

/** "🇩🇪 Germany" / "🇩🇪 Германия": the flag and the country's name in `language`. */
export function countryLabel(iso: string, language: string): string {
  let names = namesByLanguage.get(language);
  if (!names) {
    names = new Intl.DisplayNames([language], { type: 'region' });
    namesByLanguage.set(language, names);
  }
  return `${flagOf(iso)} ${names.of(iso.toUpperCase()) ?? iso}`;
}

/** Adds the ISO code an upstream's values map to (the first that does), for catalog entries. */
export function withIso<T extends object>(option: T, ...values: (string | null | undefined)[]): T & { iso?: string } {
  for (const value of values) {
    const iso = isoCountry(value);
    if (iso) return { ...option, iso };
  }
  return option;
}
