/**
 * Updates per second the full shop bot handles through the Telegram emulator
 * (real HTTP, long polling through the runner, the real services on SQLite),
 * next to a bare grammY echo bot on the same emulator in the same run.
 *
 * Each scripted customer sends /start and then walks the main menu (Wallet,
 * My proxies, API tokens, Help, Buy → Cancel, back to the menu), waiting for
 * the bot's answer to each step the way a person would; all customers run at
 * once. The echo bot gets the same stream: it replies to messages and
 * answers + edits on button presses, with the same button labels. Both are
 * run with @grammyjs/runner, so the ratio is the cost of the shop's own work
 * (i18n, the customer lookup, sessions of conversations, ledger reads).
 *
 *   npm run bench:bot            BENCH_USERS=50 BENCH_ROUNDS=4 by default
 */
import { run } from '@grammyjs/runner';
import { Bot, InlineKeyboard } from 'grammy';
import { createBot, startBot } from '../../src/bot/index.js';
import { createKvStorage } from '../../src/db/kv-storage.js';
import { silentLogger } from '../../src/logger.js';
import { startTelegramEmulator, type EmulatedUser, type TelegramEmulator } from '../../src/sandbox/telegram/index.js';
import { startShop } from '../helpers/start-shop.js';

/** BENCH_SMOKE=1: a few users, one round, to prove the bench runs (test/bench-smoke.test.ts). */
const SMOKE = process.env.BENCH_SMOKE === '1';
const USERS = Number(process.env.BENCH_USERS ?? (SMOKE ? 3 : 50));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SMOKE ? 1 : 4));

/** One round: the labels pressed after /start, each answered before the next. */
const SCRIPT = [
  '💰 Wallet',
  '☰ Main menu',
  '📋 My proxies',
  '☰ Main menu',
  '🔑 API tokens',
  '☰ Main menu',
  '❓ Help',
  '☰ Main menu',
  '🛒 Buy proxies',
  '✖ Cancel',
];
const ALL_LABELS = [...new Set(SCRIPT)];

interface Figures {
  updates: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
}

async function drive(emu: TelegramEmulator, prefix: string): Promise<Figures> {
  const users: EmulatedUser[] = Array.from({ length: USERS }, (_, i) => emu.user({ firstName: `${prefix}${i}`, languageCode: 'en' }));
  const latencies: number[] = [];
  const step = async (user: EmulatedUser, act: () => Promise<unknown>) => {
    const started = performance.now();
    await act();
    await user.waitForMessage(() => true, { timeoutMs: 30_000 });
    latencies.push(performance.now() - started);
  };
  const started = performance.now();
  await Promise.all(
    users.map(async (user) => {
      for (let round = 0; round < ROUNDS; round++) {
        await step(user, () => user.send('/start'));
        for (const label of SCRIPT) await step(user, () => user.press(label));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { updates: latencies.length, seconds, perSecond: latencies.length / seconds, p50Ms: at(0.5), p95Ms: at(0.95) };
}

async function benchFullBot(): Promise<Figures> {
  const emu = await startTelegramEmulator();
  const shop = await startShop([]);
  const bot = createBot({
    token: emu.token,
    apiRoot: emu.url,
    services: shop,
    logger: silentLogger,
    adminIds: [],
    storage: createKvStorage(shop.database.db),
    // Scripted customers press far faster than people; flood control still runs but never trips.
    rateLimit: { burst: 1_000_000, perSecond: 1_000_000 },
  });
  const running = await startBot(bot, { kind: 'polling' });
  try {
    await drive(emu, 'warm'); // JIT, prepared statements, i18n bundles
    return await drive(emu, 'user');
  } finally {
    await running.stop();
    await shop.close();
    await emu.close();
  }
}

async function benchEchoBot(): Promise<Figures> {
  const emu = await startTelegramEmulator();
  const bot = new Bot(emu.token, { client: { apiRoot: emu.url } });
  const keyboard = new InlineKeyboard();
  for (const [i, label] of ALL_LABELS.entries()) keyboard.text(label, `echo:${i}`).row();
  let edits = 0;
  bot.on('message:text', (ctx) => ctx.reply(ctx.message.text, { reply_markup: keyboard }));
  bot.on('callback_query:data', async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(`${ctx.callbackQuery.data} #${++edits}`, { reply_markup: keyboard });
  });
  await bot.init();
  const handle = run(bot, { runner: { fetch: { timeout: 25 }, silent: true } });
  try {
    await drive(emu, 'warm');
    return await drive(emu, 'user');
  } finally {
    await handle.stop();
    await emu.close();
  }
}

function line(name: string, f: Figures): string {
  return `${name.padEnd(10)} ${f.updates} updates in ${f.seconds.toFixed(2)} s = ${f.perSecond.toFixed(0)} updates/s (answer p50 ${f.p50Ms.toFixed(1)} ms, p95 ${f.p95Ms.toFixed(1)} ms)`;
}

async function main() {
  console.log(`bot benchmark: ${USERS} customers × ${ROUNDS} rounds of /start + ${SCRIPT.length} menu presses, all at once`);
  const echo = await benchEchoBot();
  console.log(line('echo bot', echo));
  const full = await benchFullBot();
  console.log(line('full bot', full));
  const ratio = full.perSecond / echo.perSecond;
  console.log(`ratio      the full bot handles ${(ratio * 100).toFixed(0)} % of the echo bot's rate`);
  console.log(
    JSON.stringify({
      users: USERS,
      rounds: ROUNDS,
      full_updates_per_s: Math.round(full.perSecond),
      echo_updates_per_s: Math.round(echo.perSecond),
      ratio: Math.round(ratio * 1000) / 1000,
      full_p95_ms: Math.round(full.p95Ms * 10) / 10,
      echo_p95_ms: Math.round(echo.p95Ms * 10) / 10,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
