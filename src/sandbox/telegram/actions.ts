/**
 * What people on the Telegram side do: write, press inline buttons, pay
 * invoices, block and unblock the bot. Each action changes the state and
 * queues the update a real client would cause. Used by the in-process test
 * handles (control.ts) and by the /control HTTP routes alike.
 *
 * Every action marks its chat, so "wait for the bot's reply" means a bot
 * message created or edited after the latest action in that chat.
 */
import { randomDigits, randomToken, type EmulatorState, type StoredMessage } from './state.js';
import type { UpdateQueue } from './updates.js';
import { chatMember } from './methods/bot.js';
import { deleteTopic, isLiveTopic } from './threads.js';
import type { InlineKeyboardButton, MessageEntity } from './types.js';

/** Where in the chat a message goes: as a reply to a message, in a forum topic. */
export interface PostOptions {
  replyTo?: number;
  threadId?: number;
}

export type PaymentResult = { ok: true; chargeId: string } | { ok: false; error: string };

/** Thrown for test mistakes (pressing a button the bot never rendered, ...). */
export class ActionError extends Error {}

export class UserActions {
  private readonly marks = new Map<number, number>();

  constructor(
    private readonly state: EmulatorState,
    private readonly updates: UpdateQueue,
    private readonly preCheckoutTimeoutMs: number,
  ) {}

  /** The change counter at the latest action in the chat (0 when nobody acted yet). */
  mark(chatId: number): number {
    return this.marks.get(chatId) ?? 0;
  }

  private touchChat(chatId: number): void {
    this.marks.set(chatId, this.state.currentSeq());
  }

  /** `entities`: formatting the user applied in their app; by default only `/commands` are marked. */
  sendText(userId: number, chatId: number, text: string, options: PostOptions & { entities?: MessageEntity[] } = {}): StoredMessage {
    if (text.length === 0) throw new ActionError('cannot send an empty message');
    const entities = options.entities ?? commandEntities(text);
    return this.post(userId, chatId, { rawText: text, plainText: text, entities, isCaption: false }, options);
  }

  /** Sends a file (a screenshot, a log) with an optional caption. */
  sendDocument(
    userId: number,
    chatId: number,
    file: { fileName: string; content: Buffer; mimeType?: string; caption?: string },
    options: PostOptions = {},
  ): StoredMessage {
    if (file.content.length === 0) throw new ActionError('cannot send an empty file');
    const document = this.state.addFile({
      fileName: file.fileName,
      content: file.content,
      ...(file.mimeType ? { mimeType: file.mimeType } : {}),
    });
    const caption = file.caption ? { rawText: file.caption, plainText: file.caption } : { plainText: '' };
    return this.post(userId, chatId, { ...caption, entities: [], isCaption: true, document }, options);
  }

  private post(
    userId: number,
    chatId: number,
    content: Pick<StoredMessage, 'plainText' | 'entities' | 'isCaption'> & Partial<Pick<StoredMessage, 'rawText' | 'document'>>,
    options: PostOptions,
  ): StoredMessage {
    const user = this.actor(userId, chatId);
    const chat = this.state.chat(chatId);
    if (chat.chat.type === 'private') user.startedBot = true;
    if (options.replyTo !== undefined && !this.state.message(chatId, options.replyTo)) {
      throw new ActionError(`message ${options.replyTo} to reply to not found in chat ${chatId}`);
    }
    if (options.threadId !== undefined && !this.state.message(chatId, options.threadId)?.forumTopicCreated) {
      throw new ActionError(`no topic ${options.threadId} in chat ${chatId}`);
    }
    this.touchChat(chatId);
    const message = this.state.addMessage(chat, {
      from: user.user,
      fromBot: false,
      ...content,
      ...(options.replyTo !== undefined ? { replyToMessageId: options.replyTo } : {}),
      ...(options.threadId !== undefined ? { threadId: options.threadId } : {}),
    });
    this.updates.enqueue({ message: this.state.toWireMessage(message) });
    return message;
  }

  /** An administrator opens a topic in a forum group (the app's "Create topic"); returns the topic's creation message. */
  createTopic(userId: number, chatId: number, name: string): StoredMessage {
    const user = this.forumAdmin(userId, chatId);
    if (name.length < 1 || name.length > 128) throw new ActionError('a topic name has 1 to 128 characters');
    const chat = this.state.chat(chatId);
    this.touchChat(chatId);
    const created = this.state.addMessage(chat, {
      from: user.user,
      fromBot: false,
      plainText: '',
      entities: [],
      isCaption: false,
      forumTopicCreated: { name },
    });
    created.threadId = created.messageId;
    this.updates.enqueue({ message: this.state.toWireMessage(created) });
    return created;
  }

