// Copies the write-ahead log back into the database file, on a thread of its
// own with a connection of its own (see background-checkpoints.ts for why).
// Plain JavaScript: a worker is loaded by Node itself, with no TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, intervalMs, busyTimeoutMs } = workerData;
const db = new Database(path, { fileMustExist: true });
db.pragma(`busy_timeout = ${busyTimeoutMs}`);
// This connection never commits; it must not checkpoint on its own terms either.
db.pragma('wal_autocheckpoint = 0');
// A checkpoint copies pages from the log to the file; it needs no page cache of its own.
db.pragma('cache_size = -64');

function checkpoint() {
  try {
    // PASSIVE: copies what no reader still needs, never waits for the writer or blocks it.
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ kind: 'checkpointed', walPages: result.log, copiedPages: result.checkpointed });
  } catch (error) {
    parentPort.postMessage({ kind: 'failed', message: String(error?.message ?? error) });
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort.on('message', (message) => {
  if (message === 'checkpoint') checkpoint();
  if (message === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
