/**
 * The composition root as a function: builds every part of the shop from a
 * config, so `main.ts` and the tests assemble the very same application.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApi } from './api/app.js';
import type { Config } from './config.js';
import { openDatabase, type Database_ } from './db/client.js';
import type { Logger } from './logger.js';
import { createUsers } from './services/users.js';
import { createWallet } from './services/wallet.js';

export function buildServices(database: Database_) {
  const wallet = createWallet(database.sqlite);
  const users = createUsers({ db: database.db, sqlite: database.sqlite, wallet });
  return { wallet, users };
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
  const services = buildServices(database);
  const api = createApi({ sqlite: database.sqlite, startedAt: Date.now() });

  const server = await listen(api.fetch, config.http.host, config.http.port);
  const { port } = server.address() as AddressInfo;
  const httpUrl = `http://${config.http.host}:${port}`;
  logger.info('http server listening', { url: httpUrl });

  let stopped = false;
  return {
    services,
    database,
    httpUrl,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      database.close();
      logger.info('stopped');
    },
  };
}

function listen(fetch: (request: Request) => Response | Promise<Response>, hostname: string, port: number) {
  return new Promise<ServerType & { address(): AddressInfo | string | null }>((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server as never));
    server.once('error', reject);
  });
}
