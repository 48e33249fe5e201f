/**
 * The wallet: available and held money, and the history of movements,
 * paged with the ledger's own cursor (newest first).
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { HistoryEntry } from '../../services/wallet.js';
import { menuCallbacks as menu, onCallback, walletCallbacks as wallets } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { isoDate, money } from '../format.js';
import { escapeHtml } from '../html.js';
import { menuButton } from '../keyboards/main-menu.js';
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

  onCallback(composer, menu.wallet, async (ctx) => {
    const balance = wallet.balance(ctx.user.id);
    const text = [
      ctx.t('wallet-title'),
      ctx.t('wallet-available', { amount: money(balance.availableCents) }),
      ctx.t('wallet-held', { amount: money(balance.heldCents) }),
    ].join('\n');
    const keyboard = new InlineKeyboard()
      .text(ctx.t('btn-top-up'), wallets.topUp.pack())
      .text(ctx.t('wallet-history'), wallets.history.pack());
    menuButton(ctx.t, keyboard.row());
    await show(ctx, text, keyboard);
  });

  onCallback(composer, wallets.history, async (ctx, { before: cursor }) => {
    const page = wallet.history(ctx.user.id, { limit: HISTORY_PAGE_SIZE, ...(cursor === undefined ? {} : { beforeSeq: cursor }) });
    const lines = [ctx.t('history-title')];
    if (page.entries.length === 0) lines.push(ctx.t('history-empty'));
    for (const entry of page.entries) lines.push(historyLine(ctx.t, entry));
    const keyboard = new InlineKeyboard();
    if (cursor !== undefined) keyboard.text(ctx.t('history-newest'), wallets.history.pack());
    if (page.nextCursor !== null) keyboard.text(ctx.t('history-older'), wallets.history.pack({ before: page.nextCursor }));
    menuButton(ctx.t, keyboard.row().text(ctx.t('btn-back'), menu.wallet.pack()));
    await show(ctx, lines.join('\n'), keyboard);
  });

  return composer;
}
