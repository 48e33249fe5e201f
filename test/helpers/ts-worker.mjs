// Boots a TypeScript worker-thread entry: workers do not inherit the test
// runner's TypeScript loader, so register tsx here and import the real file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
