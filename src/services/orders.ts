/**
 * Quotes and the purchase saga — the same code for the bot, the REST API and
 * auto-renewal.
 *
 *  1. reserve: one transaction claims the customer's intent key, creates the
 *     order `reserved` and holds the price in the wallet;
 *  2. the order is marked `calling` (with the time) before the upstream hears of it;
 *  3. the upstream is called outside any transaction, with our order id as its
 *     reference wherever it takes one:
 *       - success → proxies stored, hold captured, `delivered`;
 *       - definite refusal → hold voided, `failed`;
 *       - anything ambiguous → `provisioning`, the hold stays, and the
 *         reconciler finds out what really happened. Never refund blind,
 *         never re-buy blind.
 */
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { settleTransaction, writeTransaction, type Db, type Sqlite } from '../db/client.js';
import { ledgerTransfers, orderDiscounts, orders } from '../db/schema/index.js';
import { newId } from '../domain/ids.js';
import { SingleFlight } from '../lib/single-flight.js';
import { unreachable } from '../domain/unreachable.js';
import type { Logger } from '../logger.js';
import type {
  AmbiguityReason,
  Outcome,
  OrderChoice,
  ProxyProvider,
  ProxyTarget,
  PurchaseResult,
  RefusalCode,
  RenewResult,
  TermOption,
  UpstreamProxy,
} from '../providers/types.js';
import type { Catalog, ChoiceRejection } from './catalog.js';
import { addsTrafficByNewOrder, createLinkedOrderStore, newOrderTrafficTerms } from './linked-orders.js';
import {
  OPEN_STATES,
  choiceOf,
  createOperatorActionStore,
  createOrderStore,
  labelsOf,
  proxyFields,
  epochMsOf,
  subscriptionIdsOf,
  type OperatorActionRow,
  type OrderLabels,
  type OrderRow,
  type QuoteRow,
  type SubscriptionRow,
} from './order-store.js';
import type { Outbox } from './outbox.js';
import type { Pricing } from './pricing.js';
import { createTargetStore } from './purchase-targets.js';
import { PromoRefusedError, type Promos } from './promos.js';
import { holdId, LedgerError, type Wallet } from './wallet.js';
import type { ReferralRewardHooks } from './referrals.js';
import type { Webhooks } from './webhooks.js';

export const QUOTE_TTL_MS = 5 * 60_000;
/** An order found `reserved` after a restart is still placed if it is this fresh; older ones are released. */
export const RESUME_WINDOW_MS = 10 * 60_000;
/** How long an upstream may take to show a purchase before "not found" is believed. */
export const NOT_FOUND_GRACE_MS = 60_000;
/** After this long unsettled, operators are told (the hold stays until it settles). */
export const ATTENTION_AFTER_MS = 30 * 60_000;

/** After a person settled an order as delivered, how often its credentials are looked for, and for how long. */
export const CREDENTIALS_RETRY_MS = 60_000;
export const CREDENTIALS_GIVE_UP_AFTER_MS = 7 * 24 * 3_600_000;

/** Named points in the saga where a crash test may stop the process. */
export type SagaCheckpoint = 'after_reserve' | 'before_upstream_call' | 'after_upstream_answer';

export interface QuoteView {
  id: string;
  kind: 'purchase' | 'renewal';
  providerId: string;
  choice: OrderChoice;
  priceCents: number;
  expiresAt: number;
  labels: OrderLabels;
  /** Present when something comes off the list price; `priceCents` is what is paid. */
  discount?: QuoteDiscountView;
  /** The geo and session target the delivered credentials are built for (services/purchase-targets.ts). */
  target?: ProxyTarget;
}

export interface QuoteDiscountView {
  listPriceCents: number;
  tierDiscountCents: number;
  promoCode: string | null;
  promoDiscountCents: number;
  /** The provider whose trial this is, when it is one. */
  trialProviderId: string | null;
}

/**
 * Why no quote: the catalog turned the choice down, the upstream refused to
 * price it, or it could not be priced (no answer, no price rule); for a
 * renewal also that the proxy is not the customer's or cannot be renewed.
 */
export type QuoteRefusal =
  | ChoiceRejection
  | RefusalCode
  | 'provider_unavailable'
  | 'no_price'
  | 'not_found'
  | 'unsupported'
  | 'unknown_term'
  | 'promo_refused';

/** One term a proxy can be renewed for, at today's price (a quote still locks the final one). */
export interface RenewalOffer {
  term: TermOption;
  priceCents: number;
  /** How many proxies the renewal renews (all of an upstream subscription or order). */
  proxies: number;
}

export type QuoteResult = { ok: true; quote: QuoteView } | { ok: false; reason: QuoteRefusal; message: string };

/**
 * Why an order failed (its `failure_code`): the upstream's refusal, or one of
 * ours — the provider was switched off, the upstream has no record of an
 * order we sent, a reserved order found too old to place after a restart, or
 * a person settled it as failed.
 */
export type OrderFailureCode = RefusalCode | 'provider_disabled' | 'not_placed' | 'interrupted' | 'settled_failed';

export type SagaResult =
  | { kind: 'delivered'; order: OrderRow; proxies: SubscriptionRow[] }
  | { kind: 'failed'; order: OrderRow; message: string }
  | { kind: 'provisioning'; order: OrderRow }
  | { kind: 'quote_expired'; message: string; newQuote?: QuoteView }
  | { kind: 'insufficient_funds'; priceCents: number; availableCents: number; quote: QuoteView }
  | { kind: 'rejected'; message: string }
  /** An operator took the quote's provider off sale after it was given: nothing was reserved. */
  | { kind: 'off_sale'; message: string };

/** What an admin decided about an order the saga could not settle. */
export type OperatorDecision = { outcome: 'failed' } | { outcome: 'delivered'; upstreamOrderId: string };

export type OperatorSettlementResult =
  | { kind: 'settled'; order: OrderRow }
  /** Someone (a person or the saga) settled it first; `settlement` says who when it was a person. */
  | { kind: 'already_settled'; order: OrderRow; settlement?: OperatorActionRow }
  | { kind: 'not_found' }
  | { kind: 'invalid'; message: string };

/** Why a quote or order for a provider an operator took off sale is refused. */
const OFF_SALE_MESSAGE = 'this provider is not on sale right now';

const UPSTREAM_ORDER_ID = /^[A-Za-z0-9_:.-]{1,100}$/;

export interface OrdersDeps {
  sqlite: Sqlite;
  db: Db;
  wallet: Wallet;
  catalog: Catalog;
  pricing: Pricing;
  outbox: Outbox;
  logger: Logger;
  now?: () => number;
  quoteTtlMs?: number;
  notFoundGraceMs?: number;
  attentionAfterMs?: number;
  checkpoint?: (point: SagaCheckpoint, orderId: string) => void;
  /**
   * Called after a renewal is delivered. Some upstreams renew a whole
   * subscription or order at once (every IP bought together), so the other
   * proxies' expiry is refreshed from the upstream rather than guessed here.
   */
  onRenewed?: (providerId: string) => Promise<unknown>;
  /** Called once a purchase is delivered (the proxy check of `CHECK_ON_DELIVERY`); not awaited by the saga. */
  onDelivered?: (orderId: string) => Promise<unknown>;
  /** Customers' webhook events, queued in the saga's own transactions. */
  webhooks?: Pick<Webhooks, 'emit' | 'balanceDebited'>;
  /** Referral rewards follow captures and refunds, in the same transactions (services/referrals.ts). */
  referralRewards?: ReferralRewardHooks;
  /** Discounts: priced into quotes, reserved with the hold, paid on capture, released on void, reversed on refund. */
  promos?: Promos;
}

