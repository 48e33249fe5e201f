/**
 * Running the bot: long polling through @grammyjs/runner (updates of
 * different chats are handled concurrently), or a webhook on the shop's own
 * Hono server, checked with a secret token. Stopping waits for running
 * handlers and for detached purchase tasks.
 */
import { run, type RunnerHandle } from '@grammyjs/runner';
import { GrammyError, webhookCallback } from 'grammy';
import { Hono } from 'hono';
import type { ShopBot } from './index.js';

const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member', 'pre_checkout_query'] as const;
/** How long stopping waits for purchase tasks to settle before giving up on editing their messages. */
const DRAIN_TIMEOUT_MS = 20_000;

export type BotMode = { kind: 'polling' } | { kind: 'webhook'; url: string; secretToken: string };

export interface RunningBot {
  mode: BotMode['kind'];
  /** False once stopped, or when long polling ended on its own (a revoked token, another instance polling). */
  isRunning(): boolean;
  stop(): Promise<void>;
}

/** The webhook endpoint, for the app to mount with its other routes (at `POST /` of wherever it goes). */
export function webhookRoutes(bot: ShopBot, secretToken: string): Hono {
  const routes = new Hono();
  routes.post('/', webhookCallback(bot, 'hono', { secretToken }));
  return routes;
}

export async function startBot(bot: ShopBot, mode: BotMode): Promise<RunningBot> {
  await bot.init();
  await bot.registerCommandMenus();
  if (mode.kind === 'webhook') {
    await bot.api.setWebhook(mode.url, { secret_token: mode.secretToken, allowed_updates: [...ALLOWED_UPDATES] });
    let running = true;
    return {
      mode: 'webhook',
      isRunning: () => running,
      // The webhook stays registered, so Telegram keeps updates until the next start.
      stop: () => {
        running = false;
        return bot.background.drain(DRAIN_TIMEOUT_MS);
      },
    };
  }
  // A webhook left from an earlier run would make every getUpdates fail.
  await bot.api.deleteWebhook();
  const handle: RunnerHandle = run(bot, {
    runner: { fetch: { timeout: 25, allowed_updates: [...ALLOWED_UPDATES] }, silent: true },
  });
  // Telegram answering getUpdates with 401 (a revoked token) or 409 (another instance polling) ends
  // the runner, which rejects its task. Unhandled, that rejection would end the process; handled, the
  // shop keeps serving its API and payments while /readyz reports the bot stopped (isRunning is false).
  void handle
    .task()
    ?.catch((error: unknown) => bot.logger.error('long polling stopped; the bot takes no updates', pollingFailure(bot, error)));
  let stopped: Promise<void> | undefined;
  return {
    mode: 'polling',
    isRunning: () => stopped === undefined && handle.isRunning(),
    stop: () => (stopped ??= stopPolling(bot, handle)),
  };
}

/** What ended long polling, without the bot token (a URL in a network error would carry it). */
function pollingFailure(bot: ShopBot, error: unknown): Record<string, unknown> {
  if (error instanceof GrammyError) return { method: error.method, errorCode: error.error_code, description: error.description };
  const message = error instanceof Error ? error.message : String(error);
  return { error: message.split(bot.token).join('<bot token>') };
}

export function stopBot(running: RunningBot): Promise<void> {
  return running.stop();
}

async function stopPolling(bot: ShopBot, handle: RunnerHandle): Promise<void> {
  if (handle.isRunning()) await handle.stop();
  // The runner confirms updates only with its next getUpdates; confirm the last ones now.
  if (bot.lastUpdateId > 0) {
    await bot.api.getUpdates({ offset: bot.lastUpdateId + 1, limit: 1, timeout: 0 }).catch(() => undefined);
  }
  await bot.background.drain(DRAIN_TIMEOUT_MS);
}
