/**
 * The proxy card's access actions: the IP allowlist (list, add by typing
 * addresses, remove with a button) and cancelling the plan, whose refund
 * rule is stated on the confirmation screen before the customer presses Yes.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { withPrefix } from '../../db/kv-storage.js';
import { splitEntries, type AllowlistProblem } from '../../domain/ip-allowlist.js';
import type { CancelRefund } from '../../providers/types.js';
import type { ProxyAccess } from '../../services/proxy-access.js';
import type { SubscriptionRow } from '../../services/order-store.js';
import { onCallback, proxyAccessCallbacks as pa, proxyCallbacks as px } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { code, escapeHtml } from '../html.js';
import { show, type Translate } from '../ui.js';
import { reasonText } from '../views/order.js';

/** What a customer who pressed "Add an IP" is about to type addresses for. */
interface PendingAddition {
  subscriptionId: string;
}

export function createProxyAccessFeature(env: BotEnv, access: ProxyAccess): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { subscriptions } = env.services;
  const pendingAdditions = withPrefix<PendingAddition>(env.deps.storage, 'allowlist-add:');
  /** The list as last shown to the customer, so a remove button removes the address they saw. */
  const shownLists = withPrefix<string[]>(env.deps.storage, 'allowlist-shown:');
  const shownKey = (userId: number, subscriptionId: string) => `${userId}:${subscriptionId}`;

  const backToCard = (t: Translate, sub: SubscriptionRow) =>
    new InlineKeyboard().text(t('proxies-back-to-card'), px.card.pack({ subscriptionId: sub.id }));

  const refusalText = (t: Translate, result: { reason: string }) => {
    if (result.reason === 'not_active') return t('access-not-active');
    if (result.reason === 'renewal_in_progress') return t('cancel-renewal-in-progress');
    return t('proxy-action-failed', { reason: reasonText(t, result.reason) });
  };

  /** The allowlist screen: the addresses, the provider's rules, a remove button per address. */
  const allowlistScreen = async (ctx: BotContext, sub: SubscriptionRow, notice?: string, asNewMessage = false) => {
    const list = await access.allowlist(ctx.user.id, sub.id);
    if (!list.ok) return show(ctx, refusalText(ctx.t, list), backToCard(ctx.t, sub));
    const { ips, rules } = list.value;
    shownLists.write(shownKey(ctx.user.id, sub.id), ips);
    const lines = [notice, ctx.t('allowlist-title', { product: escapeHtml(sub.productName) }), ''];
    if (ips.length === 0) lines.push(ctx.t('allowlist-empty'));
    else lines.push(ctx.t('allowlist-entries'), ...ips.map((ip) => code(ip)));
    lines.push('', ctx.t('allowlist-rules', { max: rules.maxEntries }));
    if (!rules.cidr) lines.push(ctx.t('allowlist-rules-no-ranges'));
    const keyboard = new InlineKeyboard();
    for (const [index, ip] of ips.entries()) {
      keyboard.text(ctx.t('allowlist-btn-remove', { ip }), pa.removeIp.pack({ subscriptionId: sub.id, index })).row();
    }
    if (ips.length < rules.maxEntries) keyboard.text(ctx.t('allowlist-btn-add'), pa.addIp.pack({ subscriptionId: sub.id })).row();
    keyboard.text(ctx.t('proxies-back-to-card'), px.card.pack({ subscriptionId: sub.id }));
    const text = lines.filter((l): l is string => l !== undefined).join('\n');
    if (asNewMessage) {
      await ctx.reply(text, { reply_markup: keyboard, link_preview_options: { is_disabled: true } });
      return;
    }
    return show(ctx, text, keyboard);
  };

  const problemText = (t: Translate, problem: AllowlistProblem) => {
    switch (problem.kind) {
      case 'malformed':
        return t('allowlist-problem-malformed', { entry: escapeHtml(problem.entry) });
      case 'cidr_not_supported':
        return t('allowlist-problem-cidr', { entry: escapeHtml(problem.entry) });
      case 'too_many':
        return t('allowlist-problem-too-many', { count: problem.count, max: problem.max });
    }
  };

  /** The customer's proxy named in the callback; a stale button (not theirs any more) just goes back. */
  const owned = (ctx: BotContext, id: string) => subscriptions.get(ctx.user.id, id);

  onCallback(composer, pa.allowlist, async (ctx, { subscriptionId }) => {
    const sub = owned(ctx, subscriptionId);
    if (sub) await allowlistScreen(ctx, sub);
  });

  onCallback(composer, pa.addIp, async (ctx, { subscriptionId }) => {
    const sub = owned(ctx, subscriptionId);
    if (!sub) return;
    pendingAdditions.write(String(ctx.user.id), { subscriptionId: sub.id });
    await show(
      ctx,
      ctx.t('allowlist-add-prompt'),
      new InlineKeyboard().text(ctx.t('btn-back'), pa.allowlist.pack({ subscriptionId: sub.id })),
    );
  });

  onCallback(composer, pa.removeIp, async (ctx, { subscriptionId, index }) => {
    const sub = owned(ctx, subscriptionId);
    if (!sub) return;
    const ip = shownLists.read(shownKey(ctx.user.id, sub.id))?.[index];
    if (ip === undefined) return allowlistScreen(ctx, sub);
    const edited = await access.editAllowlist(ctx.user.id, sub.id, { remove: [ip] });
    if (!edited.ok) {
      const notice =
        edited.reason === 'invalid' ? `${ctx.t('allowlist-refused')}\n${escapeHtml(edited.message)}` : refusalText(ctx.t, edited);
      return allowlistScreen(ctx, sub, notice);
    }
    await allowlistScreen(ctx, sub, ctx.t('allowlist-removed', { ip: code(ip) }));
  });

  // The addresses typed after "Add an IP". Before support, which would otherwise offer to forward them.
  composer.on('message:text', async (ctx, next) => {
    const key = String(ctx.user.id);
    const pending = pendingAdditions.read(key);
    if (!pending) return next();
    const text = ctx.message.text.trim();
    if (text === '/cancel' || text.startsWith('/cancel@')) {
      pendingAdditions.delete(key);
      await ctx.reply(ctx.t('allowlist-add-stopped'));
      return;
    }
    // Any other command leaves the question open and does what it does.
    if (text.startsWith('/')) return next();
    pendingAdditions.delete(key);
    const sub = owned(ctx, pending.subscriptionId);
    if (!sub) return next();
    const edited = await access.editAllowlist(ctx.user.id, sub.id, { add: splitEntries(text) });
    if (edited.ok) return allowlistScreen(ctx, sub, ctx.t('allowlist-added'), true);
    if (edited.reason !== 'invalid') return allowlistScreen(ctx, sub, refusalText(ctx.t, edited), true);
    const problems =
      edited.problems.length > 0
        ? edited.problems.map((p) => `• ${problemText(ctx.t, p)}`)
        : [`• ${ctx.t('allowlist-problem-upstream', { message: escapeHtml(edited.message) })}`];
    await allowlistScreen(ctx, sub, [ctx.t('allowlist-refused'), ...problems].join('\n'), true);
  });

  const refundText = (t: Translate, refund: CancelRefund, provider: string): string => {
    switch (refund.kind) {
      case 'none':
        return t('cancel-refund-none', { provider: escapeHtml(provider) });
    }
  };

  onCallback(composer, pa.cancel, async (ctx, { subscriptionId }) => {
    const sub = owned(ctx, subscriptionId);
    if (!sub) return;
    const terms = access.cancelTerms(ctx.user.id, sub.id);
    if (!terms.ok) return show(ctx, refusalText(ctx.t, terms), backToCard(ctx.t, sub));
    const { refund, providerName, proxies } = terms.value;
    const text = [
      ctx.t('cancel-confirm', { product: escapeHtml(sub.productName) }),
      '',
      ctx.t('cancel-ends', { count: proxies.length, hosts: proxies.map((p) => code(p.host)).join(', ') }),
      refundText(ctx.t, refund, providerName),
      ctx.t('cancel-irreversible'),
    ].join('\n');
    const keyboard = new InlineKeyboard()
      .text(ctx.t('cancel-btn-confirm'), pa.cancelConfirmed.pack({ subscriptionId: sub.id }))
      .row()
      .text(ctx.t('btn-back'), px.card.pack({ subscriptionId: sub.id }));
    await show(ctx, text, keyboard);
  });

  onCallback(composer, pa.cancelConfirmed, async (ctx, { subscriptionId }) => {
    const sub = owned(ctx, subscriptionId);
    if (!sub) return;
    const cancelled = await access.cancel(ctx.user.id, sub.id);
    await show(ctx, cancelled.ok ? ctx.t('cancel-done') : refusalText(ctx.t, cancelled), backToCard(ctx.t, sub));
  });

  return composer;
}
