/**
 * WAL checkpoints off the event loop.
 *
 * SQLite copies the write-ahead log back into the database file inside the
 * commit that makes the log cross `wal_autocheckpoint` pages, and waits for
 * the disk to confirm it. On a large database that copy and its flush took
 * hundreds of milliseconds on the thread that serves the bot and the API.
 * In the shop process the main connection therefore never checkpoints;
 * a worker thread with its own connection does, every `intervalMs`. A
 * PASSIVE checkpoint neither waits for the writer nor blocks it.
 *
 * If the worker dies, the main connection checkpoints inline again, so the
 * log can never grow without bound.
 */
import { Worker } from 'node:worker_threads';
import { fromPackageRoot } from '../lib/package-root.js';
import type { Logger } from '../logger.js';
import type { Sqlite } from './client.js';

export const CHECKPOINT_INTERVAL_MS = 1_000;

export interface BackgroundCheckpoints {
  /** Asks for a checkpoint now; resolves with the WAL's size in pages when done. */
  checkpointNow(): Promise<{ walPages: number; copiedPages: number }>;
  stop(): Promise<void>;
}

type WorkerMessage = { kind: 'checkpointed'; walPages: number; copiedPages: number } | { kind: 'failed'; message: string };

export function startBackgroundCheckpoints(
  sqlite: Sqlite,
  options: { path: string; autocheckpointPages: number; busyTimeoutMs: number; intervalMs?: number; logger?: Logger },
): BackgroundCheckpoints {
  const worker = new Worker(fromPackageRoot('src', 'db', 'checkpointer.worker.mjs'), {
    workerData: { path: options.path, intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS, busyTimeoutMs: options.busyTimeoutMs },
    // It runs one pragma a second: a small heap is plenty, and every megabyte of it is the shop's memory.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, stackSizeMb: 1 },
  });
  // The worker must not keep a finished process alive.
  worker.unref();
  sqlite.pragma('wal_autocheckpoint = 0');

  let stopping = false;
  const waiting: Array<(result: { walPages: number; copiedPages: number }) => void> = [];
  const failedWaiters: Array<(error: Error) => void> = [];
  const inlineAgain = (reason: string) => {
    if (stopping || !sqlite.open) return;
    sqlite.pragma(`wal_autocheckpoint = ${options.autocheckpointPages}`);
    options.logger?.error('background WAL checkpoints stopped; checkpointing inline again', { reason });
  };

  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'failed') {
      options.logger?.warn('a background WAL checkpoint failed; the next one will retry', { error: message.message });
      for (const reject of failedWaiters.splice(0)) reject(new Error(message.message));
      waiting.length = 0;
      return;
    }
    failedWaiters.length = 0;
    for (const resolve of waiting.splice(0)) resolve({ walPages: message.walPages, copiedPages: message.copiedPages });
  });
  worker.on('error', (error) => inlineAgain(String(error.message)));
  worker.on('exit', (code) => inlineAgain(`worker exited with code ${code}`));

  return {
    checkpointNow() {
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        failedWaiters.push(reject);
        worker.postMessage('checkpoint');
      });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Held until it has closed its connection: otherwise a process with nothing else left would end first.
      worker.ref();
      worker.postMessage('stop');
      await exited;
      if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${options.autocheckpointPages}`);
    },
  };
}
