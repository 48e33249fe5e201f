/**
 * The frame around every operator command and button: who may act, and the
 * audit log of what they did.
 *
 * `createConsoleGate` runs before every operator feature. An admin
 * (ADMIN_IDS) in the operators' group (OPERATOR_CHAT_ID) goes on, and when
 * the handler is done one audit row records the command or button, its
 * arguments, how it ended, what the bot answered, who and when. Anyone else
 * typing a command in the group is refused; an operator command typed in any
 * other chat is recorded as refused and otherwise treated as the chat would
 * treat it (customers get their usual answer, nobody learns the command
 * exists). Refused button presses are recorded too.
 *
 * `createConsoleFallback` runs after them all: an admin's command that no
 * feature took gets the command list.
 */
import type { I18n } from '@grammyjs/i18n';
import { Composer, type Context, type Transformer } from 'grammy';
import type { AuditOutcome } from '../../db/schema/index.js';
import type { Logger } from '../../logger.js';
import type { Audit } from '../../services/operator-console.js';
import type { Language } from '../../services/users.js';
import type { LedgerError } from '../../services/wallet.js';
import { orderIdOfOperatorCallback } from '../callback-data.js';
import type { BotContext, BotServices } from '../context.js';
import { money } from '../format.js';
import { isOperatorCallback } from './operators.js';

/** Commands only operators have; typed anywhere else they are recorded as refused. */
export const OPERATOR_COMMANDS = [
  'ops',
  'stats',
  'markup',
  'refund',
  'credit',
  'debit',
  'ledger',
  'user',
  'ban',
  'unban',
  'orders',
  'topups',
  'broadcast',
  'providers',
  'backup',
] as const;

export interface ConsoleDeps {
  services: Pick<BotServices, 'orders' | 'users'> & { audit: Audit };
  i18n: I18n<Context>;
  language: Language;
  operatorChatId: number | undefined;
  adminIds: readonly number[];
  logger: Logger;
  /** The customer a top-up button is about (top-ups live with payments). */
  topUpOwner?: (topUpId: string) => number | undefined;
}

/** What a handler tells the audit beyond what the gate sees: how it ended and whom it was about. */
interface AuditNote {
  outcome?: AuditOutcome;
  subjectUserId?: number;
}

const notes = new WeakMap<Context, AuditNote>();

/** Called by console handlers: the audit row of this update says how it ended and which customer it was about. */
export function noteAudit(ctx: Context, note: AuditNote): void {
  notes.set(ctx, { ...notes.get(ctx), ...note });
}

/** `/cmd@bot args` → { command, args } when the text is a command addressed to this bot (or to no bot in particular). */
export function commandOf(text: string | undefined, botUsername: string): { command: string; args: string } | undefined {
  const match = text ? /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim()) : null;
  if (!match) return undefined;
  if (match[2] && match[2].toLowerCase() !== botUsername.toLowerCase()) return undefined;
  return { command: match[1]!.toLowerCase(), args: (match[3] ?? '').trim() };
}

const stripHtml = (text: string) =>
  text
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

export function isAdminHere(deps: Pick<ConsoleDeps, 'operatorChatId' | 'adminIds'>, ctx: Context): boolean {
  return (
    deps.operatorChatId !== undefined &&
    ctx.chat?.id === deps.operatorChatId &&
    ctx.from !== undefined &&
    deps.adminIds.includes(ctx.from.id)
  );
}

