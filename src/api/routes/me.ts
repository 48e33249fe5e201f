/**
 * The caller's account: who the token belongs to, the wallet balance and
 * the wallet's history (raw ledger transfers, and the statement a customer
 * reads: one line per purchase).
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import type { HistoryEntry } from '../../services/wallet.js';
import { availableChangeOf, type StatementLine, type StatementOrder } from '../../services/wallet-statement.js';
import { requireScope } from '../middlewares/auth.js';
import { apiRouter } from '../openapi.js';
import { errors, NextCursorSchema, PageQuerySchema, SCOPED_ERRORS, success } from '../schemas/common.js';
import { BalanceSchema, StatementLineSchema, TransactionSchema } from '../schemas/shapes.js';
import type { ApiServices } from '../v1.js';
import { decodeSequence, encodeSequence } from './cursor.js';
import { iso } from './views.js';

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

function statementOrderView(order: StatementOrder | null) {
  if (!order) return null;
  const { provider, product, country, term } = order.labels;
  return { id: order.id, kind: order.kind, provider, product, country: country ?? null, term, quantity: order.quantity };
}

function statementLineView(line: StatementLine) {
  return {
    seq: line.seq,
    created_at: iso(line.at),
    type: line.type,
    available_change_cents: availableChangeOf(line),
    amount_cents: line.amountCents,
    status: line.type === 'purchase' ? line.status : null,
    order: line.type === 'purchase' || line.type === 'order_refund' ? statementOrderView(line.order) : null,
    topup_method: line.type === 'topup' || line.type === 'topup_refund' || line.type === 'topup_refund_cancelled' ? line.method : null,
    reason: line.type === 'adjustment' ? line.reason : null,
  };
}

const getMe = createRoute({
  method: 'get',
  path: '/me',
  tags: ['account'],
  summary: 'The caller: user, balance and the token in use',
  middleware: [requireScope('read')] as const,
  responses: {
    200: success('The account', {
      user: z.object({ id: z.number().int() }),
      balance: BalanceSchema,
      token: z.object({
        id: z.string(),
        name: z.string().nullable(),
        scopes: z.array(z.enum(['read', 'buy', 'write'])),
        expires_at: z.string().nullable(),
      }),
    }),
    ...errors(...SCOPED_ERRORS),
  },
});

const getBalance = createRoute({
  method: 'get',
  path: '/balance',
  tags: ['account'],
  summary: 'Wallet balance',
  middleware: [requireScope('read')] as const,
  responses: { 200: success('The balance', { balance: BalanceSchema }), ...errors(...SCOPED_ERRORS) },
});

const listTransactions = createRoute({
  method: 'get',
  path: '/transactions',
  tags: ['account'],
  summary: 'Wallet history, newest first',
  middleware: [requireScope('read')] as const,
  request: { query: PageQuerySchema },
  responses: {
    200: success('A page of wallet entries', { transactions: z.array(TransactionSchema), next_cursor: NextCursorSchema }),
    ...errors(400, ...SCOPED_ERRORS),
  },
});

const listStatement = createRoute({
  method: 'get',
  path: '/statement',
  tags: ['account'],
  summary: 'Wallet statement, newest first: one line per purchase with what was bought',
  middleware: [requireScope('read')] as const,
  request: { query: PageQuerySchema },
  responses: {
    200: success('A page of statement lines', { lines: z.array(StatementLineSchema), next_cursor: NextCursorSchema }),
    ...errors(400, ...SCOPED_ERRORS),
  },
});

export function meRoutes(services: Pick<ApiServices, 'wallet' | 'walletStatement' | 'tokens'>) {
  const app = apiRouter();
  const balanceOf = (userId: number) => {
    const balance = services.wallet.balance(userId);
    return { available_cents: balance.availableCents, held_cents: balance.heldCents };
  };

  app.openapi(getMe, (c) => {
    const { userId, tokenId, scopes } = c.get('principal');
    const token = services.tokens.list(userId).find((t) => t.id === tokenId);
    return c.json(
      {
        success: true as const,
        user: { id: userId },
        balance: balanceOf(userId),
        token: { id: tokenId, name: token?.name ?? null, scopes, expires_at: iso(token?.expiresAt) },
      },
      200,
    );
  });

  app.openapi(getBalance, (c) => c.json({ success: true as const, balance: balanceOf(c.get('principal').userId) }, 200));

  app.openapi(listTransactions, (c) => {
    const query = c.req.valid('query');
    const beforeSeq = decodeSequence(query.cursor);
    const page = services.wallet.history(c.get('principal').userId, {
      limit: query.limit,
      ...(beforeSeq === undefined ? {} : { beforeSeq }),
    });
    return c.json(
      { success: true as const, transactions: page.entries.map(transactionView), next_cursor: encodeSequence(page.nextCursor) },
      200,
    );
  });

  app.openapi(listStatement, (c) => {
    const query = c.req.valid('query');
    const beforeSeq = decodeSequence(query.cursor);
    const page = services.walletStatement.page(c.get('principal').userId, {
      limit: query.limit,
      ...(beforeSeq === undefined ? {} : { beforeSeq }),
    });
    return c.json({ success: true as const, lines: page.lines.map(statementLineView), next_cursor: encodeSequence(page.nextCursor) }, 200);
  });

  return app;
}
