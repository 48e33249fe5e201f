/**
 * Runs the flood-limited Bot API stand-in on its own thread, so the time it
 * stamps on an arriving request is not held up by the sender's event loop
 * (Telegram is another machine, not a callback in our process).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startFloodLimitedBotApi, type FloodLimitedBotApiOptions } from './flood-limited-bot-api.js';

const standIn = await startFloodLimitedBotApi((workerData as { options: FloodLimitedBotApiOptions }).options);
parentPort!.on('message', (command: { type: 'log' } | { type: 'close' }) => {
  if (command.type === 'log') parentPort!.postMessage({ type: 'log', accepted: standIn.accepted, refused: standIn.refused });
  else void standIn.close().then(() => parentPort!.postMessage({ type: 'closed' }));
});
parentPort!.postMessage({ type: 'ready', token: standIn.token, apiRoot: standIn.apiRoot });
