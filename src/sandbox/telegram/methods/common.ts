/**
 * What several methods share: the handler signature, reading chat ids,
 * turning text + parse_mode into what the user reads, and validating inline
 * keyboards the way Telegram does (the 64-byte callback_data limit included).
 */
import { badRequest } from '../errors.js';
import { EntityParseError, parseHtml, plainFromMarkdown } from '../html.js';
import type { Params } from '../params.js';
import type { EmulatorState } from '../state.js';
import type { UpdateQueue } from '../updates.js';
import type { InlineKeyboardButton, MessageEntity, ReplyMarkup } from '../types.js';

export interface MethodContext {
  state: EmulatorState;
  updates: UpdateQueue;
  params: Params;
  /** Aborted when the caller disconnects (long polls stop waiting). */
  signal: AbortSignal;
}

export type MethodHandler = (ctx: MethodContext) => unknown;

export function chatIdParam(params: Params, name = 'chat_id'): number {
  const value = params.raw[name];
  if (typeof value === 'string' && value.startsWith('@')) throw badRequest('chat not found');
  const id = params.int(name);
  if (id === undefined) throw badRequest(`${name} is required`);
  return id;
}

export interface FormattedText {
  rawText: string;
  parseMode?: string;
  plainText: string;
  entities: MessageEntity[];
}

/** Applies parse_mode (or explicit entities) the way Telegram would before storing text. */
export function formatText(raw: string, parseMode: string | undefined, entities: MessageEntity[] | undefined): FormattedText {
  const base = { rawText: raw, ...(parseMode ? { parseMode } : {}) };
  if (!parseMode) return { ...base, plainText: raw, entities: entities ?? [] };
  switch (parseMode) {
    case 'HTML':
      try {
        return { ...base, ...rename(parseHtml(raw)) };
      } catch (error) {
        if (error instanceof EntityParseError) throw badRequest(`can't parse entities: ${error.message}`);
        throw error;
      }
    case 'MarkdownV2':
    case 'Markdown':
      return { ...base, plainText: plainFromMarkdown(raw, parseMode), entities: [] };
    default:
      throw badRequest('unsupported parse_mode');
  }
}

function rename(parsed: { text: string; entities: MessageEntity[] }) {
  return { plainText: parsed.text, entities: parsed.entities };
}

export function textOf(ctx: MethodContext, field: 'text' | 'caption'): FormattedText | undefined {
  const raw = ctx.params.str(field);
  if (raw === undefined) return undefined;
  const entitiesField = field === 'text' ? 'entities' : 'caption_entities';
  const formatted = formatText(raw, ctx.params.str('parse_mode'), ctx.params.json<MessageEntity[]>(entitiesField));
  const limit = field === 'text' ? 4096 : 1024;
  if (field === 'text' && formatted.plainText.trim().length === 0) throw badRequest('message text is empty');
  if (formatted.plainText.length > limit) {
    throw badRequest(field === 'text' ? 'message is too long' : 'message caption is too long');
  }
  return formatted;
}

/** Validates reply_markup; inline keyboards get Telegram's button checks. */
export function replyMarkupOf(params: Params): ReplyMarkup | undefined {
  const markup = params.json<ReplyMarkup>('reply_markup', 'reply keyboard markup JSON object');
  if (markup === undefined) return undefined;
  if (typeof markup !== 'object' || markup === null || Array.isArray(markup)) {
    throw badRequest("can't parse reply keyboard markup JSON object");
  }
  if (!('inline_keyboard' in markup)) return markup;
  const rows = (markup as { inline_keyboard: unknown }).inline_keyboard;
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row))) {
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays');
  }
  for (const row of rows as unknown[][]) for (const button of row) checkButton(button);
  return markup;
}

const BUTTON_ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
];

function checkButton(value: unknown): void {
  const button = value as InlineKeyboardButton;
  if (typeof button !== 'object' || button === null || typeof button.text !== 'string') {
    throw badRequest('can\'t parse inline keyboard button: Field "text" must be of type String');
  }
  if (!BUTTON_ACTIONS.some((action) => button[action] !== undefined)) {
    throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
  }
  if (button.callback_data !== undefined) {
    const bytes = Buffer.byteLength(String(button.callback_data), 'utf8');
    if (bytes < 1 || bytes > 64) throw badRequest('BUTTON_DATA_INVALID');
  }
  if (button.url !== undefined && !/^(https?|tg):\/\/\S+$/i.test(String(button.url))) {
    throw badRequest('BUTTON_URL_INVALID');
  }
}

export function sameMarkup(a: ReplyMarkup | undefined, b: ReplyMarkup | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
