/**
 * Every feature speaks English and Russian: the two locales define the same
 * keys file by file, every key the code asks for exists, and a
 * Russian-speaking customer gets Russian from the real bot.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCALES_DIR } from '../../src/bot/i18n.js';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';

const SOURCE_DIR = join(LOCALES_DIR, '..');

function keysOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^([a-z][a-z0-9-]*)\s*=/gm)].map((m) => m[1]!).sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'locales' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('locales', () => {
  const features = readdirSync(join(LOCALES_DIR, 'en')).filter((f) => f.endsWith('.ftl'));

  it('has one file per feature in both languages with the same keys', () => {
    expect(features.length).toBeGreaterThanOrEqual(8);
    expect(readdirSync(join(LOCALES_DIR, 'ru')).sort()).toEqual([...features].sort());
    for (const file of features) {
      const en = keysOf(join(LOCALES_DIR, 'en', file));
      const ru = keysOf(join(LOCALES_DIR, 'ru', file));
      expect(en.length, file).toBeGreaterThan(0);
      expect({ file, keys: ru }).toEqual({ file, keys: en });
    }
  });

  it('defines every key the bot asks for', () => {
    const defined = new Set(features.flatMap((f) => keysOf(join(LOCALES_DIR, 'en', f))));
    const used = new Set<string>();
    for (const file of sourceFiles(SOURCE_DIR)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-z][a-z0-9-]*)'/g)) used.add(match[1]!);
    }
    expect(used.size).toBeGreaterThan(50);
    expect([...used].filter((key) => !defined.has(key))).toEqual([]);
  });
});

describe('a Russian-speaking customer', () => {
  let world: BotShop | undefined;
  afterEach(async () => {
    const errors = world?.errors() ?? [];
    await world?.close();
    world = undefined;
    expect(errors).toEqual([]);
  });

  it('speaks Russian to a Russian-speaking customer and switches language on request', async () => {
    world = await startBotShop([]);
    const ivan = world.customer({ firstName: 'Иван', languageCode: 'ru' });
    const welcome = await say(ivan, '/start', has('Здравствуйте, Иван!'));
    expect(labels(ivan, welcome)).toEqual([
      '🛒 Купить прокси',
      '📋 Мои прокси',
      '💰 Кошелёк',
      '🤝 Рефералы',
      '🔑 API-токены',
      '🔔 Вебхуки',
      '🌐 Язык',
      '❓ Помощь',
    ]);

    const tom = world.customer({ firstName: 'Tom' });
    await say(tom, '/start', has('Hello, Tom!'));
    await press(tom, '🌐 Language', has('Choose your language'));
    await press(tom, 'Русский', has('Здравствуйте, Tom!'));
    expect(world.shop.users.byTelegramId(tom.id)?.language).toBe('ru');
    await say(tom, '/start', has('Здравствуйте, Tom!'));
  });

  it('sees the buy flow in Russian too', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const olga = world.customer({ firstName: 'Ольга', languageCode: 'ru' });
    await say(olga, '/start', has('Здравствуйте, Ольга!'));
    await press(olga, '🛒 Купить прокси', has('выберите поставщика'));
    await press(olga, 'proxy-ipv4.com', has('выберите продукт'));
    // Product names come from the upstream in English; the customer reads them in Russian.
    await press(olga, 'Приватные IPv4-прокси', has('выберите страну'));
    // Countries by their ISO code, with a flag, in Russian; terms with Russian plural rules.
    const countries = await press(olga, /Соединенные Штаты/, has('выберите срок аренды'));
    expect(labels(olga, countries)).toEqual(expect.arrayContaining(['1 день', '30 дней']));
    expect(labels(olga, countries).join(' ')).not.toMatch(/days?\b|day\(s\)/);
    await press(olga, /^30 дней/, has('сколько прокси'));
    const summary = await press(olga, /^1\b/, has('Ваш заказ'));
    expect(summary.plainText).toContain('🇺🇸 Соединенные Штаты');
    expect(summary.plainText).toContain('30 дней');
    expect(summary.plainText).not.toContain('USA');
    expect(summary.plainText).toContain('Приватные IPv4-прокси');
    expect(summary.plainText).not.toContain('Private IPv4 proxies');
    expect(summary.plainText).toContain('Количество: 1');
    expect(labels(olga, summary).some((l) => l.startsWith('✅ Подтвердить'))).toBe(true);
  });
});
