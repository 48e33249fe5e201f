/**
 * The notifier's way out to Telegram: `MessageSender` (services/notifier.ts)
 * over a grammY `Api`, with each of Telegram's answers sorted into what the
 * notifier does about it. The services never see grammY.
 */
import { Api, GrammyError } from 'grammy';
import type { MessageSender, SendResult } from '../services/notifier.js';

/**
 * An Api for the notifier: the bot's token and client options, none of its
 * transformers. The bot's own Api waits out a 429 inside auto-retry, which
 * would stall a whole notifier pass; here the outbox reschedules instead.
 */
export function notifierApi(botApi: Api): Api {
  return new Api(botApi.token, botApi.options);
}

/** Sends through `api`, which must not retry by sleeping (`notifierApi`). */
export function telegramMessageSender(api: Pick<Api, 'sendMessage'> & Partial<Pick<Api, 'editMessageText'>>): MessageSender {
  const edit = api.editMessageText?.bind(api);
  return {
    ...(edit
      ? {
          async editMessageText(chatId, messageId, text, options) {
            try {
              await edit(
                chatId,
                messageId,
                text,
                {
                  ...(options.parseMode ? { parse_mode: options.parseMode } : {}),
                  ...(options.replyMarkup !== undefined ? { reply_markup: options.replyMarkup as never } : {}),
                },
                options.signal as Parameters<Api['editMessageText']>[4],
              );
              return { kind: 'sent' as const };
            } catch (error) {
              // Already showing exactly this: the customer has the news.
              if (error instanceof GrammyError && /message is not modified/.test(error.description)) return { kind: 'sent' as const };
              return classifySendError(error);
            }
          },
        }
      : {}),
    async sendMessage(chatId, text, options) {
      try {
        await api.sendMessage(
          chatId,
          text,
          {
            ...(options.parseMode ? { parse_mode: options.parseMode } : {}),
            ...(options.replyMarkup !== undefined ? { reply_markup: options.replyMarkup as never } : {}),
            ...(options.messageThreadId !== undefined ? { message_thread_id: options.messageThreadId } : {}),
          },
          // grammY types its signal after the abort-controller polyfill; Node's own is what it gets at run time.
          options.signal as Parameters<Api['sendMessage']>[3],
        );
        return { kind: 'sent' };
      } catch (error) {
        return classifySendError(error);
      }
    },
  };
}

/** What a failed sendMessage means for the message. */
export function classifySendError(error: unknown): Exclude<SendResult, { kind: 'sent' }> {
  if (!(error instanceof GrammyError)) return { kind: 'failed', description: String((error as Error)?.message ?? error), answered: false };
  const description = `${error.error_code} ${error.description}`;
  if (error.error_code === 429) return { kind: 'retry_after', seconds: error.parameters.retry_after ?? 1, description };
  if (error.error_code === 403 && /blocked by the user|user is deactivated/i.test(error.description))
    return { kind: 'blocked', description };
  const migratedTo = error.parameters.migrate_to_chat_id;
  if (migratedTo !== undefined) return { kind: 'migrated', toChatId: migratedTo, description };
  if (isThreadNotFound(error)) return { kind: 'refused', reason: 'thread_not_found', description };
  if (error.error_code === 400 || error.error_code === 403) return { kind: 'refused', description };
  return { kind: 'failed', description, answered: true };
}

/** Telegram's answer when the forum topic named by message_thread_id does not exist (deleted, or never was). */
export function isThreadNotFound(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400 && /message thread not found/i.test(error.description);
}
