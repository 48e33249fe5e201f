/**
 * Optional request signing for API tokens. A token created with signing on
 * gets a second secret, shown once; the money POSTs it makes must then carry
 * `X-Timestamp` and `X-Signature` = hex HMAC-SHA256(secret,
 * `timestamp\nMETHOD\npath\nrawBody`). A leaked bearer token alone then
 * cannot spend the customer's money, and a captured request cannot be sent
 * again: each signature is accepted once while its timestamp is fresh.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, inArray, lt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { apiSignaturesSeen, apiTokenSigning } from '../db/schema/index.js';
import type { CreateTokenInput, TokenInfo, Tokens } from './tokens.js';

/** How far a request's timestamp may be from the shop's clock, either way. */
export const SIGNATURE_WINDOW_S = 300;
const SECRET_PREFIX = 'pss_';
const SIGNATURE_HEX = /^[0-9a-f]{64}$/i;
const TIMESTAMP = /^\d{1,12}$/;

export type SignatureRefusal = 'missing' | 'malformed' | 'stale' | 'mismatch' | 'replayed';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureRefusal };

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  method: string;
  path: string;
  rawBody: string;
}

/** What a client signs; exported so tests and client examples sign exactly as the shop checks. */
export function signingPayload(timestamp: string, method: string, path: string, rawBody: string): string {
  return `${timestamp}\n${method.toUpperCase()}\n${path}\n${rawBody}`;
}

export function signRequest(secret: string, timestamp: string, method: string, path: string, rawBody: string): string {
  return createHmac('sha256', secret)
    .update(signingPayload(timestamp, method, path, rawBody))
    .digest('hex');
}

export function createTokenSigning(deps: { db: Db; tokens: Pick<Tokens, 'create' | 'revoke'>; now?: () => number }) {
  const { db, tokens } = deps;
  const now = deps.now ?? Date.now;

  const secretOf = (tokenId: string): string | undefined =>
    db.select({ secret: apiTokenSigning.secret }).from(apiTokenSigning).where(eq(apiTokenSigning.tokenId, tokenId)).get()?.secret;

  return {
    /**
     * Creates a token that must sign its money requests. Both the token and
     * the signing secret are returned here and never again.
     */
    createSigningToken(input: CreateTokenInput): { token: string; signingSecret: string; record: TokenInfo } {
      const created = tokens.create(input);
      const signingSecret = `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
      try {
        db.insert(apiTokenSigning).values({ tokenId: created.record.id, secret: signingSecret, createdAt: now() }).run();
      } catch (error) {
        // A token that should sign but cannot must not stay usable without signing.
        tokens.revoke(input.userId, created.record.id);
        throw error;
      }
      return { token: created.token, signingSecret, record: created.record };
    },

    signs(tokenId: string): boolean {
      return secretOf(tokenId) !== undefined;
    },

    /** Of these tokens, the ones that sign. */
    signingTokenIds(tokenIds: readonly string[]): Set<string> {
      if (tokenIds.length === 0) return new Set();
      const rows = db
        .select({ id: apiTokenSigning.tokenId })
        .from(apiTokenSigning)
        .where(inArray(apiTokenSigning.tokenId, [...tokenIds]))
        .all();
      return new Set(rows.map((r) => r.id));
    },

    /**
     * Checks a request made with a signing token. An accepted signature is
     * remembered until its timestamp goes stale, so the same one is refused
     * as a replay; a token that does not sign passes unchecked.
     */
    verify(tokenId: string, request: SignedRequest): SignatureCheck {
      const secret = secretOf(tokenId);
      if (secret === undefined) return { ok: true };
      const { timestamp, signature } = request;
      if (timestamp === undefined || signature === undefined || timestamp === '' || signature === '')
        return { ok: false, reason: 'missing' };
      if (!TIMESTAMP.test(timestamp) || !SIGNATURE_HEX.test(signature)) return { ok: false, reason: 'malformed' };
      const at = now();
      const seconds = Number(timestamp);
      if (Math.abs(at / 1000 - seconds) > SIGNATURE_WINDOW_S) return { ok: false, reason: 'stale' };
      const expected = Buffer.from(signRequest(secret, timestamp, request.method, request.path, request.rawBody), 'hex');
      // Both are 32 bytes here (the shape was checked), so the constant-time compare cannot throw.
      if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { ok: false, reason: 'mismatch' };

      const lowercase = signature.toLowerCase();
      const fresh = db.transaction((tx) => {
        tx.delete(apiSignaturesSeen).where(lt(apiSignaturesSeen.expiresAt, at)).run();
        const inserted = tx
          .insert(apiSignaturesSeen)
          .values({ tokenId, signature: lowercase, expiresAt: (seconds + SIGNATURE_WINDOW_S) * 1000 })
          .onConflictDoNothing()
          .run();
        return inserted.changes === 1;
      });
      return fresh ? { ok: true } : { ok: false, reason: 'replayed' };
    },
  };
}

export type TokenSigning = ReturnType<typeof createTokenSigning>;
