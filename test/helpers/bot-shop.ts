/**
 * The whole shop as a customer meets it: the Telegram emulator, the real bot
 * (long polling through the runner) over the real services, a fresh
 * in-memory database with the real migrations, and upstream simulators over
 * HTTP. `restartBot` swaps in a new bot instance on the same database, the
 * way a redeploy does.
 */
import { createKvStorage } from '../../src/db/kv-storage.js';
import { createLogger } from '../../src/logger.js';
import type { ProviderId } from '../../src/providers/types.js';
import {
  startTelegramEmulator,
  type EmulatedGroup,
  type EmulatedUser,
  type NewUser,
  type TelegramEmulator,
} from '../../src/sandbox/telegram/index.js';
import type { ChatMessage } from '../../src/sandbox/telegram/index.js';
import { createTokens } from '../../src/services/tokens.js';
import { createBot, startBot, type CreateBotDeps, type ShopBot } from '../../src/bot/index.js';
import type { RunningBot } from '../../src/bot/runtime.js';
import { startShop, type TestShop } from './shop.js';

export interface BotShop {
  emu: TelegramEmulator;
  shop: TestShop;
  bot: ShopBot;
  /** Every log line, for asserting that nothing failed. */
  logs: string[];
  /** Log lines at error level. */
  errors(): string[];
  restartBot(): Promise<void>;
  /** A customer in the emulator with `cents` credited to their wallet after their first /start. */
  customer(fields?: Partial<NewUser>): EmulatedUser;
  /** The customer's shop account (after their first update). */
  account(user: EmulatedUser): { id: number };
  credit(user: EmulatedUser, cents: number): void;
  close(): Promise<void>;
}

export interface BotShopOptions {
  shop?: Parameters<typeof startShop>[1];
  bot?: Partial<CreateBotDeps>;
}

let names = 0;

export async function startBotShop(ids: ProviderId[], options: BotShopOptions = {}): Promise<BotShop> {
  const emu = await startTelegramEmulator();
  const shop = await startShop(ids, options.shop);
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const storage = createKvStorage<unknown>(shop.database.db);
  const tokens = createTokens({ db: shop.database.db });
  const build = () =>
    createBot({
      token: emu.token,
      apiRoot: emu.url,
      services: { ...shop, tokens },
      logger,
      adminIds: [],
      storage,
      supportContact: '@shop_support',
      ...options.bot,
    });
  let bot = build();
  let running: RunningBot = await startBot(bot, { kind: 'polling' });
  let credits = 0;

  const handle: BotShop = {
    emu,
    shop,
    get bot() {
      return bot;
    },
    logs,
    errors: () => logs.filter((l) => l.includes('"level":"error"')),
    async restartBot() {
      await running.stop();
      bot = build();
      running = await startBot(bot, { kind: 'polling' });
    },
    customer(fields = {}) {
      names++;
      return emu.user({ firstName: `Customer${names}`, languageCode: 'en', ...fields });
    },
    account(user) {
      const found = shop.users.byTelegramId(user.id);
      if (!found) throw new Error(`user ${user.id} has not talked to the bot yet`);
      return { id: found.id };
    },
    credit(user, cents) {
      const { id } = handle.account(user);
      shop.wallet.creditTopUp({ userId: id, method: 'manual', externalId: `test-credit-${++credits}`, amountCents: cents });
    },
    async close() {
      await Promise.all(shop.upstreams.map((u) => u.close()));
      await running.stop();
      await shop.close();
      await emu.close();
    },
  };
  return handle;
}

/** Presses a button and waits for the bot's next message that matches. */
export async function press(
  user: EmulatedUser,
  label: string | RegExp,
  until: (m: ChatMessage) => boolean,
  timeoutMs = 5_000,
): Promise<ChatMessage> {
  await user.press(label);
  return user.waitForMessage(until, { timeoutMs });
}

/** Sends text and waits for the bot's next message that matches. */
export async function say(user: EmulatedUser, text: string, until: (m: ChatMessage) => boolean, timeoutMs = 5_000): Promise<ChatMessage> {
  await user.send(text);
  return user.waitForMessage(until, { timeoutMs });
}

/** Types `text` (a command) in the group and waits for the bot's next message there that matches. */
export async function command(
  user: EmulatedUser,
  group: EmulatedGroup,
  text: string,
  until: (m: ChatMessage) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<ChatMessage> {
  await user.sendIn(group, text);
  return group.waitForMessage(until, { timeoutMs });
}

/** A shop whose operator group has one admin, Olga, who has started the bot. */
export async function startBotShopWithOperator(ids: ProviderId[]): Promise<{ w: BotShop; olga: EmulatedUser; group: EmulatedGroup }> {
  const options: { bot: Partial<CreateBotDeps> } = { bot: {} };
  const w = await startBotShop(ids, options);
  const olga = w.emu.user({ firstName: 'Olga', startedBot: true });
  const group = w.emu.group({ title: 'Operators', members: [olga], admins: [olga] });
  options.bot.operatorChatId = group.id;
  options.bot.adminIds = [olga.id];
  await w.restartBot();
  return { w, olga, group };
}

export const has = (text: string | RegExp) => (m: ChatMessage) =>
  typeof text === 'string' ? m.plainText.includes(text) : text.test(m.plainText);

export const labels = (user: EmulatedUser, message?: ChatMessage) => user.buttons(message).map((b) => b.text);
