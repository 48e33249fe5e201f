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
