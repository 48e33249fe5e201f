/**
 * The IP allowlist and cancellation by API, against the FlashProxy simulator
 * over HTTP: list / add / remove with every entry checked before anything is
 * sent, cancellation with its refund rule read first and repeated as consent,
 * and a clear 422 where the provider offers neither.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderId } from '../../src/providers/types.js';
import { firstChoice } from '../helpers/shop.js';
import { eachTestApi, firstOffer, type ApiHarness } from './harness.js';

const newApi = eachTestApi();

async function buyOne(api: ApiHarness, token: string, provider: ProviderId) {
  const quoted = await api.call('POST', '/quotes', { token, body: await firstOffer(api, token, provider) });
  if (quoted.status !== 201) throw new Error(`quote answered ${quoted.status}: ${quoted.text}`);
  const bought = await api.call('POST', '/orders', { token, idempotencyKey: `buy-${provider}`, body: { quote_id: quoted.json.quote.id } });
  if (bought.status !== 201) throw new Error(`order answered ${bought.status}: ${bought.text}`);
  return bought.json.proxies[0] as { id: string };
}

describe('IP allowlist by API', () => {
  it('lists, adds and removes addresses at FlashProxy, and says the provider’s limits', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buyOne(api, token, 'flashproxy');
    const sim = api.shop.upstream('flashproxy').simulator;
    const planId = api.shop.subscriptions.get(user.id, proxy.id)!.upstreamId;

    const card = await api.call('GET', `/proxies/${proxy.id}`, { token });
    expect(card.json.actions).toEqual(expect.arrayContaining(['allowedIps', 'cancel']));

    const empty = await api.call('GET', `/proxies/${proxy.id}/allowed-ips`, { token });
    expect(empty.status).toBe(200);
    expect(empty.json.allowlist).toEqual({ allowed_ips: [], max_entries: 10, cidr_supported: false });

    const added = await api.call('POST', `/proxies/${proxy.id}/allowed-ips`, { token, body: { ips: ['203.0.113.5', '2001:DB8::1'] } });
    expect(added.status, added.text).toBe(200);
    expect(added.json.allowlist.allowed_ips).toEqual(['203.0.113.5', '2001:db8::1']);
    expect(sim.plan(planId)!.allowedIps).toEqual(['203.0.113.5', '2001:db8::1']);

    // Adding what is there (here in its IPv4-mapped spelling) keeps one entry.
    const again = await api.call('POST', `/proxies/${proxy.id}/allowed-ips`, { token, body: { ips: ['::ffff:203.0.113.5'] } });
    expect(again.json.allowlist.allowed_ips).toEqual(['203.0.113.5', '2001:db8::1']);

    const removed = await api.call('DELETE', `/proxies/${proxy.id}/allowed-ips/${encodeURIComponent('2001:db8::1')}`, { token });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.json.allowlist.allowed_ips).toEqual(['203.0.113.5']);
    expect(sim.plan(planId)!.allowedIps).toEqual(['203.0.113.5']);
  });

  it('keeps every address when several are added at once (each edit reads and rewrites the whole list)', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buyOne(api, token, 'flashproxy');
    const addresses = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5'];
    const answers = await Promise.all(
      addresses.map((ip) => api.call('POST', `/proxies/${proxy.id}/allowed-ips`, { token, body: { ips: [ip] } })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const planId = api.shop.subscriptions.get(user.id, proxy.id)!.upstreamId;
    expect([...api.shop.upstream('flashproxy').simulator.plan(planId)!.allowedIps].sort()).toEqual(addresses);
  });

  it('refuses a range, a malformed address or an eleventh entry with every problem named, and changes nothing', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buyOne(api, token, 'flashproxy');
    const sim = api.shop.upstream('flashproxy').simulator;
    const planId = api.shop.subscriptions.get(user.id, proxy.id)!.upstreamId;
    await api.call('POST', `/proxies/${proxy.id}/allowed-ips`, { token, body: { ips: ['198.51.100.1'] } });

    const bad = await api.call('POST', `/proxies/${proxy.id}/allowed-ips`, {
      token,
      body: { ips: ['10.0.0.0/8', '300.1.1.1', '203.0.113.7'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_request');
    expect(bad.json.error.details.map((d: { message: string }) => d.message)).toEqual([
      '10.0.0.0/8: this provider accepts single addresses only, not ranges',
      '300.1.1.1 is not an IPv4 or IPv6 address',
    ]);

    const ten = Array.from({ length: 10 }, (_, i) => `203.0.113.${i + 10}`);
    const tooMany = await api.call('POST', `/proxies/${proxy.id}/allowed-ips`, { token, body: { ips: ten } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.details[0].message).toBe('the list would hold 11 addresses; this provider keeps at most 10');
    expect(sim.plan(planId)!.allowedIps).toEqual(['198.51.100.1']);

    // Changing the list needs `write`; reading it does not.
    const reader = api.token(user.id, ['read']);
    expect((await api.call('GET', `/proxies/${proxy.id}/allowed-ips`, { token: reader })).status).toBe(200);
    expect((await api.call('POST', `/proxies/${proxy.id}/allowed-ips`, { token: reader, body: { ips: ['203.0.113.1'] } })).status).toBe(
      403,
    );
  });

  it('is 422 unsupported where the provider keeps no allowlist, and 404 for someone else’s proxy', async () => {
    const api = await newApi({ providers: ['proxy-ipv4', 'flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buyOne(api, token, 'proxy-ipv4');
    const card = await api.call('GET', `/proxies/${proxy.id}`, { token });
    expect(card.json.actions).not.toContain('allowedIps');
    expect(card.json.actions).not.toContain('cancel');
    const listed = await api.call('GET', `/proxies/${proxy.id}/allowed-ips`, { token });
    expect([listed.status, listed.json.error.code]).toEqual([422, 'unsupported']);
    expect((await api.call('GET', `/proxies/${proxy.id}/cancellation`, { token })).status).toBe(422);

    const stranger = api.shop.customer(0, 'Stranger');
    const theirs = api.token(stranger.id, ['read', 'write']);
    expect((await api.call('GET', `/proxies/${proxy.id}/allowed-ips`, { token: theirs })).status).toBe(404);
  });
});

describe('cancelling a proxy by API', () => {
  it('states “no refund” first, cancels only with that consent, and moves no money', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buyOne(api, token, 'flashproxy');
    const sim = api.shop.upstream('flashproxy').simulator;
    const planId = api.shop.subscriptions.get(user.id, proxy.id)!.upstreamId;
    const balanceAfterPurchase = api.shop.wallet.balance(user.id);

    const terms = await api.call('GET', `/proxies/${proxy.id}/cancellation`, { token });
    expect(terms.status).toBe(200);
    expect(terms.json.refund).toEqual({ kind: 'none', amount_cents: 0 });
    expect(terms.json.proxies.map((p: { id: string }) => p.id)).toEqual([proxy.id]);

    // Without repeating the rule it was told, nothing happens.
    const unconsented = await api.call('DELETE', `/proxies/${proxy.id}`, { token });
    expect(unconsented.status).toBe(400);
    expect(sim.plan(planId)!.status).toBe('active');

    const cancelled = await api.call('DELETE', `/proxies/${proxy.id}?refund=none`, { token });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.json.refund).toEqual({ kind: 'none', amount_cents: 0 });
    expect(cancelled.json.proxies).toEqual([expect.objectContaining({ id: proxy.id, status: 'cancelled' })]);
    expect(sim.plan(planId)!.status).toBe('cancelled');
    expect(api.shop.subscriptions.get(user.id, proxy.id)!).toMatchObject({ status: 'cancelled', autoRenew: false });
    expect(api.shop.wallet.balance(user.id)).toEqual(balanceAfterPurchase);

    // A cancelled proxy offers no action any more, and no renewal is quoted for it.
    expect((await api.call('GET', `/proxies/${proxy.id}`, { token })).json.actions).toEqual([]);
    const renewal = await api.call('GET', `/proxies/${proxy.id}/renewal-terms`, { token });
    expect([renewal.status, renewal.json.error.code]).toEqual([422, 'unsupported']);
    expect((await api.call('DELETE', `/proxies/${proxy.id}?refund=none`, { token })).status).toBe(422);
  });

  it('when FlashProxy does not answer, nothing is marked cancelled and the caller hears 503', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buyOne(api, token, 'flashproxy');
    const sim = api.shop.upstream('flashproxy').simulator;
    sim.faults.inject({ kind: 'error_before', status: 500 }, { path: /\/plans\/[^/]+$/, times: 10 });
    const answer = await api.call('DELETE', `/proxies/${proxy.id}?refund=none`, { token });
    expect([answer.status, answer.json.error.code]).toEqual([503, 'provider_unavailable']);
    expect(api.shop.subscriptions.get(user.id, proxy.id)!.status).toBe('active');
  });
});

describe('cancelling a FlashProxy plan of several IPs', () => {
  it('names every IP of the plan before cancelling, and cancels them all', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(5_000_00);
    const token = api.token(user.id, ['read', 'write']);
    const choice = await firstChoice(api.shop, 'flashproxy', 2, 'dedicated-isp');
    const quoted = await api.shop.orders.quote(user.id, 'flashproxy', choice);
    if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
    const bought = await api.shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 't:isp', channel: 'api' });
    if (bought.kind !== 'delivered') throw new Error(`purchase ${bought.kind}`);
    const ids = bought.proxies.map((p) => p.id).sort();
    expect(ids).toHaveLength(2);

    const terms = await api.call('GET', `/proxies/${ids[0]}/cancellation`, { token });
    expect(terms.json.proxies.map((p: { id: string }) => p.id).sort()).toEqual(ids);

    const cancelled = await api.call('DELETE', `/proxies/${ids[0]}?refund=none`, { token });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(ids.map((id) => api.shop.subscriptions.get(user.id, id)!.status)).toEqual(['cancelled', 'cancelled']);
    const planId = api.shop.subscriptions.get(user.id, ids[0]!)!.upstreamId.split('#')[0]!;
    expect(api.shop.upstream('flashproxy').simulator.plan(planId)!.status).toBe('cancelled');
  });
});

describe('cancelling while a renewal is unsettled', () => {
  it('waits for the renewal to settle first, so its money never pays for a cancelled plan', async () => {
    const api = await newApi({ providers: ['flashproxy'] });
    const user = api.shop.customer(500_00);
    const token = api.token(user.id, ['read', 'buy', 'write']);
    const proxy = await buyOne(api, token, 'flashproxy');
    const sim = api.shop.upstream('flashproxy').simulator;
    const planId = api.shop.subscriptions.get(user.id, proxy.id)!.upstreamId;

    // FlashProxy extends the plan and the answer is lost: the renewal stays open, its money held.
    sim.faults.inject({ kind: 'error_after', status: 500 }, { method: 'POST', path: /\/extend$/ });
    const terms = await api.call('GET', `/proxies/${proxy.id}/renewal-terms`, { token });
    const renewal = await api.call('POST', `/proxies/${proxy.id}/renew`, {
      token,
      idempotencyKey: 'renew-before-cancel',
      body: { term: terms.json.terms[0].id },
    });
    expect(renewal.status, renewal.text).toBe(202);

    const refused = await api.call('DELETE', `/proxies/${proxy.id}?refund=none`, { token });
    expect([refused.status, refused.json.error.message]).toEqual([
      422,
      'a renewal of this proxy is still being settled; try again when it is',
    ]);
    expect(sim.plan(planId)!.status).toBe('active');
    expect(api.shop.subscriptions.get(user.id, proxy.id)!.status).toBe('active');
  });
});
