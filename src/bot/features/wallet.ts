/**
 * The wallet: available and held money, and the history of movements,
 * paged with the ledger's own cursor (newest first).
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { HistoryEntry } from '../../services/wallet.js';
import type { BotContext, BotEnv } from '../context.js';
import { isoDate, money } from '../format.js';
import { escapeHtml } from '../html.js';
import { show, type Translate } from '../ui.js';

export const HISTORY_PAGE_SIZE = 10;

export function historyLabelKey(entry: HistoryEntry): string {
  if (entry.category === 'purchase') {
    if (entry.kind === 'pending') return 'history-purchase-hold';
    if (entry.kind === 'post_pending') return 'history-purchase-capture';
    if (entry.kind === 'void_pending') return 'history-purchase-void';
  }
  return `history-${entry.category.replaceAll('_', '-')}`;
}

function historyLine(t: Translate, entry: HistoryEntry): string {
  // A capture spends held money, not available money: show what left the hold.
  const change = entry.availableChangeCents !== 0 ? entry.availableChangeCents : entry.heldChangeCents;
  const amount = `${change > 0 ? '+' : change < 0 ? '−' : ''}${money(Math.abs(change))}`;
  const reason = entry.category === 'adjustment' && entry.reason ? ` (${escapeHtml(entry.reason)})` : '';
  return `${isoDate(entry.at)} · ${t(historyLabelKey(entry))}${reason} · <b>${amount}</b>`;
}

export function createWalletFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { wallet } = env.services;

  composer.callbackQuery('m:wallet', async (ctx) => {
    const balance = wallet.balance(ctx.user.id);
    const text = [
      ctx.t('wallet-title'),
      ctx.t('wallet-available', { amount: money(balance.availableCents) }),
      ctx.t('wallet-held', { amount: money(balance.heldCents) }),
    ].join('\n');
    const keyboard = new InlineKeyboard()
      .text(ctx.t('btn-top-up'), 'w:top')
      .text(ctx.t('wallet-history'), 'w:h')
      .row()
      .text(ctx.t('btn-main-menu'), 'm:main');
    await show(ctx, text, keyboard);
  });

  composer.callbackQuery(/^w:h(?::(\d+))?$/, async (ctx) => {
    const cursor = ctx.match[1] === undefined ? undefined : Number(ctx.match[1]);
    const page = wallet.history(ctx.user.id, { limit: HISTORY_PAGE_SIZE, ...(cursor === undefined ? {} : { beforeSeq: cursor }) });
    const lines = [ctx.t('history-title')];
    if (page.entries.length === 0) lines.push(ctx.t('history-empty'));
    for (const entry of page.entries) lines.push(historyLine(ctx.t, entry));
    const keyboard = new InlineKeyboard();
    if (cursor !== undefined) keyboard.text(ctx.t('history-newest'), 'w:h');
    if (page.nextCursor !== null) keyboard.text(ctx.t('history-older'), `w:h:${page.nextCursor}`);
    keyboard.row().text(ctx.t('btn-back'), 'm:wallet').text(ctx.t('btn-main-menu'), 'm:main');
    await show(ctx, lines.join('\n'), keyboard);
  });

  return composer;
}
