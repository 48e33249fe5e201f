/**
 * API tokens for the REST API: list, create (a conversation) and revoke
 * (after a confirmation). Without the tokens service the menu says so.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { TokenInfo } from '../../services/tokens.js';
import type { BotContext, BotEnv } from '../context.js';
import { isoDate } from '../format.js';
import { escapeHtml } from '../html.js';
import { show, type Translate } from '../ui.js';

export const TOKEN_FLOW = 'create-token';

function tokenLine(t: Translate, token: TokenInfo, now: number): string {
  const state =
    token.revokedAt !== null ? t('token-state-revoked') : token.expiresAt !== null && token.expiresAt <= now ? t('token-state-expired') : undefined;
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
      await show(ctx, ctx.t('tokens-unavailable'), new InlineKeyboard().text(ctx.t('btn-main-menu'), 'm:main'));
      return;
    }
    const now = env.now();
    const all = tokens.list(ctx.user.id);
    const lines = [notice, ctx.t('tokens-title'), ctx.t('tokens-explain')].filter((l): l is string => l !== undefined);
    if (all.length === 0) lines.push('', ctx.t('tokens-empty'));
    for (const token of all) lines.push('', tokenLine(ctx.t, token, now));
    const keyboard = new InlineKeyboard().text(ctx.t('tokens-create'), 't:new').row();
    for (const token of all) {
      const active = token.revokedAt === null && (token.expiresAt === null || token.expiresAt > now);
      if (active) keyboard.text(ctx.t('tokens-revoke', { name: token.name }), `t:rv:${token.id}`).row();
    }
    keyboard.text(ctx.t('btn-main-menu'), 'm:main');
    await show(ctx, lines.join('\n'), keyboard);
  };

  composer.callbackQuery('m:tokens', (ctx) => list(ctx));

  composer.callbackQuery('t:new', async (ctx) => {
    if (!tokens) return list(ctx);
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(TOKEN_FLOW);
  });

  composer.callbackQuery(/^t:rv:(tok_[a-z2-7]+)$/, async (ctx) => {
    const token = tokens?.list(ctx.user.id).find((x) => x.id === ctx.match[1]);
    if (!token) return list(ctx);
    const keyboard = new InlineKeyboard().text(ctx.t('tokens-revoke-yes'), `t:rvy:${token.id}`).text(ctx.t('btn-back'), 'm:tokens');
    await show(ctx, ctx.t('tokens-revoke-confirm', { name: escapeHtml(token.name) }), keyboard);
  });

  composer.callbackQuery(/^t:rvy:(tok_[a-z2-7]+)$/, async (ctx) => {
    const revoked = tokens?.revoke(ctx.user.id, ctx.match[1]!) ?? false;
    await list(ctx, revoked ? ctx.t('tokens-revoked') : undefined);
  });

  return composer;
}
