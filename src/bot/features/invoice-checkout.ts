/**
 * What Stars and card top-ups share around an invoice: the customer's
 * language outside a conversation, and the pre-checkout answer. Telegram
 * waits 10 s for that answer, so it is a quick local check and nothing else.
 */
import type { Middleware } from 'grammy';
import type { User } from '../../services/users.js';
import type { BotContext, BotEnv } from '../context.js';
import { asLanguage } from '../i18n.js';
import type { Translate } from '../ui.js';

/** Texts in the customer's language: their saved one, else their app's. */
export function payerTranslator(env: BotEnv): (user: User | undefined, telegramLanguage?: string) => Translate {
  return (user, telegramLanguage) => {
    const language = asLanguage(user?.language) ?? (telegramLanguage?.startsWith('ru') ? 'ru' : 'en');
    return (key, vars) => env.i18n.t(language, key, vars);
  };
}

type Check<R extends string> = (input: {
  userId: number | undefined;
  payload: string;
  currency: string;
  totalAmount: number;
}) => { ok: true } | { ok: false; refusal: R };

/**
 * Answers the pre-checkout queries in the currencies `accepts` takes (passes
 * the others on): yes when `check` agrees with the invoice it recorded, else
 * no with the refusal's text.
 */
export function answerPreCheckout<R extends string>(
  env: BotEnv,
  options: { accepts: (currency: string) => boolean; check: Check<R>; refusalKeys: Record<R, string>; what: string },
): Middleware<BotContext> {
  const translator = payerTranslator(env);
  return async (ctx, next) => {
    const query = ctx.preCheckoutQuery;
    if (!query || !options.accepts(query.currency)) return next();
    const user = env.services.users.byTelegramId(query.from.id);
    const t = translator(user, query.from.language_code);
    let refusal: string | undefined;
    try {
      const check = options.check({
        userId: user?.id,
        payload: query.invoice_payload,
        currency: query.currency,
        totalAmount: query.total_amount,
      });
      if (!check.ok) refusal = t(options.refusalKeys[check.refusal]);
    } catch (error) {
      env.logger.error(`${options.what} pre-checkout check failed`, { error, payload: query.invoice_payload });
      refusal = t('error-generic');
    }
    if (refusal === undefined) await ctx.answerPreCheckoutQuery(true);
    else await ctx.answerPreCheckoutQuery(false, { error_message: refusal });
  };
}
