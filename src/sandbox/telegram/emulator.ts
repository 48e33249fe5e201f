/**
 * Assembles the emulator: state, update queue, Bot API dispatcher, user
 * actions and the HTTP server, behind the handle tests and the sandbox use.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { UserActions } from './actions.js';
import { BotApi, type MethodCall } from './api.js';
import { EmulatedGroup, EmulatedUser } from './control.js';
import { createControlHandler } from './control-http.js';
import { MethodFaults } from './faults.js';
import { createEmulatorServer } from './server.js';
import { EmulatorState, randomDigits, randomToken, type PaymentRecord } from './state.js';
import type { ChatMemberStatus, WireUpdate, WireUser } from './types.js';
import { UpdateQueue } from './updates.js';

export interface TelegramEmulatorOptions {
  /** `<bot id>:<secret>`; generated when absent. */
  token?: string;
  botUsername?: string;
  botFirstName?: string;
  /** How long a payment waits for answerPreCheckoutQuery; Telegram allows 10 s. */
  preCheckoutTimeoutMs?: number;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Milliseconds since the epoch; message dates are derived from it. */
  clock?: () => number;
  /** First webhook retry delay (doubles per failure, capped by webhookRetryMaxMs). */
  webhookRetryBaseMs?: number;
  webhookRetryMaxMs?: number;
  webhookTimeoutMs?: number;
  /** How long a second getUpdates waits for the held one to end before answering 409. */
  conflictGraceMs?: number;
}

export interface NewUser {
  firstName: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
  /** Pretend the user already wrote to the bot, so the bot may message first. Default false. */
  startedBot?: boolean;
}

export interface NewGroup {
  title: string;
  members?: EmulatedUser[];
  admins?: EmulatedUser[];
  /** Default 'supergroup' (id -100…); 'group' gives a basic group. */
  type?: 'group' | 'supergroup';
  /** The bot's own status in the group; default 'administrator'. */
  botStatus?: ChatMemberStatus;
  /** A supergroup with topics (is_forum): the bot may create a topic per conversation. */
  forum?: boolean;
}

export class TelegramEmulatorCore {
  readonly state: EmulatorState;
  readonly updates: UpdateQueue;
  readonly faults = new MethodFaults();
  readonly api: BotApi;
  readonly actions: UserActions;
  private readonly userHandles = new Map<number, EmulatedUser>();
  private readonly groupHandles = new Map<number, EmulatedGroup>();
  private server: Server | undefined;
  private baseUrl = '';

  constructor(options: TelegramEmulatorOptions = {}) {
    const clock = options.clock ?? Date.now;
    this.state = new EmulatorState({
      token: options.token ?? `${randomDigits(10)}:AA${randomToken(33)}`,
      botUsername: options.botUsername ?? 'proxy_storefront_bot',
      botFirstName: options.botFirstName ?? 'Proxy Storefront',
      clock,
    });
    this.updates = new UpdateQueue({
      clock,
      webhookRetryBaseMs: options.webhookRetryBaseMs ?? 1_000,
      webhookRetryMaxMs: options.webhookRetryMaxMs ?? 60_000,
      webhookTimeoutMs: options.webhookTimeoutMs ?? 10_000,
      conflictGraceMs: options.conflictGraceMs ?? 100,
      onWebhookReply: async ({ method, ...params }) => {
        await this.api.call(String(method), params, new AbortController().signal, 'webhook-reply').catch(() => undefined);
      },
    });
    this.api = new BotApi(this.state, this.updates, this.faults);
    this.actions = new UserActions(this.state, this.updates, options.preCheckoutTimeoutMs ?? 10_000);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<void> {
    const server = createEmulatorServer({ state: this.state, api: this.api, control: createControlHandler(this) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  /** The apiRoot for grammY: `new Bot(token, { client: { apiRoot: emu.url } })`. */
  get url(): string {
    return this.baseUrl;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get token(): string {
    return this.state.token;
  }

  get bot(): WireUser {
    return { ...this.state.bot };
  }

  /** Creates a user and their private chat with the bot. */
  user(fields: NewUser): EmulatedUser {
    const record = this.state.addUser(fields);
    const handle = new EmulatedUser(this, { ...record.user });
    this.userHandles.set(record.user.id, handle);
    return handle;
  }

  group(fields: NewGroup): EmulatedGroup {
    const record = this.state.addGroup(fields);
    const handle = new EmulatedGroup(this, fields.title, record.chat.id);
    for (const user of fields.members ?? []) handle.addMember(user, 'member');
    for (const user of fields.admins ?? []) handle.addMember(user, 'administrator');
    this.groupHandles.set(record.chat.id, handle);
    return handle;
  }

  users(): EmulatedUser[] {
    return [...this.userHandles.values()];
  }

  groups(): EmulatedGroup[] {
    return [...this.groupHandles.values()];
  }

  /** Bot API calls received, oldest first; optionally only one method (case-insensitive). */
  methodCalls(method?: string): MethodCall[] {
    const wanted = method?.toLowerCase();
    return this.api.calls.filter((call) => wanted === undefined || call.method.toLowerCase() === wanted);
  }

  /** Updates queued and not yet confirmed by the bot. */
  updatesPending(): WireUpdate[] {
    return this.updates.pending();
  }

  payments(): PaymentRecord[] {
    return [...this.state.payments.values()].map((p) => ({ ...p }));
  }

  describe(): Record<string, unknown> {
    return {
      bot: this.state.bot,
      users: this.users().map((u) => ({ ...u.info, blocked: u.blocked })),
      groups: this.groups().map((g) => ({
        id: g.id,
        title: g.title,
        members: Object.fromEntries(this.state.chat(g.id).members),
      })),
      webhook: this.updates.webhook ?? null,
      pendingUpdates: this.updates.pending().length,
      starBalance: this.state.starBalance,
      seq: this.state.currentSeq(),
    };
  }

  async close(): Promise<void> {
    this.updates.close();
    for (const query of this.state.preCheckouts.values()) {
      if (query.open) query.settle({ ok: false, error: 'the emulator was closed' });
    }
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive and held long-poll sockets would keep close() waiting forever.
      server.closeAllConnections();
    });
  }
}

export type TelegramEmulator = TelegramEmulatorCore;

export async function startTelegramEmulator(options: TelegramEmulatorOptions = {}): Promise<TelegramEmulator> {
  const emulator = new TelegramEmulatorCore(options);
  await emulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return emulator;
}
