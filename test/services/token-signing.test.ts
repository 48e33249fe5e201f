/**
 * The signing service on a real database: the secret is kept per token,
 * a revoked token leaves nothing usable, and remembered signatures are
 * dropped once their timestamps are stale, so the table stays small.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenSigning, signRequest, SIGNATURE_WINDOW_S } from '../../src/services/token-signing.js';
import { createTokens } from '../../src/services/tokens.js';
import { freshServices } from '../helpers/db.js';

let shop: ReturnType<typeof freshServices>;
afterEach(() => shop?.close());

describe('token signing', () => {
  it('remembers an accepted signature until its timestamp is stale, then forgets it', () => {
    shop = freshServices();
    let clock = 1_717_000_000_000;
    const tokens = createTokens({ db: shop.database.db, now: () => clock });
    const signing = createTokenSigning({ db: shop.database.db, tokens, now: () => clock });
    const user = shop.newUser();
    const { record, signingSecret } = signing.createSigningToken({ userId: user.id, name: 'signed', scopes: ['buy'] });
    const plain = tokens.create({ userId: user.id, name: 'plain', scopes: ['buy'] });
    expect(signing.signs(record.id)).toBe(true);
    expect(signing.signs(plain.record.id)).toBe(false);
    expect([...signing.signingTokenIds([record.id, plain.record.id])]).toEqual([record.id]);

    const request = (at: number, body: string) => {
      const timestamp = String(Math.floor(at / 1000));
      return {
        timestamp,
        signature: signRequest(signingSecret, timestamp, 'POST', '/api/v1/orders', body),
        method: 'POST',
        path: '/api/v1/orders',
        rawBody: body,
      };
    };
    const remembered = () => (shop.database.sqlite.prepare('SELECT count(*) AS n FROM api_signatures_seen').get() as { n: number }).n;

    const first = request(clock, '{"quote_id":"q_1"}');
    expect(signing.verify(record.id, first)).toEqual({ ok: true });
    expect(signing.verify(record.id, first)).toEqual({ ok: false, reason: 'replayed' });
    // A token created without signing is never checked.
    expect(signing.verify(plain.record.id, first)).toEqual({ ok: true });
    expect(remembered()).toBe(1);

    clock += (SIGNATURE_WINDOW_S + 1) * 1000;
    expect(signing.verify(record.id, first)).toEqual({ ok: false, reason: 'stale' });
    expect(signing.verify(record.id, request(clock, '{"quote_id":"q_2"}'))).toEqual({ ok: true });
    expect(remembered()).toBe(1);
  });
});
