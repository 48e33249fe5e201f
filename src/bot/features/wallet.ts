/**
 * The wallet: available and held money, and its statement (one line per
 * purchase, top-up, refund or adjustment), paged with the ledger's own
 * cursor (newest first).
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { TopUpMethod } from '../../services/wallet.js';
import { availableChangeOf, type StatementLine, type StatementOrder } from '../../services/wallet-statement.js';
import { menuCallbacks as menu, onCallback, walletCallbacks as wallets } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { isoDate, money } from '../format.js';
import { escapeHtml } from '../html.js';
import { menuButton } from '../keyboards/main-menu.js';
import { show, type Translate } from '../ui.js';
import { labelLine } from '../views/order.js';

export const HISTORY_PAGE_SIZE = 10;

/** What was bought, e.g. "Datacenter IPv4 · United States · 30 days × 2"; renewals say so. */
function orderText(t: Translate, order: StatementOrder | null): string {
  if (!order) return t('statement-order-unknown');
  const what = order.quantity > 1 ? `${labelLine(order.labels, t)} × ${order.quantity}` : labelLine(order.labels, t);
  return order.kind === 'renewal' ? t('statement-renewal', { what }) : what;
}

function methodText(t: Translate, method: TopUpMethod | null): string {
  return method ? t(`statement-method-${method}`) : t('statement-method-unknown');
}

function describe(t: Translate, line: StatementLine): string {
  switch (line.type) {
    case 'purchase':
      return orderText(t, line.order);
    case 'order_refund':
      return t('statement-order-refund', { what: orderText(t, line.order) });
    case 'topup':
      return t('statement-topup', { method: methodText(t, line.method) });
    case 'topup_refund':
      return t('statement-topup-refund', { method: methodText(t, line.method) });
    case 'topup_refund_cancelled':
      return t('statement-topup-refund-cancelled', { method: methodText(t, line.method) });
    case 'adjustment':
      return line.reason ? t('statement-adjustment-reason', { reason: escapeHtml(line.reason) }) : t('statement-adjustment');
  }
}

const signed = (cents: number) => `${cents > 0 ? '+' : cents < 0 ? '−' : ''}${money(Math.abs(cents))}`;

export function statementLine(t: Translate, line: StatementLine): string {
  const head = `${isoDate(line.at)} · ${describe(t, line)}`;
  if (line.type === 'purchase' && line.status === 'returned') {
    // Nothing left the wallet: the price is struck through and the line says the money came back.
    return `${head} · <s>${signed(-line.amountCents)}</s> · ${t('statement-returned')}`;
  }
  const amount = `<b>${signed(availableChangeOf(line))}</b>`;
  return line.type === 'purchase' && line.status === 'pending' ? `${head} · ${amount} · ${t('statement-pending')}` : `${head} · ${amount}`;
}

export function createWalletFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { wallet, walletStatement } = env.services;

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
    const page = walletStatement.page(ctx.user.id, { limit: HISTORY_PAGE_SIZE, ...(cursor === undefined ? {} : { beforeSeq: cursor }) });
    const lines = [ctx.t('history-title')];
    if (page.lines.length === 0) lines.push(ctx.t('history-empty'));
    for (const line of page.lines) lines.push(statementLine(ctx.t, line));
    const keyboard = new InlineKeyboard();
    if (cursor !== undefined) keyboard.text(ctx.t('history-newest'), wallets.history.pack());
    if (page.nextCursor !== null) keyboard.text(ctx.t('history-older'), wallets.history.pack({ before: page.nextCursor }));
    menuButton(ctx.t, keyboard.row().text(ctx.t('btn-back'), menu.wallet.pack()));
    await show(ctx, lines.join('\n'), keyboard);
  });

  return composer;
}