  /** An administrator deletes a topic with everything in it; Telegram tells the bot nothing. */
  deleteTopic(userId: number, chatId: number, threadId: number): void {
    this.forumAdmin(userId, chatId);
    const chat = this.state.chat(chatId);
    if (!isLiveTopic(this.state, chat, threadId)) throw new ActionError(`no topic ${threadId} in chat ${chatId}`);
    this.touchChat(chatId);
    deleteTopic(this.state, chat, threadId);
  }

  private forumAdmin(userId: number, chatId: number) {
    const user = this.actor(userId, chatId);
    const chat = this.state.chat(chatId);
    if (!chat.chat.is_forum) throw new ActionError(`chat ${chatId} is not a forum`);
    const status = chat.members.get(userId);
    if (status !== 'administrator' && status !== 'creator')
      throw new ActionError(`user ${userId} is not an administrator of chat ${chatId}`);
    return user;
  }

  /** Presses an inline button the bot rendered; returns the callback query id. */
  press(userId: number, chatId: number, label: string | RegExp, messageId?: number): string {
    const user = this.actor(userId, chatId);
    const message = messageId !== undefined ? this.state.message(chatId, messageId) : latestWithKeyboard(this.state, chatId);
    if (!message) {
      throw new ActionError(
        messageId !== undefined
          ? `message ${messageId} not found in chat ${chatId}`
          : `no bot message with an inline keyboard in chat ${chatId}`,
      );
    }
    const buttons = inlineButtons(message);
    const button = buttons.find((b) => (typeof label === 'string' ? b.text === label : label.test(b.text)));
    if (!button) {
      const shown = buttons.map((b) => JSON.stringify(b.text)).join(', ') || 'none';
      throw new ActionError(`no button ${String(label)} on message ${message.messageId}; buttons: ${shown}`);
    }
    if (button.callback_data === undefined) {
      throw new ActionError(`button "${button.text}" is not a callback button (${JSON.stringify(button)})`);
    }
    const id = randomDigits(19);
    this.state.callbackQueries.set(id, { id, userId, chatId, messageId: message.messageId, data: button.callback_data });
    this.touchChat(chatId);
    this.updates.enqueue({
      callback_query: {
        id,
        from: user.user,
        message: this.state.toWireMessage(message),
        chat_instance: this.state.chat(chatId).chatInstance,
        data: button.callback_data,
      },
    });
    return id;
  }

  /**
   * Pays an invoice the bot sent: a pre_checkout_query goes to the bot, and
   * only its ok answer within the deadline produces the successful_payment.
   */
  payInvoice(userId: number, chatId: number, messageId?: number): Promise<PaymentResult> {
    const user = this.actor(userId, chatId);
    const message = messageId !== undefined ? this.state.message(chatId, messageId) : latestInvoice(this.state, chatId);
    const invoice = message?.invoice;
    if (!message || !invoice) throw new ActionError(`no invoice to pay in chat ${chatId}`);
    if (invoice.paidChargeId) throw new ActionError(`invoice ${message.messageId} is already paid`);
    const inProgress = [...this.state.preCheckouts.values()].some(
      (q) => q.open && q.chatId === chatId && q.messageId === message.messageId,
    );
    if (inProgress) throw new ActionError(`a payment for invoice ${message.messageId} is already in progress`);

    const id = randomDigits(19);
    this.touchChat(chatId);
    return new Promise<PaymentResult>((resolve) => {
      const timer = setTimeout(
        () => settle({ ok: false, error: 'the bot did not answer the pre-checkout query in time' }),
        this.preCheckoutTimeoutMs,
      );
      const settle = (answer: { ok: true } | { ok: false; error: string }) => {
        clearTimeout(timer);
        record.open = false;
        resolve(answer.ok ? { ok: true, chargeId: this.completePayment(userId, message) } : answer);
      };
      const record = { id, userId, chatId, messageId: message.messageId, open: true, settle };
      this.state.preCheckouts.set(id, record);
      this.updates.enqueue({
        pre_checkout_query: {
          id,
          from: user.user,
          currency: invoice.currency,
          total_amount: invoice.totalAmount,
          invoice_payload: invoice.payload,
        },
      });
    });
  }

