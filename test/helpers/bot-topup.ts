/**
 * The shop as it runs in production, for top-up tests: the real app
 * (`startApp`, the same composition root as `npm start`) on a fresh in-memory
 * database, its bot talking to the Telegram emulator, its HTTP server taking
 * Crypto Pay webhooks from the Crypto Pay simulator, and an operators' group
 * with two admins and one ordinary member.
 */
import { startApp, CRYPTOPAY_WEBHOOK_PATH, type AppOptions, type RunningApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { ProviderId } from '../../src/providers/types.js';
import { startUpstream } from '../../src/sandbox/upstreams/index.js';
import { createCryptoPaySimulator, type CryptoPaySimulator } from '../../src/sandbox/upstreams/cryptopay/index.js';
import {
  startTelegramEmulator,
  type ChatMessage,
  type EmulatedGroup,
  type EmulatedUser,
  type NewUser,
  type TelegramEmulator,
} from '../../src/sandbox/telegram/index.js';
import { waitFor } from './wait.js';

export const MANUAL_INSTRUCTIONS = 'Bank transfer to IBAN DE00 1234 5678 <Proxy Storefront Ltd>';

export interface TopUpWorld {
  emu: TelegramEmulator;
  sim: CryptoPaySimulator;
  app: RunningApp;
  operators: EmulatedGroup;
  /** Two admins (ADMIN_IDS) in the operators' group. */
  olga: EmulatedUser;
  ivan: EmulatedUser;
  /** In the operators' group, but not an admin. */
  mark: EmulatedUser;
  /** The app's real Crypto Pay webhook endpoint. */
  webhookUrl: string;
  logs: string[];
  errors(): string[];
  customer(fields?: Partial<NewUser>): EmulatedUser;
  /** The customer's shop account id (after their first update). */
  accountId(user: EmulatedUser): number;
  balance(user: EmulatedUser): number;
  close(): Promise<void>;
}

let names = 0;

export interface TopUpWorldOptions {
  env?: Record<string, string>;
  app?: AppOptions;
  /** Upstream simulators to sell from (none by default: top-ups need no provider). */
  upstreams?: ProviderId[];
}

export async function startTopUpWorld(options: TopUpWorldOptions = {}): Promise<TopUpWorld> {
  const upstreams = await Promise.all((options.upstreams ?? []).map((id) => startUpstream(id)));
  const upstreamEnv: Record<string, string> = Object.assign({}, ...upstreams.map((upstream) => upstream.settings));
  const emu = await startTelegramEmulator();
  const sim = createCryptoPaySimulator();
  const simServer = await sim.start();
  const olga = emu.user({ firstName: 'Olga', username: 'olga_admin', languageCode: 'en', startedBot: true });
  const ivan = emu.user({ firstName: 'Ivan', username: 'ivan_admin', languageCode: 'en', startedBot: true });
  const mark = emu.user({ firstName: 'Mark', languageCode: 'en' });
  const operators = emu.group({ title: 'Operators', members: [mark], admins: [olga, ivan] });

  const parsed = parseConfig({
    BOT_TOKEN: emu.token,
    TELEGRAM_API_ROOT: emu.url,
    OPERATOR_CHAT_ID: String(operators.id),
    ADMIN_IDS: `${olga.id},${ivan.id}`,
    DATABASE_PATH: ':memory:',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'debug',
    CRYPTOPAY_TOKEN: sim.token,
    CRYPTOPAY_BASE_URL: simServer.url,
    MANUAL_TOPUP_INSTRUCTIONS: MANUAL_INSTRUCTIONS,
    ...upstreamEnv,
    ...options.env,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  // A quick notifier: receipts and alerts show up within a test's patience.
  const app = await startApp(parsed.config, logger, { notifierIntervalMs: 20, ...options.app });

  const accountId = (user: EmulatedUser) => {
    const account = app.services.users.byTelegramId(user.id);
    if (!account) throw new Error(`user ${user.id} has not talked to the bot yet`);
    return account.id;
  };

  return {
    emu,
    sim,
    app,
    operators,
    olga,
    ivan,
    mark,
    webhookUrl: `${app.httpUrl}${CRYPTOPAY_WEBHOOK_PATH}`,
    logs,
    errors: () => logs.filter((l) => l.includes('"level":"error"')),
    customer(fields = {}) {
      names++;
      return emu.user({ firstName: `Customer${names}`, languageCode: 'en', ...fields });
    },
    accountId,
    balance: (user) => app.services.wallet.balance(accountId(user)).availableCents,
    async close() {
      await app.stop();
      await simServer.close();
      await Promise.all(upstreams.map((u) => u.close()));
      await emu.close();
    },
  };
}

/**
 * Telegram delivers an update again when it is not sure the bot got it; this
 * sends the customer's successful_payment message to the bot a second time,
 * as a new update, exactly as it was.
 */
export function redeliverSuccessfulPayment(emu: TelegramEmulator, user: EmulatedUser, chargeId: string): void {
  const chat = emu.state.chats.get(user.id);
  const stored = [...(chat?.messages.values() ?? [])].find((m) => m.successfulPayment?.telegram_payment_charge_id === chargeId);
  if (!stored) throw new Error(`no successful payment ${chargeId} in the chat of ${user.id}`);
  emu.updates.enqueue({ message: emu.state.toWireMessage(stored) });
}

/**
 * A Telegram client shows a paid invoice as paid, but the same invoice can
 * be opened and paid again from another copy (a forwarded message, a second
 * device). This clears the emulator's "paid" mark so the customer can try.
 */
export function allowPayingAgain(emu: TelegramEmulator, user: EmulatedUser, invoice: ChatMessage): void {
  const stored = emu.state.message(user.id, invoice.message_id);
  if (!stored?.invoice) throw new Error(`message ${invoice.message_id} is not an invoice`);
  delete stored.invoice.paidChargeId;
}

/** Waits for a log line (the bot finished handling something it answers silently). */
export function waitForLog(world: TopUpWorld, pattern: RegExp, count = 1): Promise<string[]> {
  return waitFor(
    () => {
      const lines = world.logs.filter((l) => pattern.test(l));
      return lines.length >= count ? lines : undefined;
    },
    { what: `log line ${String(pattern)} ×${count}` },
  );
}