const INTENT_KEY = /^[A-Za-z0-9_:.-]{1,100}$/;

export function createOrders(deps: OrdersDeps) {
  const { sqlite, wallet, catalog, pricing, outbox, logger } = deps;
  const now = deps.now ?? Date.now;
  const quoteTtl = deps.quoteTtlMs ?? QUOTE_TTL_MS;
  const notFoundGrace = deps.notFoundGraceMs ?? NOT_FOUND_GRACE_MS;
  const attentionAfter = deps.attentionAfterMs ?? ATTENTION_AFTER_MS;
  const checkpoint = deps.checkpoint ?? (() => undefined);
  const store = createOrderStore(deps.db);
  const operatorActions = createOperatorActionStore(deps.db);
  const linkedOrders = createLinkedOrderStore(deps.db);
  /**
   * A renewal that is a new upstream order linked to the card: its upstream
   * cannot add traffic to an order it sold (GateProxy), so the saga buys
   * (`purchase`), looks it up (`findPurchase`) and delivers it as a purchase,
   * but links what it bought to the card instead of making a new one.
   */
  const buysLinkedOrder = (provider: ProxyProvider | undefined) =>
    provider?.capabilities.addTrafficByNewOrder === true && !provider.capabilities.renew;
  const isLinkedOrderTopup = (order: Pick<OrderRow, 'kind' | 'providerId'>) =>
    order.kind === 'renewal' && buysLinkedOrder(catalog.provider(order.providerId));
  const targets = createTargetStore(deps.db);
  /** Sagas running in this process, so a double tap joins the running one. */
  const running = new SingleFlight<string, SagaResult>();
  /** Work a saga started but does not wait for (refreshing renewed proxies); awaited on shutdown. */
  const followUps = new Set<Promise<unknown>>();

  /**
   * Webhook events about an order. Called inside the transaction that
   * settles it, so an event is queued exactly when the settlement commits;
   * emitting again (a replayed step) queues nothing.
   */
  const webhookEvents = {
    delivered(order: OrderRow) {
      const proxyIds = order.kind === 'purchase' ? store.subscriptionsOfOrder(order.id).map((sub) => sub.id) : subscriptionIdsOf(order);
      deps.webhooks?.emit(order.userId, {
        type: 'order.delivered',
        order: { id: order.id, kind: order.kind, providerId: order.providerId, priceCents: order.priceCents, proxyIds },
      });
    },
    renewed(order: OrderRow) {
      const sub = store.subscription(subscriptionIdsOf(order)[0] ?? '');
      if (sub)
        deps.webhooks?.emit(order.userId, {
          type: 'proxy.renewed',
          proxy: { id: sub.id, expiresAt: sub.expiresAt === null ? null : new Date(sub.expiresAt).toISOString() },
          orderId: order.id,
        });
    },
    failed(order: OrderRow, reason: string) {
      deps.webhooks?.emit(order.userId, {
        type: 'order.failed',
        order: { id: order.id, kind: order.kind, providerId: order.providerId, priceCents: order.priceCents, reason },
      });
    },
  };

  const quoteView = (q: QuoteRow): QuoteView => {
    const discount = deps.promos?.quoteDiscount(q.id);
    const target = targets.ofQuote(q.id);
    return {
      ...(target ? { target } : {}),
      id: q.id,
      kind: q.kind,
      providerId: q.providerId,
      choice: choiceOf(q),
      priceCents: q.priceCents,
      expiresAt: q.expiresAt,
      labels: labelsOf(q),
      ...(discount
        ? {
            discount: {
              listPriceCents: discount.listPriceCents,
              tierDiscountCents: discount.tierDiscountCents,
              promoCode: discount.promoCode,
              promoDiscountCents: discount.promoDiscountCents,
              trialProviderId: discount.trialProviderId,
            },
          }
        : {}),
    };
  };

  // -------------------------------------------------------------------------
  // Quotes
  // -------------------------------------------------------------------------

  async function quote(
    userId: number,
    providerId: string,
    choice: OrderChoice,
    /**
     * A promo code, or the provider's trial (priced at the trial's price, once per customer);
     * a geo and session target already checked against the product's options (purchase-targets.ts).
     */
    options: { promoCode?: string; trial?: boolean; target?: ProxyTarget } = {},
  ): Promise<QuoteResult> {
    const check = await catalog.checkChoice(providerId, choice);
    if (!check.ok) return { ok: false, reason: check.reason, message: check.message };
    const cost = await check.provider.quote(choice);
    if (cost.kind !== 'ok') {
      const message =
        cost.kind === 'refused' && cost.code === 'out_of_stock'
          ? 'sold out right now'
          : `${check.provider.displayName} could not price this right now`;
      return { ok: false, reason: cost.kind === 'refused' ? cost.code : 'provider_unavailable', message };
    }
    const price = pricing.price(providerId, choice.productId, cost.value.totalCostCents, choice.quantity);
    if (!price.ok) return { ok: false, reason: 'no_price', message: price.reason };
    const discounted = deps.promos?.priceQuote({
      userId,
      providerId,
      productId: choice.productId,
      quantity: choice.quantity,
      ...(check.term.days === undefined ? {} : { days: check.term.days }),
      listPriceCents: price.priceCents,
      ...(options.promoCode === undefined ? {} : { promoCode: options.promoCode }),
      ...(options.trial ? { trial: { termId: choice.termId, countryCode: choice.countryCode ?? null } } : {}),
    });
    if (discounted && !discounted.ok) return { ok: false, reason: 'promo_refused', message: discounted.message };
    const row: QuoteRow = {
      id: newId('q'),
      userId,
      kind: 'purchase',
      providerId,
      productId: choice.productId,
      countryCode: choice.countryCode ?? null,
      termId: choice.termId,
      quantity: choice.quantity,
      subscriptionIds: null,
      upstreamCostCents: cost.value.totalCostCents,
      priceCents: discounted?.discount.priceCents ?? price.priceCents,
      labels: JSON.stringify({
        provider: check.provider.displayName,
        product: check.product.name,
        ...(check.countryName ? { country: check.countryName } : {}),
        ...(check.countryIso ? { countryIso: check.countryIso } : {}),
        term: check.term.label,
        ...(check.term.days !== undefined ? { termDays: check.term.days } : {}),
      } satisfies OrderLabels),
      expiresAt: now() + quoteTtl,
      createdAt: now(),
    };
    writeTransaction(sqlite, () => {
      store.insertQuote(row);
      if (discounted) deps.promos?.recordQuoteDiscount(row.id, discounted.discount);
      if (options.target) targets.saveForQuote(row.id, options.target);
    });
    return { ok: true, quote: quoteView(row) };
  }

  /** The customer's renewable proxy and its provider's renewal terms, or why not. */
  async function renewable(userId: number, subscriptionId: string) {
    const sub = store.subscription(subscriptionId);
    if (!sub || sub.userId !== userId) return { ok: false as const, reason: 'not_found' as const, message: 'no such proxy' };
    // A cancelled plan stays cancelled (FlashProxy: "This action cannot be undone"): no renewal is quoted or paid for.
    if (sub.status === 'cancelled') return { ok: false as const, reason: 'unsupported' as const, message: 'this proxy was cancelled' };
    const provider = catalog.provider(sub.providerId);
    const byNewOrder = provider !== undefined && buysLinkedOrder(provider) && addsTrafficByNewOrder(provider, sub);
    if (!provider || (!byNewOrder && (!provider.renewalTerms || !provider.capabilities.renew))) {
      return { ok: false as const, reason: 'unsupported' as const, message: 'this proxy cannot be renewed' };
    }
    if (!catalog.isOnSale(sub.providerId))
      return { ok: false as const, reason: 'provider_unavailable' as const, message: OFF_SALE_MESSAGE };
    const unavailable = {
      ok: false as const,
      reason: 'provider_unavailable' as const,
      message: `${provider.displayName} is unavailable right now`,
    };
    if (byNewOrder) {
      // The packages a first purchase of the product offers today, at the catalog's cost.
      const terms = await newOrderTrafficTerms(catalog, sub);
      return terms ? { ok: true as const, sub, provider, terms } : unavailable;
    }
    const terms = await provider.renewalTerms!(sub.upstreamId);
    if (terms.kind !== 'ok') return unavailable;
    return { ok: true as const, sub, provider, terms: terms.value };
  }

  /** What renewing for `term` costs us and the customer today, for every proxy the upstream renews with it. */
  async function renewalPrice(sub: SubscriptionRow, provider: ProxyProvider, term: TermOption) {
    // An upstream that renews a whole subscription or order renews (and charges for) every proxy in it.
    const renewed = term.renewsProxies ?? 1;
    const cost = term.unitCostCents ?? (renewed === 1 ? await renewalCostByQuote(provider, sub, term.id) : undefined);
    if (cost === undefined) return { ok: false as const, reason: 'no_price' as const, message: 'the renewal price is unknown' };
    const price = pricing.price(sub.providerId, sub.productId, cost, renewed);
    if (!price.ok) return { ok: false as const, reason: 'no_price' as const, message: price.reason };
    if (price.priceCents < cost)
      return { ok: false as const, reason: 'no_price' as const, message: 'the renewal would cost more than its price' };
    return { ok: true as const, renewed, cost, priceCents: price.priceCents };
  }

  /** Every term a proxy can be renewed for, with today's price; terms that cannot be priced are left out. */
  async function renewalOffers(
    userId: number,
    subscriptionId: string,
  ): Promise<{ ok: true; offers: RenewalOffer[] } | { ok: false; reason: QuoteRefusal; message: string }> {
    const found = await renewable(userId, subscriptionId);
    if (!found.ok) return found;
    const offers: RenewalOffer[] = [];
    for (const term of found.terms) {
      const priced = await renewalPrice(found.sub, found.provider, term);
      if (priced.ok) offers.push({ term, priceCents: priced.priceCents, proxies: priced.renewed });
    }
    return { ok: true, offers };
  }

  /** Prices renewing one proxy for one of its renewal terms. */
  async function quoteRenewal(userId: number, subscriptionId: string, termId: string): Promise<QuoteResult> {
    const found = await renewable(userId, subscriptionId);
    if (!found.ok) return found;
    const { sub, provider } = found;
    const term = found.terms.find((t) => t.id === termId);
    if (!term) return { ok: false, reason: 'unknown_term', message: 'this renewal period is not offered' };
    const priced = await renewalPrice(sub, provider, term);
    if (!priced.ok) return priced;
    const { renewed, cost } = priced;
    const price = { priceCents: priced.priceCents };
    const row: QuoteRow = {
      id: newId('q'),
      userId,
      kind: 'renewal',
      providerId: sub.providerId,
      productId: sub.productId,
      countryCode: sub.countryCode,
      termId,
      quantity: renewed,
      subscriptionIds: JSON.stringify([sub.id]),
      upstreamCostCents: cost,
      priceCents: price.priceCents,
      labels: JSON.stringify({ provider: provider.displayName, product: sub.productName, term: term.label } satisfies OrderLabels),
      expiresAt: now() + quoteTtl,
      createdAt: now(),
    };
    store.insertQuote(row);
    return { ok: true, quote: quoteView(row) };
  }

  /**
   * Some upstreams list renewal terms without a price; renewing for a term
   * costs what buying one proxy for that term costs, so ask for that quote.
   */
  async function renewalCostByQuote(provider: ProxyProvider, sub: SubscriptionRow, termId: string) {
    const quoted = await provider.quote({
      productId: sub.productId,
      ...(sub.countryCode ? { countryCode: sub.countryCode } : {}),
      termId,
      quantity: 1,
    });
    return quoted.kind === 'ok' ? quoted.value.totalCostCents : undefined;
  }

  /**
   * The same price lock (same upstream cost, same expiry) without its promo
   * code: what a customer is offered when the code was used up by others
   * between the quote and the order. Asks no upstream.
   */
  function quoteWithoutPromo(q: QuoteRow): QuoteView {
    const discount = deps.promos?.quoteDiscount(q.id);
    const priceCents = discount ? discount.listPriceCents - discount.tierDiscountCents : q.priceCents;
    const row: QuoteRow = { ...q, id: newId('q'), priceCents, createdAt: now() };
    const target = targets.ofQuote(q.id);
    writeTransaction(sqlite, () => {
      store.insertQuote(row);
      if (target) targets.saveForQuote(row.id, target);
      if (discount) {
        deps.promos?.recordQuoteDiscount(row.id, {
          listPriceCents: discount.listPriceCents,
          tierDiscountCents: discount.tierDiscountCents,
          promoCode: null,
          promoDiscountCents: 0,
          trialProviderId: null,
          priceCents,
        });
      }
    });
    return quoteView(row);
  }

  /** A new quote for the same choice, after the old one expired. */
  async function requote(old: QuoteRow): Promise<QuoteResult> {
    if (old.kind === 'renewal') return quoteRenewal(old.userId, subscriptionIdsOf(old)[0] ?? '', old.termId);
    const target = targets.ofQuote(old.id);
    return quote(old.userId, old.providerId, choiceOf(old), target ? { target } : {});
  }

  // -------------------------------------------------------------------------
  // The saga
  // -------------------------------------------------------------------------

  /** Runs `work` for an order unless it already runs here; joins it if so. */
  function runOnce(orderId: string, work: () => Promise<SagaResult>): Promise<SagaResult> {
    return running.run(orderId, work);
  }

  /** What an order means to a caller outside its saga: joins the saga if it is running. */
  async function resultOf(orderId: string): Promise<SagaResult> {
    const inFlight = running.current(orderId);
    if (inFlight) return inFlight;
    return stateOf(orderId);
  }

  /** What an order's stored state means, without waiting (used inside the saga itself). */
  function stateOf(orderId: string): SagaResult {
    const order = store.order(orderId)!;
    if (order.state === 'delivered') return { kind: 'delivered', order, proxies: store.subscriptionsOfOrder(order.id) };
    if (order.state === 'failed') return { kind: 'failed', order, message: order.failureMessage ?? 'the order failed' };
    return { kind: 'provisioning', order };
  }

  async function purchase(input: {
    userId: number;
    quoteId: string;
    intentKey: string;
    channel: 'bot' | 'api' | 'auto-renew';
  }): Promise<SagaResult> {
    if (!INTENT_KEY.test(input.intentKey)) return { kind: 'rejected', message: 'invalid idempotency key' };
    const earlier = store.orderByIntent(input.userId, input.intentKey);
    if (earlier) return resultOf(earlier.id);

    const q = store.quote(input.quoteId);
    if (!q || q.userId !== input.userId) return { kind: 'rejected', message: 'unknown quote' };
    if (q.expiresAt <= now()) {
      const fresh = await requote(q);
      return {
        kind: 'quote_expired',
        message: 'the price lock expired; here is the current price',
        ...(fresh.ok ? { newQuote: fresh.quote } : {}),
      };
    }
    // A quote given before an operator took the provider off sale buys nothing after it.
    if (!catalog.isOnSale(q.providerId)) return { kind: 'off_sale', message: OFF_SALE_MESSAGE };
    // Only a free trial is priced at nothing; its order holds nothing in the wallet.
    const free = q.priceCents === 0;
    if (free && !isTrialQuote(q.id)) return { kind: 'rejected', message: 'unknown quote' };
    const subs = subscriptionIdsOf(q);
    const renewed = q.kind === 'renewal' ? store.subscription(subs[0] ?? '') : undefined;
    if (q.kind === 'renewal' && (!renewed || renewed.userId !== input.userId)) {
      return { kind: 'rejected', message: 'no such proxy' };
    }

    const orderId = newId('ord');
    let existingId: string | undefined;
    try {
      writeTransaction(sqlite, () => {
        // Checked again under the write lock: two taps that raced past the first check meet here.
        const raced = store.orderByIntent(input.userId, input.intentKey);
        if (raced) {
          existingId = raced.id;
          return;
        }
        const at = now();
        store.insertOrder({
          id: orderId,
          userId: input.userId,
          intentKey: input.intentKey,
          kind: q.kind,
          quoteId: q.id,
          providerId: q.providerId,
          productId: q.productId,
          countryCode: q.countryCode,
          termId: q.termId,
          quantity: q.quantity,
          subscriptionIds: q.subscriptionIds,
          priceCents: q.priceCents,
          quotedCostCents: q.upstreamCostCents,
          labels: q.labels,
          state: 'reserved',
          previousExpiresAt: renewed?.expiresAt ?? null,
          channel: input.channel,
          createdAt: at,
          updatedAt: at,
        });
        targets.copyToOrder(q.id, orderId);
        const held = free
          ? undefined
          : wallet.hold({
              userId: input.userId,
              orderId,
              amountCents: q.priceCents,
              actor: `${input.channel}:user:${input.userId}`,
            });
        deps.promos?.reserveForOrder({
          quoteId: q.id,
          orderId,
          userId: input.userId,
          providerId: q.providerId,
          productId: q.productId,
          termId: q.termId,
          countryCode: q.countryCode,
          quantity: q.quantity,
        });
        if (held) {
          deps.webhooks?.balanceDebited(input.userId, {
            availableAfterCents: held.balance.availableCents,
            debitCents: q.priceCents,
            cause: holdId(orderId),
          });
        }
      });
    } catch (error) {
      if (error instanceof LedgerError && error.code === 'insufficient_funds') {
        return {
          kind: 'insufficient_funds',
          priceCents: q.priceCents,
          availableCents: wallet.balance(input.userId).availableCents,
          quote: quoteView(q),
        };
      }
      if (error instanceof PromoRefusedError) {
        // The code ran out (or no longer applies) since the quote: nothing was held; offer the same lock without it.
        return { kind: 'quote_expired', message: `${error.message}; here is the price without it`, newQuote: quoteWithoutPromo(q) };
      }
      throw error;
    }
    if (existingId) return resultOf(existingId);
    logger.info('order reserved', { orderId, userId: input.userId, provider: q.providerId, priceCents: q.priceCents });
    return runOnce(orderId, () => place(orderId, true));
  }

  /** Steps 2 and 3: mark the order as sent, call the upstream, settle by the answer. */
  async function place(orderId: string, interactive: boolean): Promise<SagaResult> {
    checkpoint('after_reserve', orderId);
    const order = store.order(orderId)!;
    const provider = catalog.provider(order.providerId);
    if (!provider) {
      return fail(order, 'provider_disabled', 'this provider is no longer offered', interactive);
    }
    if (!store.transition(orderId, ['reserved'], 'calling', { sentAt: now() }, now())) return stateOf(orderId);
    checkpoint('before_upstream_call', orderId);

    let outcome: Outcome<PurchaseResult | RenewResult>;
    // A linked-order top-up is a purchase upstream: same product and package, our order id as its reference.
    if (order.kind === 'purchase' || buysLinkedOrder(provider)) {
      outcome = await provider.purchase({
        choice: choiceOf(order),
        reference: order.id,
        ...(isTrialOrder(order.id) ? { trial: true } : {}),
      });
    } else {
      const sub = store.subscription(subscriptionIdsOf(order)[0] ?? '');
      outcome =
        sub && provider.renew
          ? await provider.renew({ upstreamId: sub.upstreamId, termId: order.termId, reference: order.id, maxCostCents: order.priceCents })
          : { kind: 'refused', code: 'unsupported', message: 'this proxy cannot be renewed' };
    }
    checkpoint('after_upstream_answer', orderId);
    return settle(store.order(orderId)!, outcome, interactive);
  }

  function settle(order: OrderRow, outcome: Outcome<PurchaseResult | RenewResult | null>, interactive: boolean) {
    switch (outcome.kind) {
      case 'ok':
        if (outcome.value === null) return fail(order, 'not_placed', 'the provider has no record of this order', interactive);
        if (order.kind === 'purchase') return deliverPurchase(order, outcome.value as PurchaseResult, interactive);
        return isLinkedOrderTopup(order)
          ? deliverLinkedOrder(order, outcome.value as PurchaseResult, interactive)
          : deliverRenewal(order, outcome.value as RenewResult, interactive);
      case 'refused':
        return fail(order, outcome.code, describeRefusal(outcome.code), interactive);
      case 'ambiguous':
        return keepProvisioning(order, `${outcome.reason}: ${outcome.message}`, interactive, outcome.reason);
    }
  }

  async function deliverPurchase(order: OrderRow, result: PurchaseResult, interactive: boolean): Promise<SagaResult> {
    if (result.proxies.length === 0) return keepProvisioning(order, 'the provider has not delivered credentials yet', interactive);
    const labels = labelsOf(order);
    let conflict: string | undefined;
    const settled = settleTransaction(sqlite, () => {
      const current = store.order(order.id)!;
      if (!OPEN_STATES.includes(current.state)) return false;
      for (const proxy of result.proxies) {
        const owner = store.subscriptionByUpstream(order.providerId, proxy.upstreamId);
        if (owner && owner.orderId !== order.id) {
          conflict = `upstream proxy ${proxy.upstreamId} already belongs to order ${owner.orderId}`;
          return false;
        }
        const linkedTo = linkedOrders.byUpstream(order.providerId, proxy.upstreamId);
        if (linkedTo) {
          conflict = `upstream order ${proxy.upstreamId} was bought as traffic for proxy ${linkedTo.subscriptionId} by order ${linkedTo.orderId}`;
          return false;
        }
        if (owner) continue;
        recordProxy(order, labels, proxy);
      }
      bookDelivery(order, result, interactive);
      return true;
    });
    if (conflict) {
      logger.error('purchase result conflicts with an earlier order', { orderId: order.id, conflict });
      return needsAttention(order, conflict, false);
    }
    if (settled) {
      logger.info('order delivered', { orderId: order.id, proxies: result.proxies.length });
      const followUp = deps.onDelivered?.(order.id);
      if (followUp) {
        followUps.add(followUp);
        void followUp.finally(() => followUps.delete(followUp));
      }
    }
    return stateOf(order.id);
  }

  async function deliverRenewal(order: OrderRow, result: RenewResult, interactive: boolean): Promise<SagaResult> {
    settleTransaction(sqlite, () => {
      const current = store.order(order.id)!;
      if (!OPEN_STATES.includes(current.state)) return;
      const subId = subscriptionIdsOf(order)[0];
      const newExpiresAt = epochMsOf(result.newExpiresAt);
      if (subId && newExpiresAt !== null) {
        store.updateSubscription(subId, { expiresAt: newExpiresAt, status: 'active', lastSyncedAt: now() });
      }
      const cost = bookDelivery(order, result, interactive);
      if (cost > order.priceCents) {
        // The renewal stands (the upstream did it), but it sold at a loss: a person looks at the price rules.
        outbox.enqueue({
          audience: 'operators',
          kind: 'order_needs_attention',
          payload: {
            orderId: order.id,
            provider: order.providerId,
            userId: order.userId,
            priceCents: order.priceCents,
            why: `the upstream charged ${cost} cents for a renewal sold at ${order.priceCents} cents`,
          },
          dedupeKey: `cost-over-price:${order.id}`,
        });
      }
    });
    logger.info('renewal delivered', { orderId: order.id });
    const followUp = deps.onRenewed?.(order.providerId);
    if (followUp) {
      followUps.add(followUp);
      void followUp.finally(() => followUps.delete(followUp));
    }
    return stateOf(order.id);
  }

  /**
   * A new upstream order bought to add traffic to a card: linked to the card
   * (its credentials and usage join the card's), captured once. A replay finds
   * it linked already; an upstream order recorded anywhere else is a conflict
   * for a person, never a second link.
   */
  async function deliverLinkedOrder(order: OrderRow, result: PurchaseResult, interactive: boolean): Promise<SagaResult> {
    if (result.proxies.length === 0) return keepProvisioning(order, 'the provider has not delivered credentials yet', interactive);
    const subscriptionId = subscriptionIdsOf(order)[0] ?? '';
    let conflict: string | undefined;
    settleTransaction(sqlite, () => {
      const current = store.order(order.id)!;
      if (!OPEN_STATES.includes(current.state)) return;
      if (result.proxies.length !== 1) {
        conflict = `the provider delivered ${result.proxies.length} proxies for one package of traffic`;
        return;
      }
      const proxy = result.proxies[0]!;
      const owner = store.subscriptionByUpstream(order.providerId, proxy.upstreamId);
      const linkedTo = linkedOrders.byUpstream(order.providerId, proxy.upstreamId);
      if (owner || (linkedTo && linkedTo.orderId !== order.id)) {
        conflict = `upstream order ${proxy.upstreamId} already belongs to order ${owner?.orderId ?? linkedTo?.orderId}`;
        return;
      }
      if (!linkedTo) linkedOrders.link({ orderId: order.id, subscriptionId, providerId: order.providerId, proxy, createdAt: now() });
      bookDelivery(order, result, interactive);
    });
    if (conflict) {
      logger.error('linked traffic order conflicts with an earlier order', { orderId: order.id, conflict });
      return needsAttention(order, conflict, false);
    }
    logger.info('traffic added by a linked order', { orderId: order.id, subscriptionId });
    return stateOf(order.id);
  }

  /** Stores one delivered proxy as the customer's, under the order that bought it (inside the caller's transaction). */
  function recordProxy(order: OrderRow, labels: OrderLabels, proxy: UpstreamProxy) {
    store.insertSubscription({
      id: newId('px'),
      userId: order.userId,
      orderId: order.id,
      providerId: order.providerId,
      productId: order.productId,
      productName: labels.product,
      renewTermId: order.termId,
      lastSyncedAt: now(),
      createdAt: now(),
      ...proxyFields(proxy),
    });
  }

  /** Whether the quote prices the provider's trial. */
  function isTrialQuote(quoteId: string): boolean {
    return (deps.promos?.quoteDiscount(quoteId)?.trialProviderId ?? null) !== null;
  }

  function isTrialOrder(orderId: string): boolean {
    return (deps.promos?.orderDiscount(orderId)?.trialProviderId ?? null) !== null;
  }

  /**
   * A free trial's order held nothing, so there is no hold to capture or
   * void: on delivery the promotions account pays revenue its whole list
   * price (promos.onOrderCaptured), on failure nothing is booked.
   */
  const holdsNothing = (order: OrderRow) => order.priceCents === 0;

  /** Captures the hold; a capture that already happened (a replay after a crash) is fine. */
  function captureOnce(order: OrderRow, actor = 'system', reason?: string) {
    if (!holdsNothing(order)) {
      try {
        wallet.capture(order.id, actor, reason);
      } catch (error) {
        if (!(error instanceof LedgerError && error.code === 'already_captured')) throw error;
      }
    }
    deps.promos?.onOrderCaptured(order.id, actor);
  }

  /** Voids the hold; a void that already happened is fine. */
  function voidOnce(order: OrderRow, actor: string, reason: string) {
    if (!holdsNothing(order)) {
      try {
        wallet.void(order.id, actor, reason);
      } catch (error) {
        if (!(error instanceof LedgerError && error.code === 'already_voided')) throw error;
      }
    }
    deps.promos?.onOrderVoided(order.id);
  }

  /** What the upstream charged, for margins; an upstream's own free trial charged nothing and books nothing. */
  /**
   * What every delivery books inside its settling transaction: the hold captured (once), the referral
   * reward, the upstream's cost, the order delivered, the customer's webhooks, and the notice when the
   * customer is not waiting in the bot. A renewal (a linked traffic order too) is also `renewed`.
   * Returns the upstream cost booked.
   */
  function bookDelivery(
    order: OrderRow,
    result: { costCents?: number | undefined; upstreamOrderId?: string },
    interactive: boolean,
  ): number {
    captureOnce(order);
    deps.referralRewards?.orderCaptured(order);
    const cost = result.costCents ?? order.quotedCostCents;
    recordUpstreamCost(order, cost);
    store.transition(
      order.id,
      OPEN_STATES,
      'delivered',
      { upstreamOrderId: result.upstreamOrderId, upstreamCostCents: cost, nextCheckAt: null },
      now(),
    );
    const renewal = order.kind === 'renewal';
    webhookEvents.delivered(order);
    if (renewal) webhookEvents.renewed(order);
    if (!interactive) {
      outbox.enqueue({
        audience: 'user',
        userId: order.userId,
        kind: renewal ? 'renewal_delivered' : 'order_delivered',
        payload: { orderId: order.id },
        dedupeKey: `delivered:${order.id}`,
      });
    }
    return cost;
  }

  function recordUpstreamCost(order: OrderRow, cost: number) {
    if (cost > 0) wallet.recordUpstreamCost({ orderId: order.id, provider: order.providerId, amountCents: cost });
  }

  async function fail(order: OrderRow, code: OrderFailureCode, message: string, interactive: boolean): Promise<SagaResult> {
    settleTransaction(sqlite, () => {
      const current = store.order(order.id)!;
      if (!OPEN_STATES.includes(current.state)) return;
      voidOnce(order, 'system', `${code}: ${message}`);
      store.transition(order.id, OPEN_STATES, 'failed', { failureCode: code, failureMessage: message, nextCheckAt: null }, now());
      webhookEvents.failed(order, code);
      if (code === 'insufficient_upstream_balance' || code === 'unauthorized' || code === 'forbidden') {
        const hour = Math.floor(now() / 3_600_000);
        outbox.enqueue({
          audience: 'operators',
          kind: code === 'insufficient_upstream_balance' ? 'upstream_balance_low' : 'upstream_auth_failed',
          payload: { provider: order.providerId, orderId: order.id, priceCents: order.priceCents },
          dedupeKey: `${code}:${order.providerId}:${hour}`,
        });
      }
      if (!interactive) {
        outbox.enqueue({
          audience: 'user',
          userId: order.userId,
          kind: 'order_failed',
          payload: { orderId: order.id, code },
          dedupeKey: `failed:${order.id}`,
        });
      }
    });
    logger.info('order failed, hold released', { orderId: order.id, code });
    return stateOf(order.id);
  }

  /**
   * The answer does not tell what happened: the hold stays and the reconciler
   * asks again. The customer hears that their money is held, not charged
   * (the bot's own message says so for a purchase made in the bot; anyone
   * else gets a notice). An order whose facts point several ways goes to a
   * person at once rather than after the attention window.
   */
  async function keepProvisioning(order: OrderRow, why: string, interactive = false, reason?: AmbiguityReason): Promise<SagaResult> {
    const attempts = order.reconcileAttempts;
    const delay = Math.min(5_000 * 2 ** Math.min(attempts, 7), 10 * 60_000);
    writeTransaction(sqlite, () => {
      const firstTime = store.order(order.id)?.state === 'calling';
      const moved = store.transition(
        order.id,
        ['calling', 'provisioning'],
        'provisioning',
        { nextCheckAt: now() + delay, failureMessage: why.slice(0, 300), reconcileAttempts: attempts + 1 },
        now(),
      );
      if (moved && firstTime && !(interactive && order.channel === 'bot')) {
        outbox.enqueue({
          audience: 'user',
          userId: order.userId,
          kind: 'order_provisioning',
          payload: { orderId: order.id },
          dedupeKey: `provisioning:${order.id}`,
        });
      }
    });
    logger.warn('order outcome unknown, will reconcile', { orderId: order.id, why });
    const startedAt = order.sentAt ?? order.createdAt;
    const windowReached = now() - startedAt >= attentionAfter;
    if (reason === 'needs_operator' || windowReached) return needsAttention(order, why, windowReached);
    return stateOf(order.id);
  }

  /**
   * Tells operators once (the alert carries the buttons that settle the
   * order); the hold stays and the reconciler keeps trying. When the
   * attention window is reached, the customer hears again that the order is
   * still being confirmed.
   */
  async function needsAttention(order: OrderRow, why: string, windowReached: boolean): Promise<SagaResult> {
    writeTransaction(sqlite, () => {
      const current = store.order(order.id)!;
      if (!OPEN_STATES.includes(current.state)) return;
      const startedAt = current.sentAt ?? current.createdAt;
      const toldAtWindow = current.attentionAt !== null && current.attentionAt >= startedAt + attentionAfter;
      if (current.attentionAt !== null && (!windowReached || toldAtWindow)) return;
      store.update(order.id, { attentionAt: now() }, now());
      // The dedupe key keeps it to one alert, also when an early alert is followed by the window.
      outbox.enqueue({
        audience: 'operators',
        kind: 'order_needs_attention',
        payload: { orderId: order.id, provider: order.providerId, userId: order.userId, priceCents: order.priceCents, why },
        dedupeKey: `attention:${order.id}`,
      });
      if (windowReached) {
        outbox.enqueue({
          audience: 'user',
          userId: order.userId,
          kind: 'order_still_open',
          payload: { orderId: order.id },
          dedupeKey: `still-open:${order.id}`,
        });
      }
    });
    return stateOf(order.id);
  }

  // -------------------------------------------------------------------------
  // Reconciliation
  // -------------------------------------------------------------------------

  /** Drives one open order towards `delivered` or `failed`. */
  function reconcile(orderId: string): Promise<SagaResult> {
    return runOnce(orderId, async () => {
      const order = store.order(orderId);
      if (!order) throw new Error(`no order ${orderId}`);
      if (!OPEN_STATES.includes(order.state)) return stateOf(orderId);
      if (order.state === 'reserved') {
        // The process stopped before the upstream heard of it.
        if (now() - order.createdAt < RESUME_WINDOW_MS) return place(orderId, false);
        return fail(order, 'interrupted', 'the order was interrupted before it reached the provider', false);
      }
      const provider = catalog.provider(order.providerId);
      if (!provider) return keepProvisioning(order, 'provider is not configured');
      const sentAt = order.sentAt ?? order.createdAt;
      const outcome =
        order.kind === 'purchase' || buysLinkedOrder(provider)
          ? await lookUpPurchase(provider, order, sentAt)
          : await lookUpRenewal(provider, order);
      // A lookup is a read: an upstream refusing to answer it (401, 429, a
      // list it will not show) says nothing about whether the order was sold.
      // Only "found" or "definitely not there" may settle an order.
      if (outcome.kind === 'refused') {
        return keepProvisioning(order, `the lookup was refused (${outcome.code}): ${outcome.message}`);
      }
      if (outcome.kind === 'ok' && outcome.value === null && now() - sentAt < notFoundGrace) {
        return keepProvisioning(order, 'not visible upstream yet');
      }
      return settle(store.order(orderId)!, outcome, false);
    });
  }

  function lookUpPurchase(provider: ProxyProvider, order: OrderRow, sentAt: number) {
    return provider.findPurchase({
      reference: order.id,
      choice: choiceOf(order),
      sentAt: new Date(sentAt).toISOString(),
      ...(isTrialOrder(order.id) ? { trial: true } : {}),
      isKnownUpstreamId: (upstreamId) => store.isKnownUpstreamId(order.providerId, upstreamId),
    });
  }

  /** A renewal happened if the proxy's expiry moved past where it was before. */
  async function lookUpRenewal(provider: ProxyProvider, order: OrderRow): Promise<Outcome<RenewResult | null>> {
    const sub = store.subscription(subscriptionIdsOf(order)[0] ?? '');
    if (!sub) return { kind: 'ok', value: null };
    const listed = await provider.listProxies();
    if (listed.kind !== 'ok') return listed;
    const proxy = listed.value.find((p) => p.upstreamId === sub.upstreamId);
    const before = order.previousExpiresAt ?? 0;
    if (proxy?.expiresAt && Date.parse(proxy.expiresAt) > before) return { kind: 'ok', value: { newExpiresAt: proxy.expiresAt } };
    return { kind: 'ok', value: null };
  }

  /**
   * Every open order that is due; on start-up and on a schedule. Then every
   * order open past the attention window is put in front of a person (once),
   * whether or not its check was due or could run, and orders a person
   * settled as delivered look for their credentials.
   */
  async function reconcileDue(): Promise<{ checked: number; delivered: number; failed: number; open: number }> {
    const summary = await reconcileDueOrders();
    for (const order of operatorActions.openPastAttentionWindow(now(), attentionAfter)) {
      await needsAttention(order, order.failureMessage ?? 'not settled yet', true);
    }
    for (const order of operatorActions.deliveredAwaitingCredentials(now())) {
      try {
        await fetchOperatorDelivery(order.id);
      } catch (error) {
        logger.error('fetching the credentials of a settled order failed', { orderId: order.id, error });
      }
    }
    return summary;
  }

  async function reconcileDueOrders(): Promise<{ checked: number; delivered: number; failed: number; open: number }> {
    const due = store.dueForReconciliation(now());
    const summary = { checked: due.length, delivered: 0, failed: 0, open: 0 };
    for (const order of due) {
      try {
        const result = await reconcile(order.id);
        if (result.kind === 'delivered') summary.delivered++;
        else if (result.kind === 'failed') summary.failed++;
        else summary.open++;
      } catch (error) {
        summary.open++;
        logger.error('reconciling an order failed', { orderId: order.id, error });
      }
    }
    return summary;
  }

  // -------------------------------------------------------------------------
  // Operators
  // -------------------------------------------------------------------------

  /** "Check again now" from an alert: the reconciler, at once, for one order; recorded with who asked. */
  async function checkAgain(orderId: string, actor: string): Promise<SagaResult | undefined> {
    const order = store.order(orderId);
    if (!order) return undefined;
    operatorActions.record({ orderId, action: 'check_again', actor, createdAt: now() });
    if (!OPEN_STATES.includes(order.state)) return stateOf(orderId);
    return reconcile(orderId);
  }

  /** A press someone was not allowed to make, kept with the order it was about. */
  function recordRefusedAction(orderId: string, actor: string, reason: string): void {
    if (!store.order(orderId)) return;
    operatorActions.record({ orderId, action: 'refused', actor, reason: reason.slice(0, 300), createdAt: now() });
  }

  /**
   * An admin settles an order the saga could not: as failed (the hold is
   * voided, the customer's money is back) or as delivered (the hold is
   * captured, the upstream's order id recorded, the credentials fetched as
   * soon as the upstream lists them). The same ledger moves as the saga's,
   * with the admin as the transfers' actor, in one transaction with the
   * state change and the audit row, so two admins pressing at once settle
   * it once: the second finds it settled and is told by whom.
   */
  function settleByOperator(input: {
    orderId: string;
    decision: OperatorDecision;
    actor: string;
    reason: string;
  }): OperatorSettlementResult {
    const reason = input.reason.trim().slice(0, 300);
    if (reason.length === 0) return { kind: 'invalid', message: 'a reason is required' };
    if (input.decision.outcome === 'delivered' && !UPSTREAM_ORDER_ID.test(input.decision.upstreamOrderId)) {
      return { kind: 'invalid', message: 'the upstream order id is 1–100 letters, digits or _:.-' };
    }
    const decision = input.decision;
    const result = settleTransaction(sqlite, (): OperatorSettlementResult => {
      const order = store.order(input.orderId);
      if (!order) return { kind: 'not_found' };
      if (!OPEN_STATES.includes(order.state)) {
        const settlement = operatorActions.settlementOf(order.id);
        return { kind: 'already_settled', order, ...(settlement ? { settlement } : {}) };
      }
      const at = now();
      if (decision.outcome === 'failed') {
        if (!holdsNothing(order)) wallet.void(order.id, input.actor, `settled as failed: ${reason}`);
        deps.promos?.onOrderVoided(order.id);
        store.transition(order.id, OPEN_STATES, 'failed', { failureCode: 'settled_failed', failureMessage: reason, nextCheckAt: null }, at);
        webhookEvents.failed(order, 'settled_failed');
        outbox.enqueue({
          audience: 'user',
          userId: order.userId,
          kind: 'order_failed',
          payload: { orderId: order.id, code: 'settled_failed' },
          dedupeKey: `failed:${order.id}`,
        });
      } else {
        if (!holdsNothing(order)) wallet.capture(order.id, input.actor, `settled as delivered: ${reason}`);
        deps.referralRewards?.orderCaptured(order);
        deps.promos?.onOrderCaptured(order.id, input.actor);
        recordUpstreamCost(order, order.quotedCostCents);
        const purchase = order.kind === 'purchase';
        // A linked-order top-up's credentials are fetched like a purchase's, then linked to its card.
        const fetchesCredentials = purchase || isLinkedOrderTopup(order);
        store.transition(
          order.id,
          OPEN_STATES,
          'delivered',
          // A purchase's credentials are fetched from the upstream next (see fetchOperatorDelivery).
          {
            upstreamOrderId: decision.upstreamOrderId,
            upstreamCostCents: order.quotedCostCents,
            failureMessage: null,
            nextCheckAt: fetchesCredentials ? at : null,
          },
          at,
        );
        outbox.enqueue({
          audience: 'user',
          userId: order.userId,
          kind: purchase ? 'order_settled_delivered' : 'renewal_delivered',
          payload: { orderId: order.id },
          dedupeKey: `settled:${order.id}`,
        });
        // A purchase's order.delivered waits for its proxies (fetchOperatorDelivery); a renewal's proxy is known.
        if (!purchase) {
          webhookEvents.delivered(order);
          webhookEvents.renewed(order);
        }
      }
      operatorActions.record({
        orderId: order.id,
        action: decision.outcome === 'failed' ? 'settle_failed' : 'settle_delivered',
        actor: input.actor,
        reason,
        ...(decision.outcome === 'delivered' ? { upstreamOrderId: decision.upstreamOrderId } : {}),
        createdAt: at,
      });
      return { kind: 'settled', order: store.order(order.id)! };
    });
    if (result.kind !== 'settled') return result;
    logger.info('order settled by an operator', { orderId: input.orderId, outcome: decision.outcome, actor: input.actor });
    if (decision.outcome === 'delivered') {
      const followUp = (async () => {
        if (result.order.kind === 'purchase' || isLinkedOrderTopup(result.order)) await fetchOperatorDelivery(result.order.id);
        await deps.onRenewed?.(result.order.providerId);
      })().catch((error: unknown) => logger.warn('fetching a settled order’s credentials failed', { orderId: input.orderId, error }));
      followUps.add(followUp);
      void followUp.finally(() => followUps.delete(followUp));
    }
    return result;
  }

  /**
   * The credentials of a purchase a person settled as delivered: what the
   * upstream's own lookup finds for our reference when it names the same
   * upstream order, else the listed proxy whose id is that order id. Never a
   * guess among other unknown proxies. Tried again on the reconciler's
   * schedule until they appear (or a week has passed).
   */
  async function fetchOperatorDelivery(orderId: string): Promise<'attached' | 'waiting' | 'gave_up'> {
    const order = store.order(orderId);
    if (order?.state !== 'delivered' || order.nextCheckAt === null) return 'attached';
    const provider = catalog.provider(order.providerId);
    let proxies: UpstreamProxy[] = [];
    if (provider && order.upstreamOrderId) {
      const found = await lookUpPurchase(provider, order, order.sentAt ?? order.createdAt);
      if (found.kind === 'ok' && found.value && found.value.upstreamOrderId === order.upstreamOrderId) {
        proxies = found.value.proxies;
      } else {
        const listed = await provider.listProxies();
        if (listed.kind === 'ok') proxies = listed.value.filter((p) => p.upstreamId === order.upstreamOrderId);
      }
    }
    const labels = labelsOf(order);
    const linksToCard = isLinkedOrderTopup(order);
    const outcome = writeTransaction(sqlite, (): 'attached' | 'waiting' | 'gave_up' => {
      const current = store.order(orderId)!;
      if (current.nextCheckAt === null) return 'attached';
      if (linksToCard) {
        const proxy = proxies.find((p) => !store.isKnownUpstreamId(order.providerId, p.upstreamId));
        if (proxy) {
          const subscriptionId = subscriptionIdsOf(order)[0] ?? '';
          linkedOrders.link({ orderId, subscriptionId, providerId: order.providerId, proxy, createdAt: now() });
          // The customer was told at settlement ("renewal_delivered"); the card now shows the new credentials.
          store.update(orderId, { nextCheckAt: null }, now());
          return 'attached';
        }
        proxies = [];
      }
      let added = 0;
      for (const proxy of proxies) {
        const owner = store.subscriptionByUpstream(order.providerId, proxy.upstreamId);
        if (owner) continue;
        recordProxy(order, labels, proxy);
        added++;
      }
      if (added > 0) {
        store.update(orderId, { nextCheckAt: null }, now());
        outbox.enqueue({
          audience: 'user',
          userId: order.userId,
          kind: 'order_delivered',
          payload: { orderId },
          dedupeKey: `delivered:${orderId}`,
        });
        webhookEvents.delivered(order);
        return 'attached';
      }
      const settledAt = operatorActions.settlementOf(orderId)?.createdAt ?? order.updatedAt;
      if (now() - settledAt > CREDENTIALS_GIVE_UP_AFTER_MS) {
        store.update(orderId, { nextCheckAt: null }, now());
        return 'gave_up';
      }
      store.update(orderId, { nextCheckAt: now() + CREDENTIALS_RETRY_MS }, now());
      return 'waiting';
    });
    if (outcome === 'gave_up') logger.error('a settled order’s credentials never appeared upstream', { orderId });
    return outcome;
  }

  /** Gives money back for a delivered order: all that is left, or `amountCents`. */
  function refund(input: { orderId: string; amountCents?: number; actor: string; reason: string; refundKey: string }) {
    const order = store.order(input.orderId);
    if (!order) throw new LedgerError('hold_not_found', `no order ${input.orderId}`);
    if (holdsNothing(order)) throw new LedgerError('not_captured', `order ${order.id} was a free trial: the customer paid nothing`);
    // The exact sum from the ledger: a busy wallet's recent history would miss older refunds.
    const amount = input.amountCents ?? order.priceCents - wallet.refundedCents(order.id);
    if (amount <= 0) throw new LedgerError('refund_exceeds_capture', `order ${order.id} has been refunded in full already`);
    // One transaction: a referral reward is taken back with the refund that calls for it, or not at all.
    const result = writeTransaction(sqlite, () => {
      const refunded = wallet.refund({
        orderId: order.id,
        amountCents: amount,
        refundKey: input.refundKey,
        actor: input.actor,
        reason: input.reason,
      });
      if (!refunded.replayed) deps.referralRewards?.orderRefunded({ orderId: order.id, refundKey: input.refundKey });
      deps.promos?.onOrderRefunded(order.id, input.refundKey, input.actor);
      return refunded;
    });
    logger.info('order refunded', { orderId: order.id, amountCents: amount, actor: input.actor });
    return result;
  }

  /**
   * The order side of the ledger's promises: a delivered order was captured
   * once, a failed one holds nothing, an open one still holds its price.
   */
  function checkInvariants(): string[] {
    const violations = [...wallet.checkInvariants(), ...(deps.promos?.checkInvariants() ?? [])];
    // Each order beside its hold and whatever resolved the hold (a partial unique index allows one).
    const hold = alias(ledgerTransfers, 'hold');
    const resolution = alias(ledgerTransfers, 'resolution');
    const rows = deps.db
      .select({ id: orders.id, state: orders.state, price: orders.priceCents, held: hold.amountCents, resolution: resolution.kind })
      .from(orders)
      .leftJoin(hold, eq(hold.id, sql`'hold:' || ${orders.id}`))
      .leftJoin(resolution, eq(resolution.pendingId, hold.id))
      .all();
    const freeTrials = new Set(
      deps.db
        .select({ orderId: orderDiscounts.orderId })
        .from(orderDiscounts)
        .where(
          and(
            isNotNull(orderDiscounts.trialProviderId),
            eq(orderDiscounts.tierDiscountCents, 0),
            eq(orderDiscounts.promoDiscountCents, orderDiscounts.listPriceCents),
          ),
        )
        .all()
        .map((d) => d.orderId),
    );
    for (const o of rows) {
      if (o.price === 0) {
        // A free trial holds nothing; its discount row follows the order's state (promos' own check).
        if (o.held !== null) violations.push(`order ${o.id} is free but holds ${o.held} cents`);
        if (!freeTrials.has(o.id)) violations.push(`order ${o.id} is priced at nothing but is not a free trial`);
        continue;
      }
      if (o.held === null) {
        violations.push(`order ${o.id} has no hold`);
        continue;
      }
      if (o.held !== o.price) violations.push(`order ${o.id} holds ${o.held} cents for a price of ${o.price}`);
      const expected = o.state === 'delivered' ? 'post_pending' : o.state === 'failed' ? 'void_pending' : null;
      if (o.resolution !== expected) {
        violations.push(`order ${o.id} is ${o.state} but its hold is ${o.resolution ?? 'still pending'}`);
      }
    }
    return violations;
  }

  return {
    checkInvariants,
    quote,
    quoteRenewal,
    renewalOffers,
    quoteById: (id: string) => {
      const q = store.quote(id);
      return q ? quoteView(q) : undefined;
    },
    purchase,
    /** The outcome of the order a customer's intent key already made, if any (joins it while it runs). */
    async resultForIntent(userId: number, intentKey: string): Promise<SagaResult | undefined> {
      const earlier = store.orderByIntent(userId, intentKey);
      return earlier ? resultOf(earlier.id) : undefined;
    },
    reconcile,
    reconcileDue,
    refund,
    checkAgain,
    settleByOperator,
    recordRefusedAction,
    fetchOperatorDelivery,
    operatorActionsOf: operatorActions.actionsOf,
    /** Who settled an order by hand, if a person did. */
    operatorSettlementOf: operatorActions.settlementOf,
    order: (id: string) => store.order(id),
    ordersOfUser: store.ordersOfUser,
    openOrders: store.openOrders,
    subscriptionsOfOrder: store.subscriptionsOfOrder,
    /** The geo and session target an order was bought with, if any. */
    targetOfOrder: (orderId: string) => targets.ofOrder(orderId),
    /** Resolves when every saga running in this process has settled (graceful shutdown). */
    async drain(): Promise<void> {
      await running.settled();
      await Promise.allSettled([...followUps]);
    },
  };
}

export type Orders = ReturnType<typeof createOrders>;

function describeRefusal(code: RefusalCode): string {
  switch (code) {
    case 'out_of_stock':
      return 'sold out at the provider';
    case 'invalid_option':
      return 'the provider no longer offers this option';
    case 'insufficient_upstream_balance':
    case 'unauthorized':
    case 'forbidden':
      return 'the provider cannot take orders right now';
    case 'rate_limited':
    case 'busy':
      return 'the provider is busy; please try again in a minute';
    case 'not_found':
    case 'unsupported':
    case 'rejected':
      return 'the provider refused the order';
    default:
      return unreachable(code);
  }
}
