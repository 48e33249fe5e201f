/**
 * The composition root as a function: builds every part of the shop from a
 * config, so `main.ts` and the tests assemble the very same application.
 */
import { createCardPayments, type CardPayments } from './payments/card.js';
import { serve, type ServerType } from '@hono/node-server';
import { withAnswerResponses } from './lib/http-headers.js';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { createApi, DOCS_PATH, routeModule, type RouteModule } from './api/app.js';
import { API_V1_PATH } from './api/v1.js';
import { CRYPTOPAY_WEBHOOK_PATH, cryptoPayWebhookRoutes } from './api/routes/cryptopay-webhook.js';
import { createBot, startBot, webhookRoutes, type BotPayments, type RunningBot, type ShopBot } from './bot/index.js';
import { warnIfOperatorTopicsUnused } from './bot/operator-topics-check.js';
import { notifierApi, telegramMessageSender, telegramStarRefund } from './bot/ports.js';
import type { Config } from './config.js';
import { startBackgroundCheckpoints } from './db/background-checkpoints.js';
import { BUSY_TIMEOUT_MS, openDatabase, WAL_AUTOCHECKPOINT_PAGES, type Database_ } from './db/client.js';
import { createKvStorage } from './db/kv-storage.js';
import type { Logger } from './logger.js';
import { countTelegramRateLimits, instrumentJobs, instrumentOutboxSends } from './observability/instrument.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createReadiness } from './observability/readiness.js';
import { createCryptoPayClient } from './payments/cryptopay/index.js';
import { createCryptoPayTopUps, type CryptoPayTopUps } from './payments/cryptopay/topups.js';
import { createManualPayments, type ManualPayments } from './payments/manual.js';
import { createStarsPayments, type StarsPayments } from './payments/stars.js';
import { createProviders } from './providers/registry.js';
import { shopJobs, startScheduler, type Scheduler } from './scheduler/index.js';
import { createBackupJob } from './scheduler/jobs/backup.js';
import { createJobLeases } from './scheduler/leases.js';
import { createBackups, type BackupReport } from './services/backups.js';
import { backupToChat } from './bot/features/operator-backup.js';
import { buildServices, type Services } from './services/index.js';
import { createNotifier, type Notifier } from './services/notifier.js';
import { createOperatorAlerts } from './services/operator-alerts.js';
import { broadcastProgressReporter } from './bot/features/operator-broadcast.js';
import { BROADCAST_PROGRESS_INTERVAL_MS, createBroadcastProgressJob } from './scheduler/jobs/broadcast-progress.js';
import { createUpstreamBalanceJob } from './scheduler/jobs/upstream-balance.js';
import { createTopUps, type TopUps } from './services/topups.js';

export { buildServices, type ServiceOptions, type Services } from './services/index.js';

/** The wallet top-up services; Crypto Pay only when its token is configured. */
export interface Payments {
  topUps: TopUps;
  stars: StarsPayments;
  manual: ManualPayments;
  cryptopay?: CryptoPayTopUps;
  card?: CardPayments;
}

/** Builds the top-up services from the settings. */
export function buildPayments(config: Config, database: Database_, services: Services, logger: Logger): Payments {
  const { minCents, maxCents, starsPerUsd, cryptoPay } = config.topUps;
  const topUps = createTopUps({
    sqlite: database.sqlite,
    db: database.db,
    wallet: services.wallet,
    outbox: services.outbox,
    logger: logger.child({ component: 'topups' }),
    limits: { minCents, maxCents },
  });
  const stars = createStarsPayments({ topUps, starsPerUsd });
  const manual = createManualPayments({ topUps, outbox: services.outbox });
  const cryptopay = cryptoPay
    ? createCryptoPayTopUps({
        client: createCryptoPayClient({ token: cryptoPay.token, baseUrl: cryptoPay.baseUrl, timeoutMs: config.upstreamTimeoutMs }),
        token: cryptoPay.token,
        topUps,
        logger: logger.child({ component: 'cryptopay' }),
        acceptedAssets: cryptoPay.assets,
      })
    : undefined;
  const card = config.topUps.card ? createCardPayments({ topUps, settings: config.topUps.card }) : undefined;
  return { topUps, stars, manual, ...(cryptopay ? { cryptopay } : {}), ...(card ? { card } : {}) };
}

