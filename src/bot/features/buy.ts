import { Composer, InlineKeyboard } from 'grammy';
import { menuCallbacks as menu, onCallback, walletCallbacks } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { BUY_FLOW, type BuyPreset } from '../conversations/buy.js';
import { menuButton } from '../keyboards/main-menu.js';
import { show } from '../ui.js';
import { trialButtons } from '../views/trial.js';

export function createBuyFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const enter = async (ctx: BotContext, preset?: BuyPreset) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(BUY_FLOW.id, ...(preset ? [preset] : []));
  };
  onCallback(composer, menu.buy, (ctx) => enter(ctx));
  composer.command('buy', (ctx) => enter(ctx));

  // The trial's button on the main menu: into the buy flow at the trial's summary, when the customer may take it.
  onCallback(composer, menu.trial, async (ctx, { providerId }) => {
    const trial = trialButtons(env, ctx.t, ctx.user.id, providerId)[0];
    if (!trial) {
      // Taken since the menu was drawn, or no longer offered.
      return show(ctx, ctx.t('trial-gone'), menuButton(ctx.t, new InlineKeyboard()));
    }
    if (trial.blockedBy === 'top_up_first') {
      const keyboard = menuButton(ctx.t, new InlineKeyboard().text(ctx.t('btn-top-up'), walletCallbacks.topUp.pack()));
      return show(ctx, ctx.t('trial-top-up-first'), keyboard);
    }
    return enter(ctx, { trialProviderId: providerId });
  });
  return composer;
}
