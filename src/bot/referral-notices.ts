/**
 * Notices to a referrer (services/referrals.ts): a purchase of someone they
 * invited earned them a reward, or its refund took the reward back. The
 * invited customer is not named: the referrer learns of money, not of
 * another customer's purchases.
 */
import { InlineKeyboard } from 'grammy';
import type { CustomerEvent } from '../services/outbox-events.js';
import { menuCallbacks } from './callback-data.js';
import { money } from './format.js';
import type { Translate } from './ui.js';

export type ReferralEvent = Extract<CustomerEvent, { kind: 'referral_reward_credited' | 'referral_reward_reversed' }>;

export function referralNotice(
  event: ReferralEvent,
  t: Translate,
  balanceCents: number,
): { text: string; reply_markup: InlineKeyboard; parse_mode: 'HTML' } {
  const lines: string[] = [];
  switch (event.kind) {
    case 'referral_reward_credited':
      lines.push(t('referral-notice-credited', { amount: money(event.payload.rewardCents) }));
      break;
    case 'referral_reward_reversed': {
      const { reversedCents, unrecoveredCents } = event.payload;
      lines.push(t('referral-notice-reversed', { amount: money(reversedCents + unrecoveredCents) }));
      if (reversedCents > 0) lines.push(t('referral-notice-reversed-taken', { amount: money(reversedCents) }));
      if (unrecoveredCents > 0) lines.push(t('referral-notice-reversed-spent', { amount: money(unrecoveredCents) }));
      break;
    }
  }
  lines.push(t('notice-adjusted-balance', { balance: money(balanceCents) }));
  const keyboard = new InlineKeyboard().text(t('menu-referrals'), menuCallbacks.referrals.pack());
  return { text: lines.join('\n'), reply_markup: keyboard, parse_mode: 'HTML' };
}
