/**
 * Sending, editing and deleting messages, documents and chat actions, with the
 * refusals a real bot meets: blocked users, "message is not modified", editing
 * text of a document, oversize callback data, malformed HTML.
 */
import { badRequest } from '../errors.js';
import { isUploadedFile } from '../params.js';
import type { ChatRecord, StoredDocument, StoredMessage } from '../state.js';
import { deleteTopic, GENERAL_TOPIC_ID, isLiveTopic, threadOfSend } from '../threads.js';
import { chatIdParam, replyMarkupOf, sameMarkup, textOf, type MethodContext, type MethodHandler } from './common.js';

const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

const sendMessage: MethodHandler = (ctx) => {
  const chat = ctx.state.chatForBotSend(chatIdParam(ctx.params));
  const text = textOf(ctx, 'text')!;
  const message = ctx.state.addMessage(chat, {
    from: ctx.state.bot,
    fromBot: true,
    ...text,
    isCaption: false,
    ...markupField(ctx),
    ...threadField(ctx, chat),
    ...replyField(ctx, chat),
  });
  return ctx.state.toWireMessage(message);
};

const sendDocument: MethodHandler = (ctx) => {
  const chat = ctx.state.chatForBotSend(chatIdParam(ctx.params));
  const document = documentOf(ctx);
  const caption = textOf(ctx, 'caption');
  const message = ctx.state.addMessage(chat, {
    from: ctx.state.bot,
    fromBot: true,
    ...(caption ?? { plainText: '', entities: [] }),
    isCaption: true,
    document,
    ...markupField(ctx),
    ...threadField(ctx, chat),
  });
  return ctx.state.toWireMessage(message);
};

function documentOf(ctx: MethodContext): StoredDocument {
  const input = ctx.params.file('document');
  if (isUploadedFile(input)) {
    if (input.content.length === 0) throw badRequest('file must be non-empty');
    return ctx.state.addFile({
      fileName: input.fileName,
      content: input.content,
      ...(input.mimeType && input.mimeType !== 'application/octet-stream' ? { mimeType: input.mimeType } : {}),
    });
  }
  const known = input !== undefined ? ctx.state.files.get(input) : undefined;
  if (known) return known;
  if (input && /^https?:\/\//i.test(input)) {
    const fileName = decodeURIComponent(new URL(input).pathname.split('/').pop() || 'file');
    return ctx.state.addFile({ fileName, content: Buffer.alloc(0), url: input });
  }
  throw badRequest('wrong file identifier/HTTP URL specified');
}

/** message_thread_id, as the Bot API server reads it (threads.ts). */
function threadField(ctx: MethodContext, chat: ChatRecord): { threadId?: number } {
  return threadOfSend(ctx.state, chat, ctx.params.int('message_thread_id'));
}

/** reply_parameters.message_id: the message this one answers, in the same chat. */
function replyField(ctx: MethodContext, chat: ChatRecord): { replyToMessageId?: number } {
  const reply = ctx.params.json<{ message_id?: number }>('reply_parameters');
  if (reply?.message_id === undefined) return {};
  if (!ctx.state.message(chat.chat.id, reply.message_id)) throw badRequest('message to be replied not found');
  return { replyToMessageId: reply.message_id };
}

/** Copies a message's content (text, or a file with its caption) to another chat, without a link to the original. */
const copyMessage: MethodHandler = (ctx) => {
  const fromChatId = chatIdParam(ctx.params, 'from_chat_id');
  const source = ctx.state.message(fromChatId, ctx.params.int('message_id') ?? 0);
  if (!source) throw badRequest('message to copy not found');
  if (source.invoice || source.successfulPayment || source.refundedPayment || source.forumTopicCreated) {
    throw badRequest("the message can't be copied");
  }
  const chat = ctx.state.chatForBotSend(chatIdParam(ctx.params));
  const caption = source.isCaption && ctx.params.has('caption') ? textOf(ctx, 'caption') : undefined;
  const content = caption
    ? {
        rawText: caption.rawText,
        plainText: caption.plainText,
        entities: caption.entities,
        ...(caption.parseMode ? { parseMode: caption.parseMode } : {}),
      }
    : {
        ...(source.rawText !== undefined ? { rawText: source.rawText } : {}),
        ...(source.parseMode ? { parseMode: source.parseMode } : {}),
        plainText: source.plainText,
        entities: source.entities.map((e) => ({ ...e })),
      };
  const message = ctx.state.addMessage(chat, {
    from: ctx.state.bot,
    fromBot: true,
    ...content,
    isCaption: source.isCaption,
    ...(source.document ? { document: source.document } : {}),
    ...markupField(ctx),
    ...threadField(ctx, chat),
  });
  return { message_id: message.messageId };
};

/** Opens a topic in a forum supergroup: a service message whose id is the topic's message_thread_id. */
const createForumTopic: MethodHandler = (ctx) => {
  const chat = ctx.state.chatForBotSend(chatIdParam(ctx.params));
  if (!chat.chat.is_forum) throw badRequest('the chat is not a forum');
  const status = chat.members.get(ctx.state.bot.id);
  if (status !== 'administrator' && status !== 'creator') throw badRequest('not enough rights to create a topic');
  const name = ctx.params.str('name') ?? '';
  if (name.length < 1 || name.length > 128) throw badRequest('TOPIC_TITLE_EMPTY');
  const created = ctx.state.addMessage(chat, {
    from: ctx.state.bot,
    fromBot: true,
    plainText: '',
    entities: [],
    isCaption: false,
    forumTopicCreated: { name },
  });
  created.threadId = created.messageId;
  return { message_thread_id: created.messageId, name, icon_color: 7_322_096 };
};

