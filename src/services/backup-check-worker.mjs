// Checks a backup file off the main thread (services/backups.ts): integrity_check and the
// ledger's invariants read the whole database synchronously, which would stall every customer
// for seconds on a large shop. Workers do not inherit a TypeScript loader, so tsx is registered here.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { verifyDatabaseFile } = await import('./backups.ts');
parentPort.postMessage(verifyDatabaseFile(workerData.path, workerData.options));
