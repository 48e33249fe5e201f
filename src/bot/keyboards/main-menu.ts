import { InlineKeyboard } from 'grammy';
import type { Translate } from '../ui.js';

export function mainMenuKeyboard(t: Translate): InlineKeyboard {
  return new InlineKeyboard()
    .text(t('menu-buy'), 'm:buy')
    .text(t('menu-proxies'), 'm:px')
    .row()
    .text(t('menu-wallet'), 'm:wallet')
    .text(t('menu-tokens'), 'm:tokens')
    .row()
    .text(t('menu-language'), 'm:lang')
    .text(t('menu-help'), 'm:help');
}

/** A single "Main menu" button, for the end of a flow. */
export function backToMenu(t: Translate): InlineKeyboard {
  return new InlineKeyboard().text(t('btn-main-menu'), 'm:main');
}
