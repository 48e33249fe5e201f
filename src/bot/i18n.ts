/**
 * Fluent translations, one file per feature in `locales/<language>/`. The
 * language is the customer's stored choice (set from their Telegram language
 * when they first came), so it is the same inside and outside conversations
 * and in notices sent later.
 */
import { I18n } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import { fromPackageRoot } from '../lib/package-root.js';
import { languageFromTelegram, SUPPORTED_LANGUAGES, type Language, type Users } from '../services/users.js';
import type { ShopFlavor } from './context.js';

export const LOCALES_DIR = fromPackageRoot('src', 'bot', 'locales');

export function createI18n(users: Pick<Users, 'byTelegramId'>): I18n<Context> {
  return new I18n<Context>({
    defaultLocale: 'en',
    directory: LOCALES_DIR,
    // Unicode isolation marks around every variable would end up in copied credentials.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: (ctx) => {
      const known = (ctx as Partial<ShopFlavor>).language;
      if (known) return known;
      if (!ctx.from) return 'en';
      const stored = users.byTelegramId(ctx.from.id)?.language;
      return asLanguage(stored) ?? languageFromTelegram(ctx.from.language_code);
    },
  });
}

export function asLanguage(value: string | null | undefined): Language | undefined {
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(value ?? '') ? (value as Language) : undefined;
}
