/**
 * Telegram reads `message_thread_id` only in a group with topics (a forum):
 * anywhere else it drops the id without a word, and alerts meant for the
 * OPERATOR_TOPIC_* topics land in the group's main chat. Nothing fails, so
 * nothing else would tell the operator; this check says it once, at start.
 */
import type { Api } from 'grammy';
import type { Logger } from '../logger.js';
import { type OperatorTopic, type OperatorTopics, SETTING_OF_TOPIC } from '../services/operator-alerts.js';

export async function warnIfOperatorTopicsUnused(
  api: Pick<Api, 'getChat'>,
  chatId: number | undefined,
  topics: OperatorTopics,
  logger: Logger,
): Promise<void> {
  const settings = (Object.keys(SETTING_OF_TOPIC) as OperatorTopic[])
    .filter((t) => topics[t] !== undefined)
    .map((t) => SETTING_OF_TOPIC[t]);
  if (chatId === undefined || settings.length === 0) return;
  try {
    const chat = await api.getChat(chatId);
    if (chat.type === 'supergroup' && chat.is_forum === true) return;
    logger.warn('the operator group has no topics: Telegram ignores the topic settings and alerts land in its main chat', {
      chatId,
      settings,
    });
  } catch (error) {
    logger.warn('could not check whether the operator group has topics', { chatId, error: String((error as Error)?.message ?? error) });
  }
}
