import { InlineKeyboard } from 'grammy';
import { menuCallbacks as menu } from '../callback-data.js';
import type { Translate } from '../ui.js';

/** `trials`: the trials this customer may still take (views/trial.ts), each a button above the rest. */
export function mainMenuKeyboard(t: Translate, trials: readonly { providerId: string; label: string }[] = []): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const trial of trials) keyboard.text(trial.label, menu.trial.pack({ providerId: trial.providerId })).row();
  return keyboard
    .text(t('menu-buy'), menu.buy.pack())
    .text(t('menu-proxies'), menu.proxies.pack())
    .row()
    .text(t('menu-wallet'), menu.wallet.pack())
    .text(t('menu-referrals'), menu.referrals.pack())
    .row()
    .text(t('menu-tokens'), menu.tokens.pack())
    .text(t('menu-webhooks'), menu.webhooks.pack())
    .row()
    .text(t('menu-language'), menu.language.pack())
    .text(t('menu-help'), menu.help.pack());
}

/** A single "Main menu" button, for the end of a flow. */
export function backToMenu(t: Translate): InlineKeyboard {
  return menuButton(t, new InlineKeyboard());
}

/** Adds the "Main menu" button to `keyboard`, on the current row. */
export function menuButton(t: Translate, keyboard: InlineKeyboard): InlineKeyboard {
  return keyboard.text(t('btn-main-menu'), menu.main.pack());
}

/** Wallet and main menu: where a top-up ends, however it ends. */
export function walletAndMenu(t: Translate, keyboard = new InlineKeyboard()): InlineKeyboard {
  return menuButton(t, keyboard.text(t('menu-wallet'), menu.wallet.pack()));
}

/** API tokens and main menu: where the token flow ends. */
export function tokensAndMenu(t: Translate): InlineKeyboard {
  return menuButton(t, new InlineKeyboard().text(t('menu-tokens'), menu.tokens.pack()));
}
