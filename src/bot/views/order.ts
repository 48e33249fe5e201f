/**
 * What the customer sees about a priced choice and about the end of a
 * purchase saga. Shared by the buy flow, renewals, the detached order task
 * and the outbox notices, so an order reads the same wherever it shows.
 */
import { countryText, termText } from '../labels.js';
import { InlineKeyboard } from 'grammy';
import { formatProxy, type ProxyCredentials } from '../../domain/proxy-format.js';
import type { OrderFailureCode, QuoteRefusal, QuoteView, SagaResult } from '../../services/orders.js';
import { labelsOf, type OrderLabels, type OrderRow } from '../../services/order-store.js';
import type { Balance } from '../../services/wallet.js';
import { menuCallbacks as menu, orderCallbacks, proxyCallbacks, targetingCallbacks, walletCallbacks } from '../callback-data.js';
import { isoDate, isoDateTime, money } from '../format.js';
import { code, escapeHtml } from '../html.js';
import { backToMenu, menuButton } from '../keyboards/main-menu.js';
import type { Translate } from '../ui.js';
import { productName } from '../product-names.js';
import type { ProxyTarget } from '../../providers/types.js';
import { targetCardLine, targetSummaryLines } from './purchase-target.js';
import { trialTermText } from './trial.js';

/** More proxies than this go out as a .txt file instead of message lines. */
export const MAX_INLINE_PROXIES = 5;

/** Every reason a customer can be told, with its wording: a reason a service adds without wording here fails to compile. */
const REASON_WORDING: Record<QuoteRefusal | OrderFailureCode, string> = {
  provider_unavailable: 'reason-provider-unavailable',
  provider_disabled: 'reason-provider-disabled',
  unknown_product: 'reason-unknown-product',
  unknown_country: 'reason-unknown-country',
  unknown_term: 'reason-unknown-term',
  promo_refused: 'reason-promo-refused',
  bad_quantity: 'reason-bad-quantity',
  not_available: 'reason-not-available',
  out_of_stock: 'reason-out-of-stock',
  no_price: 'reason-no-price',
  invalid_option: 'reason-invalid-option',
  insufficient_upstream_balance: 'reason-insufficient-upstream-balance',
  unauthorized: 'reason-unauthorized',
  forbidden: 'reason-forbidden',
  rate_limited: 'reason-rate-limited',
  busy: 'reason-busy',
  not_placed: 'reason-not-placed',
  interrupted: 'reason-interrupted',
  unsupported: 'reason-unsupported',
  not_found: 'reason-not-found',
  settled_failed: 'reason-settled-failed',
  // The upstream said no without saying why.
  rejected: 'reason-other',
};

const hasWording = (reason: string): reason is QuoteRefusal | OrderFailureCode => Object.hasOwn(REASON_WORDING, reason);

/**
 * A refusal or failure in the customer's words. Takes text because an order's
 * failure code is stored as text: a code this version does not know (or none)
 * reads as the generic reason.
 */
export function reasonText(t: Translate, reason: string | null | undefined): string {
  return t(reason && hasWording(reason) ? REASON_WORDING[reason] : 'reason-other');
}

/** Product · country · term; with `t`, the country and term in the reader's language. */
export function labelLine(labels: OrderLabels, t?: Translate): string {
  const country =
    t && labels.country
      ? countryText(t, { name: labels.country, ...(labels.countryIso ? { iso: labels.countryIso } : {}) })
      : labels.country;
  const term = t ? termText(t, { label: labels.term, ...(labels.termDays !== undefined ? { days: labels.termDays } : {}) }) : labels.term;
  return [t ? productName(t, labels.product) : labels.product, country, term]
    .filter(Boolean)
    .map((s) => escapeHtml(s!))
    .join(' · ');
}

/** What the customer pays, in words: only a free trial is priced at nothing. */
export function priceText(t: Translate, cents: number): string {
  return cents === 0 ? t('price-free') : money(cents);
}

export function summaryText(t: Translate, quote: QuoteView, notice?: string): string {
  const labels = quote.labels;
  const term = termText(t, { label: labels.term, ...(labels.termDays !== undefined ? { days: labels.termDays } : {}) });
  const trialOf = quote.discount?.trialProviderId ?? null;
  const lines = [
    notice,
    t(quote.kind === 'renewal' ? 'summary-title-renewal' : 'summary-title'),
    t('summary-provider', { provider: escapeHtml(labels.provider) }),
    t('summary-product', { product: escapeHtml(productName(t, labels.product)) }),
    labels.country
      ? t('summary-country', {
          country: escapeHtml(countryText(t, { name: labels.country, ...(labels.countryIso ? { iso: labels.countryIso } : {}) })),
        })
      : undefined,
    t('summary-term', { term: escapeHtml(trialOf === null ? term : trialTermText(t, trialOf, term)) }),
    t('summary-quantity', { quantity: quote.choice.quantity }),
    ...(quote.target ? targetSummaryLines(t, quote.target) : []),
    quote.discount
      ? t('summary-discount', {
          list: money(quote.discount.listPriceCents),
          off: money(quote.discount.tierDiscountCents + quote.discount.promoDiscountCents),
          code: quote.discount.promoCode ?? (trialOf === null ? '—' : t('trial-code')),
        })
      : undefined,
    t('summary-price', { price: priceText(t, quote.priceCents) }),
    t('summary-lock', { until: isoDateTime(quote.expiresAt) }),
  ];
  return lines.filter((l): l is string => l !== undefined).join('\n');
}

