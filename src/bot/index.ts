/**
 * The customers' Telegram bot: one composer per feature over the shop's
 * services. `createBot` only builds it; `startBot` (runtime.ts) runs it with
 * long polling or a webhook.
 *
 * Middleware order matters:
 *  1. callback queries are answered at once, before any other work;
 *  2. per-user flood control, then per-chat ordering (other chats run in parallel);
 *  3. the customer is loaded (created on first contact), then i18n;
 *  4. conversations (buy, token creation, top-ups), then the feature composers.
 *
 * Payment updates (Stars pre-checkout and successful payments) are handled
 * right after (1), ahead of flood control and of any conversation: dropping
 * one would lose a payment. Operator buttons are answered by their own
 * feature, which can refuse with an alert.
 */
import { conversations } from '@grammyjs/conversations';
import type { I18n } from '@grammyjs/i18n';
import { sequentialize } from '@grammyjs/runner';
import { Bot, type Context } from 'grammy';
import type { ConversationData, VersionedState } from '@grammyjs/conversations';
import { withPrefix } from '../db/kv-storage.js';
import type { Logger } from '../logger.js';
import { languageFromTelegram, type Language } from '../services/users.js';
import { BackgroundTasks } from './background.js';
import { registerCommandMenus } from './commands.js';
import type { BotContext, BotDeps, BotEnv, FlowContext } from './context.js';
import { BUY_FLOW, createBuyFlow } from './conversations/buy.js';
import { createTokenFlow, TOKEN_FLOW } from './conversations/create-token.js';
import { flowConversation, flowsVersion } from './conversations/flows.js';
import { createTopUpAmountFlow, TOPUP_AMOUNT_FLOW } from './conversations/topup-amount.js';
import { createTopUpManualFlow, TOPUP_MANUAL_FLOW } from './conversations/topup-manual.js';
import { createAdminFeature } from './features/admin.js';
import { createBanGate, refuseBannedPayments } from './features/banned.js';
import { createConsoleFallback, createConsoleGate } from './features/operator-console.js';
import { createOperatorOrdersFeature } from './features/operator-orders.js';
import { createOperatorUsersFeature } from './features/operator-users.js';
import { createPromoFeature } from './features/promo.js';
import { createPromoOperatorsFeature } from './features/promo-operators.js';
import { createBuyFeature } from './features/buy.js';
import { createHelpFeature } from './features/help.js';
import { createLanguageFeature } from './features/language.js';
import { createMembershipFeature } from './features/membership.js';
import { createMenuFeature, mainMenuFor, showMainMenu } from './features/menu.js';
import { createOrdersFeature } from './features/orders.js';
import { createProxiesFeature } from './features/proxies.js';
import { createProxyTargetingFeature } from './features/proxy-targeting.js';
import { createProxyAccessFeature } from './features/proxy-access.js';
import { createTrafficFeature } from './features/traffic.js';
import { createReferralsFeature } from './features/referrals.js';
import { createTokensFeature } from './features/tokens.js';
import { createSupportFeature, createSupportRelay } from './features/support.js';
import { telegramStarRefund } from './ports.js';
import { createOperatorsFeature, createOperatorViews, isOperatorCallback } from './features/operators.js';
import { createOperatorBackupFeature } from './features/operator-backup.js';
import { createOperatorProvidersFeature } from './features/operator-providers.js';
import type { BackupReport } from '../services/backups.js';
import { createBroadcastFeature } from './features/operator-broadcast.js';
import { createConsoleAlertsFeature } from './features/operator-console-alerts.js';
import { registerTopUpMethods, topUpPaymentHandlers, type TopUpMethod } from './features/topup.js';
import type { AmountPayer, BotPayments } from './features/topup-amounts.js';
import { createCardTopUp } from './features/topup-card.js';
import { createCryptoPayTopUp } from './features/topup-cryptopay.js';
import { createManualTopUp } from './features/topup-manual.js';
import { createStarsTopUp } from './features/topup-stars.js';
import { createWalletFeature } from './features/wallet.js';
import { createWebhooksFeature } from './features/webhooks.js';
import { asLanguage, createI18n } from './i18n.js';
import { installApiTransformers } from './middleware/api.js';
import { DEFAULT_RATE_LIMIT, rateLimit } from './middleware/rate-limit.js';
import { createNoticeRenderer } from './notices.js';
import { logUpdateId } from '../observability/bot.js';

export type { BotContext, BotDeps, BotServices, FlowContext } from './context.js';
export type { TopUpMethod } from './features/topup.js';
export type { BotPayments } from './features/topup-amounts.js';
export { escapeHtml } from './html.js';
export { startBot, stopBot, webhookRoutes, type BotMode, type RunningBot } from './runtime.js';

