/**
 * Language choice: stored on the customer (users.setLanguage), so it holds in
 * conversations, after restarts and in notices sent later.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { SUPPORTED_LANGUAGES, type Language } from '../../services/users.js';
import type { BotContext, BotEnv } from '../context.js';
import { show } from '../ui.js';
import { showMainMenu } from './menu.js';

const NAMES: Record<Language, string> = { en: 'English', ru: 'Русский' };

export function createLanguageFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.callbackQuery('m:lang', async (ctx) => {
    const keyboard = new InlineKeyboard();
    for (const language of SUPPORTED_LANGUAGES) {
      keyboard.text(`${language === ctx.language ? '✓ ' : ''}${NAMES[language]}`, `l:${language}`);
    }
    keyboard.row().text(ctx.t('btn-main-menu'), 'm:main');
    await show(ctx, ctx.t('language-choose'), keyboard);
  });

  composer.callbackQuery(/^l:(en|ru)$/, async (ctx) => {
    const language = ctx.match[1] as Language;
    env.services.users.setLanguage(ctx.user.id, language);
    ctx.language = language;
    ctx.user = { ...ctx.user, language };
    ctx.i18n.useLocale(language);
    await showMainMenu(ctx, env);
  });

  return composer;
}
