/**
 * /broadcast, typed by an admin in the operator group: a message to many
 * customers, in four steps —
 *
 *   1. the admin sends the text (Telegram formatting is kept, as HTML);
 *   2. an optional URL button (`Label | https://…`) or "No button";
 *   3. a preview exactly as customers will see it, and the audience:
 *      everyone, customers with active proxies, by language, by upstream;
 *   4. the count and a confirming press.
 *
 * The confirmation queues one outbox message per customer in one transaction
 * (services/broadcasts.ts), so the notifier sends them within Telegram's
 * limits and a restart neither loses nor repeats any. A progress message in
 * the group is edited as they go out (scheduler job `broadcast-progress`)
 * and becomes the final report: delivered, blocked, failed.
 *
 * The broadcast's row is its audit record: who wrote it, what, to whom, when
 * it was confirmed and finished.
 */
import { Composer, GrammyError, InlineKeyboard, type Api, type Context } from 'grammy';
import type { MessageEntity } from 'grammy/types';
import { withPrefix, type KvStorage } from '../../db/kv-storage.js';
import type { Logger } from '../../logger.js';
import {
  BROADCAST_MAX_TEXT,
  parseAudience,
  type BroadcastAudience,
  type BroadcastProgress,
  type BroadcastRow,
  type Broadcasts,
} from '../../services/broadcasts.js';
import { SUPPORTED_LANGUAGES } from '../../services/users.js';
import { id, onCallback, oneOf, operatorCallbacks, slug } from '../callback-data.js';
import type { BotContext, BotServices } from '../context.js';
import { escapeHtml } from '../html.js';
import type { Translate } from '../ui.js';
import { broadcastReportText } from './operator-console-alerts.js';

const BROADCAST = { broadcastId: id('bc') };
const op = operatorCallbacks.namespace;
export const broadcastCallbacks = {
  noButton: op.action('bcn', BROADCAST),
  everyone: op.action('bca', BROADCAST),
  active: op.action('bcp', BROADCAST),
  language: op.action('bcl', { ...BROADCAST, language: oneOf(SUPPORTED_LANGUAGES) }),
  provider: op.action('bcv', { ...BROADCAST, provider: slug(32) }),
  send: op.action('bcg', BROADCAST),
  back: op.action('bcb', BROADCAST),
  cancel: op.action('bcx', BROADCAST),
};

/** Where the admin is in composing: waiting for the text, or for the button of a draft. */
type Composing = { step: 'text' } | { step: 'button'; broadcastId: string };

/** What a customer receives: the text as written, and the button if there is one. */
export function broadcastNotice(
  broadcasts: Broadcasts | undefined,
  broadcastId: string,
): { text: string; reply_markup?: InlineKeyboard; parse_mode: 'HTML' } | undefined {
  const row = broadcasts?.get(broadcastId);
  if (!row) return undefined;
  const keyboard = buttonOf(row);
  return { text: row.html, ...(keyboard ? { reply_markup: keyboard } : {}), parse_mode: 'HTML' };
}

function buttonOf(row: Pick<BroadcastRow, 'buttonText' | 'buttonUrl'>): InlineKeyboard | undefined {
  return row.buttonText && row.buttonUrl ? new InlineKeyboard().url(row.buttonText, row.buttonUrl) : undefined;
}

/** "Label | https://…" (or "Label https://…") → the button; undefined when it is not one. */
export function parseButton(text: string): { text: string; url: string } | undefined {
  const match = /^(.+?)\s*(?:\|\s*|\s+)(https?:\/\/\S+)$/s.exec(text.trim());
  if (!match) return undefined;
  const [, label, url] = match;
  try {
    const parsed = new URL(url!);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  } catch {
    return undefined;
  }
  const trimmed = label!.trim();
  return trimmed.length > 0 && trimmed.length <= 64 ? { text: trimmed, url: url! } : undefined;
}

