/**
 * API transformers the bot needs on every Api instance it uses: HTML parse
 * mode by default and automatic retries after 429/5xx. Installed on
 * `bot.api` and again inside conversations, whose Api instances are created
 * per update and do not inherit transformers.
 */
import { autoRetry } from '@grammyjs/auto-retry';
import type { Api, RawApi, Transformer } from 'grammy';

/** Methods whose text or caption is our HTML. */
const FORMATTED = new Set(['sendMessage', 'editMessageText', 'sendDocument', 'editMessageCaption', 'copyMessage']);

export const htmlByDefault: Transformer<RawApi> = (prev, method, payload, signal) => {
  if (FORMATTED.has(method) && payload && typeof payload === 'object' && !('parse_mode' in payload)) {
    return prev(method, { ...payload, parse_mode: 'HTML' } as typeof payload, signal);
  }
  return prev(method, payload, signal);
};

export function installApiTransformers(api: Api): void {
  api.config.use(htmlByDefault);
  // Bounded: a message that cannot go out within a minute is better reported than queued forever.
  api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }));
}