/**
 * Every conversation the bot can register. The storage version is made of
 * their versions (conversations/flows.ts): bump a flow's own version when its
 * steps change, and the conversations saved by the older code are dropped
 * instead of being replayed into code that no longer matches.
 */
export const FLOWS = [BUY_FLOW, TOKEN_FLOW, TOPUP_AMOUNT_FLOW, TOPUP_MANUAL_FLOW] as const;
export const FLOWS_VERSION = flowsVersion(FLOWS);

export interface CreateBotDeps extends BotDeps {
  /** Further top-up methods shown on the top-up screen, after those built from `payments` (see features/topup.ts). */
  topUpMethods?: TopUpMethod[];
  /**
   * The payment services: Stars and Crypto Pay (when present) become top-up
   * methods, manual top-ups too when they have instructions and there is an
   * operator group; operators get their buttons.
   */
  payments?: BotPayments;
  /** The language of operator alerts and buttons; default English. */
  operatorLanguage?: Language;
  /** Makes a database backup now, for /backup (scheduler/jobs/backup.ts); without it there is no /backup. */
  runBackup?: () => Promise<BackupReport>;
}

/** The bot plus what its runtime and the notifier need. */
export class ShopBot extends Bot<BotContext> {
  /** Purchase sagas running detached from update handling. */
  readonly background: BackgroundTasks;
  /** The newest update handled; long polling confirms it on stop so a restart does not see it again. */
  lastUpdateId = 0;
  i18n!: I18n<Context>;
  /** Renders outbox messages for the notifier (services/notifier.ts). */
  renderNotice!: ReturnType<typeof createNoticeRenderer>['renderNotice'];
  /** Registers the command menus (commands.ts); the runtime calls it at start-up. */
  registerCommandMenus: () => Promise<void> = async () => undefined;

  /** For what happens outside any update, e.g. long polling ending (runtime.ts). */
  readonly logger: Logger;

  constructor(deps: BotDeps) {
    super(deps.token, { client: { apiRoot: deps.apiRoot ?? 'https://api.telegram.org' } });
    this.background = new BackgroundTasks(deps.logger);
    this.logger = deps.logger;
  }
}

