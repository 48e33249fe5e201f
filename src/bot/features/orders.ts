/**
 * Confirming a priced choice (purchase or renewal) and what follows. The
 * saga runs as a detached task: the handler returns at once, the customer
 * sees "placing your order…", and the message is edited with the result when
 * the saga settles, however long the upstream takes. The intent key is
 * derived from the quote id, so a second tap on the same Confirm joins the
 * same order and can never buy twice.
 */
import { Composer, InlineKeyboard, InputFile, type Api } from 'grammy';
import { EXPORT_FORMATS, formatProxyList } from '../../domain/proxy-format.js';
import { subscriptionIdsOf } from '../../services/order-store.js';
import type { SagaResult } from '../../services/orders.js';
import type { Language } from '../../services/users.js';
import { onCallback, orderCallbacks } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { code } from '../html.js';
import { backToMenu, menuButton } from '../keyboards/main-menu.js';
import { show, type Translate } from '../ui.js';
import { confirmKeyboard, sagaResultView, summaryText, MAX_INLINE_PROXIES } from '../views/order.js';

export const intentKeyOf = (quoteId: string) => `bot:${quoteId}`;

interface OrderTask {
  chatId: number;
  messageId: number;
  userId: number;
  quoteId: string;
  language: Language;
}

export function createOrdersFeature(env: BotEnv, api: () => Api): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { services } = env;

  onCallback(composer, orderCallbacks.confirm, async (ctx, { quoteId }) => {
    const message = ctx.callbackQuery.message;
    if (!message) return;
    const task: OrderTask = {
      chatId: message.chat.id,
      messageId: message.message_id,
      userId: ctx.user.id,
      quoteId,
      language: ctx.language,
    };
    // A second tap while the first one's task runs changes nothing: that task will edit the message.
    env.background.start(intentKeyOf(task.quoteId), () => placeOrder(env, api(), task));
  });

  // Back from the top-up screen to the order that was short of money.
  onCallback(composer, orderCallbacks.resume, async (ctx) => {
    const quoteId = env.pendingQuotes.read(String(ctx.user.id));
    const quote = quoteId ? services.orders.quoteById(quoteId) : undefined;
    if (!quote) {
      await show(ctx, ctx.t('order-nothing-pending'), backToMenu(ctx.t));
      return;
    }
    await show(ctx, summaryText(ctx.t, quote), confirmKeyboard(ctx.t, quote));
  });

  // The credentials of a delivered order in another format.
  onCallback(composer, orderCallbacks.formats, async (ctx, { orderId }) => {
    const keyboard = new InlineKeyboard();
    for (const format of EXPORT_FORMATS.keys())
      keyboard.text(ctx.t(`format-${format}`), orderCallbacks.inFormat.pack({ orderId, format })).row();
    menuButton(ctx.t, keyboard);
    await ctx.reply(ctx.t('formats-choose'), { reply_markup: keyboard });
  });

  onCallback(composer, orderCallbacks.inFormat, async (ctx, fields) => {
    const order = services.orders.order(fields.orderId);
    const format = EXPORT_FORMATS[fields.format];
    if (!order || order.userId !== ctx.user.id || !format) return;
    const proxies = services.orders.subscriptionsOfOrder(order.id).map((sub) => services.purchaseTargets?.asDelivered(sub) ?? sub);
    await sendProxyList(ctx.api, ctx.chat!.id, ctx.t, proxies, format, `proxies-${order.id}`);
  });

  return composer;
}

async function placeOrder(env: BotEnv, api: Api, task: OrderTask): Promise<void> {
  const t: Translate = (key, vars) => env.i18n.t(task.language, key, vars);
  /** Returns the id of the message that now shows `text`. */
  const edit = async (text: string, keyboard?: InlineKeyboard): Promise<number> => {
    try {
      await api.editMessageText(task.chatId, task.messageId, text, { reply_markup: keyboard });
      return task.messageId;
    } catch (error) {
      env.logger.warn('could not edit the order message; sending a new one', { error });
      return (await api.sendMessage(task.chatId, text, { reply_markup: keyboard })).message_id;
    }
  };
  await edit(t('order-placing'));
  let result: SagaResult;
  try {
    result = await env.services.orders.purchase({
      userId: task.userId,
      quoteId: task.quoteId,
      intentKey: intentKeyOf(task.quoteId),
      channel: 'bot',
    });
  } catch (error) {
    env.logger.error('purchase failed unexpectedly', { quoteId: task.quoteId, error });
    await edit(t('error-generic'), backToMenu(t));
    return;
  }
  const balance = env.services.wallet.balance(task.userId);
  let renewed: { id: string; expiresAt: number | null } | undefined;
  if (result.kind === 'delivered' && result.order.kind === 'renewal') {
    const id = subscriptionIdsOf(result.order)[0];
    const sub = id ? env.services.subscriptions.get(task.userId, id) : undefined;
    if (sub) renewed = { id: sub.id, expiresAt: sub.expiresAt };
  }
  // A single delivered proxy that takes targeting: its connection-string builder right under the credentials.
  const delivered = result.kind === 'delivered' && result.order.kind !== 'renewal' ? result.proxies : [];
  const targetable =
    delivered.length === 1 && env.services.targeting && env.services.subscriptions.actionsFor(delivered[0]!).includes('targeting')
      ? delivered[0]!.id
      : undefined;
  // Bought for a target: the credentials built for it, and the target said above them (services/purchase-targets.ts).
  const target = result.kind === 'delivered' ? env.services.orders.targetOfOrder(result.order.id) : undefined;
  const shown =
    result.kind === 'delivered' && target && env.services.purchaseTargets
      ? { ...result, proxies: result.proxies.map(env.services.purchaseTargets.asDelivered) }
      : result;
  const trial = result.kind === 'delivered' && (env.services.promos?.orderDiscount(result.order.id)?.trialProviderId ?? null) !== null;
  const view = sagaResultView(t, shown, balance, renewed, targetable, target, trial);
  if (view.awaitingFunds) env.pendingQuotes.write(String(task.userId), task.quoteId);
  else if (result.kind !== 'quote_expired') env.pendingQuotes.delete(String(task.userId));
  // News about a slow order (a person alerted, the outcome) edits this message instead of adding new ones (notices.ts).
  // Recorded before the edit so a notifier pass in between finds it; a fallback to a new message re-records it.
  const slow = result.kind === 'provisioning' ? result.order.id : undefined;
  if (slow) env.orderMessages.write(slow, { chatId: task.chatId, messageId: task.messageId });
  const shownIn = await edit(view.text, view.keyboard);
  if (slow && shownIn !== task.messageId) env.orderMessages.write(slow, { chatId: task.chatId, messageId: shownIn });
  if (view.document) {
    await api.sendDocument(task.chatId, new InputFile(Buffer.from(view.document.content), view.document.fileName));
  }
}

/** Proxies in one format: <code> lines for a few, a .txt file for many. */
export async function sendProxyList(
  api: Api,
  chatId: number,
  t: Translate,
  proxies: Parameters<typeof formatProxyList>[0],
  format: (typeof EXPORT_FORMATS)[number],
  fileBase: string,
): Promise<void> {
  const text = formatProxyList(proxies, format);
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length === 0) {
    await api.sendMessage(chatId, t('formats-none'));
  } else if (proxies.length > MAX_INLINE_PROXIES) {
    await api.sendDocument(chatId, new InputFile(Buffer.from(text), `${fileBase}.txt`), {
      caption: t('formats-file', { count: lines.length }),
    });
  } else {
    await api.sendMessage(chatId, lines.map(code).join('\n'));
  }
}
