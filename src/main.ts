/**
 * Starts the shop: settings → database (migrations) → services → HTTP server,
 * and shuts everything down in order on SIGINT/SIGTERM.
 */
import { startApp } from './app.js';
import { describeConfigProblems, parseConfig, readEnvironment, secretValues } from './config.js';
import { SecretRegistry, createLogger } from './logger.js';
import { nextSteps } from './next-steps.js';

async function main(): Promise<void> {
  const parsed = parseConfig(readEnvironment());
  if (!parsed.ok) {
    process.stderr.write(`${describeConfigProblems(parsed.problems)}\n`);
    process.exit(78); // EX_CONFIG
  }
  const config = parsed.config;
  const secrets = new SecretRegistry();
  for (const value of secretValues(config)) secrets.add(value);
  const logger = createLogger({ level: config.logLevel, secrets });

  const app = await startApp(config, logger);
  logger.info('shop started', { database: config.databasePath, health: `${app.httpUrl}/healthz` });
  const missing = nextSteps(config);
  if (missing.length > 0) process.stderr.write(`${missing.join('\n')}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    try {
      await app.stop();
      process.exit(0);
    } catch (error) {
      logger.error('shutdown failed', { error });
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`The shop failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
