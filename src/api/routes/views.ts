/**
 * The wire shapes shared by the route files: snake_case, money in integer
 * `*_cents`, times in ISO 8601. Upstream costs, upstream ids and internal
 * notes never appear here.
 */
import type { LinkedOrderRow } from '../../services/linked-orders.js';
import type { Context } from 'hono';
import { unreachable } from '../../domain/unreachable.js';
import type { QuoteRefusal, SagaResult, QuoteView } from '../../services/orders.js';
import { labelsOf, subscriptionIdsOf, type OrderRow, type SubscriptionRow } from '../../services/order-store.js';
import type { ProxyTarget } from '../../providers/types.js';
import { ApiError } from '../middlewares/errors.js';

export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** A purchase's geo and session target as the API writes it (TargetSchema). */
export function targetView(target: ProxyTarget | undefined) {
  if (!target) return null;
  const { session } = target;
  return {
    country: target.countryCode ?? null,
    region: target.regionCode ?? null,
    city: target.cityCode ?? null,
    asn: target.asn ?? null,
    session:
      session.mode === 'rotating'
        ? { type: 'rotating' as const }
        : {
            type: 'sticky' as const,
            lifetime: session.lifetimeId,
            lifetime_minutes: session.maxMinutes ?? null,
            session_id: session.sessionId,
          },
  };
}

export function quoteView(q: QuoteView) {
  return {
    id: q.id,
    kind: q.kind,
    provider: q.providerId,
    price_cents: q.priceCents,
    expires_at: iso(q.expiresAt),
    choice: {
      product: q.choice.productId,
      country: q.choice.countryCode ?? null,
      term: q.choice.termId,
      quantity: q.choice.quantity,
    },
    labels: q.labels,
    target: targetView(q.target),
    discount: q.discount
      ? {
          list_price_cents: q.discount.listPriceCents,
          tier_discount_cents: q.discount.tierDiscountCents,
          promo_code: q.discount.promoCode,
          promo_discount_cents: q.discount.promoDiscountCents,
          trial: q.discount.trialProviderId !== null,
        }
      : null,
  };
}

/** `target`: what the order was bought for (Orders.targetOfOrder); list callers look it up per order. */
export function orderWithTarget(order: OrderRow, target?: ProxyTarget) {
  return {
    id: order.id,
    kind: order.kind,
    state: order.state,
    provider: order.providerId,
    quote_id: order.quoteId,
    choice: {
      product: order.productId,
      country: order.countryCode,
      term: order.termId,
      quantity: order.quantity,
    },
    labels: labelsOf(order),
    target: targetView(target),
    price_cents: order.priceCents,
    /** For a renewal, the proxy it renews. */
    proxy_ids: subscriptionIdsOf(order),
    channel: order.channel,
    // Open orders keep their reconciler notes in failure_message: those are ours, not the customer's.
    failure: order.state === 'failed' ? { code: order.failureCode, message: order.failureMessage } : null,
    created_at: iso(order.createdAt),
    updated_at: iso(order.updatedAt),
  };
}

/** An order whose target is not looked up: renewals, which buy none. */
export function orderView(order: OrderRow) {
  return orderWithTarget(order, undefined);
}

/** A proxy without its secrets, for lists. */
export function proxySummaryView(sub: SubscriptionRow) {
  return {
    id: sub.id,
    order_id: sub.orderId,
    provider: sub.providerId,
    product: { id: sub.productId, name: sub.productName },
    country: sub.countryCode,
    host: sub.host,
    http_port: sub.httpPort,
    socks5_port: sub.socks5Port,
    status: sub.status,
    expires_at: iso(sub.expiresAt),
    traffic_limit_mb: sub.trafficLimitMb,
    auto_renew: sub.autoRenew,
    renew_term: sub.renewTermId,
    created_at: iso(sub.createdAt),
  };
}

