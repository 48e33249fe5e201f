/**
 * Helpers adapters use to turn exchanges (from the shared client in
 * `lib/http.ts`) into outcomes: the classification every provider shares.
 */
import type { z } from 'zod';
import type { HttpExchange } from '../lib/http.js';
import { ambiguous, ok, refused, type Outcome, type RefusalCode } from './types.js';

// ---------------------------------------------------------------------------
// Helpers adapters use to turn exchanges into outcomes
// ---------------------------------------------------------------------------

/**
 * The parts of classification that are the same for every upstream:
 * transport failures and 5xx are ambiguous; 429 is a refusal (nothing was
 * done); a 2xx is handed to `onSuccess`; other statuses to `onError`, which
 * maps the upstream's own error codes.
 */
export function outcomeFromExchange<T>(
  exchange: HttpExchange,
  handlers: {
    onSuccess: (body: unknown, status: number) => Outcome<T>;
    onError: (body: unknown, status: number) => Outcome<T>;
  },
  redact: (text: string) => string = (t) => t,
): Outcome<T> {
  if (exchange.kind === 'failure') return ambiguous(exchange.reason, exchange.message);
  const { status, body } = exchange;
  if (status === 429) return refused('rate_limited', 'upstream rate limit reached', status);
  if (status >= 500) return ambiguous('server_error', `upstream answered HTTP ${status}`, status);
  if (status >= 200 && status < 300) {
    if (body === undefined) return ambiguous('malformed', `HTTP ${status} with a body that is not JSON`, status);
    return onSafely(() => handlers.onSuccess(body, status), redact);
  }
  return onSafely(() => handlers.onError(body, status), redact);
}

function onSafely<T>(fn: () => Outcome<T>, redact: (text: string) => string): Outcome<T> {
  try {
    return fn();
  } catch (error) {
    // A mapper that trips over an unexpected shape must not crash the saga.
    const message = error instanceof Error ? error.message : String(error);
    return ambiguous('malformed', redact(`unexpected upstream answer: ${message}`));
  }
}

/** Validates a success body; a mismatch is an ambiguous 'malformed' outcome. */
export function parseBody<S extends z.ZodType, T>(schema: S, body: unknown, map: (parsed: z.infer<S>) => T): Outcome<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid';
    return ambiguous('malformed', `unexpected upstream answer (${where})`);
  }
  return ok(map(result.data));
}

/**
 * Default mapping of an HTTP status alone, for upstreams whose error bodies say
 * little; `overrides` holds an upstream's own meaning of a status (GateProxy's
 * 409 means "another order is running", not "sold out").
 */
export function refusalFromStatus(status: number, overrides: Partial<Record<number, RefusalCode>> = {}): RefusalCode {
  const own = overrides[status];
  if (own) return own;
  switch (status) {
    case 401:
      return 'unauthorized';
    case 402:
      return 'insufficient_upstream_balance';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'out_of_stock';
    default:
      return 'rejected';
  }
}
