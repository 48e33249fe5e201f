import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiTokens } from '../../src/db/schema/index.js';
import { createTokens, looksValid, MAX_ACTIVE_TOKENS, TokenError, VERIFIED_CACHE_MS, type Tokens } from '../../src/services/tokens.js';
import { freshServices } from '../helpers/db.js';

let shop: ReturnType<typeof freshServices>;
let clock: number;
let tokens: Tokens;

beforeEach(() => {
  shop = freshServices();
  clock = Date.UTC(2025, 0, 1);
  tokens = createTokens({ db: shop.database.db, now: () => clock });
});

afterEach(() => shop.close());

const tokenCount = () => shop.database.db.select().from(apiTokens).all().length;

function expectTokenError(work: () => unknown, code: string) {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError);
    expect((error as TokenError).code).toBe(code);
    return;
  }
  throw new Error(`expected TokenError ${code}`);
}

/** Replaces the character at `index` with another one from the same alphabet. */
function mutate(token: string, index: number): string {
  const c = token[index]!;
  const replacement = c === 'a' ? 'b' : c === '_' ? '-' : /[0-9A-Za-z]/.test(c) ? 'a' : 'x';
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

describe('creating tokens', () => {
  it('returns a well-formed token and stores only its hash and a display prefix', () => {
    const user = shop.newUser();
    const { token, record } = tokens.create({ userId: user.id, name: '  CI deploy  ', scopes: ['read', 'buy'] });

    expect(token).toMatch(/^pst_[0-9A-Za-z]{27}_[0-9A-Za-z]{6}$/);
    expect(looksValid(token)).toBe(true);
    expect(record).toMatchObject({ name: 'CI deploy', scopes: ['read', 'buy'], expiresAt: null, lastUsedAt: null, revokedAt: null });
    expect(record.prefix).toBe(token.slice(0, 12));
    expect(record.createdAt).toBe(clock);

    const dump = JSON.stringify(shop.database.sqlite.prepare('SELECT * FROM api_tokens').all());
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(token.slice(4, 31));
    expect(record).not.toHaveProperty('secretHash');
  });

  it('makes a different token every time', () => {
    const user = shop.newUser();
    const seen = new Set(Array.from({ length: 10 }, (_, i) => tokens.create({ userId: user.id, name: `t${i}`, scopes: ['read'] }).token));
    expect(seen.size).toBe(10);
  });

  it('stores scopes in one order whatever order they were given in', () => {
    const user = shop.newUser();
    const { record } = tokens.create({ userId: user.id, name: 'all', scopes: ['write', 'read', 'buy'] });
    expect(record.scopes).toEqual(['read', 'buy', 'write']);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['too long', 'x'.repeat(65)],
    ['a newline', 'line\nbreak'],
    ['a control character', 'bell\u0007'],
    ['a bidi override', 'evil\u202Egnp.exe'],
  ])('refuses a name that is %s and writes nothing', (_label, name) => {
    const user = shop.newUser();
    expectTokenError(() => tokens.create({ userId: user.id, name, scopes: ['read'] }), 'invalid_name');
    expect(tokenCount()).toBe(0);
  });

  it('accepts a 64-character name and emoji', () => {
    const user = shop.newUser();
    expect(tokens.create({ userId: user.id, name: 'я'.repeat(64), scopes: ['read'] }).record.name).toHaveLength(64);
    expect(tokens.create({ userId: user.id, name: 'laptop 👩‍💻', scopes: ['read'] }).record.name).toBe('laptop 👩‍💻');
  });

  it.each([
    ['no scopes', []],
    ['an unknown scope', ['read', 'admin']],
    ['a duplicate', ['read', 'read']],
  ])('refuses %s and writes nothing', (_label, scopes) => {
    const user = shop.newUser();
    expectTokenError(() => tokens.create({ userId: user.id, name: 'x', scopes: scopes as never }), 'invalid_scopes');
    expect(tokenCount()).toBe(0);
  });

  it('refuses an expiry that is not in the future', () => {
    const user = shop.newUser();
    expectTokenError(() => tokens.create({ userId: user.id, name: 'x', scopes: ['read'], expiresAt: clock }), 'invalid_expiry');
    expectTokenError(() => tokens.create({ userId: user.id, name: 'x', scopes: ['read'], expiresAt: clock - 1 }), 'invalid_expiry');
    expectTokenError(() => tokens.create({ userId: user.id, name: 'x', scopes: ['read'], expiresAt: Number.NaN }), 'invalid_expiry');
    expect(tokenCount()).toBe(0);
    expect(tokens.create({ userId: user.id, name: 'x', scopes: ['read'], expiresAt: clock + 1 }).record.expiresAt).toBe(clock + 1);
  });

  it('allows at most 20 active tokens per user; revoked and expired ones do not count', () => {
    const user = shop.newUser();
    const other = shop.newUser('Other');
    const made = Array.from({ length: MAX_ACTIVE_TOKENS - 1 }, (_, i) =>
      tokens.create({ userId: user.id, name: `t${i}`, scopes: ['read'] }),
    );
    tokens.create({ userId: user.id, name: 'short-lived', scopes: ['read'], expiresAt: clock + 1_000 });
    expectTokenError(() => tokens.create({ userId: user.id, name: 'one more', scopes: ['read'] }), 'too_many_tokens');
    expect(tokenCount()).toBe(MAX_ACTIVE_TOKENS);

    // Another customer's quota is their own.
    tokens.create({ userId: other.id, name: 'theirs', scopes: ['read'] });

    tokens.revoke(user.id, made[0]!.record.id);
    tokens.create({ userId: user.id, name: 'replacement', scopes: ['read'] });
    expectTokenError(() => tokens.create({ userId: user.id, name: 'one more', scopes: ['read'] }), 'too_many_tokens');

    clock += 1_000;
    tokens.create({ userId: user.id, name: 'after expiry', scopes: ['read'] });
  });
});

describe('checking tokens', () => {
  it('verifies a good token and says whose it is', () => {
    const user = shop.newUser();
    const { token, record } = tokens.create({ userId: user.id, name: 'bot', scopes: ['read', 'write'] });
    expect(tokens.verify(token)).toEqual({ ok: true, userId: user.id, tokenId: record.id, scopes: ['read', 'write'] });
  });

  it('refuses a token with any one character changed as malformed, without looking it up', () => {
    const user = shop.newUser();
    const { token } = tokens.create({ userId: user.id, name: 'bot', scopes: ['read'] });
    for (let i = 0; i < token.length; i++) {
      const typo = mutate(token, i);
      expect(typo).not.toBe(token);
      expect(looksValid(typo), `position ${i}`).toBe(false);
      expect(tokens.verify(typo)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it.each(['', 'pst_', 'Bearer xyz', 'pst_abc_def', `PST_${'a'.repeat(27)}_abcdef`])('refuses %j as malformed', (text) => {
    expect(looksValid(text)).toBe(false);
    expect(tokens.verify(text)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a well-formed token it never issued as unknown', () => {
    const user = shop.newUser();
    const { token } = tokens.create({ userId: user.id, name: 'bot', scopes: ['read'] });
    // A token from another database: well-formed, checksum fine, not ours.
    const elsewhere = freshServices();
    try {
      const stranger = createTokens({ db: elsewhere.database.db }).create({ userId: elsewhere.newUser().id, name: 'x', scopes: ['read'] });
      expect(looksValid(stranger.token)).toBe(true);
      expect(tokens.verify(stranger.token)).toEqual({ ok: false, reason: 'unknown' });
    } finally {
      elsewhere.close();
    }
    expect(tokens.verify(token).ok).toBe(true);
  });

  it('refuses a revoked token and an expired one', () => {
    const user = shop.newUser();
    const revoked = tokens.create({ userId: user.id, name: 'old', scopes: ['read'] });
    const expiring = tokens.create({ userId: user.id, name: 'temp', scopes: ['read'], expiresAt: clock + 60_000 });
    tokens.revoke(user.id, revoked.record.id);
    expect(tokens.verify(revoked.token)).toEqual({ ok: false, reason: 'revoked' });
    expect(tokens.verify(expiring.token).ok).toBe(true);
    clock += 60_000;
    expect(tokens.verify(expiring.token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token revoked a moment after it was verified, though the check before came from memory', () => {
    const user = shop.newUser();
    const { token, record } = tokens.create({ userId: user.id, name: 'bot', scopes: ['read'] });
    expect(tokens.verify(token).ok).toBe(true);
    expect(tokens.verify(token).ok).toBe(true);
    tokens.revoke(user.id, record.id);
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('reads the row again after the short cache window, so a revoke made elsewhere is seen within it', () => {
    const user = shop.newUser();
    const { token, record } = tokens.create({ userId: user.id, name: 'bot', scopes: ['read'] });
    expect(tokens.verify(token).ok).toBe(true);
    // Another process (or an operator with sqlite3) revokes behind this one's back.
    shop.database.sqlite.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(clock, record.id);
    expect(tokens.verify(token).ok).toBe(true);
    clock += VERIFIED_CACHE_MS;
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('records last use at most once a minute', () => {
    const user = shop.newUser();
    const { token, record } = tokens.create({ userId: user.id, name: 'bot', scopes: ['read'] });
    const lastUsed = () => tokens.list(user.id).find((t) => t.id === record.id)!.lastUsedAt;
    const start = clock;

    tokens.verify(token);
    expect(lastUsed()).toBe(start);
    clock += 30_000;
    tokens.verify(token);
    expect(lastUsed()).toBe(start);
    clock += 30_000;
    tokens.verify(token);
    expect(lastUsed()).toBe(start + 60_000);
  });
});

describe('listing and revoking', () => {
  it('lists the owner’s tokens without hashes', () => {
    const user = shop.newUser();
    const other = shop.newUser('Other');
    tokens.create({ userId: user.id, name: 'first', scopes: ['read'] });
    clock += 1;
    tokens.create({ userId: user.id, name: 'second', scopes: ['buy'], expiresAt: clock + 10_000 });
    tokens.create({ userId: other.id, name: 'not mine', scopes: ['read'] });

    const list = tokens.list(user.id);
    expect(list.map((t) => t.name)).toEqual(['first', 'second']);
    expect(Object.keys(list[0]!).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'scopes'].sort(),
    );
    expect(list[1]).toMatchObject({ scopes: ['buy'], expiresAt: clock + 10_000 });
  });

  it('revokes only for the owner, and revoking twice changes nothing', () => {
    const owner = shop.newUser();
    const intruder = shop.newUser('Intruder');
    const { token, record } = tokens.create({ userId: owner.id, name: 'bot', scopes: ['read'] });

    expect(tokens.revoke(intruder.id, record.id)).toBe(false);
    expect(tokens.list(owner.id)[0]!.revokedAt).toBeNull();
    expect(tokens.verify(token).ok).toBe(true);

    const revokedAt = clock;
    expect(tokens.revoke(owner.id, record.id)).toBe(true);
    clock += 5_000;
    expect(tokens.revoke(owner.id, record.id)).toBe(true);
    expect(tokens.list(owner.id)[0]!.revokedAt).toBe(revokedAt);
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'revoked' });

    expect(tokens.revoke(owner.id, 'tok_doesnotexist')).toBe(false);
  });
});
