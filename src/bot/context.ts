/**
 * The bot's context types and the environment every feature is built from.
 * Features get their dependencies from `BotEnv` (no globals), so a test or a
 * second bot instance builds the same features over other parts.
 */
import type { Referrals } from '../services/referrals.js';
import type { Targeting } from '../services/targeting.js';
import type { PurchaseTargets } from '../services/purchase-targets.js';
import type { ConversationFlavor } from '@grammyjs/conversations';
import type { I18n, I18nFlavor } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import type { Services } from '../services/index.js';
import type { KvStorage } from '../db/kv-storage.js';
import type { Logger } from '../logger.js';
import type { TokenSigning } from '../services/token-signing.js';
import type { Tokens } from '../services/tokens.js';
import type { Language, User } from '../services/users.js';
import type { Webhooks } from '../services/webhooks.js';
import type { ProxyAccess } from '../services/proxy-access.js';
import type { BackgroundTasks } from './background.js';

/** The services the bot talks to; API tokens are optional so the bot runs without that service. */
export type BotServices = Pick<
  Services,
  'users' | 'wallet' | 'walletStatement' | 'support' | 'catalog' | 'orders' | 'subscriptions' | 'outbox' | 'updateLog'
> &
  /** Operators' commands are offered when both are present. */
  Partial<Pick<Services, 'pricing' | 'stats' | 'broadcasts' | 'promos' | 'trials'>> &
  /** Traffic plans: usage on the card, auto top-up (features/traffic.ts). */
  Partial<Pick<Services, 'traffic'>> &
  /** "Check" on the proxy card and the check after delivery are offered when present. */
  Partial<Pick<Services, 'proxyChecks'>> &
  /** /providers is offered when present; the operators' console (customers, bans, audit) when these are. */
  Partial<Pick<Services, 'providerAvailability' | 'audit' | 'bans' | 'findCustomer' | 'adjustments' | 'orderListing'>> & {
    tokens?: Tokens;
    /** Tokens that must sign their money requests (the token flow's "require signed requests"). */
    tokenSigning?: TokenSigning;
    /** Customers' outgoing webhooks (features/webhooks.ts). */
    webhooks?: Webhooks;
    /** The referral screen and referral links in /start (features/referrals.ts). */
    referrals?: Referrals;
    /** The proxy card's targeting and connection-string builder (features/proxy-targeting.ts). */
    targeting?: Targeting;
    /** A target chosen in the buy flow, and the delivered credentials built for it (services/purchase-targets.ts). */
    purchaseTargets?: PurchaseTargets;
    /** IP allowlist and cancellation on the proxy card (features/proxy-access.ts). */
    proxyAccess?: ProxyAccess;
  };

export interface RateLimitOptions {
  /** Updates a user may send in a burst. */
  burst: number;
  /** Sustained updates per second per user. */
  perSecond: number;
}

export interface BotDeps {
  token: string;
  /** Bot API server; the emulator in tests and the sandbox. */
  apiRoot?: string;
  services: BotServices;
  logger: Logger;
  operatorChatId?: number;
  adminIds: number[];
  /** Durable key-value storage (kv_store) for conversations and the customer's pending order. */
  storage: KvStorage<unknown>;
  /** Where customers reach the REST API and its docs, shown on the tokens screen. */
  apiLinks?: { baseUrl: string; docsUrl: string };
  /** Shown in Help; a @username, a link or an e-mail address. */
  supportContact?: string;
  rateLimit?: RateLimitOptions;
  now?: () => number;
}

/** Added to every update's context by the bot's own middleware. */
export interface ShopFlavor {
  /** The customer behind the update (created on their first update). */
  user: User;
  /** Their language, as stored; what i18n negotiates. */
  language: Language;
  /** True when this update made them a customer: only then can a referral link name their referrer. */
  firstContact: boolean;
}

/** Context outside conversations. */
export type BotContext = ConversationFlavor<Context & I18nFlavor & ShopFlavor>;

/** Context inside conversations: a fresh context per update, with i18n reinstalled. */
export type FlowContext = Context & I18nFlavor;

/** What each feature is built from. */
export interface BotEnv {
  deps: BotDeps;
  services: BotServices;
  i18n: I18n<Context>;
  logger: Logger;
  now: () => number;
  /** Detached work (purchase sagas) that must not hold up update handling. */
  background: BackgroundTasks;
  /** The quote a customer was about to confirm when they went to top up. */
  pendingQuotes: KvStorage<string>;
  /** The "slow to deliver" message of each order still being confirmed; its later news edits it. */
  orderMessages: KvStorage<{ chatId: number; messageId: number }>;
}