const HTML_TAGS: Partial<Record<MessageEntity['type'], (e: MessageEntity) => [string, string]>> = {
  bold: () => ['<b>', '</b>'],
  italic: () => ['<i>', '</i>'],
  underline: () => ['<u>', '</u>'],
  strikethrough: () => ['<s>', '</s>'],
  spoiler: () => ['<tg-spoiler>', '</tg-spoiler>'],
  code: () => ['<code>', '</code>'],
  pre: (e) =>
    'language' in e && e.language ? [`<pre><code class="language-${escapeHtml(e.language)}">`, '</code></pre>'] : ['<pre>', '</pre>'],
  text_link: (e) => ['url' in e ? `<a href="${escapeHtml(e.url)}">` : '<a>', '</a>'],
  blockquote: () => ['<blockquote>', '</blockquote>'],
  expandable_blockquote: () => ['<blockquote expandable>', '</blockquote>'],
};

/**
 * A message as the admin formatted it, in Telegram HTML: the text escaped and
 * each formatting entity as its tag. Offsets are UTF-16 code units, as
 * JavaScript strings count them. Entities that overlap without nesting are
 * closed and reopened around each other, so the tags always nest.
 */
export function entitiesToHtml(text: string, entities: readonly MessageEntity[] = []): string {
  const formatting = entities
    .filter((e) => HTML_TAGS[e.type] !== undefined && e.length > 0)
    .map((e) => ({ entity: e, end: e.offset + e.length, tags: HTML_TAGS[e.type]!(e) }))
    .sort((a, b) => a.entity.offset - b.entity.offset || b.end - a.end);
  let html = '';
  let next = 0;
  const open: typeof formatting = [];
  for (let position = 0; position <= text.length; position++) {
    // Close what ends here; anything opened inside it and still running is reopened after.
    const endsHere = open.findIndex((f) => f.end <= position);
    if (endsHere !== -1) {
      const closing = open.splice(endsHere);
      for (let i = closing.length - 1; i >= 0; i--) html += closing[i]!.tags[1];
      for (const f of closing) {
        if (f.end <= position) continue;
        html += f.tags[0];
        open.push(f);
      }
    }
    while (next < formatting.length && formatting[next]!.entity.offset === position) {
      const f = formatting[next++]!;
      html += f.tags[0];
      open.push(f);
    }
    if (position < text.length) html += escapeHtml(text[position]!);
  }
  return html;
}

export interface BroadcastFeatureDeps {
  services: Pick<BotServices, 'catalog'> & { broadcasts: Broadcasts };
  /** The operators' language. */
  t: Translate;
  operatorChatId: number | undefined;
  adminIds: readonly number[];
  /** Where an admin's draft waits between their messages. */
  storage: KvStorage<unknown>;
  logger: Logger;
}

