/**
 * The customers' Telegram bot: one composer per feature over the shop's
 * services. `createBot` only builds it; `startBot` (runtime.ts) runs it with
 * long polling or a webhook.
 *
 * Middleware order matters:
 *  1. callback queries are answered at once, before any other work;
 *  2. per-user flood control, then per-chat ordering (other chats run in parallel);
 *  3. the customer is loaded (created on first contact), then i18n;
 *  4. conversations (buy, token creation), then the feature composers.
 */
import { conversations, createConversation } from '@grammyjs/conversations';
import type { I18n } from '@grammyjs/i18n';
import { sequentialize } from '@grammyjs/runner';
import { Bot, type Context } from 'grammy';
import type { ConversationData, VersionedState } from '@grammyjs/conversations';
import { withPrefix } from '../db/kv-storage.js';
import { languageFromTelegram } from '../services/users.js';
import { BackgroundTasks } from './background.js';
import type { BotContext, BotDeps, BotEnv, FlowContext } from './context.js';
import { createBuyFlow } from './conversations/buy.js';
import { createTokenFlow } from './conversations/create-token.js';
import { BUY_FLOW, createBuyFeature } from './features/buy.js';
import { createHelpFeature } from './features/help.js';
import { createLanguageFeature } from './features/language.js';
import { createMembershipFeature } from './features/membership.js';
import { createMenuFeature, showMainMenu } from './features/menu.js';
import { createOrdersFeature } from './features/orders.js';
import { createProxiesFeature } from './features/proxies.js';
import { createTokensFeature, TOKEN_FLOW } from './features/tokens.js';
import { registerTopUpMethods, type TopUpMethod } from './features/topup.js';
import { createWalletFeature } from './features/wallet.js';
import { asLanguage, createI18n } from './i18n.js';
import { mainMenuKeyboard } from './keyboards/main-menu.js';
import { installApiTransformers } from './middleware/api.js';
import { DEFAULT_RATE_LIMIT, rateLimit } from './middleware/rate-limit.js';
import { createNoticeRenderer } from './notices.js';

export type { BotContext, BotDeps, BotServices, FlowContext } from './context.js';
export type { TopUpMethod } from './features/topup.js';
export { escapeHtml } from './html.js';
export { startBot, stopBot, webhookRoute, type BotMode, type RunningBot } from './runtime.js';

/**
 * Bump when a flow's steps change: conversations saved by an older version
 * are dropped instead of being replayed into code that no longer matches.
 */
export const FLOWS_VERSION = 'buy-1.token-1';

export interface CreateBotDeps extends BotDeps {
  /** Top-up methods shown on the top-up screen (see features/topup.ts). */
  topUpMethods?: TopUpMethod[];
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

  constructor(deps: BotDeps) {
    super(deps.token, { client: { apiRoot: deps.apiRoot ?? 'https://api.telegram.org' } });
    this.background = new BackgroundTasks(deps.logger);
  }
}

export function createBot(deps: CreateBotDeps): ShopBot {
  const bot = new ShopBot(deps);
  const { services, logger } = deps;
  installApiTransformers(bot.api);
  const i18n = createI18n(services.users);
  const notices = createNoticeRenderer({ services, i18n });
  bot.i18n = i18n;
  bot.renderNotice = notices.renderNotice;

  const env: BotEnv = {
    deps,
    services,
    i18n,
    logger,
    now: deps.now ?? Date.now,
    background: bot.background,
    pendingQuotes: withPrefix<string>(deps.storage, 'pending-quote:'),
  };

  bot.use((ctx, next) => {
    bot.lastUpdateId = Math.max(bot.lastUpdateId, ctx.update.update_id);
    return next();
  });

  bot.use(async (ctx, next) => {
    if (ctx.callbackQuery) {
      // The spinner on the button stops now; whatever follows edits the message.
      await ctx.answerCallbackQuery().catch((error: unknown) => logger.debug('callback query not answered', { error }));
    }
    return next();
  });

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

  // Customers talk to the bot in private; groups belong to the operators' tools.
  const shop = bot.filter((ctx) => ctx.chat?.type === 'private' && ctx.from !== undefined);

  shop.use(async (ctx, next) => {
    const from = ctx.from!;
    const known = services.users.byTelegramId(from.id);
    // ensure() takes the write lock; skip it when it would change nothing (most updates).
    const fresh = known && known.username === (from.username ?? null) && known.firstName === (from.first_name ?? null);
    const user = fresh ? known : services.users.ensure({
      telegramId: from.id,
      ...(from.username ? { username: from.username } : {}),
      firstName: from.first_name,
      ...(from.language_code ? { languageCode: from.language_code } : {}),
    });
    ctx.user = user;
    ctx.language = asLanguage(user.language) ?? 'en';
    return next();
  });
  shop.use(i18n.middleware());
  shop.use(createMembershipFeature(env));

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
  shop.use(createConversation<BotContext, FlowContext>(createBuyFlow(env), BUY_FLOW));
  shop.use(createConversation<BotContext, FlowContext>(createTokenFlow(env), TOKEN_FLOW));

  shop.use(createMenuFeature(env));
  shop.use(createBuyFeature());
  shop.use(createOrdersFeature(env, () => bot.api));
  shop.use(createProxiesFeature(env));
  shop.use(createWalletFeature(env));
  shop.use(registerTopUpMethods(env, deps.topUpMethods ?? []));
  shop.use(createTokensFeature(env));
  shop.use(createLanguageFeature(env));
  shop.use(createHelpFeature(env));

  // A button from an old message (or a flow that ended): back to the menu.
  shop.on('callback_query', (ctx) => showMainMenu(ctx, env));
  shop.on('message', async (ctx) => {
    await ctx.reply(ctx.t('unknown-input'), { reply_markup: mainMenuKeyboard(ctx.t) });
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
