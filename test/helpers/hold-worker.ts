/**
 * A worker thread with its own SQLite connection that tries holds on one
 * wallet as soon as every worker is ready, to race real writers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../src/db/client.js';
import { LedgerError, createWallet } from '../../src/services/wallet.js';

const { dbPath, userId, orderIds, startFlag } = workerData as {
  dbPath: string;
  userId: number;
  orderIds: string[];
  startFlag: SharedArrayBuffer;
};

const database = openDatabase(dbPath);
const wallet = createWallet(database.db);
const flag = new Int32Array(startFlag);
parentPort!.postMessage({ ready: true });
Atomics.wait(flag, 0, 0); // every worker starts at the same moment

let succeeded = 0;
const refusals: string[] = [];
for (const orderId of orderIds) {
  try {
    wallet.hold({ userId, orderId, amountCents: 1 });
    succeeded++;
  } catch (error) {
    refusals.push(error instanceof LedgerError ? error.code : String(error));
  }
}
database.close();
parentPort!.postMessage({ succeeded, refusals });
