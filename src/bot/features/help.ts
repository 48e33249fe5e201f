import { Composer } from 'grammy';
import { menuCallbacks as menu, onCallback } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { escapeHtml } from '../html.js';
import { backToMenu } from '../keyboards/main-menu.js';
import { show } from '../ui.js';

export function createHelpFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const render = async (ctx: BotContext) => {
    const contact = env.deps.supportContact;
    const text = [ctx.t('help-text'), contact ? ctx.t('help-support', { contact: escapeHtml(contact) }) : ctx.t('help-support-none')].join(
      '\n\n',
    );
    await show(ctx, text, backToMenu(ctx.t));
  };
  onCallback(composer, menu.help, render);
  composer.command('help', render);
  return composer;
}