export function createBroadcastFeature(deps: BroadcastFeatureDeps): Composer<BotContext> {
  const { t, logger } = deps;
  const { broadcasts } = deps.services;
  const composing = withPrefix<Composing>(deps.storage, 'operator-broadcast:');
  const composer = new Composer<BotContext>();
  const isAdminHere = (ctx: Context) =>
    deps.operatorChatId !== undefined &&
    ctx.chat?.id === deps.operatorChatId &&
    ctx.from !== undefined &&
    deps.adminIds.includes(ctx.from.id);
  const keyOf = (ctx: Context) => `${ctx.chat!.id}:${ctx.from!.id}`;
  const reply = (ctx: Context, text: string, keyboard?: InlineKeyboard) =>
    ctx.reply(text, { parse_mode: 'HTML', ...(keyboard ? { reply_markup: keyboard } : {}) });
  const answer = (ctx: Context, text?: string, alert = false) =>
    ctx.answerCallbackQuery(text === undefined ? undefined : { text, show_alert: alert }).catch((error: unknown) => {
      logger.debug('broadcast callback not answered', { error });
    });
  const edit = async (ctx: Context, text: string, keyboard?: InlineKeyboard) => {
    await ctx.editMessageText(text, { parse_mode: 'HTML', reply_markup: keyboard ?? new InlineKeyboard() }).catch((error: unknown) => {
      if (!(error instanceof GrammyError && /not modified/.test(error.description)))
        logger.warn('broadcast message not updated', { error });
    });
  };

  const audienceName = (audience: BroadcastAudience): string => {
    switch (audience.kind) {
      case 'everyone':
        return t('bc-audience-everyone');
      case 'active':
        return t('bc-audience-active');
      case 'language':
        return t('bc-audience-language', { language: audience.language.toUpperCase() });
      case 'provider':
        return t('bc-audience-provider', {
          provider: escapeHtml(deps.services.catalog.provider(audience.provider)?.displayName ?? audience.provider),
        });
    }
  };

  const audienceKeyboard = (broadcastId: string) => {
    const keyboard = new InlineKeyboard()
      .text(t('bc-audience-everyone'), broadcastCallbacks.everyone.pack({ broadcastId }))
      .text(t('bc-audience-active'), broadcastCallbacks.active.pack({ broadcastId }))
      .row();
    for (const language of SUPPORTED_LANGUAGES) {
      keyboard.text(
        t('bc-audience-language', { language: language.toUpperCase() }),
        broadcastCallbacks.language.pack({ broadcastId, language }),
      );
    }
    keyboard.row();
    for (const provider of deps.services.catalog.providers()) {
      keyboard
        .text(
          t('bc-audience-provider', { provider: provider.displayName }),
          broadcastCallbacks.provider.pack({ broadcastId, provider: provider.id }),
        )
        .row();
    }
    return keyboard.text(t('bc-cancel'), broadcastCallbacks.cancel.pack({ broadcastId }));
  };

  /** The message as customers will see it, then the audience question under it. */
  const showPreview = async (ctx: Context, row: BroadcastRow) => {
    await reply(ctx, t('bc-preview-title'));
    const button = buttonOf(row);
    await ctx.reply(row.html, { parse_mode: 'HTML', ...(button ? { reply_markup: button } : {}) });
    await reply(ctx, t('bc-choose-audience'), audienceKeyboard(row.id));
  };

  composer.command('broadcast', async (ctx, next) => {
    if (!isAdminHere(ctx)) return next();
    composing.write(keyOf(ctx), { step: 'text' });
    logger.info('broadcast started', { admin: ctx.from!.id });
    await reply(ctx, t('bc-ask-text'));
  });

  // The admin's answers while composing: their next messages in the group.
  composer.on('message:text', async (ctx, next) => {
    if (!isAdminHere(ctx)) return next();
    const key = keyOf(ctx);
    const state = composing.read(key);
    if (!state) return next();
    const text = ctx.message.text;
    if (/^\/cancel(@\w+)?$/.test(text.trim())) {
      composing.delete(key);
      if (state.step === 'button') broadcasts.cancel(state.broadcastId);
      return reply(ctx, t('bc-cancelled'));
    }
    if (text.startsWith('/')) return next();
    if (state.step === 'text') {
      if (text.length > BROADCAST_MAX_TEXT) return reply(ctx, t('bc-too-long', { max: BROADCAST_MAX_TEXT }));
      const row = broadcasts.createDraft({ createdBy: ctx.from.id, html: entitiesToHtml(text, ctx.message.entities) });
      composing.write(key, { step: 'button', broadcastId: row.id });
      return reply(
        ctx,
        t('bc-ask-button'),
        new InlineKeyboard().text(t('bc-no-button'), broadcastCallbacks.noButton.pack({ broadcastId: row.id })),
      );
    }
    const button = parseButton(text);
    if (!button) return reply(ctx, t('bc-button-usage'));
    composing.delete(key);
    if (!broadcasts.setButton(state.broadcastId, button)) return reply(ctx, t('bc-not-found'));
    await showPreview(ctx, broadcasts.get(state.broadcastId)!);
  });

  /** The draft a press is about, or why the press changes nothing (answered here). */
  const draftFor = async (ctx: Context, broadcastId: string): Promise<BroadcastRow | undefined> => {
    if (!isAdminHere(ctx)) {
      logger.warn('operator button refused', { telegramUserId: ctx.from?.id, chatId: ctx.chat?.id, data: ctx.callbackQuery?.data });
      await answer(ctx, t('op-not-allowed'), true);
      return undefined;
    }
    const row = broadcasts.get(broadcastId);
    if (!row) {
      await answer(ctx, t('bc-not-found'));
      return undefined;
    }
    if (row.state !== 'draft') {
      await answer(ctx, t('bc-already', { state: t(`bc-state-${row.state}`) }), true);
      await edit(ctx, t('bc-already', { state: t(`bc-state-${row.state}`) }));
      return undefined;
    }
    return row;
  };

  onCallback(composer, broadcastCallbacks.noButton, async (ctx, { broadcastId }) => {
    const row = await draftFor(ctx, broadcastId);
    if (!row) return;
    await answer(ctx);
    composing.delete(keyOf(ctx));
    await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
    await showPreview(ctx, row);
  });

  const chooseAudience = async (ctx: Context, broadcastId: string, audience: BroadcastAudience) => {
    const row = await draftFor(ctx, broadcastId);
    if (!row) return;
    await answer(ctx);
    const count = broadcasts.setAudience(row.id, audience) ?? 0;
    if (count === 0) return edit(ctx, t('bc-empty-audience', { audience: audienceName(audience) }), audienceKeyboard(row.id));
    await edit(
      ctx,
      t('bc-confirm-question', { audience: audienceName(audience), count }),
      new InlineKeyboard()
        .text(t('bc-confirm-send', { count }), broadcastCallbacks.send.pack({ broadcastId }))
        .row()
        .text(t('bc-back'), broadcastCallbacks.back.pack({ broadcastId }))
        .text(t('bc-cancel'), broadcastCallbacks.cancel.pack({ broadcastId })),
    );
  };
  onCallback(composer, broadcastCallbacks.everyone, (ctx, { broadcastId }) => chooseAudience(ctx, broadcastId, { kind: 'everyone' }));
  onCallback(composer, broadcastCallbacks.active, (ctx, { broadcastId }) => chooseAudience(ctx, broadcastId, { kind: 'active' }));
  onCallback(composer, broadcastCallbacks.language, (ctx, { broadcastId, language }) =>
    chooseAudience(ctx, broadcastId, { kind: 'language', language }),
  );
  onCallback(composer, broadcastCallbacks.provider, (ctx, { broadcastId, provider }) =>
    chooseAudience(ctx, broadcastId, { kind: 'provider', provider }),
  );

  onCallback(composer, broadcastCallbacks.back, async (ctx, { broadcastId }) => {
    const row = await draftFor(ctx, broadcastId);
    if (!row) return;
    await answer(ctx);
    await edit(ctx, t('bc-choose-audience'), audienceKeyboard(row.id));
  });

  onCallback(composer, broadcastCallbacks.cancel, async (ctx, { broadcastId }) => {
    const row = await draftFor(ctx, broadcastId);
    if (!row) return;
    broadcasts.cancel(row.id);
    await answer(ctx);
    await edit(ctx, t('bc-cancelled'));
  });

  onCallback(composer, broadcastCallbacks.send, async (ctx, { broadcastId }) => {
    const row = await draftFor(ctx, broadcastId);
    if (!row) return;
    // Two presses (or two admins) race here; the draft → sending change lets one through.
    const result = broadcasts.confirm(row.id);
    if (!result.ok) {
      const state = broadcasts.get(row.id)?.state ?? 'cancelled';
      return answer(ctx, t('bc-already', { state: t(`bc-state-${state}`) }), true);
    }
    await answer(ctx);
    logger.info('broadcast confirmed', {
      broadcastId: row.id,
      admin: ctx.from.id,
      audience: parseAudience(row.audience),
      recipients: result.recipients,
    });
    await edit(ctx, t('bc-queued', { count: result.recipients }));
    const progress = await reply(ctx, broadcastReportText(t, row.id, broadcasts.progress(row.id), false));
    broadcasts.setProgressMessage(row.id, progress.chat.id, progress.message_id);
  });

  return composer;
}

/**
 * The progress job's way to the group: edits a broadcast's progress message,
 * the last time into its final report.
 */
export function broadcastProgressReporter(api: Pick<Api, 'editMessageText'>, t: Translate, logger: Logger) {
  return async (row: BroadcastRow, progress: BroadcastProgress, finished: boolean): Promise<void> => {
    if (row.progressChatId === null || row.progressMessageId === null) return;
    await api
      .editMessageText(row.progressChatId, row.progressMessageId, broadcastReportText(t, row.id, progress, finished), {
        parse_mode: 'HTML',
      })
      .catch((error: unknown) => {
        if (!(error instanceof GrammyError && /not modified/.test(error.description)))
          logger.warn('broadcast progress not updated', { error });
      });
  };
}