export function createConsoleGate(deps: ConsoleDeps): Composer<BotContext> {
  const { services, logger } = deps;
  const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(deps.language, key, vars);
  const operatorCommands = new Set<string>(OPERATOR_COMMANDS);
  const composer = new Composer<BotContext>();

  /** The customer a button is about, read from its data: an order's owner or a top-up's, or the card's customer. */
  const subjectOfButton = (data: string): number | undefined => {
    const orderId = orderIdOfOperatorCallback(data) ?? /\bord_[A-Za-z0-9]+/.exec(data)?.[0];
    if (orderId) return services.orders.order(orderId)?.userId;
    const topUpId = /\btu_[A-Za-z0-9]+/.exec(data)?.[0];
    if (topUpId) return deps.topUpOwner?.(topUpId);
    const userId = /^oc:[a-z]+:(\d+)/.exec(data)?.[1];
    return userId ? Number(userId) : undefined;
  };

  const record = (ctx: Context, action: string, args: string, outcome: AuditOutcome, result: string, subject?: number) => {
    try {
      services.audit.record({
        actorTelegramId: ctx.from!.id,
        chatId: ctx.chat?.id ?? null,
        action,
        arguments: args,
        outcome,
        result: stripHtml(result).trim(),
        subjectUserId: subject !== undefined && services.users.byId(subject) ? subject : null,
      });
    } catch (error) {
      // The action itself already happened; a lost audit row is logged loudly rather than failing the update.
      logger.error('admin audit row not written', { action, error });
    }
  };

  composer.use(async (ctx, next) => {
    if (!ctx.from) return next();
    const data = ctx.callbackQuery?.data;
    const typed = ctx.message?.text !== undefined ? commandOf(ctx.message.text, ctx.me.username) : undefined;
    const inOperatorGroup = deps.operatorChatId !== undefined && ctx.chat?.id === deps.operatorChatId;
    const isButton = data !== undefined && isOperatorCallback(data);
    // An admin's plain text in the group may answer a question a button asked (a reason, an upstream order id).
    const answerText = !isButton && !typed && inOperatorGroup && isAdminHere(deps, ctx) ? ctx.message?.text : undefined;
    if (answerText !== undefined) return auditAnswer(ctx, answerText, next);
    if (!isButton && !typed) return next();
    if (typed && !inOperatorGroup && !operatorCommands.has(typed.command)) return next();

    const action = isButton ? data.split(':').slice(0, 2).join(':') : `/${typed!.command}`;
    const args = isButton ? data.split(':').slice(2).join(':') : typed!.args;
    if (!isAdminHere(deps, ctx)) {
      record(
        ctx,
        action,
        args,
        'refused',
        inOperatorGroup ? 'not an admin' : 'outside the operators’ group',
        isButton ? subjectOfButton(data) : undefined,
      );
      logger.warn('operator action refused', { telegramUserId: ctx.from.id, chatId: ctx.chat?.id, action });
      if (isButton && !data.startsWith('op:')) {
        // The console's own buttons are answered here; the alerts' buttons by their feature, which records the order's side.
        await ctx.answerCallbackQuery({ text: t('op-not-allowed'), show_alert: true }).catch(() => undefined);
        return;
      }
      if (isButton) return next();
      if (inOperatorGroup) {
        await ctx.reply(t('oc-not-allowed'), {
          reply_parameters: { message_id: ctx.message!.message_id, allow_sending_without_reply: true },
        });
        return;
      }
      return next();
    }

    const said = captureReplies(ctx);
    let outcome: AuditOutcome = 'done';
    try {
      await next();
    } catch (error) {
      outcome = 'failed';
      throw error;
    } finally {
      const note = notes.get(ctx);
      const subject = note?.subjectUserId ?? (isButton ? subjectOfButton(data) : undefined);
      record(ctx, action, args, outcome === 'failed' ? 'failed' : (note?.outcome ?? 'done'), said.join('\n'), subject);
    }
  });
  /** Text the bot acted on is recorded (chatter between admins gets no answer and no row). */
  async function auditAnswer(ctx: Context, text: string, next: () => Promise<void>) {
    const said = captureReplies(ctx);
    try {
      await next();
    } finally {
      if (said.length > 0) record(ctx, 'answer', text, notes.get(ctx)?.outcome ?? 'done', said.join('\n'), notes.get(ctx)?.subjectUserId);
    }
  }

  return composer;
}

/** Everything the bot says while handling this update (messages, edits, button answers), for the audit's "result". */
function captureReplies(ctx: Context): string[] {
  const said: string[] = [];
  const capture: Transformer = (prev, method, payload, signal) => {
    if (method === 'sendMessage' || method === 'editMessageText' || method === 'answerCallbackQuery') {
      const text = (payload as { text?: unknown }).text;
      if (typeof text === 'string' && text.length > 0) said.push(text);
    }
    return prev(method, payload, signal);
  };
  // Each update has its own Api object: the transformer ends with the update.
  ctx.api.config.use(capture);
  return said;
}

export function createConsoleFallback(deps: Pick<ConsoleDeps, 'i18n' | 'language' | 'operatorChatId' | 'adminIds'>): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on('message:text', async (ctx, next) => {
    const typed = commandOf(ctx.message.text, ctx.me.username);
    if (!typed || !isAdminHere(deps, ctx)) return next();
    noteAudit(ctx, { outcome: 'usage' });
    await ctx.reply(
      `${deps.i18n.t(deps.language, 'oc-unknown-command', { command: `/${typed.command}` })}\n\n${deps.i18n.t(deps.language, 'admin-help')}`,
      {
        parse_mode: 'HTML',
      },
    );
  });
  return composer;
}

/** A ledger refusal in the operators' words, with money in dollars. */
export function ledgerRefusal(
  t: (key: string, vars?: Record<string, string | number>) => string,
  error: LedgerError,
  facts: { availableCents?: number; refundableCents?: number },
): string {
  switch (error.code) {
    case 'insufficient_funds':
      return t('oc-refused-below-zero', { available: money(facts.availableCents ?? 0) });
    case 'refund_exceeds_capture':
      return t('oc-refused-refund-too-much', { refundable: money(Math.max(facts.refundableCents ?? 0, 0)) });
    case 'not_captured':
    case 'hold_not_found':
      return t('oc-refused-not-charged');
    case 'invalid_amount':
      return t('oc-refused-amount');
    default:
      return t('admin-refused', { reason: error.code });
  }
}
