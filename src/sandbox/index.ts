/**
 * `npm run sandbox`: the whole shop on this machine, with no Telegram account
 * and no upstream account. The Telegram Bot API emulator, a simulator of every
 * upstream and the real app (the same `startApp` as `npm start`) wired
 * together on 127.0.0.1, with a customer (Alice, $50 in her wallet) and an
 * admin (Olga, in the "Operators" group) ready to act as. The e2e tests start
 * the same thing through `startSandbox`.
 */
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp, type RunningApp } from '../app.js';
import { describeConfigProblems, parseConfig, secretValues, type Config } from '../config.js';
import { formatCents } from '../domain/money.js';
import { SecretRegistry, createLogger, type Logger } from '../logger.js';
import { createSandboxClock, createTimeMachine, type SandboxClock, type TimeMachine } from './clock.js';
import { startTelegramEmulator, type EmulatedGroup, type EmulatedUser, type TelegramEmulator } from './telegram/index.js';
import { createCryptoPaySimulator, type CryptoPaySimulator } from './upstreams/cryptopay/index.js';
import { createUpstreamSwitches, type UpstreamSwitches } from './upstream-switches.js';
import { startAllUpstreams, type RunningUpstream } from './upstreams/index.js';
import { startCheckEndpoint } from './upstreams/proxy-server.js';
import { startWebChat, type WebChat } from './web/server.js';

/**
 * A fixed token, so a bot or script pointed at the sandbox keeps working across
 * restarts. It only ever reaches the local emulator.
 */
export const SANDBOX_BOT_TOKEN = '7000000001:SANDBOX-local-emulator-only-token';

/** Alice is credited once per database, whatever the number of restarts: the payment id makes the transfer id. */
const WELCOME_CREDIT_ID = 'sandbox-welcome-alice';
const WELCOME_CREDIT_CENTS = 50_00;

export interface SandboxPorts {
  /** The Telegram emulator (Bot API + /control). Env SANDBOX_TELEGRAM_PORT, default 8081. */
  telegram: number;
  /** The shop's own HTTP server (health, REST API). Env HTTP_PORT, default 8080. */
  http: number;
  /** The web chat. Env SANDBOX_WEB_PORT, default 8082. */
  web: number;
}

const DEFAULT_PORTS: SandboxPorts = { telegram: 8081, http: 8080, web: 8082 };
const PORT_ENV: Record<keyof SandboxPorts, string> = { telegram: 'SANDBOX_TELEGRAM_PORT', http: 'HTTP_PORT', web: 'SANDBOX_WEB_PORT' };
const HOST = '127.0.0.1';

export interface SandboxOptions {
  /** Further settings for the app (LOG_LEVEL, SUPPORT_CONTACT…) and port overrides; default process.env. */
  env?: Record<string, string | undefined>;
  /** 0 gives every server a free port (tests); otherwise per server, over the env and the defaults. */
  ports?: 0 | Partial<SandboxPorts>;
  /**
   * Default env SANDBOX_DATABASE_PATH, then ./data/sandbox.db. Deliberately not
   * DATABASE_PATH: that names the real shop's ledger, and play money must never land there.
   */
  databasePath?: string;
  /** Default: JSON lines on stdout/stderr at LOG_LEVEL, or `warn` so the guide stays readable. */
  logger?: Logger;
  /** Serve the web chat; default true. */
  web?: boolean;
  /** How long a "slow" upstream waits before answering; default 4 s. */
  slowUpstreamDelayMs?: number;
}

export interface Sandbox {
  emulator: TelegramEmulator;
  upstreams: RunningUpstream[];
  /** Crypto Pay (@CryptoBot) for wallet top-ups; `simulator.markPaid` plays the payer. */
  cryptoPay: { simulator: CryptoPaySimulator; baseUrl: string };
  app: RunningApp;
  webChat?: WebChat;
  config: Config;
  alice: EmulatedUser;
  olga: EmulatedUser;
  operators: EmulatedGroup;
  /** The shop's and the simulators' time; moved forward by `timeMachine`. */
  clock: SandboxClock;
  /** Advances the clock and runs the reminder, auto-renewal and expiry jobs on the way. */
  timeMachine: TimeMachine;
  /** Makes an upstream down, slow, refusing or losing answers, and recovers it. */
  upstreamSwitches: UpstreamSwitches;
  urls: { telegram: string; health: string; web?: string };
  /** The short how-to printed at start. */
  guide: string;
  /** App, then simulators, then emulator; safe to call twice. */
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const env = options.env ?? process.env;
  const ports = resolvePorts(options.ports, env);
  const databasePath = options.databasePath ?? (env.SANDBOX_DATABASE_PATH?.trim() || './data/sandbox.db');

