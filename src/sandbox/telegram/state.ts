/**
 * Everything the emulated Telegram knows: the bot, users, chats with their
 * message history, uploaded files, open callback and pre-checkout queries,
 * Stars payments and bot settings. Plain data plus small lookups; the rules of
 * each Bot API method live in methods/*, what users do lives in actions.ts.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { badRequest, forbidden } from './errors.js';
import type {
  ChatMemberStatus,
  MessageEntity,
  ReplyMarkup,
  WireChat,
  WireMessage,
  WireRefundedPayment,
  WireSuccessfulPayment,
  WireUser,
} from './types.js';

export interface UserRecord {
  user: WireUser;
  /** The user blocked the bot: sends to their private chat answer 403. */
  blocked: boolean;
  /** Telegram refuses to let a bot write first; set when the user first writes. */
  startedBot: boolean;
}

export interface ChatRecord {
  chat: WireChat;
  /** Group membership (the bot included); unused for private chats. */
  members: Map<number, ChatMemberStatus>;
  messages: Map<number, StoredMessage>;
  nextMessageId: number;
  /** Stable per chat, sent with every callback query from it. */
  chatInstance: string;
}

export interface StoredDocument {
  fileId: string;
  fileUniqueId: string;
  fileName?: string;
  mimeType?: string;
  /** Bytes as uploaded; empty when the bot sent a URL (the emulator never fetches it). */
  content: Buffer;
  url?: string;
}

export interface StoredInvoice {
  title: string;
  description: string;
  payload: string;
  currency: string;
  prices: { label: string; amount: number }[];
  totalAmount: number;
  startParameter: string;
  providerToken: string;
  /** Set once paid: Telegram shows a receipt instead of a Pay button afterwards. */
  paidChargeId?: string;
}

export interface StoredMessage {
  messageId: number;
  chatId: number;
  from: WireUser;
  fromBot: boolean;
  date: number;
  editDate?: number;
  /** Text or caption exactly as the sender wrote it (HTML tags included). */
  rawText?: string;
  parseMode?: string;
  /** What the recipient reads: markup removed, HTML entities decoded. */
  plainText: string;
  entities: MessageEntity[];
  /** The text belongs to a document as its caption. */
  isCaption: boolean;
  replyMarkup?: ReplyMarkup;
  document?: StoredDocument;
  invoice?: StoredInvoice;
  successfulPayment?: WireSuccessfulPayment;
  refundedPayment?: WireRefundedPayment;
  /** The message this one answers (Telegram's reply_to_message). */
  replyToMessageId?: number;
  /** The forum topic it was posted in: the id of the topic's creation message. */
  threadId?: number;
  /** A service message: a forum topic was created (its id is the topic's thread id). */
  forumTopicCreated?: { name: string };
  deleted: boolean;
  /** Global change counter at the last create/edit/delete, so waiters see only news. */
  seq: number;
}

export interface CallbackAnswer {
  callbackQueryId: string;
  text?: string;
  show_alert?: boolean;
  url?: string;
  at: number;
}

export interface CallbackQueryRecord {
  id: string;
  userId: number;
  chatId: number;
  messageId: number;
  data: string;
  answer?: CallbackAnswer;
}

export interface PreCheckoutRecord {
  id: string;
  userId: number;
  chatId: number;
  messageId: number;
  /** Closed once answered or once the deadline passed; later answers are refused. */
  open: boolean;
  settle(answer: { ok: true } | { ok: false; error: string }): void;
}

export interface PaymentRecord {
  chargeId: string;
  providerChargeId: string;
  userId: number;
  chatId: number;
  currency: string;
  totalAmount: number;
  payload: string;
  date: number;
  refundedAt?: number;
}

export interface CommandScopeKey {
  scope: string;
  languageCode: string;
}

export interface StateOptions {
  token: string;
  botUsername: string;
  botFirstName: string;
  clock: () => number;
}

export interface StateEvents {
  /** A message was created, edited or deleted. */
  message: [StoredMessage];
  callbackAnswer: [CallbackAnswer];
}