/**
 * A proxy with its credentials; only ever sent with `Cache-Control: no-store`.
 * A proxy bought for a target comes with that target and the login built for
 * it (PurchaseTargets.asDelivered); `linked` are the orders bought to add
 * traffic to it, each a working login of its own.
 */
export function proxyView(sub: SubscriptionRow & { target?: ProxyTarget }, linked: readonly LinkedOrderRow[] = []) {
  return {
    ...proxySummaryView(sub),
    login: sub.login,
    password: sub.password,
    rotation_url: sub.rotationUrl,
    added_traffic: linked.map((order) => ({
      order_id: order.orderId,
      host: order.host,
      http_port: order.httpPort,
      socks5_port: order.socks5Port,
      login: order.login,
      password: order.password,
      traffic_limit_mb: order.trafficLimitMb,
    })),
    target: targetView(sub.target),
  };
}

/**
 * One answer for every way a purchase can end, shared by POST /orders and
 * POST /proxies/{id}/renew: delivered 201 with the proxies `delivered`
 * names, still provisioning 202, and the refusals as their error codes.
 */
export function sagaResponse(
  c: Context,
  result: SagaResult,
  delivered: (order: OrderRow, proxies: SubscriptionRow[]) => ReturnType<typeof proxyView>[],
  targetOf: (orderId: string) => ProxyTarget | undefined = () => undefined,
) {
  const orderView = (order: OrderRow) => orderWithTarget(order, targetOf(order.id));
  switch (result.kind) {
    case 'delivered':
      return c.json({ success: true as const, order: orderView(result.order), proxies: delivered(result.order, result.proxies) }, 201);
    case 'provisioning':
      // The hold stays and the reconciler settles it; the client polls GET /orders/:id.
      return c.json({ success: true as const, order: orderView(result.order) }, 202);
    case 'failed':
      throw new ApiError('order_failed', result.message, { fields: { order: orderView(result.order) } });
    case 'quote_expired':
      throw new ApiError('quote_expired', result.message, { fields: { new_quote: result.newQuote ? quoteView(result.newQuote) : null } });
    case 'insufficient_funds':
      throw new ApiError('insufficient_balance', 'the wallet balance is too low for this order; top up in the bot', {
        fields: { required_cents: result.priceCents, available_cents: result.availableCents },
      });
    case 'rejected':
      // The saga rejects unknown or foreign quotes and proxies; the key format was checked before.
      throw new ApiError('not_found', result.message);
    case 'off_sale':
      throw new ApiError('provider_unavailable', result.message);
  }
}

/** Why the orders service would not price a choice, as the API's error. */
export function quoteRefusal(reason: QuoteRefusal, message: string): ApiError {
  switch (reason) {
    case 'unknown_product':
      return new ApiError('invalid_request', message, { details: [{ path: 'product', message }] });
    case 'unknown_country':
      return new ApiError('invalid_request', message, { details: [{ path: 'country', message }] });
    case 'unknown_term':
      return new ApiError('invalid_request', message, { details: [{ path: 'term', message }] });
    case 'promo_refused':
      return new ApiError('invalid_request', message, { details: [{ path: 'promo_code', message }] });
    case 'bad_quantity':
      return new ApiError('invalid_request', message, { details: [{ path: 'quantity', message }] });
    case 'invalid_option':
      return new ApiError('invalid_request', 'the provider does not offer this choice', { details: [{ path: '', message }] });
    case 'not_available':
    case 'out_of_stock':
      return new ApiError('sold_out', message);
    case 'not_found':
      return new ApiError('not_found', message);
    case 'unsupported':
      return new ApiError('unsupported', message);
    case 'provider_unavailable':
    case 'rate_limited':
    case 'busy':
    case 'insufficient_upstream_balance':
    case 'unauthorized':
    case 'forbidden':
    case 'rejected':
    case 'no_price':
      // Upstream trouble (down, rate-limited, our balance or key there, a refusal without a reason, no usable price): try again later.
      return new ApiError('provider_unavailable', message, { headers: { 'Retry-After': '30' } });
    default:
      return unreachable(reason);
  }
}
