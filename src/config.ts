/**
 * The shop's settings: one zod schema over the environment (and a `.env`
 * file, whose values yield to real environment variables). Nothing here runs
 * at import time; `loadConfig` is called by the composition root or a test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import cron from 'node-cron';
import { z } from 'zod';
import { PROVIDER_MODULES } from './providers/modules.js';
import type { ProviderKeyConfig } from './providers/registry.js';
import type { ProviderId, ProviderModule } from './providers/types.js';
import type { LowBalanceThresholds } from './scheduler/jobs/upstream-balance.js';

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const optionalUrl = (what: string) =>
  optionalText.refine((v) => v === undefined || isHttpUrl(v), { message: `must be an http(s) URL (${what})` });

const urlWithDefault = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((v) => (v === '' ? fallback : v))
    .refine(isHttpUrl, { message: 'must be an http(s) URL' })
    .transform((v) => v.replace(/\/+$/, ''));

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A forum topic's `message_thread_id` in the operator group. */
const forumTopicId = optionalText
  .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) > 0), { message: 'must be a forum topic id (a positive number)' })
  .transform((v) => (v === undefined ? undefined : Number(v)));

const LOW_BALANCE_FORMAT =
  'must be cents for every upstream (5000), per upstream (gateproxy=5000,flashproxy=10000), or both (5000,gateproxy=2000)';

/** `UPSTREAM_LOW_BALANCE_CENTS`: a problem's wording, or the thresholds (empty: no upstream is watched). */
export function parseLowBalanceThresholds(text: string): LowBalanceThresholds | string {
  const thresholds: LowBalanceThresholds = { perProviderCents: {} };
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^(?:([a-z0-9_-]+)\s*=\s*)?(\d{1,12})$/i.exec(entry);
    if (!match) return LOW_BALANCE_FORMAT;
    const [, provider, cents] = match;
    if (provider === undefined) {
      if (thresholds.allCents !== undefined) return `${LOW_BALANCE_FORMAT}; one number for every upstream at most`;
      thresholds.allCents = Number(cents);
    } else {
      if (thresholds.perProviderCents[provider.toLowerCase()] !== undefined) return `${LOW_BALANCE_FORMAT}; ${provider} is given twice`;
      thresholds.perProviderCents[provider.toLowerCase()] = Number(cents);
    }
  }
  return thresholds;
}

