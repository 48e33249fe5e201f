/**
 * In-process handles for tests and the sandbox: a user with their private
 * chat, and a group. Assertions read what a person would see; actions go
 * through UserActions so they queue the same updates a real client would.
 */
import { ActionError, botMessages, inlineButtons, type PaymentResult, type UserActions } from './actions.js';
import type { CallbackAnswer, EmulatorState, StoredMessage } from './state.js';
import type { ChatMemberStatus, WireUser } from './types.js';
import { buttonsOf, toView, type ButtonView, type ChatMessage } from './views.js';
import { parseHtml } from './html.js';

export interface WaitOptions {
  /** Default 5000 ms. */
  timeoutMs?: number;
}

/** A message view or a message id. */
export type MessageRef = ChatMessage | number;

interface Core {
  state: EmulatorState;
  actions: UserActions;
}

const refId = (ref: MessageRef | undefined) => (typeof ref === 'number' ? ref : ref?.message_id);

export interface ChatPostOptions {
  /** The message this one answers. */
  replyTo?: MessageRef;
  /** The forum topic (its thread id) to post in. */
  threadId?: number;
}

const postOptions = (options: ChatPostOptions) => ({
  ...(options.replyTo !== undefined ? { replyTo: refId(options.replyTo)! } : {}),
  ...(options.threadId !== undefined ? { threadId: options.threadId } : {}),
});

class ChatHandle {
  constructor(
    protected readonly core: Core,
    readonly chatId: number,
    private readonly label: string,
  ) {}

  /** What the bot sent to this chat and has not deleted, oldest first, edits applied. */
  messages(): ChatMessage[] {
    return botMessages(this.core.state, this.chatId).map(toView);
  }

  lastMessage(): ChatMessage | undefined {
    return this.messages().at(-1);
  }

  /**
   * Resolves with the newest bot message, created or edited since the latest
   * action in this chat, that satisfies the predicate; waits for one if none yet.
   */
  waitForMessage(predicate: (message: ChatMessage) => boolean = () => true, options: WaitOptions = {}): Promise<ChatMessage> {
    const { state } = this.core;
    const since = this.core.actions.mark(this.chatId);
    const fresh = botMessages(state, this.chatId)
      .filter((m) => m.seq > since)
      .sort((a, b) => b.seq - a.seq);
    for (const message of fresh) {
      const view = toView(message);
      if (predicate(view)) return Promise.resolve(view);
    }
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise<ChatMessage>((resolve, reject) => {
      const onMessage = (message: StoredMessage) => {
        if (message.chatId !== this.chatId || !message.fromBot || message.deleted) return;
        try {
          const view = toView(message);
          if (!predicate(view)) return;
          cleanup();
          resolve(view);
        } catch (error) {
          cleanup();
          reject(error as Error);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        const seen = this.messages()
          .slice(-3)
          .map((m) => JSON.stringify(m.plainText))
          .join(' | ');
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for a bot message in ${this.label}; last bot messages: ${seen || 'none'}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        state.events.off('message', onMessage);
      };
      state.events.on('message', onMessage);
    });
  }

  /** Inline buttons of a message; by default the latest bot message that has any. */
  buttons(message?: MessageRef): ButtonView[] {
    const id = refId(message);
    if (id !== undefined) {
      const stored = this.core.state.message(this.chatId, id);
      return stored ? buttonsOf(toView(stored)) : [];
    }
    const latest = botMessages(this.core.state, this.chatId)
      .reverse()
      .find((m) => inlineButtons(m).length > 0);
    return latest ? buttonsOf(toView(latest)) : [];
  }
}

export class EmulatedUser extends ChatHandle {
  constructor(
    core: Core,
    readonly info: WireUser,
  ) {
    super(core, info.id, `the private chat of ${info.first_name} (${info.id})`);
  }

  get id(): number {
    return this.info.id;
  }

  get blocked(): boolean {
    return this.core.state.user(this.id).blocked;
  }

  /** Writes to the bot; `/commands` get a bot_command entity. Returns the user's message. */
  async send(text: string, options: ChatPostOptions = {}): Promise<ChatMessage> {
    return toView(this.core.actions.sendText(this.id, this.id, text, postOptions(options)));
  }

