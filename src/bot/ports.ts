/**
 * Telegram-backed adapters for the ports that lower layers declare: the app
 * wires them in from here, so nothing outside the bot reaches into a bot
 * feature for them.
 */
import { GrammyError, type Api } from 'grammy';
import type { RefundStarPayment } from '../payments/stars.js';

export { notifierApi, telegramMessageSender } from './notifier-port.js';

/** Telegram's refundStarPayment as the Stars service needs it: a 400 is a definite no, anything else is unknown. */
export function telegramStarRefund(api: Api): RefundStarPayment {
  return async (telegramUserId, chargeId) => {
    try {
      await api.refundStarPayment(telegramUserId, chargeId);
      return 'ok';
    } catch (error) {
      // A refund retried after a lost answer finds the charge already refunded: that is success.
      if (error instanceof GrammyError && /CHARGE_ALREADY_REFUNDED/.test(error.description)) return 'ok';
      return error instanceof GrammyError && error.error_code === 400 ? 'refused' : 'unknown';
    }
  };
}
