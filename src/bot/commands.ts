/**
 * The command menus Telegram shows next to the message box, registered at
 * start-up: the customers' menu in private chats, once per language (and
 * once without a language, in English, for everyone else), and the
 * operators' own menu scoped to the operator group, where customers'
 * commands mean nothing.
 */
import type { I18n } from '@grammyjs/i18n';
import type { Api, Context } from 'grammy';
import type { Logger } from '../logger.js';
import { SUPPORTED_LANGUAGES, type Language } from '../services/users.js';

/** Commands a customer can type in a private chat with the bot; each has `command-<name>` in commands.ftl. */
export const CUSTOMER_COMMANDS = ['start', 'buy', 'trial', 'promo', 'support', 'help', 'webhooks'] as const;

/** Commands admins type in the operator group (features/admin.ts); each has `command-op-<name>`. */
export const OPERATOR_COMMANDS = ['stats', 'markup', 'promo', 'trial', 'refund', 'credit', 'ledger', 'ops'] as const;

export interface CommandMenus {
  i18n: I18n<Context>;
  operatorChatId?: number;
  operatorLanguage: Language;
  logger: Logger;
}

export async function registerCommandMenus(api: Api, menus: CommandMenus): Promise<void> {
  const { i18n, operatorChatId, operatorLanguage, logger } = menus;
  const customerMenu = (language: Language) =>
    CUSTOMER_COMMANDS.map((command) => ({ command, description: i18n.t(language, `command-${command}`) }));
  const privateChats = { type: 'all_private_chats' } as const;
  const calls: { what: string; run: () => Promise<unknown> }[] = [
    { what: 'customers (default)', run: () => api.setMyCommands(customerMenu('en'), { scope: privateChats }) },
    ...SUPPORTED_LANGUAGES.map((language) => ({
      what: `customers (${language})`,
      run: () => api.setMyCommands(customerMenu(language), { scope: privateChats, language_code: language }),
    })),
  ];
  if (operatorChatId !== undefined) {
    const operatorMenu = OPERATOR_COMMANDS.map((command) => ({ command, description: i18n.t(operatorLanguage, `command-op-${command}`) }));
    calls.push({
      what: 'operator group',
      run: () => api.setMyCommands(operatorMenu, { scope: { type: 'chat', chat_id: operatorChatId } }),
    });
  }
  // A menu is a convenience: failing to register one (a group the bot left) must not keep the bot from starting.
  for (const call of calls) {
    await call.run().catch((error: unknown) => logger.warn('command menu not registered', { menu: call.what, error }));
  }
}
