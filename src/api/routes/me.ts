/**
 * The caller's account: who the token belongs to, the wallet balance and
 * the wallet's history.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { HistoryEntry } from '../../services/wallet.js';
import { requireScope, type ApiEnv } from '../middlewares/auth.js';
import { readQuery } from '../middlewares/body.js';
import { ok } from '../middlewares/errors.js';
import type { ApiServices } from '../v1.js';
import { iso } from './views.js';

export const transactionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** `next_cursor` from the previous page: entries older than it. */
  cursor: z.coerce.number().int().positive().optional(),
});

function transactionView(entry: HistoryEntry) {
  return {
    seq: entry.seq,
    created_at: iso(entry.at),
    category: entry.category,
    kind: entry.kind,
    available_change_cents: entry.availableChangeCents,
    held_change_cents: entry.heldChangeCents,
    order_id: entry.orderId,
  };
}

export function meRoutes(services: Pick<ApiServices, 'wallet' | 'tokens'>): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const balanceOf = (userId: number) => {
    const balance = services.wallet.balance(userId);
    return { available_cents: balance.availableCents, held_cents: balance.heldCents };
  };

  app.get('/me', requireScope('read'), (c) => {
    const { userId, tokenId, scopes } = c.get('principal');
    const token = services.tokens.list(userId).find((t) => t.id === tokenId);
    return ok(c, {
      user: { id: userId },
      balance: balanceOf(userId),
      token: { id: tokenId, name: token?.name ?? null, scopes, expires_at: iso(token?.expiresAt) },
    });
  });

  app.get('/balance', requireScope('read'), (c) => ok(c, { balance: balanceOf(c.get('principal').userId) }));

  app.get('/transactions', requireScope('read'), (c) => {
    const query = readQuery(c, transactionsQuery);
    const page = services.wallet.history(c.get('principal').userId, {
      limit: query.limit,
      ...(query.cursor === undefined ? {} : { beforeSeq: query.cursor }),
    });
    return ok(c, { transactions: page.entries.map(transactionView), next_cursor: page.nextCursor });
  });

  return app;
}
