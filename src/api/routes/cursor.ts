/**
 * The lists' opaque cursors. Clients pass `next_cursor` back unchanged; what
 * is inside is ours to change, so it is encoded rather than shown as is.
 */
import type { PagePosition } from '../../services/listing.js';
import { invalidRequest } from '../middlewares/body.js';

const POSITION = /^(\d{1,15})\.([A-Za-z0-9_-]{1,100})$/;
const SEQUENCE = /^s(\d{1,15})$/;

function decode(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

function badCursor() {
  return invalidRequest([{ path: 'cursor', message: 'not a cursor from this list; pass next_cursor back unchanged' }]);
}

export function encodePosition(position: PagePosition | null): string | null {
  return position ? Buffer.from(`${position.createdAt}.${position.id}`).toString('base64url') : null;
}

export function decodePosition(cursor: string | undefined): PagePosition | undefined {
  if (cursor === undefined) return undefined;
  const match = POSITION.exec(decode(cursor));
  if (!match) throw badCursor();
  return { createdAt: Number(match[1]), id: match[2]! };
}

/** The wallet history pages by ledger sequence number. */
export function encodeSequence(seq: number | null): string | null {
  return seq === null ? null : Buffer.from(`s${seq}`).toString('base64url');
}

export function decodeSequence(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = SEQUENCE.exec(decode(cursor));
  if (!match) throw badCursor();
  return Number(match[1]);
}
