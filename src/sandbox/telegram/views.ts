/**
 * Messages as a person in the chat sees them, for assertions: the text as the
 * bot wrote it and as it reads (`plainText`), the buttons, the file bytes, the
 * invoice. Snapshots: a later edit never changes a view already handed out.
 */
import type { StoredMessage } from './state.js';
import type { MessageEntity, ReplyMarkup, WireRefundedPayment, WireSuccessfulPayment } from './types.js';

export interface ChatMessage {
  message_id: number;
  chat_id: number;
  /** Unix seconds. */
  date: number;
  edit_date?: number;
  fromBot: boolean;
  from_id: number;
  /** Text or caption exactly as sent, markup included; '' when there is none. */
  text: string;
  /** What the reader sees: tags stripped, HTML entities decoded. */
  plainText: string;
  parse_mode?: string;
  entities: MessageEntity[];
  reply_markup?: ReplyMarkup;
  /** The forum topic the message was sent to. */
  message_thread_id?: number;
  document?: {
    file_id: string;
    file_unique_id: string;
    file_name?: string;
    mime_type?: string;
    file_size: number;
    content: Buffer;
    url?: string;
  };
  invoice?: {
    title: string;
    description: string;
    currency: string;
    total_amount: number;
    payload: string;
    prices: { label: string; amount: number }[];
    paid: boolean;
  };
  successful_payment?: WireSuccessfulPayment;
  refunded_payment?: WireRefundedPayment;
  /** The forum topic the message is in. */
  thread_id?: number;
  /** The message it answers. */
  reply_to?: number;
  /** A topic-created service message: the topic's name. */
  forum_topic_created?: { name: string };
}

export interface ButtonView {
  text: string;
  callback_data?: string;
  url?: string;
}

export function toView(message: StoredMessage): ChatMessage {
  const view: ChatMessage = {
    message_id: message.messageId,
    chat_id: message.chatId,
    date: message.date,
    fromBot: message.fromBot,
    from_id: message.from.id,
    text: message.rawText ?? '',
    plainText: message.plainText,
    entities: message.entities.map((e) => ({ ...e })),
  };
  if (message.editDate !== undefined) view.edit_date = message.editDate;
  if (message.threadId !== undefined) view.thread_id = message.threadId;
  if (message.replyToMessageId !== undefined) view.reply_to = message.replyToMessageId;
  if (message.forumTopicCreated) view.forum_topic_created = { ...message.forumTopicCreated };
  if (message.parseMode) view.parse_mode = message.parseMode;
  if (message.replyMarkup) view.reply_markup = structuredClone(message.replyMarkup);
  if (message.threadId !== undefined) view.message_thread_id = message.threadId;
  if (message.document) {
    const d = message.document;
    view.document = {
      file_id: d.fileId,
      file_unique_id: d.fileUniqueId,
      file_size: d.content.length,
      content: Buffer.from(d.content),
      ...(d.fileName ? { file_name: d.fileName } : {}),
      ...(d.mimeType ? { mime_type: d.mimeType } : {}),
      ...(d.url ? { url: d.url } : {}),
    };
  }
  if (message.invoice) {
    const i = message.invoice;
    view.invoice = {
      title: i.title,
      description: i.description,
      currency: i.currency,
      total_amount: i.totalAmount,
      payload: i.payload,
      prices: i.prices.map((p) => ({ ...p })),
      paid: i.paidChargeId !== undefined,
    };
  }
  if (message.successfulPayment) view.successful_payment = { ...message.successfulPayment };
  if (message.refundedPayment) view.refunded_payment = { ...message.refundedPayment };
  return view;
}

export function buttonsOf(view: Pick<ChatMessage, 'reply_markup'>): ButtonView[] {
  const markup = view.reply_markup as { inline_keyboard?: ButtonView[][] } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => ({
    text: b.text,
    ...(b.callback_data !== undefined ? { callback_data: b.callback_data } : {}),
    ...(b.url !== undefined ? { url: b.url } : {}),
  }));
}

/** The JSON shape for the /control routes: file bytes become a download link. */
export function toJsonView(view: ChatMessage): Record<string, unknown> {
  if (!view.document) return { ...view };
  const { content: _content, ...document } = view.document;
  return { ...view, document: { ...document, download: `/control/files/${encodeURIComponent(document.file_id)}` } };
}