  /** Writes in a group; `replyTo` answers a message there, `threadId` posts in a forum topic. */
  async sendIn(group: EmulatedGroup, text: string, options: ChatPostOptions = {}): Promise<ChatMessage> {
    return toView(this.core.actions.sendText(this.id, group.id, text, postOptions(options)));
  }

  /** Opens a topic in a forum group where this user is an administrator; returns its creation message (its id is the thread id). */
  async createTopicIn(group: EmulatedGroup, name: string): Promise<ChatMessage> {
    return toView(this.core.actions.createTopic(this.id, group.id, name));
  }

  /** Deletes a topic (and all its messages) in a forum group where this user is an administrator. */
  async deleteTopicIn(group: EmulatedGroup, threadId: number): Promise<void> {
    this.core.actions.deleteTopic(this.id, group.id, threadId);
  }

  /** Sends the bot a file (a screenshot, a log) in the private chat. */
  async sendDocument(file: { fileName: string; content: Buffer; mimeType?: string; caption?: string }): Promise<ChatMessage> {
    return toView(this.core.actions.sendDocument(this.id, this.id, file));
  }

  async sendDocumentIn(
    group: EmulatedGroup,
    file: { fileName: string; content: Buffer; mimeType?: string; caption?: string },
    options: ChatPostOptions = {},
  ): Promise<ChatMessage> {
    return toView(this.core.actions.sendDocument(this.id, group.id, file, postOptions(options)));
  }

  /**
   * Writes formatted text in a group, as a person does with the app's
   * formatting menu: `html` says what they marked (bold, links…), and the
   * bot receives the plain text with entities, never the tags.
   */
  async sendFormattedIn(group: EmulatedGroup, html: string): Promise<ChatMessage> {
    const { text, entities } = parseHtml(html);
    return toView(this.core.actions.sendText(this.id, group.id, text, { entities }));
  }

  /** Presses a button the bot rendered (exact text or a pattern); returns the callback query id. */
  async press(label: string | RegExp, message?: MessageRef): Promise<string> {
    return this.core.actions.press(this.id, this.id, label, refId(message));
  }

  async pressIn(group: EmulatedGroup, label: string | RegExp, message?: MessageRef): Promise<string> {
    return this.core.actions.press(this.id, group.id, label, refId(message));
  }

  /** The bot's answers to this user's button presses, in the order the presses happened. */
  callbackAnswers(): CallbackAnswer[] {
    return [...this.core.state.callbackQueries.values()].filter((q) => q.userId === this.id && q.answer).map((q) => ({ ...q.answer! }));
  }

  waitForCallbackAnswer(callbackQueryId: string, options: WaitOptions = {}): Promise<CallbackAnswer> {
    const { state } = this.core;
    const query = state.callbackQueries.get(callbackQueryId);
    if (!query) return Promise.reject(new ActionError(`unknown callback query ${callbackQueryId}`));
    if (query.answer) return Promise.resolve({ ...query.answer });
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const onAnswer = (answer: CallbackAnswer) => {
        if (answer.callbackQueryId !== callbackQueryId) return;
        cleanup();
        resolve({ ...answer });
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for the answer to callback query ${callbackQueryId}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        state.events.off('callbackAnswer', onAnswer);
      };
      state.events.on('callbackAnswer', onAnswer);
    });
  }

  /** Pays an invoice (by default the latest one in this chat); see UserActions.payInvoice. */
  payInvoice(message?: MessageRef): Promise<PaymentResult> {
    try {
      return this.core.actions.payInvoice(this.id, this.id, refId(message));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  block(): void {
    this.core.actions.setBlocked(this.id, true);
  }

  unblock(): void {
    this.core.actions.setBlocked(this.id, false);
  }
}

export class EmulatedGroup extends ChatHandle {
  constructor(
    core: Core,
    readonly title: string,
    chatId: number,
  ) {
    super(core, chatId, `the group "${title}" (${chatId})`);
  }

  get id(): number {
    return this.chatId;
  }

  addMember(user: EmulatedUser, status: ChatMemberStatus = 'member'): void {
    this.core.state.chat(this.id).members.set(user.id, status);
  }

  removeMember(user: EmulatedUser): void {
    this.core.state.chat(this.id).members.set(user.id, 'left');
  }
}
