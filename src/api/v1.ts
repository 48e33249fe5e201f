/**
 * The customers' REST API, mounted at /api/v1: a thin front door over the
 * same services the bot uses. Every request is authenticated by an API
 * token, rate-limited per token and answered in one JSON envelope; money
 * moves only through the purchase saga.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ErrorHandler } from 'hono';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { ProxyChecks } from '../services/proxy-checker.js';
import type { Catalog } from '../services/catalog.js';
import type { Bans } from '../services/operator-console.js';
import type { Listing } from '../services/listing.js';
import type { Orders } from '../services/orders.js';
import type { Pricing } from '../services/pricing.js';
import type { Referrals } from '../services/referrals.js';
import type { Targeting } from '../services/targeting.js';
import type { PurchaseTargets } from '../services/purchase-targets.js';
import type { Subscriptions } from '../services/subscriptions.js';
import type { TokenSigning } from '../services/token-signing.js';
import type { Tokens } from '../services/tokens.js';
import type { Wallet } from '../services/wallet.js';
import type { WalletStatement } from '../services/wallet-statement.js';
import type { Webhooks } from '../services/webhooks.js';
import type { ApiEnv } from './middlewares/auth.js';
import { apiGate } from './middlewares/gate.js';
import { ApiError, apiErrorHandler } from './middlewares/errors.js';
import type { RateLimitOptions } from './middlewares/rate-limit.js';
import { serveOpenApiDocument } from './openapi.js';
import { catalogRoutes } from './routes/catalog.js';
import { meRoutes } from './routes/me.js';
import { orderRoutes } from './routes/orders.js';
import { proxyRoutes } from './routes/proxies.js';
import { proxyTargetingRoutes } from './routes/proxy-targeting.js';
import { purchaseTargetingRoutes } from './routes/purchase-targeting.js';
import { proxyAccessRoutes } from './routes/proxy-access.js';
import type { ProxyAccess } from '../services/proxy-access.js';
import { trafficRoutes } from './routes/traffic.js';
import type { Traffic } from '../services/traffic.js';
import { proxyCheckRoutes } from './routes/proxy-check.js';
import { quoteRoutes } from './routes/quotes.js';
import { referralRoutes } from './routes/referrals.js';
import { trialRoutes } from './routes/trials.js';
import type { Trials } from '../services/trials.js';
import { tokenRoutes } from './routes/tokens.js';
import { webhookRoutes } from './routes/webhooks.js';

export const API_V1_PATH = '/api/v1';

export interface ApiServices {
  tokens: Tokens;
  wallet: Wallet;
  walletStatement: WalletStatement;
  catalog: Catalog;
  pricing: Pricing;
  orders: Orders;
  subscriptions: Subscriptions;
  tokenSigning: TokenSigning;
  listing: Listing;
  webhooks: Webhooks;
  /** `POST /proxies/{id}/check`; without it the route answers 422 unsupported. */
  proxyChecks?: ProxyChecks;
  /** Banned customers (operators' /ban) are refused at authentication. */
  bans?: Pick<Bans, 'banOf'>;
  /** GET /referrals is served when present. */
  referrals?: Referrals;
  /** GET /trials is served when present. */
  trials?: Trials;
  /** Proxy targeting and the connection-string builder are served when present. */
  targeting?: Targeting;
  /** A target with a quote (POST /quotes `target`) and the credentials built for it; without it a target is refused. */
  purchaseTargets?: PurchaseTargets;
  /** The proxies' IP allowlist and cancellation routes are served when present. */
  proxyAccess?: ProxyAccess;
  /** Traffic plans: cached usage, GET /proxies/{id}/traffic and auto top-up, when present. */
  traffic?: Traffic;
}

export interface ApiV1Options {
  services: ApiServices;
  logger?: Logger;
  /** Per-token budget; default 120 requests a minute. */
  rateLimit?: RateLimitOptions;
  /** The bot's @username once it runs, for referral links. */
  botUsername?: () => string | undefined;
}

/** True for a path the customers' API answers (and so answers failures for in its envelope). */
export function isApiV1Path(path: string): boolean {
  return path.startsWith(API_V1_PATH) && (path.length === API_V1_PATH.length || path[API_V1_PATH.length] === '/');
}

/**
 * The envelope for every failure under /api/v1. The app that mounts the API
 * installs it as its own error handler (for the paths `isApiV1Path` owns)
 * rather than the API setting it on itself: Hono wraps each route of a
 * sub-app that has its own error handler in a further middleware chain when
 * mounting it, and that wrapping cost a fifth of a request's time.
 */
export function apiV1ErrorHandler(options: Pick<ApiV1Options, 'logger'>): ErrorHandler {
  return apiErrorHandler(options.logger ?? silentLogger);
}

/** The API's routes; mount it with `app.route(API_V1_PATH, …)` on an app whose error handler is `apiV1ErrorHandler`. */
export function createApiV1(options: ApiV1Options): OpenAPIHono<ApiEnv> {
  const { services } = options;
  const logger = options.logger ?? silentLogger;
  const app = new OpenAPIHono<ApiEnv>();

  // The contract is public: its route is registered first, and the gate below lets it through unauthenticated.
  serveOpenApiDocument(app, API_V1_PATH);
  app.use(
    '*',
    apiGate({ tokens: services.tokens, bans: services.bans, logger, ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}) }),
  );

  app.route('/', meRoutes(services));
  app.route('/', catalogRoutes(services));
  app.route('/', quoteRoutes(services));
  app.route('/', orderRoutes(services));
  app.route('/', proxyRoutes(services));
  if (services.targeting) app.route('/', proxyTargetingRoutes(services.targeting));
  if (services.purchaseTargets)
    app.route('/', purchaseTargetingRoutes({ purchaseTargets: services.purchaseTargets, catalog: services.catalog }));
  if (services.proxyAccess) app.route('/', proxyAccessRoutes(services.proxyAccess, services.subscriptions));
  if (services.traffic) app.route('/', trafficRoutes(services, services.traffic));
  app.route('/', proxyCheckRoutes(services));
  app.route('/', tokenRoutes(services));
  app.route('/', webhookRoutes(services));
  if (services.referrals) app.route('/', referralRoutes(services.referrals, options.botUsername ?? (() => undefined)));
  if (services.trials) app.route('/', trialRoutes(services.trials));

  app.all('*', () => {
    throw new ApiError('not_found', 'no such endpoint');
  });
  return app;
}
