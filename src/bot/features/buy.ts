import { Composer } from 'grammy';
import type { BotContext } from '../context.js';

export const BUY_FLOW = 'buy';

export function createBuyFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const enter = async (ctx: BotContext) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(BUY_FLOW);
  };
  composer.callbackQuery('m:buy', enter);
  composer.command('buy', enter);
  return composer;
}
