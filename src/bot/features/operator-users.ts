/**
 * Customers in the operators' console:
 *
 *   /user <telegram id | @username | order id | proxy host>   the customer's card, with buttons
 *   /credit <user> <amount $> <reason…>                       add money (the reason is told to the customer)
 *   /debit <user> <amount $> <reason…>                        take money away, never below zero
 *   /refund <order id> <amount $|all> <reason…>               give money back for an order
 *   /ban <user> <reason…>, /unban <user>                      stop or resume serving a customer
 *
 * Every money movement goes through the ledger with the admin as its actor
 * and queues the customer's notice in the same transaction. Only reached by
 * admins in the operators' group (operator-console.ts lets nobody else in).
 */
import type { I18n } from '@grammyjs/i18n';
import { Composer, InlineKeyboard, type Context } from 'grammy';
import type { Logger } from '../../logger.js';
import type { Audit, Bans, MoneyAdjustments, CustomerRef } from '../../services/operator-console.js';
import { parseCustomerRef } from '../../services/operator-console.js';
import type { User, Language } from '../../services/users.js';
import { LedgerError } from '../../services/wallet.js';
import { onCallback, operatorConsoleCallbacks as oc } from '../callback-data.js';
import type { BotContext, BotServices } from '../context.js';
import { isoDate, isoDateTime, money } from '../format.js';
import { code, escapeHtml } from '../html.js';
import { asLanguage } from '../i18n.js';
import { parseDollars } from './admin.js';
import { isAdminHere, ledgerRefusal, noteAudit } from './operator-console.js';
import type { BotPayments } from './topup-amounts.js';

export interface OperatorUsersDeps {
  services: Pick<BotServices, 'users' | 'wallet' | 'orders' | 'subscriptions' | 'tokens'> & {
    audit: Audit;
    bans: Bans;
    findCustomer: (ref: CustomerRef) => User | undefined;
    adjustments: MoneyAdjustments;
  };
  payments?: BotPayments;
  i18n: I18n<Context>;
  language: Language;
  operatorChatId: number | undefined;
  adminIds: readonly number[];
  logger: Logger;
}

const CARD_ITEMS = 5;
const AUDIT_PAGE = 10;

