/**
 * Invoices, pre-checkout answers, Stars refunds and the Stars ledger the bot
 * can read back. Stars (XTR) invoices follow Telegram's rules: one price, no
 * provider token, no tips. Invoices in a real currency (card payments through
 * Telegram Payments) need an ISO 4217 code and a provider token as @BotFather
 * gives them ('<provider id>:TEST:…' or ':LIVE:…'); the payment then carries
 * a provider_payment_charge_id as well. The user's side of paying lives in
 * actions.ts.
 */
import { badRequest, QUERY_TOO_OLD } from '../errors.js';
import { chatIdParam, replyMarkupOf, type MethodHandler } from './common.js';

const sendInvoice: MethodHandler = (ctx) => {
  const { params, state } = ctx;
  const chat = state.chatForBotSend(chatIdParam(params));
  const currency = params.str('currency')!.toUpperCase();
  const providerToken = params.str('provider_token') ?? '';
  const prices = params.json<{ label: string; amount: number }[]>('prices', 'prices JSON array');
  if (!Array.isArray(prices) || prices.length === 0) throw badRequest('prices must be non-empty');
  for (const price of prices) {
    if (typeof price?.label !== 'string' || !Number.isSafeInteger(price.amount)) {
      throw badRequest("can't parse prices JSON object");
    }
  }
  if (currency === 'XTR') {
    if (prices.length !== 1) throw badRequest('exactly one price must be specified for payments in Telegram Stars');
    if (providerToken !== '') throw badRequest('provider_token must be empty for payments in Telegram Stars');
    if ((params.int('max_tip_amount') ?? 0) !== 0) throw badRequest('tips are not supported for payments in Telegram Stars');
  } else {
    // A real currency goes through a payment provider connected in @BotFather (its token names the provider).
    if (!/^[A-Z]{3}$/.test(currency)) throw badRequest('CURRENCY_INVALID');
    if (!/^\d+:[A-Za-z0-9_:-]+$/.test(providerToken)) throw badRequest('PAYMENT_PROVIDER_INVALID');
  }
  const totalAmount = prices.reduce((sum, price) => sum + price.amount, 0);
  if (totalAmount <= 0) throw badRequest('CURRENCY_TOTAL_AMOUNT_INVALID');
  const payload = params.str('payload')!;
  const payloadBytes = Buffer.byteLength(payload, 'utf8');
  if (payloadBytes < 1 || payloadBytes > 128) throw badRequest('INVOICE_PAYLOAD_INVALID');
  const title = params.str('title')!;
  const description = params.str('description')!;
  if (title.length < 1 || title.length > 32) throw badRequest('INVOICE_TITLE_INVALID');
  if (description.length < 1 || description.length > 255) throw badRequest('INVOICE_DESCRIPTION_INVALID');

  const replyMarkup = replyMarkupOf(params);
  const firstButton = (replyMarkup as { inline_keyboard?: { pay?: boolean }[][] } | undefined)?.inline_keyboard?.[0]?.[0];
  if (replyMarkup && (!('inline_keyboard' in replyMarkup) || firstButton?.pay !== true)) {
    throw badRequest('the first button of an invoice keyboard must be a Pay button');
  }
  const message = state.addMessage(chat, {
    from: state.bot,
    fromBot: true,
    plainText: `${title}\n${description}`,
    entities: [],
    isCaption: false,
    invoice: {
      title,
      description,
      payload,
      currency,
      prices,
      totalAmount,
      startParameter: params.str('start_parameter') ?? '',
      providerToken,
    },
    ...(replyMarkup ? { replyMarkup } : {}),
  });
  return state.toWireMessage(message);
};

const answerPreCheckoutQuery: MethodHandler = ({ params, state }) => {
  const query = state.preCheckouts.get(params.str('pre_checkout_query_id')!);
  if (!query?.open) throw badRequest(QUERY_TOO_OLD);
  const ok = params.bool('ok')!;
  const errorMessage = params.str('error_message');
  if (!ok && !errorMessage) throw badRequest('error_message is required when ok is false');
  query.open = false;
  query.settle(ok ? { ok: true } : { ok: false, error: errorMessage! });
  return true;
};

const refundStarPayment: MethodHandler = ({ params, state, updates }) => {
  const userId = params.int('user_id')!;
  state.user(userId);
  const payment = state.payments.get(params.str('telegram_payment_charge_id')!);
  if (!payment || payment.userId !== userId || payment.currency !== 'XTR') throw badRequest('CHARGE_NOT_FOUND');
  if (payment.refundedAt !== undefined) throw badRequest('CHARGE_ALREADY_REFUNDED');
  if (state.starBalance < payment.totalAmount) throw badRequest('BALANCE_TOO_LOW');
  payment.refundedAt = state.unixNow();
  state.starBalance -= payment.totalAmount;
  state.starLedger.push({ chargeId: payment.chargeId, kind: 'refund', date: payment.refundedAt });
  // Telegram tells the chat with a refunded_payment service message from the user.
  const message = state.addMessage(state.chat(payment.chatId), {
    from: state.user(userId).user,
    fromBot: false,
    plainText: '',
    entities: [],
    isCaption: false,
    refundedPayment: {
      currency: payment.currency,
      total_amount: payment.totalAmount,
      invoice_payload: payment.payload,
      telegram_payment_charge_id: payment.chargeId,
    },
  });
  updates.enqueue({ message: state.toWireMessage(message) });
  return true;
};

/** Payments and refunds in chronological order, as Telegram lists them. */
const getStarTransactions: MethodHandler = ({ params, state }) => {
  const offset = params.int('offset') ?? 0;
  const limit = params.int('limit') ?? 100;
  if (limit < 1 || limit > 100) throw badRequest('limit must be between 1 and 100');
  const transactions = state.starLedger.slice(offset, offset + limit).map(({ chargeId, kind, date }) => {
    const payment = state.payments.get(chargeId)!;
    const partner = {
      type: 'user',
      transaction_type: 'invoice_payment',
      user: state.user(payment.userId).user,
      invoice_payload: payment.payload,
    };
    return { id: chargeId, amount: payment.totalAmount, date, [kind === 'payment' ? 'source' : 'receiver']: partner };
  });
  return { transactions };
};

const getMyStarBalance: MethodHandler = ({ state }) => ({ amount: state.starBalance });

export const paymentMethods: Record<string, MethodHandler> = {
  sendInvoice,
  answerPreCheckoutQuery,
  refundStarPayment,
  getStarTransactions,
  getMyStarBalance,
};
