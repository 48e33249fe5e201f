/**
 * Telegram tells us when a customer blocks the bot (and when they come
 * back); the notifier then stops trying to message them.
 */
import { Composer } from 'grammy';
import type { BotContext, BotEnv } from '../context.js';

export function createMembershipFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on('my_chat_member', (ctx) => {
    if (ctx.chat.type !== 'private') return;
    const status = ctx.myChatMember.new_chat_member.status;
    const reachable = status === 'member' || status === 'administrator' || status === 'creator';
    env.services.users.setReachable(ctx.user.id, reachable);
    env.logger.info('customer reachability changed', { userId: ctx.user.id, reachable });
  });
  return composer;
}
