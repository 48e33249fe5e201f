/**
 * `message_thread_id` on a send, read the way the Bot API server (10.x) reads
 * it, because that is what decides where a bot's message lands:
 *
 * - absent, zero or negative: no thread (the server reads a negative id as none);
 * - a forum supergroup: the id must name a live topic. The General topic (id 1)
 *   cannot be named ("omit the id to post there"), and a deleted topic is gone;
 * - a private chat: only bots with topic mode have threads there, and the
 *   emulator's bot has none, so every id is refused;
 * - a supergroup without topics, or a basic group: the server does not look at
 *   the id at all; the message goes to the chat, outside any thread.
 *
 * Every refusal is the server's one wording: "Bad Request: message thread not found".
 */
import { badRequest } from './errors.js';
import type { ChatRecord, EmulatorState } from './state.js';

/** Telegram's id of a forum's General topic: never a message, never accepted as a send's thread. */
export const GENERAL_TOPIC_ID = 1;

export const THREAD_NOT_FOUND = 'message thread not found';

/** The topic a message sent with this `message_thread_id` belongs to; throws Telegram's 400 when it names none. */
export function threadOfSend(state: EmulatorState, chat: ChatRecord, requested: number | undefined): { threadId?: number } {
  if (requested === undefined || requested <= 0) return {};
  if (chat.chat.is_forum) {
    if (requested === GENERAL_TOPIC_ID || !isLiveTopic(state, chat, requested)) throw badRequest(THREAD_NOT_FOUND);
    return { threadId: requested };
  }
  if (chat.chat.type === 'private') throw badRequest(THREAD_NOT_FOUND);
  return {};
}

export function isLiveTopic(state: EmulatorState, chat: ChatRecord, threadId: number): boolean {
  return state.message(chat.chat.id, threadId)?.forumTopicCreated !== undefined;
}

/** Deletes a topic as Telegram does: the topic and every message in it. */
export function deleteTopic(state: EmulatorState, chat: ChatRecord, threadId: number): void {
  for (const message of chat.messages.values()) {
    if (message.deleted || (message.threadId !== threadId && message.messageId !== threadId)) continue;
    message.deleted = true;
    state.touch(message);
  }
}
