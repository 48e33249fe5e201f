/**
 * The caller's proxies: a paged list, one proxy with its credentials, an
 * export in the formats tools paste, renewal (a money POST, like /orders)
 * and the auto-renew setting (`write` scope).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { EXPORT_FORMATS, formatProxyList } from '../../domain/proxy-format.js';
import { subscriptionIdsOf, type SubscriptionRow } from '../../services/order-store.js';
import { requireScope, type ApiEnv } from '../middlewares/auth.js';
import { intentKeyOf, invalidRequest, readJson, readQuery } from '../middlewares/body.js';
import { ApiError, ok } from '../middlewares/errors.js';
import type { ApiServices } from '../v1.js';
import { idempotencyConflict } from './orders.js';
import { proxySummaryView, proxyView, quoteRefusal, sagaResponse } from './views.js';

export const listProxiesQuery = z.strictObject({
  /** 1-based. */
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});

export const exportQuery = z.strictObject({
  format: z.enum(EXPORT_FORMATS).default('host:port:login:password'),
});

const termId = z.string().trim().min(1).max(100);

export const renewBody = z.strictObject({ term: termId });

export const autoRenewBody = z.strictObject({
  auto_renew: z.boolean(),
  /** The renewal period auto-renewal uses; from GET /proxies/:id/renewal-terms. */
  term: termId.optional(),
});

function refusal(reason: string, message: string): ApiError {
  if (reason === 'not_found') return new ApiError('not_found', 'no such proxy');
  return quoteRefusal(reason, message);
}

export function proxyRoutes(services: Pick<ApiServices, 'subscriptions' | 'orders' | 'pricing'>): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const { subscriptions } = services;

  /** The caller's proxy; someone else's reads exactly like a missing one. */
  const owned = (userId: number, id: string): SubscriptionRow => {
    const sub = subscriptions.get(userId, id);
    if (!sub) throw new ApiError('not_found', 'no such proxy');
    return sub;
  };

  app.get('/proxies', requireScope('read'), (c) => {
    const { page, page_size } = readQuery(c, listProxiesQuery);
    const { items, total } = subscriptions.list(c.get('principal').userId, page - 1, page_size);
    return ok(c, { proxies: items.map(proxySummaryView), page, page_size, total });
  });

  // Before '/proxies/:id', which would otherwise take "export" for an id.
  app.get('/proxies/export', requireScope('read'), (c) => {
    const { format } = readQuery(c, exportQuery);
    const text = formatProxyList(subscriptions.all(c.get('principal').userId), format);
    return c.text(text, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });

  app.get('/proxies/:id', requireScope('read'), (c) => {
    return ok(c, { proxy: proxyView(owned(c.get('principal').userId, c.req.param('id'))) });
  });

  app.get('/proxies/:id/renewal-terms', requireScope('read'), async (c) => {
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.param('id'));
    const terms = await subscriptions.renewalTerms(userId, sub.id);
    if (!terms.ok) throw refusal(terms.reason, terms.message);
    return ok(c, {
      terms: terms.value.map((term) => {
        // Renewing one proxy is priced like the saga prices it: cost of one unit plus the markup.
        const price = term.unitCostCents === undefined ? undefined : services.pricing.price(sub.providerId, sub.productId, term.unitCostCents, 1);
        return {
          id: term.id,
          label: term.label,
          days: term.days ?? null,
          traffic_gb: term.trafficGb ?? null,
          price_cents: price?.ok ? price.priceCents : null,
        };
      }),
    });
  });

  app.post('/proxies/:id/renew', requireScope('buy'), async (c) => {
    const intentKey = intentKeyOf(c);
    const { term } = await readJson(c, renewBody);
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.param('id'));
    // A replayed key answers with its order at once, even while the provider is down; only a new
    // key needs a fresh price lock.
    const result =
      (await services.orders.resultForIntent(userId, intentKey)) ??
      (await (async () => {
        const quoted = await services.orders.quoteRenewal(userId, sub.id, term);
        if (!quoted.ok) throw refusal(quoted.reason, quoted.message);
        return services.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey, channel: 'api' });
      })());
    const conflict = idempotencyConflict(
      result,
      (order) => order.kind === 'renewal' && order.termId === term && subscriptionIdsOf(order).includes(sub.id),
    );
    if (conflict) throw conflict;
    return sagaResponse(c, result, () => ({ proxies: [proxyView(owned(userId, sub.id))] }));
  });

  app.post('/proxies/:id/auto-renew', requireScope('write'), async (c) => {
    const body = await readJson(c, autoRenewBody);
    const { userId } = c.get('principal');
    const sub = owned(userId, c.req.param('id'));
    if (body.term !== undefined) {
      // A term the provider does not offer would only fail later, at renewal time, with no one watching.
      const terms = await subscriptions.renewalTerms(userId, sub.id);
      if (!terms.ok) throw refusal(terms.reason, terms.message);
      if (!terms.value.some((t) => t.id === body.term)) {
        throw invalidRequest([{ path: 'term', message: 'not a renewal term of this proxy; see GET /proxies/:id/renewal-terms' }]);
      }
    }
    const updated = subscriptions.setAutoRenew(userId, sub.id, body.auto_renew, body.term);
    if (!updated.ok) throw refusal(updated.reason, updated.message);
    return ok(c, { proxy: proxySummaryView(updated.value) });
  });

  return app;
}