export class EmulatorState {
  readonly token: string;
  readonly bot: WireUser;
  readonly users = new Map<number, UserRecord>();
  readonly chats = new Map<number, ChatRecord>();
  readonly files = new Map<string, StoredDocument>();
  readonly callbackQueries = new Map<string, CallbackQueryRecord>();
  readonly preCheckouts = new Map<string, PreCheckoutRecord>();
  readonly payments = new Map<string, PaymentRecord>();
  readonly commands = new Map<string, { command: string; description: string }[]>();
  readonly menuButtons = new Map<string, Record<string, unknown>>();
  readonly events = new EventEmitter<StateEvents>();
  /** The bot's Stars balance: payments in, refunds out. */
  starBalance = 0;
  /** Stars movements in the order they happened (dates alone tie within a second). */
  readonly starLedger: { chargeId: string; kind: 'payment' | 'refund'; date: number }[] = [];
  private seq = 0;
  private nextUserId = 700_000_001;
  private nextGroupNumber = 1;
  private readonly clock: () => number;

  constructor(options: StateOptions) {
    this.token = options.token;
    this.clock = options.clock;
    this.bot = {
      id: Number(options.token.split(':')[0]),
      is_bot: true,
      first_name: options.botFirstName,
      username: options.botUsername,
    };
    // Many waiters (one per test helper call) may listen at once.
    this.events.setMaxListeners(0);
  }

  nowMs(): number {
    return this.clock();
  }

