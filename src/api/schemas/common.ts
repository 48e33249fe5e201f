/**
 * The pieces every route's contract shares: the error envelope and the
 * statuses it comes with, the success wrapper, and the one page style of
 * every list (`limit` + opaque `cursor` in, `next_cursor` out).
 */
import { z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { STATUS_OF, type ApiErrorCode } from '../middlewares/errors.js';

const ERROR_CODES = Object.keys(STATUS_OF) as [ApiErrorCode, ...ApiErrorCode[]];

export const IssueDetailSchema = z
  .object({
    path: z.string().openapi({ description: "Dotted path of the offending field ('' for the body as a whole)." }),
    message: z.string(),
  })
  .openapi('IssueDetail');

export const ErrorEnvelopeSchema = z
  .object({
    success: z.literal(false),
    error: z
      .object({
        code: z.enum(ERROR_CODES).openapi({ description: 'Stable; branch on this, not on the message.' }),
        message: z.string(),
        details: z.array(IssueDetailSchema).optional(),
      })
      // Some refusals carry more: required_scope, retry_after_s, order, new_quote, required_cents…
      .catchall(z.unknown()),
  })
  .openapi('Error');

/** The error statuses a route can answer with, each described by the codes that use it. */
export function errors<const S extends readonly ContentfulStatusCode[]>(...statuses: S) {
  const responses = {} as {
    [K in S[number]]: { description: string; content: { 'application/json': { schema: typeof ErrorEnvelopeSchema } } };
  };
  for (const status of statuses) {
    const codes = ERROR_CODES.filter((code) => STATUS_OF[code] === status);
    (responses as Record<number, unknown>)[status] = {
      description: codes.length > 0 ? `Error envelope; code ${codes.join(' | ')}` : 'Error envelope',
      content: { 'application/json': { schema: ErrorEnvelopeSchema } },
    };
  }
  return responses;
}

/** What any authenticated route can answer besides its own refusals. */
export const AUTHENTICATED_ERRORS = [401, 413, 429, 500] as const;
/** A route behind a scope also answers 403 forbidden_scope. */
export const SCOPED_ERRORS = [401, 403, 413, 429, 500] as const;

/** `{ success: true, ...shape }` as a JSON response. */
export function success<T extends z.ZodRawShape>(description: string, shape: T) {
  return {
    description,
    content: { 'application/json': { schema: z.object({ success: z.literal(true), ...shape }) } },
  };
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** The one way every list pages. */
export const PageQuerySchema = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .openapi({ description: `Items per page, 1–${MAX_PAGE_SIZE}.`, example: DEFAULT_PAGE_SIZE }),
  cursor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: '`next_cursor` of the previous page, passed back unchanged; omit for the first page.' }),
});

export const NextCursorSchema = z
  .string()
  .nullable()
  .openapi({ description: 'Opaque; pass as `cursor` for the next page. null on the last page.' });

export const IdempotencyHeadersSchema = z.object({
  // Named as documented; handlers read the header themselves (names are case-insensitive).
  'Idempotency-Key': z.string().optional().openapi({
    description: 'Required: 8–100 of A-Z a-z 0-9 _ : . - . A retry with the same key returns the same order and never charges twice.',
    example: 'order-2024-06-01-0001',
  }),
});

/** Documented on the money POSTs; enforced only for tokens created with signing on. */
export const SignatureHeadersSchema = z.object({
  'X-Timestamp': z.string().optional().openapi({
    description: 'Signing tokens only: Unix time in seconds, within ±300 s of the shop’s clock.',
    example: '1717243200',
  }),
  'X-Signature': z.string().optional().openapi({
    description:
      'Signing tokens only: lowercase hex HMAC-SHA256, keyed with the signing secret, of `timestamp\\nMETHOD\\npath\\nrawBody` (path as sent, e.g. /api/v1/orders, without the query). Each signature is accepted once.',
  }),
});

export const ProxyIdParamsSchema = z.object({
  id: z.string().min(1).max(100).openapi({ example: 'px_abc234' }),
});
