/**
 * API tokens: customers create them in the bot and use them on the REST API.
 *
 * A token reads `pst_<random>_<checksum>`. The random part is 160 bits from
 * the OS, base62; the checksum is six base62 characters derived from
 * SHA-256 of `pst_<random>`, so a typo'd or truncated token is refused
 * before any database lookup (and secret scanners can recognise ours).
 * Only SHA-256 of the whole token is stored: the token is shown once and a
 * leaked database does not leak usable credentials.
 */
import { createHash, hash as oneShotHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, count, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { apiTokens } from '../db/schema/index.js';
import { newId } from '../domain/ids.js';

export const TOKEN_SCOPES = ['read', 'buy', 'write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const MAX_ACTIVE_TOKENS = 20;
export const MAX_NAME_LENGTH = 64;
/** last_used_at is a hint for the owner, not an audit log: one write a minute per token is plenty. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const TOKEN_PREFIX = 'pst_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_BYTES = 20;
/** 62^27 > 2^160, so 27 characters hold 160 bits. */
const RANDOM_LENGTH = 27;
const CHECKSUM_LENGTH = 6;
const DISPLAY_PREFIX_LENGTH = 12;
const TOKEN_SHAPE = new RegExp(`^${TOKEN_PREFIX}([0-9A-Za-z]{${RANDOM_LENGTH}})_([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`);

/**
 * Control characters, unassigned/private code points, line breaks and bidi
 * overrides: they make a name print differently from what it is. Other
 * format characters stay allowed (the zero-width joiner builds emoji).
 */
const UNPRINTABLE = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u;

export type TokenErrorCode = 'invalid_name' | 'invalid_scopes' | 'invalid_expiry' | 'too_many_tokens';

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What the owner may see about a token; never the secret or its hash. */
export interface TokenInfo {
  id: string;
  name: string;
  prefix: string;
  scopes: TokenScope[];
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

export type VerifyResult =
  | { ok: true; userId: number; tokenId: string; scopes: TokenScope[] }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

export interface CreateTokenInput {
  userId: number;
  name: string;
  scopes: readonly TokenScope[];
  /** Milliseconds since the epoch; null or absent: never expires. */
  expiresAt?: number | null;
}

function toBase62(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = BASE62[Number(value % 62n)]! + out;
    value /= 62n;
  }
  return out;
}

function checksumOf(body: string): string {
  const digest = createHash('sha256').update(body).digest();
  // 64 bits reduced mod 62^6: the bias is far below anything that matters for typo detection.
  return toBase62(digest.readBigUInt64BE(0), CHECKSUM_LENGTH);
}

/** The stored form of a token, hex SHA-256; one-shot hashing, as every API request hashes its token. */
function hashToken(token: string): string {
  return oneShotHash('sha256', token, 'hex');
}

/** Shape and checksum only: no I/O, so garbage is refused for free. */
export function looksValid(token: string): boolean {
  if (typeof token !== 'string') return false;
  const match = TOKEN_SHAPE.exec(token);
  if (!match) return false;
  const expected = checksumOf(`${TOKEN_PREFIX}${match[1]}`);
  // The checksum is derived from public text, yet comparing without early exit costs nothing.
  return timingSafeEqual(Buffer.from(expected), Buffer.from(match[2]!));
}

function generateToken(): string {
  const random = toBase62(BigInt(`0x${randomBytes(RANDOM_BYTES).toString('hex')}`), RANDOM_LENGTH);
  const body = `${TOKEN_PREFIX}${random}`;
  return `${body}_${checksumOf(body)}`;
}

function normaliseName(raw: unknown): string {
  if (typeof raw !== 'string') throw new TokenError('invalid_name', 'the name must be text');
  const name = raw.trim();
  const length = [...name].length;
  if (length < 1 || length > MAX_NAME_LENGTH) {
    throw new TokenError('invalid_name', `the name must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  if (UNPRINTABLE.test(name)) throw new TokenError('invalid_name', 'the name may only contain printable characters');
  return name;
}

function normaliseScopes(raw: unknown): TokenScope[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new TokenError('invalid_scopes', 'choose at least one scope');
  const seen = new Set<string>();
  for (const scope of raw) {
    if (!(TOKEN_SCOPES as readonly unknown[]).includes(scope)) {
      throw new TokenError('invalid_scopes', `unknown scope ${JSON.stringify(scope)}`);
    }
    if (seen.has(scope as string)) throw new TokenError('invalid_scopes', `scope ${scope as string} is listed twice`);
    seen.add(scope as string);
  }
  // Stored in one canonical order so equal scope sets read the same everywhere.
  return TOKEN_SCOPES.filter((s) => seen.has(s));
}

function parseScopes(stored: string): TokenScope[] {
  const words = new Set(stored.split(' '));
  return TOKEN_SCOPES.filter((s) => words.has(s));
}

/**
 * How long a verified token is trusted without reading its row again. A
 * revoke through this service clears it at once; the window only bounds how
 * late another process's revoke (or a row edited by hand) is noticed.
 */
export const VERIFIED_CACHE_MS = 5_000;
/** Beyond this many cached tokens the oldest are dropped, so memory stays bounded. */
const VERIFIED_CACHE_MAX = 10_000;

interface VerifiedToken {
  tokenId: string;
  userId: number;
  scopes: TokenScope[];
  expiresAt: number | null;
  lastUsedAt: number | null;
  cachedAt: number;
}

export function createTokens(deps: { db: Db; now?: () => number; verifiedCacheMs?: number }) {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const verifiedCacheMs = deps.verifiedCacheMs ?? VERIFIED_CACHE_MS;

  // Prepared once: every API request runs them.
  const rowBySecretHash = db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.secretHash, sql.placeholder('hash')))
    .prepare();
  const touchLastUsed = db
    .update(apiTokens)
    .set({ lastUsedAt: sql`${sql.placeholder('at')}` })
    .where(eq(apiTokens.id, sql.placeholder('id')))
    .prepare();

  /** Keyed by the hex SHA-256 of the token, like the table: the plain token is kept nowhere. */
  const verified = new Map<string, VerifiedToken>();
  const forget = (tokenId: string) => {
    for (const [hash, entry] of verified) if (entry.tokenId === tokenId) verified.delete(hash);
  };

  const activeCount = (tx: Pick<Db, 'select'>, userId: number, at: number): number =>
    tx
      .select({ n: count() })
      .from(apiTokens)
      .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt), or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, at))))
      .get()?.n ?? 0;

  return {
    /** Creates a token; the plain token is returned here and never again. */
    create(input: CreateTokenInput): { token: string; record: TokenInfo } {
      const at = now();
      const name = normaliseName(input.name);
      const scopes = normaliseScopes(input.scopes);
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt !== null && (!Number.isSafeInteger(expiresAt) || expiresAt <= at)) {
        throw new TokenError('invalid_expiry', 'the expiry must be a time in the future');
      }
      const token = generateToken();
      const id = newId('tok');
      // Count and insert under the write lock, so two concurrent creations cannot both be the 20th.
      const row = db.transaction(
        (tx) => {
          if (activeCount(tx, input.userId, at) >= MAX_ACTIVE_TOKENS) {
            throw new TokenError('too_many_tokens', `at most ${MAX_ACTIVE_TOKENS} active tokens; revoke one first`);
          }
          return tx
            .insert(apiTokens)
            .values({
              id,
              userId: input.userId,
              name,
              prefix: token.slice(0, DISPLAY_PREFIX_LENGTH),
              secretHash: hashToken(token),
              scopes: scopes.join(' '),
              expiresAt,
              createdAt: at,
            })
            .returning()
            .get();
        },
        { behavior: 'immediate' },
      );
      return { token, record: toInfo(row) };
    },

    /** The user's tokens, oldest first, revoked and expired ones included so the owner sees their history. */
    list(userId: number): TokenInfo[] {
      return db
        .select()
        .from(apiTokens)
        .where(eq(apiTokens.userId, userId))
        .orderBy(asc(apiTokens.createdAt), asc(apiTokens.id))
        .all()
        .map(toInfo);
    },

    /**
     * Revokes one of the user's tokens. True when the token is theirs and is
     * now revoked (also when it already was); false for someone else's or an
     * unknown token, which is left untouched.
     */
    revoke(userId: number, tokenId: string): boolean {
      const row = db
        .select({ revokedAt: apiTokens.revokedAt })
        .from(apiTokens)
        .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId)))
        .get();
      if (!row) return false;
      if (row.revokedAt === null) {
        db.update(apiTokens)
          .set({ revokedAt: now() })
          .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
          .run();
      }
      // Revoked means refused from the very next request, not after the cache window.
      forget(tokenId);
      return true;
    },

    /**
     * Checks a presented token; on success records when it was last used (at
     * most once a minute). A token verified in the last few seconds is
     * answered from memory: one hash and a map lookup, no checksum and no
     * query, which is what keeps the API's per-request cost near zero.
     */
    verify(token: string): VerifyResult {
      if (typeof token !== 'string') return { ok: false, reason: 'malformed' };
      const hex = hashToken(token);
      const at = now();
      let entry = verified.get(hex);
      if (entry && at - entry.cachedAt >= verifiedCacheMs) {
        verified.delete(hex);
        entry = undefined;
      }
      if (!entry) {
        if (!looksValid(token)) return { ok: false, reason: 'malformed' };
        // The lookup is by a hash of the secret, so timing of the index search reveals nothing usable.
        const row = rowBySecretHash.get({ hash: hex });
        if (!row || !timingSafeEqual(Buffer.from(row.secretHash, 'hex'), Buffer.from(hex, 'hex'))) return { ok: false, reason: 'unknown' };
        if (row.revokedAt !== null) return { ok: false, reason: 'revoked' };
        entry = {
          tokenId: row.id,
          userId: row.userId,
          scopes: parseScopes(row.scopes),
          expiresAt: row.expiresAt,
          lastUsedAt: row.lastUsedAt,
          cachedAt: at,
        };
        if (verified.size >= VERIFIED_CACHE_MAX) verified.delete(verified.keys().next().value!);
        verified.set(hex, entry);
      }
      if (entry.expiresAt !== null && entry.expiresAt <= at) return { ok: false, reason: 'expired' };
      if (entry.lastUsedAt === null || at - entry.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
        touchLastUsed.run({ at, id: entry.tokenId });
        entry.lastUsedAt = at;
      }
      return { ok: true, userId: entry.userId, tokenId: entry.tokenId, scopes: entry.scopes };
    },

    looksValid,
  };
}

function toInfo(row: typeof apiTokens.$inferSelect): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: parseScopes(row.scopes),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

export type Tokens = ReturnType<typeof createTokens>;