const envSchema = z
  .object({
    BOT_TOKEN: optionalText.refine((v) => v === undefined || /^\d+:[A-Za-z0-9_-]{20,}$/.test(v), {
      message: 'must look like 123456:ABC-DEF… (ask @BotFather for one)',
    }),
    TELEGRAM_API_ROOT: urlWithDefault('https://api.telegram.org'),
    OPERATOR_CHAT_ID: optionalText
      .refine((v) => v === undefined || /^-?\d+$/.test(v), { message: 'must be a Telegram chat id (a group id is negative)' })
      .transform((v) => (v === undefined ? undefined : Number(v))),
    ADMIN_IDS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .refine((ids) => ids.every((id) => /^\d+$/.test(id) && Number(id) > 0), {
        message: 'must be comma-separated positive Telegram user ids, e.g. 12345,67890',
      })
      .transform((ids) => ids.map(Number)),
    DATABASE_PATH: z.string().trim().min(1).default('./data/storefront.db'),
    HTTP_HOST: z.string().trim().min(1).default('127.0.0.1'),
    HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    PUBLIC_URL: optionalUrl('the address Telegram reaches this server at, for webhook mode'),
    WEBHOOK_SECRET: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
      message: 'must be 1–256 characters of A-Z, a-z, 0-9, _ and -',
    }),
    API_PUBLIC_URL: optionalUrl("the address customers' scripts reach this server's API at, shown on the bot's tokens screen"),
    SUPPORT_CONTACT: optionalText.refine((v) => v === undefined || v.length <= 200, { message: 'must be at most 200 characters' }),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    METRICS_TOKEN: optionalText,

    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),

    STARS_PER_USD: z.coerce.number().positive().max(1_000_000).default(50),
    TOPUP_MIN_CENTS: z.coerce.number().int().min(1).max(100_000_000).default(100),
    TOPUP_MAX_CENTS: z.coerce.number().int().min(1).max(100_000_000).default(100_000),
    CRYPTOPAY_TOKEN: optionalText,
    // Card top-ups through a payment provider connected in @BotFather (Telegram Payments).
    PAYMENTS_PROVIDER_TOKEN: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9:_-]{5,256}$/.test(v), {
      message: 'must be the provider token @BotFather gives under Payments (e.g. 284685063:TEST:…)',
    }),
    PAYMENTS_CURRENCY: z
      .string()
      .trim()
      .default('USD')
      .transform((v) => (v === '' ? 'USD' : v.toUpperCase()))
      .refine((v) => /^[A-Z]{3}$/.test(v), { message: 'must be a three-letter ISO 4217 currency code, e.g. USD, EUR' }),
    PAYMENTS_CURRENCY_PER_USD: optionalText
      .refine((v) => v === undefined || (Number.isFinite(Number(v)) && Number(v) > 0 && Number(v) <= 1_000_000), {
        message: 'must be a positive number: how many units of PAYMENTS_CURRENCY one US dollar costs',
      })
      .transform((v) => (v === undefined ? undefined : Number(v))),
    REFERRAL_PERCENT: z.coerce.number().min(0).max(50).default(0),
    TRAFFIC_USAGE_CACHE_SECONDS: z.coerce
      .number()
      .int()
      .min(30, { message: 'must be at least 30 seconds: upstreams limit how often their usage may be read' })
      .max(86_400)
      .default(300),
    CRYPTOPAY_BASE_URL: urlWithDefault('https://pay.crypt.bot'),
    CRYPTOPAY_ASSETS: z
      .string()
      .trim()
      .default('USDT,TON,BTC')
      .transform((v) =>
        (v === '' ? 'USDT,TON,BTC' : v)
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter((s) => s.length > 0),
      )
      .refine((assets) => assets.length > 0 && assets.every((a) => /^[A-Z0-9]{2,10}$/.test(a)), {
        message: 'must be comma-separated asset codes, e.g. USDT,TON,BTC',
      }),
    // Retention. The outbox keeps each message's dedupe key as long as the row, so it must outlast
    // the longest window in which one event is recorded twice (auto-renewal's day): at least 2 days.
    RETENTION_QUOTES_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 365)
      .default(24),
    RETENTION_OUTBOX_DAYS: z.coerce.number().int().min(2).max(3650).default(30),
    RETENTION_CONVERSATIONS_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
    MANUAL_TOPUP_INSTRUCTIONS: optionalText.refine((v) => v === undefined || v.length <= 1_000, {
      message: 'must be at most 1000 characters',
    }),
    BACKUP_DIR: z.string().trim().min(1).default('./data/backups'),
    BACKUP_KEEP: z.coerce.number().int().min(1, { message: 'must keep at least 1 backup' }).max(1_000).default(14),
    BACKUP_CRON: z
      .string()
      .trim()
      .default('0 15 3 * * *')
      .refine((v) => v === 'off' || cron.validate(v), { message: 'must be a cron expression (e.g. "0 15 3 * * *") or off' }),
    BACKUP_TO_CHAT: z
      .enum(['true', 'false', ''], { message: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
    UPSTREAM_LOW_BALANCE_CENTS: z
      .string()
      .trim()
      .default('')
      .transform((v, ctx) => {
        const parsed = parseLowBalanceThresholds(v);
        if (typeof parsed === 'string') {
          ctx.addIssue({ code: 'custom', message: parsed });
          return z.NEVER;
        }
        return parsed;
      }),
    OPERATOR_TOPIC_SALES: forumTopicId,
    OPERATOR_TOPIC_MONEY: forumTopicId,
    OPERATOR_TOPIC_PROBLEMS: forumTopicId,
    WEBHOOKS_ALLOW_PRIVATE: z
      .enum(['true', 'false', ''], { message: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
    PROXY_CHECK_URL: urlWithDefault('https://ipinfo.io/json'),
    PROXY_CHECK_TIMEOUT_MS: z.coerce
      .number({ message: 'must be a number of milliseconds' })
      .int()
      .min(500, { message: 'must be at least 500 ms' })
      .max(60_000, { message: 'must be at most 60000 ms' })
      .default(10_000),
    CHECK_ON_DELIVERY: z
      .enum(['true', 'false', ''], { message: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
  })
  .refine((e) => e.TOPUP_MIN_CENTS <= e.TOPUP_MAX_CENTS, {
    message: 'TOPUP_MIN_CENTS must not be above TOPUP_MAX_CENTS',
    path: ['TOPUP_MIN_CENTS'],
  })
  .refine((e) => !e.PAYMENTS_PROVIDER_TOKEN || e.PAYMENTS_CURRENCY === 'USD' || e.PAYMENTS_CURRENCY_PER_USD !== undefined, {
    message: 'is required when PAYMENTS_CURRENCY is not USD: how many units of that currency one US dollar costs',
    path: ['PAYMENTS_CURRENCY_PER_USD'],
  });

export type Env = z.infer<typeof envSchema>;

/** The names of one upstream's settings; its API key enables it. */
export function providerSettingNames(module: Pick<ProviderModule, 'envPrefix'>): { apiKey: string; baseUrl: string } {
  return { apiKey: `${module.envPrefix}_API_KEY`, baseUrl: `${module.envPrefix}_BASE_URL` };
}

/** `<PREFIX>_API_KEY` and `<PREFIX>_BASE_URL` for every upstream module. */
function providerSettingsSchema(modules: readonly ProviderModule[]) {
  const shape: Record<string, z.ZodType<string | undefined>> = {};
  for (const module of modules) {
    const names = providerSettingNames(module);
    shape[names.apiKey] = optionalText;
    shape[names.baseUrl] = urlWithDefault(module.defaultBaseUrl);
  }
  return z.object(shape);
}

export type { ProviderKeyConfig } from './providers/registry.js';

export interface Config {
  botToken?: string;
  telegramApiRoot: string;
  operatorChatId?: number;
  adminIds: number[];
  databasePath: string;
  http: { host: string; port: number };
  publicUrl?: string;
  /** Telegram sends it with every webhook call; derived from the bot token when not set. */
  webhookSecret?: string;
  /** Where customers reach the REST API (its /api/v1 and /docs), for the tokens screen; PUBLIC_URL when not set. */
  apiPublicUrl?: string;
  /** Shown in the bot's Help. */
  supportContact?: string;
  logLevel: Env['LOG_LEVEL'];
  /** When set, GET /metrics wants it as a bearer token. */
  metricsToken?: string;
  upstreamTimeoutMs: number;
  /** Wallet top-ups: the Stars rate, the amount limits and the optional methods. */
  topUps: {
    starsPerUsd: number;
    minCents: number;
    maxCents: number;
    /** Crypto Pay is offered only when its app token is set. */
    cryptoPay?: { token: string; baseUrl: string; assets: string[] };
    /** Where customers send money by hand; manual top-ups also need OPERATOR_CHAT_ID. */
    manualInstructions?: string;
    /** Card top-ups through Telegram Payments: offered only when the provider token is set. */
    card?: { providerToken: string; currency: string; perUsd: number };
  };
  /** Share of a referred customer's captured orders paid to their referrer (%); 0 pays nothing. */
  referralPercent: number;
  /** How long a traffic-billed proxy's usage figures are reused before the upstream is asked again (ms). */
  trafficUsageCacheMs: number;
  /** How long housekeeping keeps expired quotes, sent messages and abandoned conversations (ms). */
  retention: { quotesMs: number; outboxMs: number; conversationsMs: number };
  /** Only providers whose API key is set; the key enables them. */
  providers: Partial<Record<ProviderId, ProviderKeyConfig>>;
  /** Customers' outgoing webhooks; private and loopback URLs only in the sandbox and tests. */
  webhooks: { allowPrivateUrls: boolean };
  /** The proxy checker (services/proxy-checker.ts): the URL fetched through a proxy, its timeout, and whether each delivered proxy is checked. */
  proxyCheck: { url: string; timeoutMs: number; onDelivery: boolean };
  /** Online database backups (services/backups.ts): where, how many, when (a cron expression, or off), and whether a copy goes to the operator group. */
  backups: { dir: string; keep: number; schedule: string | 'off'; toChat: boolean };
  /** Below these balances at an upstream the operators are told (once, and once more on recovery). */
  upstreamLowBalance: LowBalanceThresholds;
  /** Forum topics of the operator group that alerts go to, when it is a forum. */
  operatorTopics: { sales?: number; money?: number; problems?: number };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/**
 * Parses settings from an environment object; never throws for bad input.
 * `modules` is the shipped list of upstreams unless a test composes its own.
 */
export function parseConfig(env: Record<string, string | undefined>, modules: readonly ProviderModule[] = PROVIDER_MODULES): ConfigResult {
  const parsed = envSchema.safeParse(env);
  const providerSettings = providerSettingsSchema(modules).safeParse(env);
  if (!parsed.success || !providerSettings.success) {
    const issues = [...(parsed.success ? [] : parsed.error.issues), ...(providerSettings.success ? [] : providerSettings.error.issues)];
    const problems = issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      // Never echo the received value: it may be a secret.
      return `${name}: ${issue.message}`;
    });
    return { ok: false, problems };
  }
  const e = parsed.data;
  const unknownUpstreams = Object.keys(e.UPSTREAM_LOW_BALANCE_CENTS.perProviderCents).filter((id) => !modules.some((m) => m.id === id));
  if (unknownUpstreams.length > 0) {
    return {
      ok: false,
      problems: [
        `UPSTREAM_LOW_BALANCE_CENTS: no upstream is called ${unknownUpstreams.join(', ')} (known: ${modules.map((m) => m.id).join(', ')})`,
      ],
    };
  }
  // Keyed by module id: with the shipped list these are exactly the `ProviderId`s.
  const providers: Partial<Record<string, ProviderKeyConfig>> = {};
  for (const module of modules) {
    const names = providerSettingNames(module);
    const apiKey = providerSettings.data[names.apiKey];
    const baseUrl = providerSettings.data[names.baseUrl];
    if (apiKey && baseUrl) providers[module.id] = { apiKey, baseUrl };
  }

  return {
    ok: true,
    config: {
      botToken: e.BOT_TOKEN,
      telegramApiRoot: e.TELEGRAM_API_ROOT,
      operatorChatId: e.OPERATOR_CHAT_ID,
      adminIds: e.ADMIN_IDS,
      databasePath: e.DATABASE_PATH,
      http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
      webhookSecret: e.WEBHOOK_SECRET,
      apiPublicUrl: (e.API_PUBLIC_URL ?? e.PUBLIC_URL)?.replace(/\/+$/, ''),
      supportContact: e.SUPPORT_CONTACT,
      logLevel: e.LOG_LEVEL,
      metricsToken: e.METRICS_TOKEN,
      upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
      topUps: {
        starsPerUsd: e.STARS_PER_USD,
        minCents: e.TOPUP_MIN_CENTS,
        maxCents: e.TOPUP_MAX_CENTS,
        ...(e.CRYPTOPAY_TOKEN
          ? { cryptoPay: { token: e.CRYPTOPAY_TOKEN, baseUrl: e.CRYPTOPAY_BASE_URL, assets: e.CRYPTOPAY_ASSETS } }
          : {}),
        ...(e.MANUAL_TOPUP_INSTRUCTIONS ? { manualInstructions: e.MANUAL_TOPUP_INSTRUCTIONS } : {}),
        ...(e.PAYMENTS_PROVIDER_TOKEN
          ? {
              card: {
                providerToken: e.PAYMENTS_PROVIDER_TOKEN,
                currency: e.PAYMENTS_CURRENCY,
                perUsd: e.PAYMENTS_CURRENCY === 'USD' ? 1 : e.PAYMENTS_CURRENCY_PER_USD!,
              },
            }
          : {}),
      },
      referralPercent: e.REFERRAL_PERCENT,
      trafficUsageCacheMs: e.TRAFFIC_USAGE_CACHE_SECONDS * 1000,
      retention: {
        quotesMs: e.RETENTION_QUOTES_HOURS * HOUR_MS,
        outboxMs: e.RETENTION_OUTBOX_DAYS * DAY_MS,
        conversationsMs: e.RETENTION_CONVERSATIONS_DAYS * DAY_MS,
      },
      providers: providers as Config['providers'],
      webhooks: { allowPrivateUrls: e.WEBHOOKS_ALLOW_PRIVATE },
      proxyCheck: { url: e.PROXY_CHECK_URL, timeoutMs: e.PROXY_CHECK_TIMEOUT_MS, onDelivery: e.CHECK_ON_DELIVERY },
      backups: { dir: e.BACKUP_DIR, keep: e.BACKUP_KEEP, schedule: e.BACKUP_CRON, toChat: e.BACKUP_TO_CHAT },
      upstreamLowBalance: e.UPSTREAM_LOW_BALANCE_CENTS,
      operatorTopics: {
        ...(e.OPERATOR_TOPIC_SALES ? { sales: e.OPERATOR_TOPIC_SALES } : {}),
        ...(e.OPERATOR_TOPIC_MONEY ? { money: e.OPERATOR_TOPIC_MONEY } : {}),
        ...(e.OPERATOR_TOPIC_PROBLEMS ? { problems: e.OPERATOR_TOPIC_PROBLEMS } : {}),
      },
    },
  };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Real environment over `.env` (if the file exists). */
export function readEnvironment(
  processEnv: Record<string, string | undefined> = process.env,
  dotenvPath = '.env',
): Record<string, string | undefined> {
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  return { ...fromFile, ...processEnv };
}

/** One message listing every problem and how to fix it, for a start-up that cannot go on. */
export function describeConfigProblems(problems: string[]): string {
  return [
    'The shop cannot start: its settings have problems.',
    ...problems.map((p) => `  - ${p}`),
    'Fix them in the environment or in .env (see .env.example for every setting and its default).',
  ].join('\n');
}

/** Values that must never be printed, for the logger's secret registry. */
export function secretValues(config: Config): string[] {
  return [
    config.botToken,
    config.webhookSecret,
    config.metricsToken,
    config.topUps.cryptoPay?.token,
    config.topUps.card?.providerToken,
    ...Object.values(config.providers).map((p) => p?.apiKey),
  ].filter((v): v is string => typeof v === 'string' && v.length > 0);
}
