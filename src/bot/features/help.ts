import { Composer, InlineKeyboard } from 'grammy';
import { menuCallbacks as menu, onCallback } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { escapeHtml } from '../html.js';
import { menuButton } from '../keyboards/main-menu.js';
import { supportMenuButton } from './support.js';
import { show } from '../ui.js';

export function createHelpFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const render = async (ctx: BotContext) => {
    const contact = env.deps.supportContact;
    // With an operator group the team answers inside the bot; a contact, when set, is shown as well.
    const inBot = env.deps.operatorChatId !== undefined ? ctx.t('help-support-in-bot') : undefined;
    const elsewhere = contact ? ctx.t('help-support', { contact: escapeHtml(contact) }) : inBot ? undefined : ctx.t('help-support-none');
    const text = [ctx.t('help-text'), inBot, elsewhere].filter((l): l is string => l !== undefined).join('\n\n');
    const keyboard = env.deps.operatorChatId !== undefined ? supportMenuButton(ctx.t, new InlineKeyboard()).row() : new InlineKeyboard();
    await show(ctx, text, menuButton(ctx.t, keyboard));
  };
  onCallback(composer, menu.help, render);
  composer.command('help', render);
  return composer;
}