export { CRYPTOPAY_WEBHOOK_PATH } from './api/routes/cryptopay-webhook.js';
/** How often open Crypto Pay invoices are looked up, for webhooks that never arrived. */
export const CRYPTOPAY_POLL_INTERVAL_MS = 60_000;

export interface AppOptions {
  /** How often the notifier looks for due messages; default 1 s. */
  notifierIntervalMs?: number;
  /** How often open Crypto Pay invoices are checked; default once a minute. */
  cryptoPayPollIntervalMs?: number;
  /** The periodic jobs (reconciler, reminders, auto-renewal, polling); on by default. */
  scheduler?: boolean;
  /** The shop's clock (epoch ms) for services and jobs; default Date.now. The sandbox moves it forward. */
  now?: () => number;
}

export interface RunningApp {
  services: Services;
  payments: Payments;
  /** The Telegram bot, when BOT_TOKEN is set. */
  bot?: ShopBot;
  /** The periodic jobs, unless turned off. */
  scheduler?: Scheduler;
  database: Database_;
  /** What `/metrics` serves. */
  metrics: Metrics;
  /** The HTTP server's real address (the port may have been 0). */
  httpUrl: string;
  stop(): Promise<void>;
}

export async function startApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<RunningApp> {
  const database = openDatabase(config.databasePath);
  // In the shop process the WAL is copied back by a worker thread, never inside a commit on the event loop.
  const checkpoints =
    config.databasePath === ':memory:'
      ? undefined
      : startBackgroundCheckpoints(database.sqlite, {
          path: config.databasePath,
          autocheckpointPages: WAL_AUTOCHECKPOINT_PAGES,
          busyTimeoutMs: BUSY_TIMEOUT_MS,
          logger: logger.child({ component: 'checkpoints' }),
        });
  const metrics = createMetrics({ db: database.db });
  const services = buildServices(database, {
    providers: createProviders(config),
    logger,
    metrics,
    webhooks: config.webhooks,
    proxyCheck: config.proxyCheck,
    ...(options.now ? { now: options.now } : {}),
    referralPercent: config.referralPercent,
    trafficUsageCacheMs: config.trafficUsageCacheMs,
  });
  const readiness = createReadiness({ sqlite: database.sqlite, providerIds: services.catalog.providers().map((p) => p.id) });
  const payments = buildPayments(config, database, services, logger);
  const firstPass = await services.orders.reconcileDue();
  if (firstPass.checked > 0) logger.info('reconciled open orders at start-up', firstPass);
  const { cryptopay } = payments;

  const backups = createBackups({
    sqlite: database.sqlite,
    dir: config.backups.dir,
    keep: config.backups.keep,
    logger: logger.child({ component: 'backups' }),
  });
  // Replaced by the job once the bot (which may ship the copy) exists; /backup calls whichever is current.
  let runBackup: () => Promise<BackupReport> = () => backups.backupNow();
  const bot = config.botToken
    ? createShopBot(config, config.botToken, database, services, payments, logger, options.now, () => runBackup())
    : undefined;
  const shipBackup =
    bot && config.backups.toChat && config.operatorChatId !== undefined
      ? backupToChat({ api: bot.api, chatId: config.operatorChatId, i18n: bot.i18n, language: 'en' })
      : undefined;
  runBackup = createBackupJob({ backups, outbox: services.outbox, logger, ...(shipBackup ? { ship: shipBackup } : {}) });
  let runningBot: RunningBot | undefined;
  if (bot) {
    // Outermost of the bot's transformers: it counts the 429s that automatic retries gave up on.
    bot.api.config.use(countTelegramRateLimits(metrics));
    // Not ready until the bot takes updates; not ready again once it stops.
    readiness.watchBot(() => (runningBot ? { mode: runningBot.mode, running: runningBot.isRunning() } : undefined));
  }
  const webhook = bot && config.publicUrl ? { url: `${config.publicUrl}${WEBHOOK_PATH}`, secretToken: webhookSecret(config) } : undefined;

  // Every route beyond the API's own, mounted once as the API is built.
  const routes: RouteModule[] = [
    ...(cryptopay ? [routeModule(CRYPTOPAY_WEBHOOK_PATH, cryptoPayWebhookRoutes(cryptopay))] : []),
    ...(bot && webhook ? [routeModule(WEBHOOK_PATH, webhookRoutes(bot, webhook.secretToken))] : []),
  ];
  const api = createApi(
    { sqlite: database.sqlite, startedAt: Date.now() },
    {
      metrics,
      readiness,
      ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
      v1: { services, logger: logger.child({ component: 'api' }), botUsername: () => (bot?.isInited() ? bot.botInfo.username : undefined) },
      routes,
    },
  );

  const server = await listen(api.fetch, config.http.host, config.http.port);
  const { port } = server.address() as AddressInfo;
  const httpUrl = `http://${config.http.host}:${port}`;
  logger.info('http server listening', { url: httpUrl });

  let notifier: Notifier | undefined;
  // Operator alerts go to their forum topics, and a storm is folded into summaries (services/operator-alerts.ts).
  const operatorAlerts = createOperatorAlerts({
    outbox: services.outbox,
    topics: config.operatorTopics,
    logger: logger.child({ component: 'operator-alerts' }),
  });
  if (bot) {
    // Its own Api: the bot's sleeps through a 429 in auto-retry, which would stall every chat's messages.
    const notifierTelegram = notifierApi(bot.api);
    notifierTelegram.config.use(countTelegramRateLimits(metrics));
    runningBot = await startBot(bot, webhook ? { kind: 'webhook', ...webhook } : { kind: 'polling' });
    notifier = createNotifier({
      outbox: instrumentOutboxSends(services.outbox, metrics),
      users: services.users,
      sender: telegramMessageSender(notifierTelegram),
      operatorChatId: config.operatorChatId,
      render: operatorAlerts.wrap(bot.renderNotice),
      logger: logger.child({ component: 'notifier' }),
    });
    notifier.start(options.notifierIntervalMs);
    operatorAlerts.start();
    logger.info('telegram bot started', { mode: runningBot.mode, username: bot.botInfo.username });
    // Not awaited: a slow getChat must not hold up the start; the check only ever logs.
    void warnIfOperatorTopicsUnused(bot.api, config.operatorChatId, config.operatorTopics, logger.child({ component: 'operator-alerts' }));
  }

  const jobs = shopJobs(services, logger, {
    housekeeping: { db: database.db, retention: config.retention },
    ...(options.now ? { now: options.now } : {}),
  });
  jobs.push({
    name: 'upstream-balance-watch',
    schedule: '30 */5 * * * *',
    run: createUpstreamBalanceJob({
      db: database.db,
      sqlite: database.sqlite,
      outbox: services.outbox,
      providers: () => services.catalog.providers(),
      thresholds: config.upstreamLowBalance,
      logger: logger.child({ component: 'upstream-balance' }),
    }),
  });
  if (cryptopay) {
    // The fallback for Crypto Pay webhooks that never arrived.
    jobs.push({
      name: 'poll-cryptopay',
      schedule: { everyMs: options.cryptoPayPollIntervalMs ?? CRYPTOPAY_POLL_INTERVAL_MS },
      run: () => cryptopay.poll(),
    });
  }
  if (config.backups.schedule !== 'off') jobs.push({ name: 'backup', schedule: config.backups.schedule, run: () => runBackup() });
  if (bot) {
    // Stars refunds whose answer from Telegram was lost are asked again until they settle.
    const refund = telegramStarRefund(bot.api);
    jobs.push({
      name: 'settle-star-refunds',
      schedule: '*/5 * * * *',
      run: () => payments.stars.settlePendingRefunds(refund, (userId) => services.users.byId(userId)?.telegramId),
    });
    const operatorT = (key: string, vars?: Record<string, string | number>) => bot.i18n.t('en', key, vars);
    jobs.push({
      name: 'broadcast-progress',
      schedule: { everyMs: BROADCAST_PROGRESS_INTERVAL_MS },
      run: createBroadcastProgressJob({
        broadcasts: services.broadcasts,
        show: broadcastProgressReporter(bot.api, operatorT, logger.child({ component: 'broadcasts' })),
      }),
    });
  }
  // Leases in the database: a second process on the same file (a rolling restart) takes turns instead of doubling every job.
  const scheduler =
    options.scheduler === false
      ? undefined
      : startScheduler(instrumentJobs(jobs, metrics), logger.child({ component: 'scheduler' }), {
          leases: createJobLeases(database.db),
          onLeaseChange: (job, holder) => metrics.leaseHolder(job, holder),
        });

  let stopped = false;
  return {
    services,
    payments,
    ...(bot ? { bot } : {}),
    ...(scheduler ? { scheduler } : {}),
    database,
    metrics,
    httpUrl,
    async stop() {
      if (stopped) return;
      stopped = true;
      // New updates stop first; handlers and purchase tasks in flight finish before the database closes.
      await runningBot?.stop();
      await notifier?.stop();
      operatorAlerts.stop();
      await scheduler?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.orders.drain();
      // Deliveries in flight record their outcome before the database closes.
      await services.webhooks.drain();
      metrics.stop();
      readiness.stop();
      await checkpoints?.stop();
      database.close();
      logger.info('stopped');
    },
  };
}