/** The summary's buttons outside the buy flow (after a top-up, a new price, a renewal). */
export function confirmKeyboard(t: Translate, quote: QuoteView, back?: { label: string; data: string }): InlineKeyboard {
  const keyboard = new InlineKeyboard()
    .text(t('btn-confirm', { price: priceText(t, quote.priceCents) }), orderCallbacks.confirm.pack({ quoteId: quote.id }))
    .row();
  if (back) keyboard.text(back.label, back.data);
  return keyboard.text(t('btn-cancel'), menu.main.pack());
}

export function credentialLines(proxies: ProxyCredentials[]): string[] {
  return proxies.map((p) => formatProxy(p, 'host:port:login:password')).filter((l): l is string => l !== null);
}

export interface ResultView {
  text: string;
  keyboard?: InlineKeyboard;
  /** Sent after the message when there are too many proxies for it. */
  document?: { fileName: string; content: string };
  /** The order is waiting for the customer's money. */
  awaitingFunds?: boolean;
}

/**
 * Credentials of a delivered purchase: lines in <code>, or a file for many
 * proxies; where no file can be attached (a text-only notice), a pointer to
 * the export instead.
 */
/**
 * `targetableProxyId`: the delivered proxy when its product takes geo and
 * session targeting; its builder is offered right under the credentials.
 */
export function deliveredView(
  t: Translate,
  order: OrderRow,
  proxies: (ProxyCredentials & { expiresAt?: number | null })[],
  balance: Balance,
  canAttach = true,
  targetableProxyId?: string,
  /** What the proxies were bought for; `proxies` already carry the credentials built for it. */
  target?: ProxyTarget,
  /** The order was the provider's trial: its term is said as a trial's and its real end is shown. */
  trial = false,
): ResultView {
  const labels = labelsOf(order);
  const lines = credentialLines(proxies);
  const head = [
    t('order-delivered', { items: trial ? trialLabelLine(t, order, labels) : labelLine(labels, t), quantity: order.quantity }),
    ...(trial ? trialEndLines(t, proxies) : []),
    ...(target ? [targetCardLine(t, target)] : []),
    order.priceCents === 0
      ? t('order-paid-nothing', { balance: money(balance.availableCents) })
      : t('order-paid', { price: money(order.priceCents), balance: money(balance.availableCents) }),
  ];
  const keyboard = menuButton(
    t,
    new InlineKeyboard()
      .text(t('btn-other-formats'), orderCallbacks.formats.pack({ orderId: order.id }))
      .row()
      // A new message: editing this one would take the credentials out of the chat.
      .text(t('menu-proxies'), proxyCallbacks.listAsNew.pack({ page: 0 })),
  );
  if (targetableProxyId) {
    // In a new message too, for the same reason.
    keyboard.row().text(t('proxy-btn-targeting'), targetingCallbacks.openAsNew.pack({ subscriptionId: targetableProxyId }));
  }
  if (lines.length > MAX_INLINE_PROXIES && !canAttach) {
    return { text: [...head, '', t('notice-export-hint', { count: lines.length })].join('\n'), keyboard };
  }
  if (lines.length > MAX_INLINE_PROXIES) {
    return {
      text: [...head, '', t('order-credentials-file', { count: lines.length })].join('\n'),
      keyboard,
      document: { fileName: `proxies-${order.id}.txt`, content: `${lines.join('\n')}\n` },
    };
  }
  return { text: [...head, '', ...lines.map(code)].join('\n'), keyboard };
}

/** A trial's product · country · term, the term in a trial's words (an upstream's own trial may be shorter). */
function trialLabelLine(t: Translate, order: OrderRow, labels: OrderLabels): string {
  const term = termText(t, { label: labels.term, ...(labels.termDays !== undefined ? { days: labels.termDays } : {}) });
  const { termDays: _days, ...rest } = labels;
  return labelLine({ ...rest, term: trialTermText(t, order.providerId, term) }, t);
}

