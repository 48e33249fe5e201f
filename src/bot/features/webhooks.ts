/**
 * Outgoing webhooks in the bot, for customers who script the shop: list
 * their URLs, add one with `/webhook <url>` (the signing secret is shown
 * once), send a test event, read the recent deliveries and remove a URL.
 * The same service as the REST API's /webhooks; without it the screen says so.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { DeliveryInfo, EndpointInfo, Webhooks } from '../../services/webhooks.js';
import { menuCallbacks as menu, onCallback, webhookCallbacks } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { isoDateTime } from '../format.js';
import { code, escapeHtml } from '../html.js';
import { backToMenu, menuButton } from '../keyboards/main-menu.js';
import { show, type Translate } from '../ui.js';

const LOG_ENTRIES = 10;

function endpointLine(t: Translate, endpoint: EndpointInfo, index: number): string {
  return [`${index}. ${code(endpoint.url)}`, t('webhooks-line-events', { events: endpoint.events.join(', ') })].join('\n');
}

function attemptSummary(t: Translate, delivery: DeliveryInfo): string {
  const last = delivery.attempts.at(-1);
  if (!last) return t('webhooks-not-tried');
  return last.status !== null ? t('webhooks-answered', { status: last.status }) : escapeHtml(last.error ?? '');
}

function deliveryLine(t: Translate, delivery: DeliveryInfo): string {
  return t('webhooks-log-line', {
    at: isoDateTime(delivery.createdAt),
    event: delivery.eventType,
    state: t(`webhooks-state-${delivery.state}`),
    tries: delivery.attempts.length,
    last: attemptSummary(t, delivery),
  });
}

export function createWebhooksFeature(webhooks: Webhooks | undefined): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const back = (ctx: BotContext) => new InlineKeyboard().text(ctx.t('btn-back'), menu.webhooks.pack());

  const list = async (ctx: BotContext, notice?: string) => {
    if (!webhooks) {
      await show(ctx, ctx.t('webhooks-unavailable'), backToMenu(ctx.t));
      return;
    }
    const all = webhooks.list(ctx.user.id);
    const lines = [notice, ctx.t('webhooks-title'), ctx.t('webhooks-explain')].filter((l): l is string => l !== undefined);
    if (all.length === 0) lines.push('', ctx.t('webhooks-empty'));
    for (const [i, endpoint] of all.entries()) lines.push('', endpointLine(ctx.t, endpoint, i + 1));
    lines.push('', ctx.t('webhooks-how-to-add'));
    const keyboard = new InlineKeyboard();
    all.forEach((endpoint, i) => {
      const n = i + 1;
      const fields = { endpointId: endpoint.id };
      keyboard
        .text(ctx.t('webhooks-test', { n }), webhookCallbacks.test.pack(fields))
        .text(ctx.t('webhooks-log', { n }), webhookCallbacks.log.pack(fields))
        .text(ctx.t('webhooks-remove', { n }), webhookCallbacks.remove.pack(fields))
        .row();
    });
    menuButton(ctx.t, keyboard);
    await show(ctx, lines.join('\n'), keyboard);
  };

  composer.command('webhooks', (ctx) => list(ctx));
  // Buttons are answered by the bot's own middleware before any feature runs.
  onCallback(composer, menu.webhooks, (ctx) => list(ctx));

  composer.command('webhook', async (ctx) => {
    if (!webhooks) return list(ctx);
    const url = ctx.match.trim();
    if (url === '') return list(ctx);
    const result = await webhooks.register(ctx.user.id, { url });
    if (!result.ok) {
      await ctx.reply(ctx.t('webhooks-refused', { reason: escapeHtml(result.message) }), { reply_markup: back(ctx) });
      return;
    }
    await ctx.reply(
      [ctx.t('webhooks-added', { url: code(result.endpoint.url) }), code(result.secret), '', ctx.t('webhooks-secret-once')].join('\n'),
      { reply_markup: back(ctx), link_preview_options: { is_disabled: true } },
    );
  });

  onCallback(composer, webhookCallbacks.test, async (ctx, { endpointId }) => {
    // Waits for the receiver, at most the delivery timeout; only this customer's screen waits.
    const delivery = await webhooks?.sendTest(ctx.user.id, endpointId);
    if (!delivery) return list(ctx);
    const text =
      delivery.state === 'delivered'
        ? ctx.t('webhooks-test-ok', { last: attemptSummary(ctx.t, delivery) })
        : ctx.t('webhooks-test-failed', { last: attemptSummary(ctx.t, delivery) });
    await list(ctx, text);
  });

  onCallback(composer, webhookCallbacks.log, async (ctx, { endpointId }) => {
    const endpoint = webhooks?.get(ctx.user.id, endpointId);
    const page = endpoint && webhooks?.deliveries(ctx.user.id, endpoint.id, { limit: LOG_ENTRIES });
    if (!endpoint || !page) return list(ctx);
    const lines = [ctx.t('webhooks-log-title', { url: code(endpoint.url) })];
    if (page.entries.length === 0) lines.push('', ctx.t('webhooks-log-empty'));
    for (const delivery of page.entries) lines.push('', deliveryLine(ctx.t, delivery));
    await show(ctx, lines.join('\n'), back(ctx));
  });

  onCallback(composer, webhookCallbacks.remove, async (ctx, { endpointId }) => {
    const endpoint = webhooks?.get(ctx.user.id, endpointId);
    if (!endpoint) return list(ctx);
    const keyboard = new InlineKeyboard()
      .text(ctx.t('webhooks-remove-yes'), webhookCallbacks.removeConfirmed.pack({ endpointId: endpoint.id }))
      .text(ctx.t('btn-back'), menu.webhooks.pack());
    await show(ctx, ctx.t('webhooks-remove-confirm', { url: code(endpoint.url) }), keyboard);
  });

  onCallback(composer, webhookCallbacks.removeConfirmed, async (ctx, { endpointId }) => {
    const removed = webhooks?.remove(ctx.user.id, endpointId) ?? false;
    await list(ctx, removed ? ctx.t('webhooks-removed') : undefined);
  });

  return composer;
}
