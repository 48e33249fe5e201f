/**
 * /start and the main menu. /start always leaves whatever flow the customer
 * was in, so it is the way out of any screen.
 */
import { Composer } from 'grammy';
import { menuCallbacks as menu, onCallback } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { money } from '../format.js';
import { escapeHtml } from '../html.js';
import { mainMenuKeyboard } from '../keyboards/main-menu.js';
import { show } from '../ui.js';
import { trialButtons } from '../views/trial.js';

export function mainMenuText(ctx: BotContext, env: BotEnv): string {
  const balance = env.services.wallet.balance(ctx.user.id);
  return ctx.t('menu-title', {
    name: escapeHtml(ctx.user.firstName ?? ctx.from?.first_name ?? ''),
    balance: money(balance.availableCents),
  });
}

/** The main menu's buttons, with the trials this customer may still take on top. */
export function mainMenuFor(ctx: BotContext, env: BotEnv) {
  return mainMenuKeyboard(ctx.t, trialButtons(env, ctx.t, ctx.user.id));
}

export async function showMainMenu(ctx: BotContext, env: BotEnv): Promise<void> {
  await show(ctx, mainMenuText(ctx, env), mainMenuFor(ctx, env));
}

export function createMenuFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command(['start', 'menu'], async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.reply(mainMenuText(ctx, env), { reply_markup: mainMenuFor(ctx, env) });
  });

  onCallback(composer, menu.main, async (ctx) => {
    await ctx.conversation.exitAll();
    await showMainMenu(ctx, env);
  });

  return composer;
}
