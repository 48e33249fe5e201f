/**
 * Support inside the bot. A customer writes from Help (or /support), or
 * types something outside any flow and confirms it is for support; the bot
 * copies the message (text, screenshot or file) into the operator group —
 * into the customer's own forum topic when the group has topics — under a
 * header naming the customer and their card command. An admin's reply to
 * that message (or any admin message in the customer's topic) is sent back
 * to the customer. Every message is kept (services/support.ts).
 */
import type { I18n } from '@grammyjs/i18n';
import { type Api, Composer, type Context, GrammyError, InlineKeyboard } from 'grammy';
import type { Message } from 'grammy/types';
import { withPrefix } from '../../db/kv-storage.js';
import type { Logger } from '../../logger.js';
import type { SupportMessageKind } from '../../services/support.js';
import type { Language } from '../../services/users.js';
import { onCallback, supportCallbacks } from '../callback-data.js';
import { isThreadNotFound } from '../notifier-port.js';
import type { BotContext, BotEnv, BotServices } from '../context.js';
import { escapeHtml } from '../html.js';
import { asLanguage } from '../i18n.js';
import { backToMenu, menuButton } from '../keyboards/main-menu.js';
import { show } from '../ui.js';

function kindOf(message: Message): SupportMessageKind {
  if (message.text !== undefined) return 'text';
  if (message.photo) return 'photo';
  if (message.document) return 'document';
  return 'other';
}

const textOf = (message: Message) => message.text ?? message.caption;

/** The customer's side: composing, confirming typed text, relaying into the operator group. */
export function createSupportFeature(env: BotEnv, operatorLanguage: Language): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { support } = env.services;
  const operatorChatId = env.deps.operatorChatId;
  /** Customers who pressed "Write to support": their next message goes to the team. */
  const composing = withPrefix<boolean>(env.deps.storage, 'support-compose:');
  let forum: boolean | undefined;

  /** Whether the operator group has topics; asked once per process (a group does not switch often). */
  const groupHasTopics = async (api: Api, chatId: number) => {
    forum ??= await api
      .getChat(chatId)
      .then((chat) => chat.type === 'supergroup' && chat.is_forum === true)
      .catch(() => false);
    return forum;
  };

  const relay = async (ctx: BotContext, customerMessageId: number, message: Message | undefined): Promise<boolean> => {
    if (operatorChatId === undefined) return false;
    const user = ctx.user;
    const operatorT = (key: string, vars?: Record<string, string | number>) => env.i18n.t(operatorLanguage, key, vars);
    const header = operatorT('support-header', {
      name: escapeHtml(user.firstName ?? '—'),
      username: user.username ? `@${escapeHtml(user.username)}` : '—',
      telegramId: user.telegramId,
      card: `/user ${user.telegramId}`,
    });
    const openTopic = async () => {
      const topic = await ctx.api.createForumTopic(operatorChatId, `${user.firstName ?? 'Customer'} · ${user.telegramId}`.slice(0, 128));
      support.recordTopic(user.id, topic.message_thread_id);
      return topic.message_thread_id;
    };
    let topicId = support.topicOf(user.id);
    if (topicId === null && (await groupHasTopics(ctx.api, operatorChatId))) topicId = await openTopic();
    const where = () => (topicId !== null ? { message_thread_id: topicId } : {});
    try {
      await ctx.api.sendMessage(operatorChatId, header, where());
    } catch (error) {
      // An operator deleted the customer's topic (with its history): the conversation goes on in a new one.
      if (topicId === null || !isThreadNotFound(error)) throw error;
      env.logger.warn('a support topic was deleted; opening a new one for the customer', { userId: user.id, deletedTopicId: topicId });
      topicId = await openTopic();
      await ctx.api.sendMessage(operatorChatId, header, where());
    }
    const copy = await ctx.api.copyMessage(operatorChatId, ctx.chat!.id, customerMessageId, where());
    const text = message ? textOf(message) : undefined;
    support.record({
      userId: user.id,
      direction: 'from_customer',
      groupMessageId: copy.message_id,
      customerMessageId,
      kind: message ? kindOf(message) : 'other',
      ...(text ? { text } : {}),
    });
    return true;
  };

  const startComposing = async (ctx: BotContext) => {
    if (operatorChatId === undefined) {
      const contact = env.deps.supportContact;
      await show(ctx, contact ? ctx.t('help-support', { contact: escapeHtml(contact) }) : ctx.t('support-unavailable'), backToMenu(ctx.t));
      return;
    }
    await ctx.conversation.exitAll();
    composing.write(String(ctx.user.id), true);
    const keyboard = new InlineKeyboard().text(ctx.t('btn-cancel'), supportCallbacks.cancel.pack());
    await show(ctx, ctx.t('support-compose'), keyboard);
  };

  onCallback(composer, supportCallbacks.compose, startComposing);
  composer.command('support', startComposing);

  onCallback(composer, supportCallbacks.cancel, async (ctx) => {
    composing.delete(String(ctx.user.id));
    await show(ctx, ctx.t('support-cancelled'), backToMenu(ctx.t));
  });

  onCallback(composer, supportCallbacks.sendTyped, async (ctx, { messageId }) => {
    // The offer answers the customer's message, so Telegram hands it back with the press.
    const original = ctx.callbackQuery.message?.reply_to_message;
    const sent = await relay(ctx, messageId, original?.message_id === messageId ? original : undefined);
    await show(ctx, sent ? ctx.t('support-sent') : ctx.t('support-unavailable'), backToMenu(ctx.t));
  });

  composer.on('message', async (ctx, next) => {
    const message = ctx.message;
    if (message.text?.startsWith('/')) return next();
    const key = String(ctx.user.id);
    if (composing.read(key)) {
      composing.delete(key);
      const sent = await relay(ctx, message.message_id, message);
      await ctx.reply(sent ? ctx.t('support-sent') : ctx.t('support-unavailable'), { reply_markup: backToMenu(ctx.t) });
      return;
    }
    // Text (or a screenshot) outside any flow: offer to send it to support instead of "I didn't understand".
    if (operatorChatId === undefined) return next();
    const keyboard = new InlineKeyboard()
      .text(ctx.t('support-send-typed'), supportCallbacks.sendTyped.pack({ messageId: message.message_id }))
      .row();
    menuButton(ctx.t, keyboard);
    await ctx.reply(ctx.t('support-offer'), { reply_markup: keyboard, reply_parameters: { message_id: message.message_id } });
  });

  return composer;
}

