/**
 * The composition root as a function: builds every part of the shop from a
 * config, so `main.ts` and the tests assemble the very same application.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { createApi } from './api/app.js';
import { createBot, startBot, webhookRoute, type RunningBot, type ShopBot } from './bot/index.js';
import type { Config } from './config.js';
import { openDatabase, type Database_ } from './db/client.js';
import { createKvStorage } from './db/kv-storage.js';
import { silentLogger, type Logger } from './logger.js';
import { createProviders } from './providers/registry.js';
import type { ProxyProvider } from './providers/types.js';
import { createCatalog } from './services/catalog.js';
import { createOrders, type OrdersDeps } from './services/orders.js';
import { createOutbox } from './services/outbox.js';
import { createPricing } from './services/pricing.js';
import { createNotifier, type Notifier } from './services/notifier.js';
import { createSubscriptions } from './services/subscriptions.js';
import { createTokens } from './services/tokens.js';
import { createUsers } from './services/users.js';
import { createWallet } from './services/wallet.js';

export interface ServiceOptions {
  providers?: ProxyProvider[];
  logger?: Logger;
  now?: () => number;
  /** Saga tuning and crash-test hooks. */
  orders?: Partial<Pick<OrdersDeps, 'quoteTtlMs' | 'notFoundGraceMs' | 'attentionAfterMs' | 'checkpoint'>>;
}

/** Every service over one database; the same wiring for the app and the tests. */
export function buildServices(database: Database_, options: ServiceOptions = {}) {
  const logger = options.logger ?? silentLogger;
  const { db, sqlite } = database;
  const now = options.now;
  const wallet = createWallet(sqlite, { now });
  const users = createUsers({ db, sqlite, wallet });
  const outbox = createOutbox({ db, now });
  const pricing = createPricing({ db, now });
  const catalog = createCatalog({ providers: options.providers ?? [], logger, now });
  const orders = createOrders({ sqlite, db, wallet, catalog, pricing, outbox, logger, now, ...options.orders });
  const subscriptions = createSubscriptions({ db, catalog, logger, now });
  const tokens = createTokens({ db, now });
  return { wallet, users, outbox, pricing, catalog, orders, subscriptions, tokens };
}

export type Services = ReturnType<typeof buildServices>;

export interface RunningApp {
  services: Services;
  database: Database_;
  /** The HTTP server's real address (the port may have been 0). */
  httpUrl: string;
  stop(): Promise<void>;
}

export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const database = openDatabase(config.databasePath);
  const services = buildServices(database, { providers: createProviders(config), logger });
  const firstPass = await services.orders.reconcileDue();
  if (firstPass.checked > 0) logger.info('reconciled open orders at start-up', firstPass);
  const api = createApi({ sqlite: database.sqlite, startedAt: Date.now() });

  const bot = config.botToken ? createShopBot(config, config.botToken, database, services, logger) : undefined;
  const webhook = bot && config.publicUrl ? { url: `${config.publicUrl}${WEBHOOK_PATH}`, secretToken: webhookSecret(config) } : undefined;
  // Before the server takes requests: Hono fixes its routes at the first one.
  if (bot && webhook) webhookRoute(bot, api, { path: WEBHOOK_PATH, secretToken: webhook.secretToken });

  const server = await listen(api.fetch, config.http.host, config.http.port);
  const { port } = server.address() as AddressInfo;
  const httpUrl = `http://${config.http.host}:${port}`;
  logger.info('http server listening', { url: httpUrl });

  let runningBot: RunningBot | undefined;
  let notifier: Notifier | undefined;
  if (bot) {
    runningBot = await startBot(bot, webhook ? { kind: 'webhook', ...webhook } : { kind: 'polling' });
    notifier = createNotifier({
      outbox: services.outbox,
      users: services.users,
      api: bot.api,
      operatorChatId: config.operatorChatId,
      render: bot.renderNotice,
      logger: logger.child({ component: 'notifier' }),
    });
    notifier.start();
    logger.info('telegram bot started', { mode: runningBot.mode, username: bot.botInfo.username });
  }

  let stopped = false;
  return {
    services,
    database,
    httpUrl,
    async stop() {
      if (stopped) return;
      stopped = true;
      // New updates stop first; handlers and purchase tasks in flight finish before the database closes.
      await runningBot?.stop();
      await notifier?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.orders.drain();
      database.close();
      logger.info('stopped');
    },
  };
}

export const WEBHOOK_PATH = '/telegram/webhook';

/** The configured secret, or one derived from the bot token so it is stable across restarts. */
function webhookSecret(config: Config): string {
  return config.webhookSecret ?? createHash('sha256').update(`webhook:${config.botToken ?? ''}`).digest('hex');
}

function createShopBot(config: Config, token: string, database: Database_, services: Services, logger: Logger): ShopBot {
  return createBot({
    token,
    apiRoot: config.telegramApiRoot,
    services,
    logger: logger.child({ component: 'bot' }),
    operatorChatId: config.operatorChatId,
    adminIds: config.adminIds,
    storage: createKvStorage(database.sqlite),
    supportContact: config.supportContact,
  });
}

function listen(fetch: (request: Request) => Response | Promise<Response>, hostname: string, port: number) {
  return new Promise<ServerType & { address(): AddressInfo | string | null }>((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server as never));
    server.once('error', reject);
  });
}