export const WEBHOOK_PATH = '/telegram/webhook';

/** The configured secret, or one derived from the bot token so it is stable across restarts. */
function webhookSecret(config: Config): string {
  return (
    config.webhookSecret ??
    createHash('sha256')
      .update(`webhook:${config.botToken ?? ''}`)
      .digest('hex')
  );
}

function createShopBot(
  config: Config,
  token: string,
  database: Database_,
  services: Services,
  payments: Payments,
  logger: Logger,
  now: (() => number) | undefined,
  runBackup: () => Promise<BackupReport>,
): ShopBot {
  const botPayments: BotPayments = {
    topUps: payments.topUps,
    stars: payments.stars,
    manual: payments.manual,
    ...(payments.card ? { card: payments.card } : {}),
    ...(payments.cryptopay && config.topUps.cryptoPay
      ? { cryptopay: { service: payments.cryptopay, assets: config.topUps.cryptoPay.assets } }
      : {}),
    ...(config.topUps.manualInstructions ? { manualInstructions: config.topUps.manualInstructions } : {}),
  };
  return createBot({
    token,
    apiRoot: config.telegramApiRoot,
    services,
    logger: logger.child({ component: 'bot' }),
    operatorChatId: config.operatorChatId,
    adminIds: config.adminIds,
    storage: createKvStorage(database.db),
    supportContact: config.supportContact,
    ...(config.apiPublicUrl
      ? { apiLinks: { baseUrl: `${config.apiPublicUrl}${API_V1_PATH}`, docsUrl: `${config.apiPublicUrl}${DOCS_PATH}` } }
      : {}),
    payments: botPayments,
    ...(now ? { now } : {}),
    runBackup,
  });
}

function listen(fetch: (request: Request) => Response | Promise<Response>, hostname: string, port: number) {
  return new Promise<ServerType & { address(): AddressInfo | string | null }>((resolve, reject) => {
    const server = serve(withAnswerResponses({ fetch, hostname, port }), () => resolve(server as never));
    server.once('error', reject);
  });
}
