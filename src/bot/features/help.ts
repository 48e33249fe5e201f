import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext, BotEnv } from '../context.js';
import { escapeHtml } from '../html.js';
import { show } from '../ui.js';

export function createHelpFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const render = async (ctx: BotContext) => {
    const contact = env.deps.supportContact;
    const text = [ctx.t('help-text'), contact ? ctx.t('help-support', { contact: escapeHtml(contact) }) : ctx.t('help-support-none')].join(
      '\n\n',
    );
    await show(ctx, text, new InlineKeyboard().text(ctx.t('btn-main-menu'), 'm:main'));
  };
  composer.callbackQuery('m:help', render);
  composer.command('help', render);
  return composer;
}
