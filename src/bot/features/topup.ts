/**
 * The top-up screen. Payment methods (Telegram Stars, Crypto Pay, manual)
 * plug in here: each is a `TopUpMethod` passed to `createBot` through
 * `topUpMethods`. Its button sends `top:<id>`, and its composer handles that
 * and any further `top:<id>:…` callbacks. With no methods registered the
 * screen says that top-ups are not available yet.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext, BotEnv } from '../context.js';
import { money } from '../format.js';
import { show, type Translate } from '../ui.js';

export interface TopUpMethod {
  /** Short and callback-safe: 'stars', 'cryptopay'. */
  id: string;
  /** The button label in the customer's language. */
  label(t: Translate): string;
  /** Handles `top:<id>` and the method's own callbacks and payments. */
  composer: Composer<BotContext>;
}

/** The extension point: payment methods register here, in the order their buttons appear. */
export function registerTopUpMethods(env: BotEnv, methods: TopUpMethod[]): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.callbackQuery('w:top', async (ctx) => {
    const keyboard = new InlineKeyboard();
    for (const method of methods) keyboard.text(method.label(ctx.t), `top:${method.id}`).row();
    const pending = env.pendingQuotes.read(String(ctx.user.id));
    if (pending) keyboard.text(ctx.t('btn-resume-order'), 'o:resume').row();
    keyboard.text(ctx.t('btn-back'), 'm:wallet').text(ctx.t('btn-main-menu'), 'm:main');
    const balance = env.services.wallet.balance(ctx.user.id);
    const lines = [ctx.t('topup-title'), ctx.t('topup-balance', { balance: money(balance.availableCents) })];
    if (methods.length === 0) lines.push('', ctx.t('topup-none'));
    await show(ctx, lines.join('\n'), keyboard);
  });

  for (const method of methods) composer.use(method.composer);
  return composer;
}