/** When the delivered trial really ends, as the upstream reported it: the earliest end among its proxies. */
function trialEndLines(t: Translate, proxies: readonly { expiresAt?: number | null }[]): string[] {
  const ends = proxies.map((p) => p.expiresAt).filter((e): e is number => typeof e === 'number');
  return ends.length > 0 ? [t('order-trial-ends', { until: isoDateTime(Math.min(...ends)) })] : [];
}

export function renewedView(
  t: Translate,
  order: OrderRow,
  expiresAt: number | null | undefined,
  balance: Balance,
  subscriptionId?: string,
): ResultView {
  const labels = labelsOf(order);
  const keyboard = new InlineKeyboard();
  if (subscriptionId) keyboard.text(t('btn-open-proxy'), proxyCallbacks.card.pack({ subscriptionId }));
  menuButton(t, keyboard);
  return {
    text: [
      // A per-GB package gains traffic, not time: say what was added rather than an expiry it does not have.
      expiresAt
        ? t('order-renewed', { product: escapeHtml(productName(t, labels.product)), until: isoDate(expiresAt) })
        : t('order-traffic-added', { product: escapeHtml(productName(t, labels.product)), term: escapeHtml(labels.term) }),
      t('order-paid', { price: money(order.priceCents), balance: money(balance.availableCents) }),
    ].join('\n'),
    keyboard,
  };
}

export function failedView(t: Translate, order: OrderRow, balance: Balance): ResultView {
  return {
    text: [
      t('order-failed', { items: labelLine(labelsOf(order), t), reason: reasonText(t, order.failureCode) }),
      t('order-returned', { price: money(order.priceCents), balance: money(balance.availableCents) }),
    ].join('\n'),
    keyboard: menuButton(t, new InlineKeyboard().text(t('menu-buy'), menu.buy.pack())),
  };
}

/**
 * An order whose outcome is not known yet: the money is held, not charged,
 * and the customer will be told. `stillOpen` once the attention window is
 * reached and a person is looking into it.
 */
export function stillConfirmingView(t: Translate, order: OrderRow, stillOpen: boolean): ResultView {
  return {
    text: t(stillOpen ? 'notice-order-still-open' : 'notice-order-provisioning', {
      items: labelLine(labelsOf(order), t),
      price: money(order.priceCents),
    }),
    keyboard: menuOnly(t),
  };
}

/** A person confirmed the provider delivered; the credentials follow when the provider lists them. */
export function settledDeliveredView(t: Translate, order: OrderRow): ResultView {
  return {
    text: t('notice-order-settled-delivered', { items: labelLine(labelsOf(order), t), price: money(order.priceCents) }),
    keyboard: menuButton(t, new InlineKeyboard().text(t('menu-proxies'), proxyCallbacks.list.pack({ page: 0 }))),
  };
}

/** Everything the saga can answer, as the message that replaces "placing your order…". */
export function sagaResultView(
  t: Translate,
  result: SagaResult,
  balance: Balance,
  renewedSubscription?: { id: string; expiresAt: number | null },
  targetableProxyId?: string,
  target?: ProxyTarget,
  trial = false,
): ResultView {
  switch (result.kind) {
    case 'delivered':
      return result.order.kind === 'renewal'
        ? renewedView(t, result.order, renewedSubscription?.expiresAt, balance, renewedSubscription?.id)
        : deliveredView(t, result.order, result.proxies, balance, true, targetableProxyId, target, trial);
    case 'failed':
      return failedView(t, result.order, balance);
    case 'provisioning':
      return {
        text: t('order-provisioning', {
          price: money(result.order.priceCents),
          nextCheck: result.order.nextCheckAt !== null ? isoDateTime(result.order.nextCheckAt) : '—',
        }),
        keyboard: menuOnly(t),
      };
    case 'quote_expired':
      if (!result.newQuote) return { text: t('order-quote-expired-unpriced'), keyboard: menuOnly(t) };
      return { text: summaryText(t, result.newQuote, t('order-quote-expired')), keyboard: confirmKeyboard(t, result.newQuote) };
    case 'insufficient_funds':
      return {
        text: t('order-insufficient', {
          missing: money(result.priceCents - result.availableCents),
          price: money(result.priceCents),
          balance: money(result.availableCents),
        }),
        keyboard: menuButton(t, new InlineKeyboard().text(t('btn-top-up'), walletCallbacks.topUp.pack()).row()),
        awaitingFunds: true,
      };
    case 'rejected':
      return { text: t('order-rejected'), keyboard: menuOnly(t) };
    case 'off_sale':
      return { text: t('order-provider-off-sale'), keyboard: menuOnly(t) };
  }
}

function menuOnly(t: Translate): InlineKeyboard {
  return backToMenu(t);
}
