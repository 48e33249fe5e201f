/**
 * How a money POST's error answer is classified.
 *
 * A refusal releases the customer's money, so it must mean "provably nothing
 * was done". Only the answers an upstream's own document lists as such (out
 * of stock, invalid plan, insufficient balance, unauthorized, validation…)
 * are refusals. Every other status or code — an undocumented code, any 5xx, a
 * 2xx we cannot parse — is ambiguous and goes to the reconciler.
 *
 * Each provider writes its table as data next to its client, quoting the
 * seed's own words, and tests it row by row.
 */
import { ambiguous, refused, type Outcome, type RefusalCode } from './types.js';

/** One answer an upstream documents as "nothing was done". */
export interface DocumentedRefusal {
  /** The HTTP status the document gives for it. */
  status: number;
  /** The upstream's error code; absent when the document gives only the status. */
  code?: string;
  refusal: RefusalCode;
  /** Where the document says so, and its words, quoted. */
  documented: string;
}

export type RefusalTable = readonly DocumentedRefusal[];

/** The row a (status, code) answer matches: a row with a code needs that exact code. */
export function findDocumentedRefusal(table: RefusalTable, status: number, code: string | undefined): DocumentedRefusal | undefined {
  return (
    table.find((row) => row.status === status && row.code !== undefined && row.code === code) ??
    table.find((row) => row.status === status && row.code === undefined)
  );
}

/**
 * Classifies an error answer to a money POST: a documented refusal, or
 * ambiguous. A 5xx is never a refusal, whatever its body says, unless the
 * document lists that exact status and code as "nothing was done".
 */
export function classifyMoneyError(table: RefusalTable, answer: { status: number; code?: string; message: string }): Outcome<never> {
  const row = findDocumentedRefusal(table, answer.status, answer.code);
  if (row) return refused(row.refusal, answer.message, answer.status);
  const reason = answer.status >= 500 ? 'server_error' : 'undocumented';
  return ambiguous(reason, answer.message, answer.status);
}
