/**
 * Running a real grammY bot against the Telegram emulator in tests: start long
 * polling and resolve once it is polling, stop everything afterwards, and a
 * small webhook receiver for webhook-mode tests.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bot, type Context } from 'grammy';
import type { TelegramEmulator } from '../../src/sandbox/telegram/index.js';

export interface RunningBot<C extends Context = Context> {
  bot: Bot<C>;
  /** Errors thrown by middleware; a healthy test ends with none. */
  errors: unknown[];
  /** Settles when polling ends; rejects if grammY gave up (401/409). */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export function botFor(emu: TelegramEmulator): Bot {
  return new Bot(emu.token, { client: { apiRoot: emu.url } });
}

/** Starts long polling and resolves when the first getUpdates is about to go out. */
export async function launchBot<C extends Context>(bot: Bot<C>): Promise<RunningBot<C>> {
  const errors: unknown[] = [];
  bot.catch((error) => {
    errors.push(error.error);
  });
  let started!: () => void;
  const onStart = new Promise<void>((resolve) => (started = resolve));
  const stopped = bot.start({ onStart: () => started() });
  await Promise.race([onStart, stopped]);
  return {
    bot,
    errors,
    stopped,
    stop: async () => {
      if (bot.isRunning()) await bot.stop();
      await stopped;
    },
  };
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** Answers each POST with the next status from `statuses` (then 200) and records it. */
export async function startWebhookReceiver(statuses: number[] = []): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const plan = [...statuses];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = plan.shift() ?? 200;
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