export function createOperatorUsersFeature(deps: OperatorUsersDeps): Composer<BotContext> {
  const { services, logger } = deps;
  const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(deps.language, key, vars);
  const composer = new Composer<BotContext>();
  const operators = composer.filter((ctx) => isAdminHere(deps, ctx));
  const reply = (ctx: Context, text: string, keyboard?: InlineKeyboard) =>
    ctx.reply(text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...(keyboard ? { reply_markup: keyboard } : {}) });
  const words = (ctx: BotContext) => (typeof ctx.match === 'string' ? ctx.match.trim().split(/\s+/).filter(Boolean) : []);
  const actor = (ctx: Context) => `admin:${ctx.from!.id}`;
  /** One ledger key per command message: Telegram delivering the update again moves no money twice. */
  const commandKey = (ctx: Context) => `tg-${ctx.chat!.id}-${ctx.msg!.message_id}`;

  const usage = (ctx: Context, key: string) => {
    noteAudit(ctx, { outcome: 'usage' });
    return reply(ctx, t(key));
  };

  /** The customer an argument names; answers "no such customer" itself when there is none. */
  const customerFrom = async (ctx: Context, text: string | undefined): Promise<User | undefined> => {
    const ref = parseCustomerRef(text);
    const user = ref ? services.findCustomer(ref) : undefined;
    if (!user) {
      noteAudit(ctx, { outcome: 'not_found' });
      await reply(ctx, t('oc-no-customer', { ref: escapeHtml(text ?? '') }));
      return undefined;
    }
    noteAudit(ctx, { subjectUserId: user.id });
    return user;
  };

  const nameOf = (user: User) =>
    `${escapeHtml(user.firstName ?? '—')}${user.username ? ` (@${escapeHtml(user.username)})` : ''} · ${code(user.telegramId)}`;

  function card(user: User): { text: string; keyboard: InlineKeyboard } {
    const balance = services.wallet.balance(user.id);
    const ban = services.bans.banOfNow(user.id);
    const lines = [
      t('oc-card-title', { name: nameOf(user), id: user.id }),
      t('oc-card-profile', { language: user.language, joined: isoDate(user.createdAt) }),
      t('oc-card-balance', { available: money(balance.availableCents), held: money(balance.heldCents) }),
    ];
    if (user.unreachableAt !== null) lines.push(t('oc-card-unreachable', { since: isoDate(user.unreachableAt) }));
    if (ban)
      lines.push(t('oc-card-banned', { since: isoDateTime(ban.bannedAt), by: escapeHtml(ban.bannedBy), reason: escapeHtml(ban.reason) }));

    const proxies = services.subscriptions.list(user.id, 0, CARD_ITEMS);
    lines.push('', t('oc-card-proxies', { count: proxies.total }));
    for (const sub of proxies.items) {
      lines.push(`• ${code(sub.host)} — ${escapeHtml(sub.productName)} — ${sub.status}, ${sub.expiresAt ? isoDate(sub.expiresAt) : '∞'}`);
    }
    if (proxies.total > proxies.items.length) lines.push(t('oc-card-more', { count: proxies.total - proxies.items.length }));

    const orders = services.orders.ordersOfUser(user.id, CARD_ITEMS + 1);
    lines.push('', t('oc-card-orders'));
    for (const order of orders.slice(0, CARD_ITEMS)) {
      lines.push(`• ${code(order.id)} · ${order.providerId} · ${order.state} · ${money(order.priceCents)} · ${isoDate(order.createdAt)}`);
    }
    if (orders.length === 0) lines.push(t('oc-card-none'));
    if (orders.length > CARD_ITEMS) lines.push(t('oc-card-all-orders', { command: code(`/orders ${user.telegramId}`) }));

    if (deps.payments) {
      const topUps = deps.payments.topUps
        .ofUser(user.id)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, CARD_ITEMS);
      lines.push('', t('oc-card-topups'));
      for (const topUp of topUps) {
        lines.push(`• ${code(topUp.id)} · ${topUp.method} · ${topUp.state} · ${money(topUp.amountCents)} · ${isoDate(topUp.createdAt)}`);
      }
      if (topUps.length === 0) lines.push(t('oc-card-none'));
    }

    const tokens = services.tokens?.list(user.id).filter((token) => token.revokedAt === null) ?? [];
    lines.push('', t('oc-card-tokens', { count: tokens.length }));
    for (const token of tokens) {
      const lastUsed = token.lastUsedAt ? isoDateTime(token.lastUsedAt) : t('oc-never');
      lines.push(`• ${escapeHtml(token.name)} (${token.scopes.join(', ')}) · ${t('oc-last-used', { when: lastUsed })}`);
    }

    const userId = user.id;
    const keyboard = new InlineKeyboard()
      .text(t('oc-btn-credit'), oc.credit.pack({ userId }))
      .text(t('oc-btn-debit'), oc.debit.pack({ userId }))
      .row()
      .text(t('oc-btn-refund'), oc.refundChoices.pack({ userId }))
      .text(ban ? t('oc-btn-unban') : t('oc-btn-ban'), ban ? oc.unban.pack({ userId }) : oc.ban.pack({ userId }))
      .row();
    if (tokens.length > 0) keyboard.text(t('oc-btn-revoke-tokens'), oc.revokeTokens.pack({ userId }));
    keyboard.text(t('oc-btn-audit'), oc.audit.pack({ userId }));
    return { text: lines.join('\n'), keyboard };
  }

  operators.command('user', async (ctx) => {
    const [ref, ...rest] = words(ctx);
    if (!ref || rest.length > 0) return usage(ctx, 'oc-user-usage');
    const user = await customerFrom(ctx, ref);
    if (!user) return;
    const view = card(user);
    await reply(ctx, view.text, view.keyboard);
  });

  /** /credit and /debit: the same movement, the sign chosen by the command. */
  const adjust = async (ctx: BotContext, direction: 'credit' | 'debit') => {
    const usageKey = direction === 'credit' ? 'admin-credit-usage' : 'oc-debit-usage';
    const [ref, amountText, ...reasonWords] = words(ctx);
    const reason = reasonWords.join(' ');
    const amount = parseDollars(amountText);
    // /credit keeps taking a negative amount (a debit), as it always has.
    const valid = amount !== null && amount !== 0 && (direction === 'credit' || amount > 0) && reason.length > 0;
    if (!ref || !valid) return usage(ctx, usageKey);
    const user = await customerFrom(ctx, ref);
    if (!user) return;
    const signed = direction === 'debit' ? -amount : amount;
    try {
      const result = services.adjustments.adjust({ userId: user.id, amountCents: signed, key: commandKey(ctx), actor: actor(ctx), reason });
      logger.info('wallet adjusted by an operator', { userId: user.id, amountCents: signed, actor: actor(ctx) });
      return reply(ctx, t('admin-credit-done', { amount: money(signed), balance: money(result.balance.availableCents) }));
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      noteAudit(ctx, { outcome: 'refused' });
      const availableCents = services.wallet.balance(user.id).availableCents;
      return reply(ctx, ledgerRefusal(t, error, { availableCents }));
    }
  };
  operators.command('credit', (ctx) => adjust(ctx, 'credit'));
  operators.command('debit', (ctx) => adjust(ctx, 'debit'));

  operators.command('refund', async (ctx) => {
    const [orderId, amountText, ...reasonWords] = words(ctx);
    const reason = reasonWords.join(' ');
    const amount = amountText === 'all' ? undefined : parseDollars(amountText);
    if (!orderId || reason.length === 0 || amount === null || (amount !== undefined && amount <= 0)) {
      return usage(ctx, 'admin-refund-usage');
    }
    const order = services.orders.order(orderId);
    if (!order) {
      noteAudit(ctx, { outcome: 'not_found' });
      return reply(ctx, t('admin-no-order', { order: escapeHtml(orderId) }));
    }
    noteAudit(ctx, { subjectUserId: order.userId });
    try {
      const result = services.adjustments.refund({
        orderId,
        ...(amount === undefined ? {} : { amountCents: amount }),
        actor: actor(ctx),
        reason,
        key: commandKey(ctx),
      });
      return reply(
        ctx,
        t('admin-refund-done', {
          order: escapeHtml(orderId),
          amount: money(result.amountCents),
          balance: money(result.balance.availableCents),
        }),
      );
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      noteAudit(ctx, { outcome: 'refused' });
      const refundableCents = order.state === 'delivered' ? order.priceCents - services.wallet.refundedCents(order.id) : 0;
      return reply(ctx, ledgerRefusal(t, error, { refundableCents }));
    }
  });

  operators.command('ban', async (ctx) => {
    const [ref, ...reasonWords] = words(ctx);
    const reason = reasonWords.join(' ').slice(0, 500);
    if (!ref || reason.length === 0) return usage(ctx, 'oc-ban-usage');
    const user = await customerFrom(ctx, ref);
    if (!user) return;
    if (!services.bans.ban(user.id, reason, actor(ctx))) {
      noteAudit(ctx, { outcome: 'refused' });
      return reply(ctx, t('oc-ban-already', { name: nameOf(user) }));
    }
    const stopped = stopPendingTopUps(user, actor(ctx));
    logger.info('customer banned', { userId: user.id, actor: actor(ctx), stoppedTopUps: stopped });
    return reply(ctx, t('oc-ban-done', { name: nameOf(user), topups: stopped }));
  });

  operators.command('unban', async (ctx) => {
    const [ref, ...rest] = words(ctx);
    if (!ref || rest.length > 0) return usage(ctx, 'oc-unban-usage');
    const user = await customerFrom(ctx, ref);
    if (!user) return;
    return unban(ctx, user);
  });

  const unban = async (ctx: Context, user: User) => {
    if (!services.bans.unban(user.id)) {
      noteAudit(ctx, { outcome: 'refused' });
      return reply(ctx, t('oc-unban-not-banned', { name: nameOf(user) }));
    }
    logger.info('customer unbanned', { userId: user.id, actor: actor(ctx) });
    return reply(ctx, t('oc-unban-done', { name: nameOf(user) }));
  };

  /**
   * A banned customer's open top-ups stop: manual requests are rejected (the
   * customer is told why), invoices not yet paid are closed. A payment that
   * arrives anyway is still credited: it is the customer's money.
   */
  function stopPendingTopUps(user: User, by: string): number {
    if (!deps.payments) return 0;
    const { topUps, manual } = deps.payments;
    const customerLanguage = asLanguage(user.language) ?? 'en';
    const reason = deps.i18n.t(customerLanguage, 'oc-topup-stopped-reason');
    let stopped = 0;
    for (const topUp of topUps.ofUser(user.id)) {
      if (topUp.state !== 'created') continue;
      const done = topUp.method === 'manual' && manual ? manual.reject(topUp.id, by, reason) : topUps.expire(topUp.id);
      if (done) stopped++;
    }
    return stopped;
  }

  // --- The card's buttons -------------------------------------------------

  const answer = (ctx: Context, text?: string, alert = false) =>
    ctx.answerCallbackQuery(text === undefined ? undefined : { text, show_alert: alert }).catch((error: unknown) => {
      logger.debug('console callback not answered', { error });
    });

  /** The card's customer; answers the press itself when they are gone. */
  const customerOfPress = async (ctx: Context, userId: number) => {
    const user = services.users.byId(userId);
    if (!user) {
      noteAudit(ctx, { outcome: 'not_found' });
      await answer(ctx, t('oc-no-customer', { ref: String(userId) }), true);
    }
    return user;
  };

  // Credit, debit and ban need an amount or a reason: the press answers with the command to complete.
  const commandHint = (key: string) => async (ctx: Context, fields: { userId: number }) => {
    const user = await customerOfPress(ctx, fields.userId);
    if (!user) return;
    await answer(ctx);
    await reply(ctx, t(key, { telegramId: code(user.telegramId) }));
  };
  onCallback(composer, oc.credit, commandHint('oc-hint-credit'));
  onCallback(composer, oc.debit, commandHint('oc-hint-debit'));
  onCallback(composer, oc.ban, commandHint('oc-hint-ban'));

  onCallback(composer, oc.unban, async (ctx, { userId }) => {
    const user = await customerOfPress(ctx, userId);
    if (!user) return;
    await answer(ctx);
    await unban(ctx, user);
  });

  onCallback(composer, oc.card, async (ctx, { userId }) => {
    const user = await customerOfPress(ctx, userId);
    if (!user) return;
    await answer(ctx);
    const view = card(user);
    await ctx
      .editMessageText(view.text, { parse_mode: 'HTML', reply_markup: view.keyboard })
      .catch(() => reply(ctx, view.text, view.keyboard));
  });

  onCallback(composer, oc.refundChoices, async (ctx, { userId }) => {
    const user = await customerOfPress(ctx, userId);
    if (!user) return;
    await answer(ctx);
    const delivered = services.orders.ordersOfUser(user.id, 50).filter((order) => order.state === 'delivered');
    const refundable = delivered
      .map((order) => ({ order, left: order.priceCents - services.wallet.refundedCents(order.id) }))
      .filter((entry) => entry.left > 0)
      .slice(0, 10);
    if (refundable.length === 0) return reply(ctx, t('oc-refund-nothing', { name: nameOf(user) }));
    const lines = [t('oc-refund-choose', { name: nameOf(user) })];
    for (const { order, left } of refundable) {
      lines.push(`• ${code(order.id)} · ${order.providerId} · ${money(left)} · ${isoDate(order.createdAt)}`);
      lines.push(`  ${code(`/refund ${order.id} all <reason>`)}`);
    }
    return reply(ctx, lines.join('\n'));
  });

  onCallback(composer, oc.revokeTokens, async (ctx, { userId }) => {
    const user = await customerOfPress(ctx, userId);
    if (!user) return;
    const active = services.tokens?.list(user.id).filter((token) => token.revokedAt === null) ?? [];
    await answer(ctx);
    await reply(
      ctx,
      t('oc-revoke-confirm', { name: nameOf(user), count: active.length }),
      new InlineKeyboard()
        .text(t('oc-btn-revoke-yes'), oc.revokeTokensConfirmed.pack({ userId }))
        .text(t('op-back'), oc.card.pack({ userId })),
    );
  });

  onCallback(composer, oc.revokeTokensConfirmed, async (ctx, { userId }) => {
    const user = await customerOfPress(ctx, userId);
    if (!user) return;
    let revoked = 0;
    for (const token of services.tokens?.list(user.id) ?? []) {
      if (token.revokedAt === null && services.tokens!.revoke(user.id, token.id)) revoked++;
    }
    logger.info('all API tokens revoked by an operator', { userId: user.id, revoked, actor: actor(ctx) });
    await answer(ctx, t('op-done'));
    await ctx
      .editMessageText(t('oc-revoked', { name: nameOf(user), count: revoked }), { parse_mode: 'HTML' })
      .catch(() => reply(ctx, t('oc-revoked', { name: nameOf(user), count: revoked })));
  });

  onCallback(composer, oc.audit, async (ctx, { userId, before }) => {
    const user = await customerOfPress(ctx, userId);
    if (!user) return;
    await answer(ctx);
    const rows = services.audit.ofUser(user.id, { limit: AUDIT_PAGE + 1, ...(before === undefined ? {} : { beforeId: before }) });
    const shown = rows.slice(0, AUDIT_PAGE);
    const lines = [t('oc-audit-title', { name: nameOf(user) })];
    if (shown.length === 0) lines.push(t('oc-card-none'));
    for (const row of shown) {
      const who = services.users.byTelegramId(row.actorTelegramId)?.firstName ?? String(row.actorTelegramId);
      const args = row.arguments ? ` ${escapeHtml(row.arguments)}` : '';
      const result = row.result ? ` — ${escapeHtml(row.result.split('\n')[0]!.slice(0, 120))}` : '';
      lines.push(`• ${isoDateTime(row.createdAt)} · ${escapeHtml(who)}: ${code(row.action)}${args} → ${row.outcome}${result}`);
    }
    const keyboard = new InlineKeyboard();
    if (rows.length > AUDIT_PAGE) keyboard.text(t('oc-btn-older'), oc.audit.pack({ userId, before: shown.at(-1)!.id }));
    keyboard.text(t('oc-btn-card'), oc.card.pack({ userId }));
    await reply(ctx, lines.join('\n'), keyboard);
  });

  return composer;
}