  // Undone in reverse when a later step fails, so a port clash leaves nothing running.
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    // One part failing to close must not leave the others holding their ports.
    let firstError: unknown;
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
  };

  try {
    const emulator = await startTelegramEmulator({ token: SANDBOX_BOT_TOKEN, port: ports.telegram, host: HOST });
    closers.push(() => emulator.close());
    // Created in this order on every start, so their ids (and so Alice's shop account) stay the same.
    const alice = emulator.user({ firstName: 'Alice', username: 'alice', languageCode: 'en' });
    const olga = emulator.user({ firstName: 'Olga', username: 'olga_admin', languageCode: 'en', startedBot: true });
    const operators = emulator.group({ title: 'Operators', admins: [olga] });

    // One clock for the shop and the simulators: moving it ages a proxy on both sides alike.
    const clock = createSandboxClock();
    // Real local proxies where a simulator offers them, so "Check" on a card has something to go through.
    const upstreams = await startAllUpstreams({ host: HOST, now: clock.now, liveProxies: true });
    closers.push(() => Promise.all(upstreams.map((u) => u.close())).then(() => undefined));
    const checkEndpoint = await startCheckEndpoint();
    closers.push(() => checkEndpoint.close());
    const cryptoPaySimulator = createCryptoPaySimulator({ appName: 'Proxy Storefront (sandbox)' });
    const cryptoPayServer = await cryptoPaySimulator.start({ host: HOST });
    closers.push(() => cryptoPayServer.close());

    const parsed = parseConfig({
      ...env,
      LOG_LEVEL: env.LOG_LEVEL || 'warn',
      BOT_TOKEN: SANDBOX_BOT_TOKEN,
      TELEGRAM_API_ROOT: emulator.url,
      // Long polling: the emulator cannot reach a public webhook address.
      PUBLIC_URL: '',
      OPERATOR_CHAT_ID: String(operators.id),
      ADMIN_IDS: String(olga.id),
      DATABASE_PATH: databasePath,
      // Beside the sandbox's database, never the real BACKUP_DIR: its retention would delete the real shop's backups.
      BACKUP_DIR: join(databasePath === ':memory:' ? './data' : dirname(databasePath), 'sandbox-backups'),
      // So /backup shows the copy arriving in the operators' group.
      BACKUP_TO_CHAT: 'true',
      HTTP_HOST: HOST,
      HTTP_PORT: String(ports.http),
      // The tokens screen shows where the API is; a free port (0) is only known once listening.
      ...(env.API_PUBLIC_URL || ports.http === 0 ? {} : { API_PUBLIC_URL: `http://${HOST}:${ports.http}` }),
      // The customer's webhook receiver runs on this machine too.
      WEBHOOKS_ALLOW_PRIVATE: 'true',
      // The checker asks this machine's "what is my IP" stand-in, not the internet.
      PROXY_CHECK_URL: env.PROXY_CHECK_URL || checkEndpoint.url,
      ...upstreamSettings(upstreams),
      // Settings the app does not know are ignored, so these are harmless where top-ups are not wired.
      CRYPTOPAY_TOKEN: cryptoPaySimulator.token,
      CRYPTOPAY_BASE_URL: cryptoPayServer.url,
      MANUAL_TOPUP_INSTRUCTIONS:
        env.MANUAL_TOPUP_INSTRUCTIONS || 'Sandbox: no real money moves. Name any amount; Olga confirms it in the Operators group.',
    });
    if (!parsed.ok) throw new Error(describeConfigProblems(parsed.problems));
    const config = parsed.config;
    const logger = options.logger ?? defaultLogger(config);

    const app = await startApp(config, logger, { now: clock.now });
    closers.push(() => app.stop());

    const customer = app.services.users.ensure({ telegramId: alice.id, username: 'alice', firstName: 'Alice', languageCode: 'en' });
    const { balance } = app.services.wallet.creditTopUp({
      userId: customer.id,
      method: 'manual',
      externalId: WELCOME_CREDIT_ID,
      amountCents: WELCOME_CREDIT_CENTS,
      actor: 'sandbox',
    });

    // startApp runs the scheduler unless told not to, and the sandbox never tells it.
    const timeMachine = createTimeMachine(clock, app.scheduler!);
    const upstreamSwitches = createUpstreamSwitches(upstreams, {
      ...(options.slowUpstreamDelayMs !== undefined ? { slowDelayMs: options.slowUpstreamDelayMs } : {}),
      // The menus show the change at once instead of after the catalog's cache expires.
      onChange: (id) => app.services.catalog.invalidate(id),
    });

    let webChat: WebChat | undefined;
    if (options.web ?? true) {
      webChat = await startWebChat({
        emulatorUrl: emulator.url,
        userId: alice.id,
        port: ports.web,
        host: HOST,
        payCryptoInvoice: (hash) => payCryptoInvoice(cryptoPaySimulator, hash),
        controls: { upstreams: upstreamSwitches, clock, timeMachine },
      });
      closers.push(() => webChat!.close());
    }

    const urls = { telegram: emulator.url, health: `${app.httpUrl}/healthz`, ...(webChat ? { web: `${webChat.url}/` } : {}) };
    const guide = renderGuide({ urls, alice, olga, operators, balanceCents: balance.availableCents, databasePath, upstreams });

    let stopping: Promise<void> | undefined;
    return {
      emulator,
      upstreams,
      cryptoPay: { simulator: cryptoPaySimulator, baseUrl: cryptoPayServer.url },
      app,
      ...(webChat ? { webChat } : {}),
      config,
      alice,
      olga,
      operators,
      clock,
      timeMachine,
      upstreamSwitches,
      urls,
      guide,
      stop() {
        // Reverse start order: web chat, app, simulators, emulator — front doors before what they talk to.
        stopping ??= closeAll();
        return stopping;
      },
    };
  } catch (error) {
    // The start-up error is the one worth reporting, not a follow-on from closing.
    await closeAll().catch(() => undefined);
    throw error;
  }
}

