/**
 * Every service over one database, typed here so the layers above (the bot,
 * the API, the scheduler) name `Services` without reaching up to the
 * composition root. The app and the tests wire them the same way.
 */
import type { Database_ } from '../db/client.js';
import { silentLogger, type Logger } from '../logger.js';
import { instrumentOrders } from '../observability/instrument.js';
import type { Metrics } from '../observability/metrics.js';
import type { ProxyProvider } from '../providers/types.js';
import { createBroadcasts } from './broadcasts.js';
import { createCatalog } from './catalog.js';
import { createListing } from './listing.js';
import { createAudit, createBans, createCustomerLookup, createMoneyAdjustments, createOrderListing } from './operator-console.js';
import { createOrders, type OrdersDeps } from './orders.js';
import { createOutbox } from './outbox.js';
import { createPricing } from './pricing.js';
import { createProviderAvailability } from './provider-availability.js';
import { createProxyChecks, type ProxyCheckSettings } from './proxy-checker.js';
import { createReferrals } from './referrals.js';
import { createPromos } from './promos.js';
import { createTrials } from './trials.js';
import { createStats } from './stats.js';
import { createSupport } from './support.js';
import { createSubscriptions } from './subscriptions.js';
import { createTargeting } from './targeting.js';
import { createPurchaseTargets } from './purchase-targets.js';
import { createProxyAccess } from './proxy-access.js';
import { createTraffic } from './traffic.js';
import { createTokenSigning } from './token-signing.js';
import { createTokens } from './tokens.js';
import { createUpdateLog } from './update-log.js';
import { createUsers } from './users.js';
import { createWallet } from './wallet.js';
import { createWalletStatement } from './wallet-statement.js';
import { createWebhooks } from './webhooks.js';

export interface ServiceOptions {
  providers?: ProxyProvider[];
  logger?: Logger;
  now?: () => number;
  /** When given, sagas are timed into it. */
  metrics?: Metrics;
  /** Saga tuning and crash-test hooks. */
  orders?: Partial<Pick<OrdersDeps, 'quoteTtlMs' | 'notFoundGraceMs' | 'attentionAfterMs' | 'checkpoint'>>;
  /** Customers' outgoing webhooks; private and loopback URLs only in the sandbox and tests (default: refused). */
  webhooks?: { allowPrivateUrls: boolean };
  /** Share of a referred customer's captured orders paid to their referrer (%); default 0, no rewards. */
  referralPercent?: number;
  /** How long traffic usage figures are reused before the upstream is asked again (ms); default 5 minutes. */
  trafficUsageCacheMs?: number;
  /** The proxy checker; default: ipinfo.io, 10 s, no check on delivery. */
  proxyCheck?: ProxyCheckSettings;
}

const DEFAULT_PROXY_CHECK: ProxyCheckSettings = { url: 'https://ipinfo.io/json', timeoutMs: 10_000, onDelivery: false };

/** Every service over one database; the same wiring for the app and the tests. */
export function buildServices(database: Database_, options: ServiceOptions = {}) {
  const logger = options.logger ?? silentLogger;
  const { db, sqlite } = database;
  const now = options.now;
  const wallet = createWallet(db, { now });
  const users = createUsers({ db, sqlite, wallet });
  const outbox = createOutbox({ db, now });
  const pricing = createPricing({ db, now });
  const providerAvailability = createProviderAvailability({ db, now });
  const catalog = createCatalog({ providers: options.providers ?? [], logger, now, isOnSale: providerAvailability.isOnSale });
  // Before orders and subscriptions: their transactions queue the events.
  const webhooks = createWebhooks({
    db,
    sqlite,
    now,
    logger: logger.child({ component: 'webhooks' }),
    allowPrivateUrls: options.webhooks?.allowPrivateUrls ?? false,
  });
  const trials = createTrials({ db, now });
  const promos = createPromos({ db, sqlite, wallet, trials, now });
  const subscriptions = createSubscriptions({ db, catalog, logger, now, webhooks });
  const purchaseTargets = createPurchaseTargets({ db, catalog, now });
  const proxyChecks = createProxyChecks({
    db,
    subscriptions,
    purchaseTargets,
    outbox,
    settings: options.proxyCheck ?? DEFAULT_PROXY_CHECK,
    logger,
    now,
  });
  const referrals = createReferrals({ db, sqlite, wallet, outbox, logger, percent: options.referralPercent ?? 0, now });
  const orders = createOrders({
    sqlite,
    db,
    wallet,
    catalog,
    pricing,
    outbox,
    webhooks,
    referralRewards: referrals.hooks,
    promos,
    logger,
    now,
    // In the background: the customer already has their answer; the other proxies catch up.
    onRenewed: (providerId) =>
      subscriptions.syncProvider(providerId).catch((error: unknown) => logger.warn('sync after renewal failed', { providerId, error })),
    ...(options.proxyCheck?.onDelivery
      ? {
          onDelivered: (orderId: string) =>
            proxyChecks.checkDelivered(orderId).catch((error: unknown) => logger.warn('check after delivery failed', { orderId, error })),
        }
      : {}),
    ...options.orders,
  });
  const tokens = createTokens({ db, now });
  const tokenSigning = createTokenSigning({ db, tokens, now });
  const listing = createListing({ db });
  const stats = createStats({ db, now });
  const updateLog = createUpdateLog(db, { now });
  // The operators' console (bot/features/operator-*.ts).
  const audit = createAudit({ db, now });
  const bans = createBans({ db, now });
  const findCustomer = createCustomerLookup({ db, users, orders });
  const adjustments = createMoneyAdjustments({ sqlite, wallet, orders, outbox });
  const orderListing = createOrderListing(db);
  const broadcasts = createBroadcasts({ db, sqlite, outbox, now });
  const traffic = createTraffic({
    db,
    subscriptions,
    orders,
    outbox,
    logger: logger.child({ component: 'traffic' }),
    now,
    ...(options.trafficUsageCacheMs === undefined ? {} : { cacheMs: options.trafficUsageCacheMs }),
  });
  return {
    wallet,
    walletStatement: createWalletStatement(db),
    users,
    outbox,
    pricing,
    catalog,
    orders: options.metrics ? instrumentOrders(orders, options.metrics, now) : orders,
    subscriptions,
    proxyAccess: createProxyAccess({ db, catalog, logger: logger.child({ component: 'proxy-access' }), now }),
    proxyChecks,
    tokens,
    tokenSigning,
    listing,
    stats,
    updateLog,
    webhooks,
    providerAvailability,
    audit,
    bans,
    findCustomer,
    adjustments,
    orderListing,
    broadcasts,
    support: createSupport({ db, now }),
    referrals,
    promos,
    trials,
    targeting: createTargeting({ catalog, subscriptions, now }),
    purchaseTargets,
    traffic,
  };
}

export type Services = ReturnType<typeof buildServices>;
