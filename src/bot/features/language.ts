/**
 * Language choice: stored on the customer (users.setLanguage), so it holds in
 * conversations, after restarts and in notices sent later.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { SUPPORTED_LANGUAGES, type Language } from '../../services/users.js';
import { languageCallbacks, menuCallbacks as menu, onCallback } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { menuButton } from '../keyboards/main-menu.js';
import { show } from '../ui.js';
import { showMainMenu } from './menu.js';

const NAMES: Record<Language, string> = { en: 'English', ru: 'Русский' };

export function createLanguageFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  onCallback(composer, menu.language, async (ctx) => {
    const keyboard = new InlineKeyboard();
    for (const language of SUPPORTED_LANGUAGES) {
      keyboard.text(`${language === ctx.language ? '✓ ' : ''}${NAMES[language]}`, languageCallbacks.choose.pack({ language }));
    }
    menuButton(ctx.t, keyboard.row());
    await show(ctx, ctx.t('language-choose'), keyboard);
  });

  onCallback(composer, languageCallbacks.choose, async (ctx, { language }) => {
    env.services.users.setLanguage(ctx.user.id, language);
    ctx.language = language;
    ctx.user = { ...ctx.user, language };
    ctx.i18n.useLocale(language);
    await showMainMenu(ctx, env);
  });

  return composer;
}
