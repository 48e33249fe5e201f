import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { isPublicAddress } from '../../src/services/url-guard.js';

describe('which addresses are public', () => {
  it.each([
    ['8.8.8.8', true],
    ['93.184.215.14', true],
    ['2606:4700:4700::1111', true],
    ['::ffff:8.8.8.8', true],
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['10.0.0.1', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['198.18.0.1', false],
    ['::1', false],
    ['::', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:a9fe:a9fe', false],
    ['64:ff9b::a9fe:a9fe', false],
    ['2002:7f00:1::', false],
    ['fd12:3456::1', false],
    ['fe80::1', false],
    ['ff02::1', false],
    ['2001:db8::1', false],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('keeps 172.15 and 172.32 public: only 172.16/12 is private', () => {
    expect(isPublicAddress('172.15.255.255')).toBe(true);
    expect(isPublicAddress('172.32.0.1')).toBe(true);
  });
});

describe('WEBHOOKS_ALLOW_PRIVATE', () => {
  const allowed = (value?: string) => {
    const parsed = parseConfig(value === undefined ? {} : { WEBHOOKS_ALLOW_PRIVATE: value });
    return parsed.ok ? parsed.config.webhooks.allowPrivateUrls : parsed.problems;
  };

  it('is off unless set to true, and a typo is a named problem rather than a silent default', () => {
    expect(allowed()).toBe(false);
    expect(allowed('')).toBe(false);
    expect(allowed('false')).toBe(false);
    expect(allowed('true')).toBe(true);
    expect(allowed('yes')).toEqual(['WEBHOOKS_ALLOW_PRIVATE: must be true or false']);
  });
});