export interface SupportRelayDeps {
  services: Pick<BotServices, 'support' | 'users'>;
  i18n: I18n<Context>;
  operatorChatId?: number;
  adminIds: number[];
  operatorLanguage: Language;
  logger: Logger;
}

/**
 * The operators' side: an admin's reply in the group to a customer's message
 * (or a message in the customer's topic) goes back to that customer.
 * Everything else in the group passes on untouched.
 */
export function createSupportRelay(deps: SupportRelayDeps): Composer<Context> {
  const composer = new Composer<Context>();
  const { services, i18n, operatorChatId, adminIds, logger } = deps;
  const operatorT = (key: string, vars?: Record<string, string | number>) => i18n.t(deps.operatorLanguage, key, vars);

  composer.on('message', async (ctx, next) => {
    const message = ctx.message;
    if (operatorChatId === undefined || ctx.chat.id !== operatorChatId || !adminIds.includes(ctx.from.id)) return next();
    if (message.text?.startsWith('/')) return next();
    const repliedTo = message.reply_to_message?.message_id;
    const userId =
      (repliedTo !== undefined ? services.support.customerOfGroupMessage(repliedTo) : undefined) ??
      (message.is_topic_message && message.message_thread_id !== undefined
        ? services.support.customerOfTopic(message.message_thread_id)
        : undefined);
    if (userId === undefined) return next();
    const customer = services.users.byId(userId);
    if (!customer) return next();
    const language = asLanguage(customer.language) ?? 'en';
    const text = textOf(message);
    const where =
      message.message_thread_id !== undefined && message.is_topic_message ? { message_thread_id: message.message_thread_id } : {};
    try {
      const sent =
        message.text !== undefined
          ? await ctx.api.sendMessage(customer.telegramId, i18n.t(language, 'support-reply', { text: escapeHtml(message.text) }))
          : await ctx.api.copyMessage(customer.telegramId, ctx.chat.id, message.message_id, {
              caption: i18n.t(language, 'support-reply', { text: escapeHtml(text ?? '') }),
              parse_mode: 'HTML',
            });
      services.support.record({
        userId,
        direction: 'to_customer',
        groupMessageId: message.message_id,
        customerMessageId: sent.message_id,
        kind: kindOf(message),
        adminTelegramId: ctx.from.id,
        ...(text ? { text } : {}),
      });
      await ctx.reply(operatorT('support-reply-delivered', { name: escapeHtml(customer.firstName ?? '—') }), {
        ...where,
        reply_parameters: { message_id: message.message_id },
      });
    } catch (error) {
      const blocked = error instanceof GrammyError && error.error_code === 403;
      logger.warn('support reply not delivered', { userId, error });
      await ctx.reply(operatorT(blocked ? 'support-reply-blocked' : 'support-reply-failed'), {
        ...where,
        reply_parameters: { message_id: message.message_id },
      });
    }
  });
  return composer;
}

export const supportMenuButton = (t: (key: string) => string, keyboard: InlineKeyboard) =>
  keyboard.text(t('support-write'), supportCallbacks.compose.pack());
