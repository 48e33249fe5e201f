import { randomBytes } from 'node:crypto';

/** Lowercase base32: the only characters after an id's prefix (callback data reads ids with it). */
export const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** Characters after the prefix of every id `newId` makes by default. */
export const ID_LENGTH = 16;

/** A random id like `ord_k3j5…`: lowercase base32, safe in URLs, callback data and upstream references. */
export function newId(prefix: string, length = ID_LENGTH): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ID_ALPHABET[bytes[i]! % 32];
  return `${prefix}_${out}`;
}
