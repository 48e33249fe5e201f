/**
 * Showing a screen: a button press edits the message it came from (the menu
 * stays one message), anything else sends a new one.
 */
import { GrammyError, type Context, type InlineKeyboard } from 'grammy';

export type Translate = (key: string, variables?: Record<string, string | number>) => string;

export function isNotModified(error: unknown): boolean {
  return error instanceof GrammyError && /message is not modified/.test(error.description);
}

/** Errors after which an edit cannot succeed, so a new message is sent instead. */
function cannotEdit(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    /message to edit not found|message can't be edited|there is no text in the message/.test(error.description)
  );
}

export async function show(ctx: Context, text: string, keyboard?: InlineKeyboard): Promise<void> {
  const other = { reply_markup: keyboard, link_preview_options: { is_disabled: true } };
  const message = ctx.callbackQuery?.message;
  if (message) {
    try {
      await ctx.api.editMessageText(message.chat.id, message.message_id, text, other);
      return;
    } catch (error) {
      if (isNotModified(error)) return;
      if (!cannotEdit(error)) throw error;
    }
  }
  await ctx.reply(text, other);
}
