/**
 * What a shop started with missing settings should be told: it still runs
 * (health, the API, the scheduler), but a newcomer who typed `npm start` on a
 * fresh checkout needs to know why no bot answers and what to set.
 */
import type { Config } from './config.js';

export function nextSteps(config: Pick<Config, 'botToken' | 'providers' | 'operatorChatId' | 'adminIds'>): string[] {
  const steps: string[] = [];
  if (!config.botToken) steps.push('Set BOT_TOKEN (from @BotFather): without it no Telegram bot runs, only the HTTP API.');
  if (Object.keys(config.providers).length === 0)
    steps.push('Set the API key of at least one upstream (FLASHPROXY_API_KEY, … in .env.example): without one there is nothing to sell.');
  if (config.operatorChatId === undefined || config.adminIds.length === 0)
    steps.push('Set OPERATOR_CHAT_ID and ADMIN_IDS: operator alerts and the admin commands need them.');
  if (steps.length === 0) return [];
  return [
    'The shop is running, but it is not set up yet:',
    ...steps.map((step) => `  - ${step}`),
    'Copy .env.example to .env and fill it in, or try the whole shop with simulated upstreams: npm run sandbox',
  ];
}