  /** Telegram dates are Unix seconds. */
  unixNow(): number {
    return Math.floor(this.clock() / 1000);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  currentSeq(): number {
    return this.seq;
  }

  addUser(fields: { firstName: string; lastName?: string; username?: string; languageCode?: string; startedBot?: boolean }): UserRecord {
    const user: WireUser = { id: this.nextUserId++, is_bot: false, first_name: fields.firstName };
    if (fields.lastName) user.last_name = fields.lastName;
    if (fields.username) user.username = fields.username;
    if (fields.languageCode) user.language_code = fields.languageCode;
    const record: UserRecord = { user, blocked: false, startedBot: fields.startedBot ?? false };
    this.users.set(user.id, record);
    const chat: WireChat = { id: user.id, type: 'private', first_name: user.first_name };
    if (user.last_name) chat.last_name = user.last_name;
    if (user.username) chat.username = user.username;
    this.chats.set(user.id, this.newChat(chat));
    return record;
  }

  addGroup(fields: { title: string; type?: 'group' | 'supergroup'; botStatus?: ChatMemberStatus; forum?: boolean }): ChatRecord {
    const type = fields.type ?? 'supergroup';
    if (fields.forum && type !== 'supergroup') throw badRequest('only supergroups can have topics');
    const number = this.nextGroupNumber++;
    // Supergroup ids are -100 followed by the channel id; basic groups are plain negatives.
    const id = type === 'supergroup' ? -(1_000_000_000_000 + 1_000_000_000 + number) : -(4_000_000_000 + number);
    const record = this.newChat({ id, type, title: fields.title, ...(fields.forum ? { is_forum: true } : {}) });
    record.members.set(this.bot.id, fields.botStatus ?? 'administrator');
    // Message 1 of a real supergroup is its creation notice, so no topic ever gets the General topic's id (1).
    if (fields.forum) record.nextMessageId = 2;
    this.chats.set(id, record);
    return record;
  }

  private newChat(chat: WireChat): ChatRecord {
    return { chat, members: new Map(), messages: new Map(), nextMessageId: 1, chatInstance: randomDigits(19) };
  }

  user(id: number): UserRecord {
    const record = this.users.get(id);
    if (!record) throw badRequest('user not found');
    return record;
  }

  chat(id: number): ChatRecord {
    const record = this.chats.get(id);
    if (!record) throw badRequest('chat not found');
    return record;
  }

  /** The chat the bot may post to right now, with Telegram's refusals. */
  chatForBotSend(id: number): ChatRecord {
    const record = this.chat(id);
    if (record.chat.type === 'private') {
      const user = this.user(id);
      if (user.blocked) throw forbidden('bot was blocked by the user');
      if (!user.startedBot) throw forbidden("bot can't initiate conversation with a user");
    } else {
      const status = record.members.get(this.bot.id);
      if (!status || status === 'left' || status === 'kicked') {
        throw forbidden(`bot is not a member of the ${record.chat.type} chat`);
      }
    }
    return record;
  }

  addMessage(chat: ChatRecord, fields: Omit<StoredMessage, 'messageId' | 'chatId' | 'date' | 'deleted' | 'seq'>): StoredMessage {
    const message: StoredMessage = {
      ...fields,
      messageId: chat.nextMessageId++,
      chatId: chat.chat.id,
      date: this.unixNow(),
      deleted: false,
      seq: this.nextSeq(),
    };
    chat.messages.set(message.messageId, message);
    this.events.emit('message', message);
    return message;
  }

  /** Records an edit or deletion so waiters and views notice it. */
  touch(message: StoredMessage): void {
    message.seq = this.nextSeq();
    this.events.emit('message', message);
  }

  message(chatId: number, messageId: number): StoredMessage | undefined {
    const message = this.chats.get(chatId)?.messages.get(messageId);
    return message && !message.deleted ? message : undefined;
  }

  addFile(fields: Omit<StoredDocument, 'fileId' | 'fileUniqueId'>): StoredDocument {
    const file: StoredDocument = { fileId: `BQAC${randomToken(44)}`, fileUniqueId: `AgAD${randomToken(12)}`, ...fields };
    this.files.set(file.fileId, file);
    return file;
  }

  toWireMessage(message: StoredMessage, withReply = true): WireMessage {
    const wire: WireMessage = {
      message_id: message.messageId,
      from: message.from,
      date: message.date,
      chat: this.chat(message.chatId).chat,
    };
    if (message.editDate !== undefined) wire.edit_date = message.editDate;
    if (message.rawText !== undefined) {
      if (message.isCaption) {
        wire.caption = message.plainText;
        if (message.entities.length) wire.caption_entities = message.entities;
      } else {
        wire.text = message.plainText;
        if (message.entities.length) wire.entities = message.entities;
      }
    }
    if (message.document) {
      const { fileId, fileUniqueId, fileName, mimeType, content } = message.document;
      wire.document = { file_id: fileId, file_unique_id: fileUniqueId, file_size: content.length };
      if (fileName) wire.document.file_name = fileName;
      if (mimeType) wire.document.mime_type = mimeType;
    }
    if (message.invoice) {
      const { title, description, startParameter, currency, totalAmount } = message.invoice;
      wire.invoice = { title, description, start_parameter: startParameter, currency, total_amount: totalAmount };
    }
    if (message.successfulPayment) wire.successful_payment = message.successfulPayment;
    if (message.refundedPayment) wire.refunded_payment = message.refundedPayment;
    if (message.replyMarkup) wire.reply_markup = message.replyMarkup;
    if (message.forumTopicCreated) wire.forum_topic_created = { name: message.forumTopicCreated.name, icon_color: 7_322_096 };
    if (message.threadId !== undefined) {
      wire.message_thread_id = message.threadId;
      wire.is_topic_message = true;
    }
    // In a topic, a message that answers nothing in particular answers the topic's creation message, as in Telegram.
    const repliedId = message.replyToMessageId ?? (message.threadId !== message.messageId ? message.threadId : undefined);
    const replied = withReply && repliedId !== undefined ? this.message(message.chatId, repliedId) : undefined;
    if (replied) wire.reply_to_message = this.toWireMessage(replied, false);
    return wire;
  }
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += TOKEN_ALPHABET[byte % 64];
  return out;
}

export function randomDigits(length: number): string {
  const bytes = randomBytes(length);
  let out = String(1 + (bytes[0]! % 9));
  for (let i = 1; i < length; i++) out += String(bytes[i]! % 10);
  return out;
}