/** What the @CryptoBot chat does when the payer confirms: the invoice becomes paid at the simulator. */
function payCryptoInvoice(simulator: CryptoPaySimulator, hash: string): { ok: true; invoiceId: number } | { ok: false; error: string } {
  const invoice = simulator.invoices().find((i) => i.hash === hash);
  if (!invoice) return { ok: false, error: 'no such Crypto Pay invoice (the simulator forgets invoices when the sandbox restarts)' };
  try {
    simulator.markPaid(invoice.invoice_id);
    return { ok: true, invoiceId: invoice.invoice_id };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function resolvePorts(ports: SandboxOptions['ports'], env: Record<string, string | undefined>): SandboxPorts {
  if (ports === 0) return { telegram: 0, http: 0, web: 0 };
  const pick = (key: keyof SandboxPorts): number => {
    const given = ports?.[key];
    if (given !== undefined) return given;
    const raw = env[PORT_ENV[key]]?.trim();
    if (!raw) return DEFAULT_PORTS[key];
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new Error(`${PORT_ENV[key]} must be a port number (0–65535; 0 picks a free one)`);
    return port;
  };
  return { telegram: pick('telegram'), http: pick('http'), web: pick('web') };
}

/** `<PREFIX>_API_KEY` / `<PREFIX>_BASE_URL` for each running simulator, as the app's settings name them. */
function upstreamSettings(upstreams: RunningUpstream[]): Record<string, string> {
  return Object.assign({}, ...upstreams.map((upstream) => upstream.settings));
}

function defaultLogger(config: Config): Logger {
  const secrets = new SecretRegistry();
  for (const value of secretValues(config)) secrets.add(value);
  return createLogger({ level: config.logLevel, secrets });
}

function renderGuide(input: {
  urls: Sandbox['urls'];
  alice: EmulatedUser;
  olga: EmulatedUser;
  operators: EmulatedGroup;
  balanceCents: number;
  databasePath: string;
  upstreams: RunningUpstream[];
}): string {
  const { urls, alice, olga, operators } = input;
  const control = `${urls.telegram}/control`;
  const json = `-H 'content-type: application/json'`;
  return [
    '',
    '🧪 Proxy Storefront sandbox is running: the real shop, a local Telegram and simulated upstreams.',
    '',
    ...(urls.web ? [`  Chat as Alice in your browser:  ${urls.web}`] : []),
    `  Telegram emulator:              ${urls.telegram}   (every control route: GET ${control})`,
    `  Shop health:                    ${urls.health}`,
    `  Database:                       ${input.databasePath}`,
    `  Simulated upstreams:            ${input.upstreams.map((u) => u.id).join(', ')}; Crypto Pay for top-ups`,
    '',
    `  Alice, a customer: user ${alice.id}, ${formatCents(input.balanceCents)} in her wallet.`,
    `  Olga, an admin: user ${olga.id}, in the "${operators.title}" group (${operators.id}).`,
    '',
    'Act as Alice from a terminal:',
    `  curl -s -X POST ${control}/users/${alice.id}/send ${json} -d '{"text":"/start"}'`,
    `  curl -s ${control}/users/${alice.id}/messages`,
    `  curl -s -X POST ${control}/users/${alice.id}/press ${json} -d '{"text":"🛒 Buy proxies"}'`,
    ...(urls.web ? [`  (a Crypto Pay invoice's pay button in the web chat pays it at the simulator)`] : []),
    '',
    ...(urls.web
      ? [
          'In the web chat:',
          `  the Chat selector switches to ${olga.info.first_name} in "${operators.title}" to try every operator command and button;`,
          '  the side panel makes an upstream down, slow, refusing or losing answers (and recovers it),',
          '  and moves the shop clock forward, running reminders, auto-renewal and expiry on the way:',
          `  curl -s -X POST ${urls.web}sandbox/upstreams/flashproxy ${json} -d '{"condition":"down"}'`,
          `  curl -s -X POST ${urls.web}sandbox/clock/advance ${json} -d '{"days":3}'`,
          '',
        ]
      : []),
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const sandbox = await startSandbox();
  process.stdout.write(`${sandbox.guide}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the sandbox…\n`);
    try {
      await sandbox.stop();
      process.exit(0);
    } catch (error) {
      process.stderr.write(`The sandbox did not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** True when this file is the program (`tsx src/sandbox/index.ts`), false when a test imports it. */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().catch((error: unknown) => {
    const busy = (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
    process.stderr.write(`The sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    // Usually `npm start` or another sandbox already holds a default port.
    if (busy) process.stderr.write(`Pick other ports with ${Object.values(PORT_ENV).join(', ')} (0 picks a free one).\n`);
    process.exit(1);
  });
}