  private completePayment(userId: number, invoiceMessage: StoredMessage): string {
    const invoice = invoiceMessage.invoice!;
    let chargeId: string;
    do chargeId = `stxt${randomToken(40)}`;
    while (this.state.payments.has(chargeId));
    const stars = invoice.currency === 'XTR';
    const providerChargeId = stars ? '' : `prov_${randomToken(24)}`;
    const date = this.state.unixNow();
    this.state.payments.set(chargeId, {
      chargeId,
      providerChargeId,
      userId,
      chatId: invoiceMessage.chatId,
      currency: invoice.currency,
      totalAmount: invoice.totalAmount,
      payload: invoice.payload,
      date,
    });
    if (stars) {
      this.state.starBalance += invoice.totalAmount;
      this.state.starLedger.push({ chargeId, kind: 'payment', date });
    }
    invoice.paidChargeId = chargeId;
    // The invoice now shows as paid (Telegram swaps its Pay button for a receipt): clients following changes must hear of it.
    this.state.touch(invoiceMessage);
    const message = this.state.addMessage(this.state.chat(invoiceMessage.chatId), {
      from: this.state.user(userId).user,
      fromBot: false,
      plainText: '',
      entities: [],
      isCaption: false,
      successfulPayment: {
        currency: invoice.currency,
        total_amount: invoice.totalAmount,
        invoice_payload: invoice.payload,
        telegram_payment_charge_id: chargeId,
        provider_payment_charge_id: providerChargeId,
      },
    });
    this.updates.enqueue({ message: this.state.toWireMessage(message) });
    return chargeId;
  }

  /** Blocking tells the bot through my_chat_member (member → kicked), as Telegram does. */
  setBlocked(userId: number, blocked: boolean): void {
    const record = this.state.user(userId);
    if (record.blocked === blocked) return;
    record.blocked = blocked;
    const bot = this.state.bot;
    this.updates.enqueue({
      my_chat_member: {
        chat: this.state.chat(userId).chat,
        from: record.user,
        date: this.state.unixNow(),
        old_chat_member: chatMember(blocked ? 'member' : 'kicked', bot),
        new_chat_member: chatMember(blocked ? 'kicked' : 'member', bot),
      },
    });
  }

  /** The user behind an action, refusing what a real client could not do. */
  private actor(userId: number, chatId: number) {
    const user = this.state.users.get(userId);
    if (!user) throw new ActionError(`unknown user ${userId}`);
    const chat = this.state.chats.get(chatId);
    if (!chat) throw new ActionError(`unknown chat ${chatId}`);
    if (chat.chat.type === 'private') {
      if (chatId !== userId) throw new ActionError(`user ${userId} cannot act in another user's private chat`);
      if (user.blocked) throw new ActionError(`user ${userId} has blocked the bot; unblock first`);
    } else {
      const status = chat.members.get(userId);
      if (!status || status === 'left' || status === 'kicked') {
        throw new ActionError(`user ${userId} is not a member of chat ${chatId}`);
      }
    }
    return user;
  }
}

/** Commands the way Telegram marks them: `/word` or `/word@bot` at the start or after whitespace. */
export function commandEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  for (const match of text.matchAll(/(^|\s)(\/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?)(?=$|\s)/g)) {
    entities.push({ type: 'bot_command', offset: match.index + match[1]!.length, length: match[2]!.length });
  }
  return entities;
}

export function inlineButtons(message: StoredMessage): InlineKeyboardButton[] {
  const markup = message.replyMarkup as { inline_keyboard?: InlineKeyboardButton[][] } | undefined;
  return markup?.inline_keyboard?.flat() ?? [];
}

export function botMessages(state: EmulatorState, chatId: number): StoredMessage[] {
  const chat = state.chats.get(chatId);
  if (!chat) return [];
  return [...chat.messages.values()].filter((m) => m.fromBot && !m.deleted);
}

function latestWithKeyboard(state: EmulatorState, chatId: number): StoredMessage | undefined {
  return botMessages(state, chatId)
    .reverse()
    .find((m) => inlineButtons(m).length > 0);
}

function latestInvoice(state: EmulatorState, chatId: number): StoredMessage | undefined {
  return botMessages(state, chatId)
    .reverse()
    .find((m) => m.invoice !== undefined);
}
