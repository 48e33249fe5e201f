import { Composer } from 'grammy';
import { menuCallbacks as menu, onCallback } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { BUY_FLOW } from '../conversations/buy.js';

export function createBuyFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const enter = async (ctx: BotContext) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(BUY_FLOW.id);
  };
  onCallback(composer, menu.buy, enter);
  composer.command('buy', enter);
  return composer;
}
