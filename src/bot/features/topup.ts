/**
 * The top-up screen. Payment methods (Telegram Stars, Crypto Pay, manual)
 * plug in here: each is a `TopUpMethod` passed to `createBot` through
 * `topUpMethods`. Its button sends `top:<id>`, and its composer handles that
 * and any further `top:<id>:…` callbacks. With no methods registered the
 * screen says that top-ups are not available yet.
 *
 * A method that hears about payments through Telegram itself (Stars) adds
 * `payments`: those handlers run ahead of flood control and of the
 * customer's flows, because a payment update that is dropped or swallowed
 * by a conversation is money received and never credited.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { menuCallbacks as menu, onCallback, orderCallbacks, topUpCallbacks, walletCallbacks } from '../callback-data.js';
import type { BotContext, BotEnv } from '../context.js';
import { money } from '../format.js';
import { menuButton } from '../keyboards/main-menu.js';
import { show, type Translate } from '../ui.js';

export interface TopUpMethod {
  /** Short and callback-safe: 'stars', 'cryptopay'. */
  id: string;
  /** The button label in the customer's language. */
  label(t: Translate): string;
  /** Handles `top:<id>` and the method's own callbacks, in the customer's private chat. */
  composer: Composer<BotContext>;
  /** Payment updates (pre-checkout queries, successful payments, refunds); see above. */
  payments?: Composer<BotContext>;
}

/** The payment handlers of every method, for the bot to run before anything can drop an update. */
export function topUpPaymentHandlers(methods: TopUpMethod[]): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  for (const method of methods) if (method.payments) composer.use(method.payments);
  return composer;
}

/** The extension point: payment methods register here, in the order their buttons appear. */
export function registerTopUpMethods(env: BotEnv, methods: TopUpMethod[]): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  // Before the first update: a method whose id cannot go into callback data fails at start, not on a press.
  const openButtons = methods.map((method) => topUpCallbacks(method.id).open);

  onCallback(composer, walletCallbacks.topUp, async (ctx) => {
    const keyboard = new InlineKeyboard();
    for (const [i, method] of methods.entries()) keyboard.text(method.label(ctx.t), openButtons[i]!.pack()).row();
    const pending = env.pendingQuotes.read(String(ctx.user.id));
    if (pending) keyboard.text(ctx.t('btn-resume-order'), orderCallbacks.resume.pack()).row();
    menuButton(ctx.t, keyboard.text(ctx.t('btn-back'), menu.wallet.pack()));
    const balance = env.services.wallet.balance(ctx.user.id);
    const lines = [ctx.t('topup-title'), ctx.t('topup-balance', { balance: money(balance.availableCents) })];
    if (methods.length === 0) lines.push('', ctx.t('topup-none'));
    await show(ctx, lines.join('\n'), keyboard);
  });

  for (const method of methods) composer.use(method.composer);
  return composer;
}
