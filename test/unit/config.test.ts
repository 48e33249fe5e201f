import { describe, expect, it } from 'vitest';
import { describeConfigProblems, parseConfig } from '../../src/config.js';

describe('settings', () => {
  it('start with defaults from an empty environment', () => {
    const result = parseConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      databasePath: './data/storefront.db',
      http: { host: '127.0.0.1', port: 8080 },
      telegramApiRoot: 'https://api.telegram.org',
      adminIds: [],
      logLevel: 'info',
      providers: {},
    });
  });

  it('enable a provider when its key is set, with its default base URL', () => {
    const result = parseConfig({ FLASHPROXY_API_KEY: 'fp_test_abcdef', GATEPROXY_API_KEY: ' ' });
    expect(result.ok && result.config.providers).toEqual({
      flashproxy: { apiKey: 'fp_test_abcdef', baseUrl: 'https://rapi.flashproxy.com/api/v1' },
    });
  });

  it('parse admin ids and the operator chat id', () => {
    const result = parseConfig({ ADMIN_IDS: '12, 34 ,56', OPERATOR_CHAT_ID: '-1001234' });
    expect(result.ok && result.config.adminIds).toEqual([12, 34, 56]);
    expect(result.ok && result.config.operatorChatId).toBe(-1001234);
  });

  it('read the backup settings, and refuse a schedule that is not a cron expression or keeping no backup', () => {
    const defaults = parseConfig({});
    expect(defaults.ok && defaults.config.backups).toEqual({ dir: './data/backups', keep: 14, schedule: '0 15 3 * * *', toChat: false });
    const set = parseConfig({ BACKUP_DIR: '/var/backups/shop', BACKUP_KEEP: '3', BACKUP_CRON: 'off', BACKUP_TO_CHAT: 'true' });
    expect(set.ok && set.config.backups).toEqual({ dir: '/var/backups/shop', keep: 3, schedule: 'off', toChat: true });
    const wrong = parseConfig({ BACKUP_CRON: 'every night', BACKUP_KEEP: '0' });
    expect(wrong.ok).toBe(false);
    if (wrong.ok) return;
    expect(wrong.problems.map((p) => p.split(':')[0]).sort()).toEqual(['BACKUP_CRON', 'BACKUP_KEEP']);
  });

  it('take the API address for the tokens screen from API_PUBLIC_URL, else PUBLIC_URL', () => {
    const own = parseConfig({ API_PUBLIC_URL: 'https://api.shop.example/', PUBLIC_URL: 'https://bot.shop.example' });
    expect(own.ok && own.config.apiPublicUrl).toBe('https://api.shop.example');
    const fallback = parseConfig({ PUBLIC_URL: 'https://bot.shop.example/' });
    expect(fallback.ok && fallback.config.apiPublicUrl).toBe('https://bot.shop.example');
    const wrong = parseConfig({ API_PUBLIC_URL: 'shop.example' });
    expect(!wrong.ok && wrong.problems.map((p) => p.split(':')[0])).toEqual(['API_PUBLIC_URL']);
  });

  it('list every problem at once, without echoing values', () => {
    const result = parseConfig({
      BOT_TOKEN: 'not-a-token-secret-value',
      HTTP_PORT: 'eighty',
      ADMIN_IDS: '12,abc',
      LOG_LEVEL: 'loud',
      PUBLIC_URL: 'ftp://example.com',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const names = result.problems.map((p) => p.split(':')[0]);
    expect(names.sort()).toEqual(['ADMIN_IDS', 'BOT_TOKEN', 'HTTP_PORT', 'LOG_LEVEL', 'PUBLIC_URL']);
    const message = describeConfigProblems(result.problems);
    expect(message).toContain('.env.example');
    expect(message).not.toContain('not-a-token-secret-value');
  });
});
