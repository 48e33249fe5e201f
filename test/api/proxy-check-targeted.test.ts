/**
 * "Check" on a proxy bought with a geo/session target, by API, against the
 * FlashProxy simulator's real proxy: the check logs in with the targeted
 * login the customer was given (openapi "Geo Targeting" username format),
 * the simulator routes it through the targeted country, and the check URL
 * (the sandbox's ipinfo.io stand-in) names that country. The simulator's
 * gateway refuses targeted usernames its documents do not allow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countryExitAddress } from '../../src/sandbox/upstreams/exit-countries.js';
import { startCheckEndpoint, type RunningCheckEndpoint } from '../../src/sandbox/upstreams/proxy-server.js';
import { checkProxy } from '../../src/services/proxy-checker.js';
import { buyOverApi, eachTestApi, type ApiHarness, type CheckAnswer } from './harness.js';

const newApi = eachTestApi();
let endpoint: RunningCheckEndpoint;

beforeAll(async () => {
  // The sandbox's own check endpoint: a targeted exit address reads as its country, anything else as US.
  endpoint = await startCheckEndpoint();
});
afterAll(() => endpoint.close());

async function buyTargeted(api: ApiHarness, token: string, product: string, target: unknown, key: string) {
  const [proxy] = await buyOverApi(api, token, { provider: 'flashproxy', product, term: '1gb', ...(target ? { target } : {}) }, key);
  return proxy!;
}

describe('checking a proxy bought with a target', () => {
  it('logs in with the targeted login and exits in the targeted country; an untargeted proxy exits as before', async () => {
    const api = await newApi({
      providers: ['flashproxy'],
      liveProxies: true,
      proxyCheck: { url: endpoint.url, timeoutMs: 2_000, onDelivery: false },
    });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const target = { country: 'de', session: { type: 'sticky', lifetime_minutes: 1440, session_id: 'abc123' } };
    const proxy = await buyTargeted(api, token, 'residential', target, 'buy-germany');
    const base = api.shop.subscriptions.get(user.id, proxy.id)!;
    expect(proxy.login).toBe(`${base.login}-country-de-session-abc123-time-long`);

    const checked = await api.call('POST', `/proxies/${proxy.id}/check`, { token });
    expect(checked.status, checked.text).toBe(200);
    const germany = countryExitAddress('de');
    const expected = { reachable: true, country: 'DE', failure: null, ...(germany ? { exit_ip: germany } : {}) };
    expect(checked.json.checks.map((c: CheckAnswer) => c.protocol)).toEqual(['http', 'socks5']);
    for (const check of checked.json.checks as CheckAnswer[]) expect(check).toMatchObject(expected);
    // The login tried is the one on the card.
    expect(checked.json.logins).toHaveLength(1);
    expect(checked.json.logins[0]).toMatchObject({ login: proxy.login, order_id: base.orderId, added_traffic: false });
    expect(checked.json.logins[0].checks).toEqual(checked.json.checks);

    // A rotating city target on another product, and a proxy bought without a target.
    const paris = await buyTargeted(api, token, 'residential-lite', { country: 'fr', city: 'paris' }, 'buy-paris');
    const parisCheck = await api.call('POST', `/proxies/${paris.id}/check`, { token });
    expect((parisCheck.json.checks as CheckAnswer[]).map((c) => [c.reachable, c.country])).toEqual([
      [true, 'FR'],
      [true, 'FR'],
    ]);
    const plain = await buyTargeted(api, token, 'residential', undefined, 'buy-plain');
    const plainCheck = await api.call('POST', `/proxies/${plain.id}/check`, { token });
    const exit = api.shop.upstream('flashproxy').proxyServer!.exitAddress;
    expect((plainCheck.json.checks as CheckAnswer[]).map((c) => [c.reachable, c.exit_ip, c.country])).toEqual([
      [true, exit, 'US'],
      [true, exit, 'US'],
    ]);
  });

  it('the simulator’s gateway admits the documented targeted usernames and refuses malformed ones', async () => {
    const api = await newApi({
      providers: ['flashproxy'],
      liveProxies: true,
      proxyCheck: { url: endpoint.url, timeoutMs: 2_000, onDelivery: false },
    });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy']);
    const residential = await buyTargeted(api, token, 'residential', undefined, 'buy-residential');
    const lite = await buyTargeted(api, token, 'residential-lite', undefined, 'buy-lite');
    const outcome = async (proxy: typeof residential, login: string) => {
      const checks = await checkProxy(
        { host: proxy.host, httpPort: proxy.http_port, socks5Port: proxy.socks5_port, login, password: proxy.password },
        { url: endpoint.url, timeoutMs: 2_000 },
      );
      const seen = [...new Set(checks.map((c) => (c.reachable ? `ok ${c.country}` : c.failure)))];
      return seen.length === 1 ? seen[0] : seen.join(' / ');
    };
    const r = residential.login;

    // The openapi's own examples (Pool 1 is what residential resolves to).
    expect(await outcome(residential, `${r}-country-us`)).toBe('ok US');
    expect(await outcome(residential, `${r}-country-us-state-california`)).toBe('ok US');
    expect(await outcome(residential, `${r}-country-us-state-california-city-losangeles-session-abc123-time-long`)).toBe('ok US');
    expect(await outcome(residential, `${r}-country-gb-session-abc123-time-short`)).toBe('ok GB');
    expect(await outcome(residential, `${r}-country-US-asn-7922`)).toBe('ok US');
    expect(await outcome(lite, `${lite.login}-country-de-city-berlin`)).toBe('ok DE');
    // The documents write one order but do not say another is refused.
    expect(await outcome(residential, `${r}-session-abc123-country-us`)).toBe('ok US');

    const malformed = [
      `${r}-country`, // a key without its value
      `${r}-country-`, // an empty value
      `${r}-country-xx`, // not in the product's catalog
      `${r}-city-losangeles`, // a place without a country
      `${r}-country-us-city-losangeles`, // Pool 1: "City: US (needs state)"
      `${r}-country-de-state-california`, // Pool 1: "State: US (full name)"
      `${r}-country-us-country-de`, // a key twice
      `${r}-country-us-zone-custom`, // a key the product does not document
      `${r}-country-us-time-long`, // a duration without a session
      `${r}-country-us-session-abc123-time-600`, // Pool 1 takes short or long, not seconds
      `${r}-country-us-asn-3320`, // not one of the pool's ASNs
      `${lite.login}-country-de-session-abc123-time-long`, // -time- is documented for pools only
      `${r}x-country-us`, // not the plan's login
    ];
    for (const login of malformed)
      expect([login.slice(r.length), await outcome(residential, login)]).toEqual([login.slice(r.length), 'auth_rejected']);
  });
});
