/**
 * /backup in the sandbox: the whole app as `npm run sandbox` starts it (the
 * same startApp as `npm start`), so the scheduled job's wiring, BACKUP_TO_CHAT
 * and the backup folder are the app's own. The sandbox's backups stay beside
 * its database, whatever BACKUP_DIR says: retention there would delete the
 * real shop's backups.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { has } from '../helpers/bot-shop.js';

let sandbox: Sandbox | undefined;
let dir: string | undefined;
const logs: string[] = [];
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  logs.length = 0;
});

it('Olga makes a backup in the operators group: it lands beside the sandbox database and its copy arrives in the group', async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-backup-'));
  const realBackups = join(dir, 'real-backups');
  const logger = createLogger({ level: 'info', write: (line) => logs.push(line) });
  sandbox = await startSandbox({ ports: 0, databasePath: join(dir, 'data', 'sandbox.db'), env: { BACKUP_DIR: realBackups }, logger });

  await sandbox.olga.sendIn(sandbox.operators, '/backup');
  const reply = await sandbox.operators.waitForMessage(has('Backup made'), { timeoutMs: 30_000 });
  const files = readdirSync(join(dir, 'data', 'sandbox-backups'));
  expect(files).toHaveLength(1);
  expect(reply.plainText).toContain(files[0]);
  const document = sandbox.operators.messages().find((m) => m.document !== undefined);
  expect(document?.document?.file_name).toBe(files[0]);
  expect(existsSync(realBackups)).toBe(false);
});
