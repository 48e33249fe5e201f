/**
 * Notices about a traffic plan (services/traffic.ts): 80 % / 95 % used or
 * run out, and automatic top-ups done or failed, each with a button to the
 * proxy's card (where traffic is added) and, when money is short, to the wallet.
 */
import { InlineKeyboard } from 'grammy';
import type { CustomerEvent } from '../services/outbox-events.js';
import type { SubscriptionRow } from '../services/order-store.js';
import { proxyCallbacks, walletCallbacks } from './callback-data.js';
import { money } from './format.js';
import { code, escapeHtml } from './html.js';
import type { Translate } from './ui.js';
import { productName } from './product-names.js';

export type TrafficEvent = Extract<CustomerEvent, { kind: 'traffic_warning' | 'traffic_auto_topped_up' | 'traffic_auto_topup_failed' }>;

const roundGb = (gb: number) => Math.round(gb * 100) / 100;

/** Null when the news is moot: the proxy is no longer active, or (a warning) traffic was added since. */
export function trafficNotice(
  event: TrafficEvent,
  sub: SubscriptionRow,
  t: Translate,
  balanceCents: number,
): { text: string; reply_markup: InlineKeyboard; parse_mode: 'HTML' } | null {
  if (event.kind !== 'traffic_auto_topped_up' && sub.status !== 'active') return null;
  // Traffic added since the warning was queued: it is about a package the customer already grew.
  if (event.kind === 'traffic_warning' && event.payload.totalGb !== null && sub.trafficLimitMb !== null) {
    if (sub.trafficLimitMb > Math.round(event.payload.totalGb * 1000)) return null;
  }
  const vars = { product: escapeHtml(productName(t, sub.productName)), host: code(sub.host), balance: money(balanceCents) };
  const keyboard = new InlineKeyboard().text(t('notice-open-proxy'), proxyCallbacks.card.pack({ subscriptionId: sub.id }));
  let text: string;
  switch (event.kind) {
    case 'traffic_warning': {
      const { threshold, usedGb, totalGb } = event.payload;
      const figures = { ...vars, used: roundGb(usedGb), total: totalGb === null ? '—' : roundGb(totalGb) };
      text = threshold === 100 ? t('traffic-notice-exhausted', figures) : t('traffic-notice-warning', { ...figures, percent: threshold });
      break;
    }
    case 'traffic_auto_topped_up':
      text = t('traffic-notice-auto-topped-up', {
        ...vars,
        term: escapeHtml(event.payload.term),
        price: money(event.payload.priceCents),
      });
      break;
    case 'traffic_auto_topup_failed':
      text = t(`traffic-notice-auto-topup-failed-${event.payload.reason}`, vars);
      keyboard.text(t('btn-top-up'), walletCallbacks.topUp.pack());
      break;
  }
  return { text, reply_markup: keyboard, parse_mode: 'HTML' };
}