/** Deletes a forum topic with all its messages; needs an administrator (can_delete_messages). */
const deleteForumTopic: MethodHandler = (ctx) => {
  const chat = ctx.state.chatForBotSend(chatIdParam(ctx.params));
  if (!chat.chat.is_forum) throw badRequest('the chat is not a forum');
  const status = chat.members.get(ctx.state.bot.id);
  if (status !== 'administrator' && status !== 'creator') throw badRequest('not enough rights to delete a topic');
  const threadId = ctx.params.int('message_thread_id') ?? 0;
  // The General topic can be hidden or closed but never deleted.
  if (threadId === GENERAL_TOPIC_ID || !isLiveTopic(ctx.state, chat, threadId)) throw badRequest('TOPIC_ID_INVALID');
  deleteTopic(ctx.state, chat, threadId);
  return true;
};

function markupField(ctx: MethodContext) {
  const replyMarkup = replyMarkupOf(ctx.params);
  return replyMarkup ? { replyMarkup } : {};
}

/** The bot's own, live message named by chat_id + message_id. */
function messageToEdit(ctx: MethodContext): StoredMessage {
  if (ctx.params.has('inline_message_id')) throw badRequest('inline messages are not supported by the emulator');
  if (!ctx.params.has('chat_id')) throw badRequest('chat_id is required');
  const messageId = ctx.params.int('message_id');
  if (messageId === undefined) throw badRequest('message_id is required');
  const chatId = chatIdParam(ctx.params);
  ctx.state.chatForBotSend(chatId);
  const message = ctx.state.message(chatId, messageId);
  if (!message) throw badRequest('message to edit not found');
  if (!message.fromBot) throw badRequest("message can't be edited");
  return message;
}

const editMessageText: MethodHandler = (ctx) => {
  const message = messageToEdit(ctx);
  if (!ctx.params.has('text')) throw badRequest('message text is empty');
  if (message.isCaption || message.invoice) throw badRequest('there is no text in the message to edit');
  const text = textOf(ctx, 'text')!;
  // Telegram drops the inline keyboard unless the edit passes it again.
  const replyMarkup = replyMarkupOf(ctx.params);
  const sameText = text.plainText === message.plainText && JSON.stringify(text.entities) === JSON.stringify(message.entities);
  if (sameText && sameMarkup(replyMarkup, message.replyMarkup)) throw badRequest(NOT_MODIFIED);
  Object.assign(message, { rawText: text.rawText, plainText: text.plainText, entities: text.entities });
  if (text.parseMode) message.parseMode = text.parseMode;
  else delete message.parseMode;
  if (replyMarkup) message.replyMarkup = replyMarkup;
  else delete message.replyMarkup;
  message.editDate = ctx.state.unixNow();
  ctx.state.touch(message);
  return ctx.state.toWireMessage(message);
};

const editMessageReplyMarkup: MethodHandler = (ctx) => {
  const message = messageToEdit(ctx);
  const replyMarkup = replyMarkupOf(ctx.params);
  if (sameMarkup(replyMarkup, message.replyMarkup)) throw badRequest(NOT_MODIFIED);
  if (replyMarkup) message.replyMarkup = replyMarkup;
  else delete message.replyMarkup;
  message.editDate = ctx.state.unixNow();
  ctx.state.touch(message);
  return ctx.state.toWireMessage(message);
};

const deleteMessage: MethodHandler = (ctx) => {
  const chatId = chatIdParam(ctx.params);
  const chat = ctx.state.chat(chatId);
  const message = ctx.state.message(chatId, ctx.params.int('message_id')!);
  if (!message) throw badRequest('message to delete not found');
  const botStatus = chat.members.get(ctx.state.bot.id);
  if (chat.chat.type !== 'private' && !message.fromBot && botStatus !== 'administrator' && botStatus !== 'creator') {
    throw badRequest("message can't be deleted");
  }
  message.deleted = true;
  ctx.state.touch(message);
  return true;
};

const sendChatAction: MethodHandler = (ctx) => {
  ctx.state.chatForBotSend(chatIdParam(ctx.params));
  if (!CHAT_ACTIONS.has(ctx.params.str('action')!)) throw badRequest('wrong parameter action in request');
  return true;
};

const getFile: MethodHandler = (ctx) => {
  const file = ctx.state.files.get(ctx.params.str('file_id')!);
  if (!file) throw badRequest('wrong file_id or the file is temporarily unavailable');
  return {
    file_id: file.fileId,
    file_unique_id: file.fileUniqueId,
    file_size: file.content.length,
    file_path: `documents/${file.fileId}`,
  };
};

export const messageMethods: Record<string, MethodHandler> = {
  sendMessage,
  sendDocument,
  copyMessage,
  createForumTopic,
  deleteForumTopic,
  editMessageText,
  editMessageReplyMarkup,
  deleteMessage,
  sendChatAction,
  getFile,
};
