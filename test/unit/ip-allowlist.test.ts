/**
 * The allowlist rules the shop applies before asking an upstream: single
 * IPv4/IPv6 addresses, ranges only where the upstream takes them, folding as
 * FlashProxy folds, and the entry limit counted on the resulting list.
 */
import { describe, expect, it } from 'vitest';
import { canonicalIp, editAllowlist, splitEntries } from '../../src/domain/ip-allowlist.js';

const FLASHPROXY = { maxEntries: 10, cidr: false };

describe('IP allowlist rules', () => {
  it('folds IPv4-mapped IPv6 to IPv4 and lowercases IPv6', () => {
    expect(canonicalIp(' ::FFFF:203.0.113.5 ')).toBe('203.0.113.5');
    expect(canonicalIp('2001:DB8::A')).toBe('2001:db8::a');
    expect(canonicalIp('::ffff:999.1.1.1')).toBe('::ffff:999.1.1.1');
  });

  it('splits on spaces, commas, semicolons and new lines', () => {
    expect(splitEntries(' 203.0.113.5,198.51.100.1;\n2001:db8::1  ')).toEqual(['203.0.113.5', '198.51.100.1', '2001:db8::1']);
  });

  it('adds without duplicates and removes what is listed; removing an absent address is no problem', () => {
    const result = editAllowlist(['203.0.113.5'], { add: ['203.0.113.5', '::ffff:198.51.100.1'], remove: ['192.0.2.1'] }, FLASHPROXY);
    expect(result).toEqual({ ok: true, ips: ['203.0.113.5', '198.51.100.1'] });
    expect(editAllowlist(['203.0.113.5', '2001:db8::1'], { remove: ['2001:DB8::1'] }, FLASHPROXY)).toEqual({
      ok: true,
      ips: ['203.0.113.5'],
    });
  });

  it('names every bad entry: malformed addresses, ranges where none are taken, and bad prefixes', () => {
    const result = editAllowlist(
      [],
      { add: ['1.2.3', '10.0.0.0/8', '2001:db8::/33', '10.0.0.0/33', 'host.example', '203.0.113.5'] },
      FLASHPROXY,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        { kind: 'malformed', entry: '1.2.3' },
        { kind: 'cidr_not_supported', entry: '10.0.0.0/8' },
        { kind: 'cidr_not_supported', entry: '2001:db8::/33' },
        { kind: 'malformed', entry: '10.0.0.0/33' },
        { kind: 'malformed', entry: 'host.example' },
      ],
    });
  });

  it('takes ranges where the upstream does', () => {
    expect(editAllowlist([], { add: ['10.0.0.0/8', '2001:db8::/48'] }, { maxEntries: 5, cidr: true })).toEqual({
      ok: true,
      ips: ['10.0.0.0/8', '2001:db8::/48'],
    });
  });

  it('counts the limit on the list that would result, after duplicates fold', () => {
    const nine = Array.from({ length: 9 }, (_, i) => `198.51.100.${i + 1}`);
    expect(editAllowlist(nine, { add: ['198.51.100.1', '203.0.113.5'] }, FLASHPROXY)).toMatchObject({ ok: true });
    expect(editAllowlist(nine, { add: ['203.0.113.5', '203.0.113.6'] }, FLASHPROXY)).toEqual({
      ok: false,
      problems: [{ kind: 'too_many', max: 10, count: 11 }],
    });
  });
});
