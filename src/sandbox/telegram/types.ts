/**
 * The slice of the Bot API wire format the emulator produces and accepts.
 * Field names are Telegram's (snake_case) because these objects go over the
 * wire unchanged; only the fields the emulator fills are declared.
 */

export interface WireUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export type ChatType = 'private' | 'group' | 'supergroup';

export interface WireChat {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
  /** A supergroup with topics. */
  is_forum?: boolean;
}

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
  [other: string]: unknown;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

/** Inline keyboards are what tests press; reply keyboards are kept as sent. */
export type ReplyMarkup = InlineKeyboardMarkup | Record<string, unknown>;

export interface WireDocument {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

export interface WireInvoice {
  title: string;
  description: string;
  start_parameter: string;
  currency: string;
  total_amount: number;
}

export interface WireSuccessfulPayment {
  currency: string;
  total_amount: number;
  invoice_payload: string;
  telegram_payment_charge_id: string;
  provider_payment_charge_id: string;
}

export interface WireRefundedPayment {
  currency: string;
  total_amount: number;
  invoice_payload: string;
  telegram_payment_charge_id: string;
  provider_payment_charge_id?: string;
}

export interface WireMessage {
  message_id: number;
  from?: WireUser;
  date: number;
  chat: WireChat;
  edit_date?: number;
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  caption_entities?: MessageEntity[];
  document?: WireDocument;
  invoice?: WireInvoice;
  successful_payment?: WireSuccessfulPayment;
  refunded_payment?: WireRefundedPayment;
  reply_markup?: ReplyMarkup;
  message_thread_id?: number;
  is_topic_message?: boolean;
  reply_to_message?: WireMessage;
  forum_topic_created?: { name: string; icon_color: number };
}

export interface WireCallbackQuery {
  id: string;
  from: WireUser;
  message?: WireMessage;
  chat_instance: string;
  data?: string;
}

export interface WirePreCheckoutQuery {
  id: string;
  from: WireUser;
  currency: string;
  total_amount: number;
  invoice_payload: string;
}

export type ChatMemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

export interface WireChatMember {
  status: ChatMemberStatus;
  user: WireUser;
  [other: string]: unknown;
}

export interface WireChatMemberUpdated {
  chat: WireChat;
  from: WireUser;
  date: number;
  old_chat_member: WireChatMember;
  new_chat_member: WireChatMember;
}

/** Every update kind the emulator can emit; the key names the update type. */
export interface UpdatePayload {
  message?: WireMessage;
  edited_message?: WireMessage;
  callback_query?: WireCallbackQuery;
  pre_checkout_query?: WirePreCheckoutQuery;
  my_chat_member?: WireChatMemberUpdated;
}

export type WireUpdate = UpdatePayload & { update_id: number };

export type UpdateType = keyof UpdatePayload;