export function createBot(deps: CreateBotDeps): ShopBot {
  const bot = new ShopBot(deps);
  const { services, logger } = deps;
  installApiTransformers(bot.api);
  const i18n = createI18n(services.users);
  const { payments } = deps;
  const operatorLanguage = deps.operatorLanguage ?? 'en';

  const env: BotEnv = {
    deps,
    services,
    i18n,
    logger,
    now: deps.now ?? Date.now,
    background: bot.background,
    pendingQuotes: withPrefix<string>(deps.storage, 'pending-quote:'),
    orderMessages: withPrefix<{ chatId: number; messageId: number }>(deps.storage, 'order-message:'),
  };
  const notices = createNoticeRenderer({
    services,
    i18n,
    operatorLanguage,
    pendingQuotes: env.pendingQuotes,
    orderMessages: env.orderMessages,
    logger: logger.child({ component: 'notices' }),
    now: env.now,
    ...(payments ? { payments } : {}),
  });
  bot.i18n = i18n;
  bot.renderNotice = notices.renderNotice;
  bot.registerCommandMenus = () => registerCommandMenus(bot.api, { i18n, operatorChatId: deps.operatorChatId, operatorLanguage, logger });

  const topUpMethods: TopUpMethod[] = [];
  const payers: AmountPayer[] = [];
  if (payments?.stars) {
    const stars = createStarsTopUp(env, { stars: payments.stars, topUps: payments.topUps });
    topUpMethods.push(stars.method);
    payers.push(stars.payer);
  }
  if (payments?.card) {
    const card = createCardTopUp(env, { card: payments.card, topUps: payments.topUps });
    topUpMethods.push(card.method);
    payers.push(card.payer);
  }
  if (payments?.cryptopay) {
    const cryptopay = createCryptoPayTopUp(env, {
      cryptopay: payments.cryptopay.service,
      topUps: payments.topUps,
      assets: payments.cryptopay.assets,
    });
    topUpMethods.push(cryptopay.method);
    payers.push(cryptopay.payer);
  }
  // Someone has to confirm a manual top-up: without an operator group it is not offered.
  const manualInstructions = deps.operatorChatId !== undefined ? payments?.manualInstructions : undefined;
  if (payments?.manual && manualInstructions) topUpMethods.push(createManualTopUp());
  topUpMethods.push(...(deps.topUpMethods ?? []));

  bot.use(logUpdateId());
  bot.use((ctx, next) => {
    bot.lastUpdateId = Math.max(bot.lastUpdateId, ctx.update.update_id);
    // Before any handler: an update Telegram delivers again is not handled again.
    if (!services.updateLog.claim(ctx.me.id, ctx.update.update_id)) {
      logger.info('update delivered again; already handled', { updateId: ctx.update.update_id });
      return;
    }
    return next();
  });

  bot.use(async (ctx, next) => {
    // Operator buttons are answered by the operators' feature, which may refuse with an alert.
    if (ctx.callbackQuery && !isOperatorCallback(ctx.callbackQuery.data)) {
      // The spinner on the button stops now; whatever follows edits the message.
      await ctx.answerCallbackQuery().catch((error: unknown) => logger.debug('callback query not answered', { error }));
    }
    return next();
  });

  if (services.bans) bot.use(refuseBannedPayments({ bans: services.bans, users: services.users, i18n, logger }));
  bot.use(topUpPaymentHandlers(topUpMethods));

  bot.use(
    rateLimit<BotContext>(
      deps.rateLimit ?? DEFAULT_RATE_LIMIT,
      async (ctx) => {
        if (ctx.chat?.type !== 'private') return;
        const language = languageFromTelegram(ctx.from?.language_code);
        await ctx.reply(i18n.t(language, 'rate-limited')).catch(() => undefined);
      },
      env.now,
    ),
  );

  bot.use(sequentialize<BotContext>((ctx) => String(ctx.chat?.id ?? ctx.from?.id ?? '')));

  const operatorViews = createOperatorViews({ services, i18n, language: operatorLanguage, ...(payments ? { payments } : {}) });
  const { audit, bans, findCustomer, adjustments, orderListing } = services;
  const consoleServices =
    audit && bans && findCustomer && adjustments && orderListing ? { audit, bans, findCustomer, adjustments, orderListing } : undefined;
  const operatorAccess = { i18n, language: operatorLanguage, operatorChatId: deps.operatorChatId, adminIds: deps.adminIds, logger };
  // First among the operators' tools: refuses whoever may not act, and writes the audit row of whatever an admin does.
  if (consoleServices) {
    bot.use(
      createConsoleGate({
        ...operatorAccess,
        services: { ...services, audit: consoleServices.audit },
        topUpOwner: (topUpId) => payments?.topUps.get(topUpId)?.userId,
      }),
    );
    bot.use(
      createOperatorUsersFeature({ ...operatorAccess, services: { ...services, ...consoleServices }, ...(payments ? { payments } : {}) }),
    );
    bot.use(
      createOperatorOrdersFeature({
        ...operatorAccess,
        services: { ...services, ...consoleServices },
        views: operatorViews,
        ...(payments ? { payments } : {}),
        now: env.now,
      }),
    );
  }
  // Before the operators' feature, which answers every operator button it does not know.
  const operatorTools = { i18n, language: operatorLanguage, operatorChatId: deps.operatorChatId, adminIds: deps.adminIds, logger };
  if (services.providerAvailability) {
    bot.use(createOperatorProvidersFeature({ ...operatorTools, catalog: services.catalog, availability: services.providerAvailability }));
  }
  if (deps.runBackup) bot.use(createOperatorBackupFeature({ ...operatorTools, runBackup: deps.runBackup }));
  // Before the operators' feature, which answers every operator button it does not know.
  const consoleViews = operatorViews;
  bot.use(
    createConsoleAlertsFeature({ views: consoleViews, services, operatorChatId: deps.operatorChatId, adminIds: deps.adminIds, logger }),
  );
  if (services.broadcasts) {
    bot.use(
      createBroadcastFeature({
        services: { catalog: services.catalog, broadcasts: services.broadcasts },
        t: consoleViews.t,
        operatorChatId: deps.operatorChatId,
        adminIds: deps.adminIds,
        storage: deps.storage,
        logger,
      }),
    );
  }

  // Order alerts need their buttons whether or not the shop takes payments; top-up buttons come with payments.
  bot.use(
    createOperatorsFeature({
      views: operatorViews,
      ...(payments ? { payments } : {}),
      services,
      i18n,
      operatorChatId: deps.operatorChatId,
      adminIds: deps.adminIds,
      storage: deps.storage,
      refundStarPayment: telegramStarRefund(bot.api),
      logger,
    }),
  );

  if (services.pricing && services.stats) {
    bot.use(
      createAdminFeature({
        services: { ...services, pricing: services.pricing, stats: services.stats },
        i18n,
        language: operatorLanguage,
        operatorChatId: deps.operatorChatId,
        adminIds: deps.adminIds,
        logger,
        now: env.now,
      }),
    );
  }

  // An admin's reply to a customer's support message goes back to the customer.
  bot.use(
    createSupportRelay({
      services,
      i18n,
      operatorChatId: deps.operatorChatId,
      adminIds: deps.adminIds,
      operatorLanguage,
      logger: logger.child({ component: 'support' }),
    }),
  );
  if (services.promos && services.trials) {
    bot.use(
      createPromoOperatorsFeature({
        promos: services.promos,
        trials: services.trials,
        knownProvider: (providerId) => services.catalog.provider(providerId) !== undefined,
        i18n,
        language: operatorLanguage,
        operatorChatId: deps.operatorChatId,
        adminIds: deps.adminIds,
        logger,
      }),
    );
  }
  // After every operator command (add new ones above): an admin's command nobody took gets the command list.
  if (consoleServices) bot.use(createConsoleFallback(operatorAccess));

  // Customers talk to the bot in private; groups belong to the operators' tools.
  const shop = bot.filter((ctx) => ctx.chat?.type === 'private' && ctx.from !== undefined);

  shop.use(async (ctx, next) => {
    const from = ctx.from!;
    const known = services.users.byTelegramId(from.id);
    // ensure() takes the write lock; skip it when it would change nothing (most updates).
    const fresh = known && known.username === (from.username ?? null) && known.firstName === (from.first_name ?? null);
    const user = fresh
      ? known
      : services.users.ensure({
          telegramId: from.id,
          ...(from.username ? { username: from.username } : {}),
          firstName: from.first_name,
          ...(from.language_code ? { languageCode: from.language_code } : {}),
        });
    ctx.user = user;
    ctx.firstContact = known === undefined;
    ctx.language = asLanguage(user.language) ?? 'en';
    return next();
  });
  shop.use(i18n.middleware());
  shop.use(createMembershipFeature(env));
  // Before any flow: a banned customer's bot stops here, whatever they press or type.
  if (services.bans) shop.use(createBanGate(services.bans));

  shop.use(
    conversations<BotContext, FlowContext>({
      storage: {
        type: 'key',
        version: FLOWS_VERSION,
        prefix: 'conversation:',
        adapter: withPrefix<VersionedState<ConversationData>>(deps.storage, ''),
      },
      // Conversations build a fresh context and Api per update: plugins and transformers go in again.
      plugins: [
        i18n.middleware(),
        async (ctx, next) => {
          installApiTransformers(ctx.api);
          await next();
        },
      ],
    }),
  );
  shop.use(flowConversation(FLOWS, BUY_FLOW, createBuyFlow(env)));
  shop.use(flowConversation(FLOWS, TOKEN_FLOW, createTokenFlow(env)));
  if (payments) {
    shop.use(flowConversation(FLOWS, TOPUP_AMOUNT_FLOW, createTopUpAmountFlow(env, payers, payments.topUps.limits)));
  }
  if (payments?.manual && manualInstructions) {
    const flow = createTopUpManualFlow(env, { manual: payments.manual, limits: payments.topUps.limits, instructions: manualInstructions });
    shop.use(flowConversation(FLOWS, TOPUP_MANUAL_FLOW, flow));
  }

  // Before the menu: a referral link's /start records the referrer, then the menu answers it.
  if (services.referrals) shop.use(createReferralsFeature(env, services.referrals));
  shop.use(createPromoFeature(env));
  shop.use(createMenuFeature(env));
  shop.use(createBuyFeature(env));
  shop.use(createOrdersFeature(env, () => bot.api));
  shop.use(createProxiesFeature(env));
  if (env.services.targeting) shop.use(createProxyTargetingFeature(env.services.targeting));
  if (services.proxyAccess) shop.use(createProxyAccessFeature(env, services.proxyAccess));
  if (services.traffic) shop.use(createTrafficFeature(env, services.traffic));
  shop.use(createWalletFeature(env));
  shop.use(registerTopUpMethods(env, topUpMethods));
  shop.use(createTokensFeature(env));
  shop.use(createWebhooksFeature(services.webhooks));
  shop.use(createLanguageFeature(env));
  shop.use(createHelpFeature(env));
  // Last: anything typed outside a flow may be meant for support.
  shop.use(createSupportFeature(env, operatorLanguage));

  // A button from an old message (or a flow that ended): back to the menu.
  shop.on('callback_query', (ctx) => showMainMenu(ctx, env));
  shop.on('message', async (ctx) => {
    await ctx.reply(ctx.t('unknown-input'), { reply_markup: mainMenuFor(ctx, env) });
  });

  bot.catch(async (err) => {
    const ctx = err.ctx;
    logger.error('update failed', {
      updateId: ctx.update.update_id,
      userId: ctx.from?.id,
      error: err.error,
    });
    if (ctx.chat?.type !== 'private') return;
    const language = asLanguage(ctx.language) ?? languageFromTelegram(ctx.from?.language_code);
    await ctx.api.sendMessage(ctx.chat.id, i18n.t(language, 'error-generic')).catch(() => undefined);
  });

  return bot;
}
