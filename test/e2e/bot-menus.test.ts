/**
 * What the bot registers and shows so a customer can find their way: the
 * command menus Telegram shows (per language in private chats, the
 * operators' own in their group), and the API's address and docs on the
 * tokens screen.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateBotDeps } from '../../src/bot/index.js';
import { has, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';

let world: BotShop | undefined;
afterEach(async () => {
  if (world) {
    expect(world.errors()).toEqual([]);
    await world.close();
    world = undefined;
  }
});

describe('command menus', () => {
  it('registers the customers’ menu per language and a separate one for the operator group at start-up', async () => {
    const options: { bot: Partial<CreateBotDeps> } = { bot: {} };
    const w = await startBotShop([], options);
    world = w;
    const olga = w.emu.user({ firstName: 'Olga', startedBot: true });
    const group = w.emu.group({ title: 'Operators', members: [olga], admins: [olga] });
    options.bot.operatorChatId = group.id;
    options.bot.adminIds = [olga.id];
    await w.restartBot();

    const privateChats = { type: 'all_private_chats' } as const;
    const english = await w.bot.api.getMyCommands({ scope: privateChats, language_code: 'en' });
    const russian = await w.bot.api.getMyCommands({ scope: privateChats, language_code: 'ru' });
    const fallback = await w.bot.api.getMyCommands({ scope: privateChats });
    expect(english.map((c) => c.command)).toEqual(['start', 'buy', 'trial', 'promo', 'support', 'help', 'webhooks']);
    expect(english.find((c) => c.command === 'buy')?.description).toBe('Buy proxies');
    expect(russian.map((c) => c.command)).toEqual(english.map((c) => c.command));
    expect(russian.find((c) => c.command === 'buy')?.description).toBe('Купить прокси');
    expect(fallback).toEqual(english);

    const operators = await w.bot.api.getMyCommands({ scope: { type: 'chat', chat_id: group.id } });
    expect(operators.map((c) => c.command)).toEqual(expect.arrayContaining(['stats', 'promo', 'trial', 'refund', 'credit', 'ledger']));
    expect(operators.map((c) => c.command)).not.toContain('buy');
  });
});

describe('the tokens screen', () => {
  it('gives the API base URL and the docs link', async () => {
    const w = await startBotShop([], {
      bot: { apiLinks: { baseUrl: 'https://shop.example/api/v1', docsUrl: 'https://shop.example/docs' } },
    });
    world = w;
    const bea = w.customer();
    await say(bea, '/start', has('Proxy Storefront'));
    const screen = await press(bea, '🔑 API tokens', has('API tokens'));
    expect(screen.plainText).toContain('API base URL: https://shop.example/api/v1');
    expect(screen.plainText).toContain('Documentation: https://shop.example/docs');
  });
});
