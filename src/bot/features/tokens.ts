/**
 * API tokens for the REST API: list, create (a conversation) and revoke
 * (after a confirmation). Without the tokens service the menu says so.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { TokenInfo } from '../../services/tokens.js';
import { menuCallbacks as menu, onCallback, tokenCallbacks } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { TOKEN_FLOW } from '../conversations/create-token.js';
import { isoDate } from '../format.js';
import { escapeHtml } from '../html.js';
import { backToMenu, menuButton } from '../keyboards/main-menu.js';
import { show, type Translate } from '../ui.js';

function tokenLine(t: Translate, token: TokenInfo, now: number): string {
  const state =
    token.revokedAt !== null
      ? t('token-state-revoked')
      : token.expiresAt !== null && token.expiresAt <= now
        ? t('token-state-expired')
        : undefined;
  return [
    `<b>${escapeHtml(token.name)}</b> · <code>${escapeHtml(token.prefix)}…</code>${state ? ` · ${state}` : ''}`,
    t('token-line-scopes', { scopes: token.scopes.map((s) => t(`token-scope-${s}`)).join(', ') }),
    t('token-line-dates', {
      created: isoDate(token.createdAt),
      used: token.lastUsedAt === null ? t('token-never-used') : isoDate(token.lastUsedAt),
    }),
    token.expiresAt !== null ? t('token-line-expires', { date: isoDate(token.expiresAt) }) : undefined,
  ]
    .filter((l): l is string => l !== undefined)
    .join('\n');
}

export function createTokensFeature(env: BotEnv): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const tokens = env.services.tokens;

  const list = async (ctx: BotContext, notice?: string) => {
    if (!tokens) {
      await show(ctx, ctx.t('tokens-unavailable'), backToMenu(ctx.t));
      return;
    }
    const now = env.now();
    const all = tokens.list(ctx.user.id);
    const api = env.deps.apiLinks;
    const where = api
      ? ctx.t('tokens-api-where', { baseUrl: escapeHtml(api.baseUrl), docsUrl: escapeHtml(api.docsUrl) })
      : ctx.t('tokens-api-where-unknown');
    const lines = [notice, ctx.t('tokens-title'), ctx.t('tokens-explain'), where].filter((l): l is string => l !== undefined);
    if (all.length === 0) lines.push('', ctx.t('tokens-empty'));
    for (const token of all) lines.push('', tokenLine(ctx.t, token, now));
    const keyboard = new InlineKeyboard().text(ctx.t('tokens-create'), tokenCallbacks.create.pack()).row();
    for (const token of all) {
      const active = token.revokedAt === null && (token.expiresAt === null || token.expiresAt > now);
      if (active) keyboard.text(ctx.t('tokens-revoke', { name: token.name }), tokenCallbacks.revoke.pack({ tokenId: token.id })).row();
    }
    menuButton(ctx.t, keyboard);
    await show(ctx, lines.join('\n'), keyboard);
  };

  onCallback(composer, menu.tokens, (ctx) => list(ctx));

  onCallback(composer, tokenCallbacks.create, async (ctx) => {
    if (!tokens) return list(ctx);
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(TOKEN_FLOW.id);
  });

  onCallback(composer, tokenCallbacks.revoke, async (ctx, { tokenId }) => {
    const token = tokens?.list(ctx.user.id).find((x) => x.id === tokenId);
    if (!token) return list(ctx);
    const keyboard = new InlineKeyboard()
      .text(ctx.t('tokens-revoke-yes'), tokenCallbacks.revokeConfirmed.pack({ tokenId: token.id }))
      .text(ctx.t('btn-back'), menu.tokens.pack());
    await show(ctx, ctx.t('tokens-revoke-confirm', { name: escapeHtml(token.name) }), keyboard);
  });

  onCallback(composer, tokenCallbacks.revokeConfirmed, async (ctx, { tokenId }) => {
    const revoked = tokens?.revoke(ctx.user.id, tokenId) ?? false;
    await list(ctx, revoked ? ctx.t('tokens-revoked') : undefined);
  });

  return composer;
}
