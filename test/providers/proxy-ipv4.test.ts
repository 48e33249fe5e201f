import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dollarsToCents } from '../../src/domain/money.js';
import {
  balanceSchema,
  countriesSchema,
  daysSchema,
  orderPriceSchema,
  parseAllProxies,
  parseProxiesOfType,
  refusalCodeFor,
} from '../../src/providers/proxy-ipv4/client.js';
import { createProxyIpv4Provider, type ProxyIpv4Settings } from '../../src/providers/proxy-ipv4/index.js';
import { listedProxies, parseUpstreamId } from '../../src/providers/proxy-ipv4/mapping.js';
import type { Outcome, OrderChoice, ProviderCapabilities, ProxyProvider, UpstreamProxy } from '../../src/providers/types.js';
import { createProxyIpv4Simulator, type ProxyIpv4Simulator } from '../../src/sandbox/upstreams/proxy-ipv4/index.js';
import { FaultPlan, startSimServer, type RunningSimulator, type SimResponse } from '../../src/sandbox/upstreams/sim-server.js';

const API_KEY = 'k7Qm2ZpX9vR4tLw8';
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------
// Seed examples, verbatim
// ---------------------------------------------------------------------------

const SEED_BALANCE = {
  success: true,
  user: 'client@gmail.com',
  balance: 13.09,
  currency: 'USD',
};

const SEED_PROXIES_IPV4 = {
  success: true,
  user: 'client@gmail.com',
  balance: 13.09,
  currency: 'USD',
  countOfProxy: 6,
  ipv4: [
    {
      id: 'id1',
      ip: '185.81.112.215',
      country: 'GBR',
      dateStart: '2022-08-29T14:55:38.293+00:00',
      dateEnd: '2022-08-30T23:59:38.293+00:00',
      httpsPort: '49162',
      socks5Port: '49163',
      authInfo: { login: 'authLogin123', password: 'authPassword' },
    },
  ],
};

const SEED_PROXIES_IPV6 = {
  success: true,
  user: 'client@gmail.com',
  balance: 13.09,
  currency: 'USD',
  countOfProxy: 6,
  ipv6: [
    {
      orderId: 'orderId1',
      ip: '2001:db8:abcd::1',
      country: 'GBR',
      dateStart: '2022-08-29T14:55:38.293+00:00',
      dateEnd: '2022-08-30T23:59:38.293+00:00',
      port: '49162',
      protocol: 'HTTP',
      authInfo: { login: 'authLogin123', password: 'authPassword' },
    },
  ],
};

const SEED_PROXIES_ISP = {
  success: true,
  user: 'client@gmail.com',
  balance: 13.09,
  currency: 'USD',
  countOfProxy: 6,
  isp: [
    {
      id: 'id1',
      ip: '185.81.112.215',
      country: 'GBR',
      dateStart: '2022-08-29T14:55:38.293+00:00',
      dateEnd: '2022-08-30T23:59:38.293+00:00',
      httpsPort: '49162',
      socks5Port: '49163',
      authInfo: { login: 'authLogin123', password: 'authPassword' },
    },
  ],
};

const SEED_PROXIES_MOBILE = {
  success: true,
  user: 'client@gmail.com',
  balance: 13.09,
  currency: 'USD',
  countOfProxy: 6,
  mobile: [
    {
      id: 'id1',
      ip: '185.81.112.215',
      country: 'GBR',
      dateStart: '2022-08-29T14:55:38.293+00:00',
      dateEnd: '2022-08-30T23:59:38.293+00:00',
      httpsPort: '49162',
      socks5Port: '49163',
      authInfo: { login: 'authLogin123', password: 'authPassword' },
      mobileOperator: 'kyivstar',
      rotationTime: 5,
      rebootLink: 'https://proxy-ipv4.com/link',
    },
  ],
};

const SEED_DAYS = {
  success: true,
  user: 'client@gmail.com',
  balance: 13.09,
  currency: 'USD',
  days: [1, 7, 14, 30, 60, 90],
};

const SEED_COUNTRIES = {
  success: true,
  user: 'client@gmail.com',
  balance: 13.09,
  currency: 'USD',
  countries: [
    { name: 'ENGLAND', alpha3code: 'GBR' },
    { name: 'USA', alpha3code: 'USA' },
    { name: 'FRANCE', alpha3code: 'FRA' },
  ],
};

/** The older docs' IPv6 shape: grouped by order, proxies as "host:port". */
const OLDER_DOCS_IPV6_GROUPED = {
  success: true,
  user: 'client@gmail.com',
  balance: 13.09,
  currency: 'USD',
  countOfProxy: 2,
  ipv6: [
    {
      orderId: 'orderId1',
      country: 'GBR',
      dateStart: '2022-08-29T14:55:38.293+00:00',
      dateEnd: '2022-08-30T23:59:38.293+00:00',
      authInfo: { login: 'authLogin123', password: 'authPassword' },
      ips: [
        { id: 'ip1', ip: '2001:db8:abcd::1:49162', protocol: 'HTTP' },
        { id: 'ip2', ip: '[2001:db8:abcd::2]:49163', protocol: 'SOCKS5' },
      ],
    },
  ],
};

const ONE_TYPE_LISTING_ISP = {
  success: true,
  user: 'client@gmail.com',
  balance: 13.09,
  currency: 'USD',
  proxyType: 'isp',
  countOfProxy: 1,
  proxies: SEED_PROXIES_ISP.isp,
};

const ORDER_PRICE_ANSWER = {
  success: true,
  user: 'client@gmail.com',
  balance: 13.09,
  currency: 'USD',
  proxyType: 'ipv4',
  days: 30,
  count: 2,
  goal: 'common',
  amount: 6.5,
  price: 3.25,
};

const SEED_EXPIRES_AT = '2022-08-30T23:59:38.293Z';

function okValue<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

function proxiesOf(body: unknown): UpstreamProxy[] {
  return listedProxies(okValue(parseAllProxies(body)), Date.now()).map((p) => p.proxy);
}

describe('proxy-ipv4: the seed examples parse and map into the common model', () => {
  it('reads the balance example as 1309 cents', () => {
    const parsed = balanceSchema.parse(SEED_BALANCE);
    expect(dollarsToCents(parsed.balance, 'down')).toBe(1309);
    expect(parsed.currency).toBe('USD');
  });

  it('maps the IPv4 example with numeric ports, credentials and expiry', () => {
    expect(proxiesOf(SEED_PROXIES_IPV4)).toEqual([
      {
        upstreamId: 'ipv4:id1',
        host: '185.81.112.215',
        httpPort: 49162,
        socks5Port: 49163,
        login: 'authLogin123',
        password: 'authPassword',
        countryCode: 'GBR',
        expiresAt: SEED_EXPIRES_AT,
        status: 'expired',
      },
    ]);
  });

  it('maps the ISP example, keeping the type in the id so it can be renewed', () => {
    const [proxy] = proxiesOf(SEED_PROXIES_ISP);
    expect(proxy).toMatchObject({ upstreamId: 'isp:id1', host: '185.81.112.215', httpPort: 49162, socks5Port: 49163 });
    expect(parseUpstreamId(proxy!.upstreamId)).toEqual({ type: 'isp', extendId: 'id1' });
  });

  it('maps the mobile example with its reboot link as the rotation URL', () => {
    const [proxy] = proxiesOf(SEED_PROXIES_MOBILE);
    expect(proxy).toMatchObject({
      upstreamId: 'mobile:id1',
      login: 'authLogin123',
      password: 'authPassword',
      rotationUrl: 'https://proxy-ipv4.com/link',
      expiresAt: SEED_EXPIRES_AT,
    });
  });

  it('maps the flat IPv6 example: one HTTP port, renewed through its order id', () => {
    const [proxy] = proxiesOf(SEED_PROXIES_IPV6);
    expect(proxy).toEqual({
      upstreamId: 'ipv6:orderId1:2001:db8:abcd::1:49162',
      host: '2001:db8:abcd::1',
      httpPort: 49162,
      login: 'authLogin123',
      password: 'authPassword',
      countryCode: 'GBR',
      expiresAt: SEED_EXPIRES_AT,
      status: 'expired',
    });
    expect(parseUpstreamId(proxy!.upstreamId)).toEqual({ type: 'ipv6', extendId: 'orderId1' });
    expect(parseUpstreamId('ipv6:orderId1')).toEqual({ type: 'ipv6', extendId: 'orderId1' });
    expect(parseUpstreamId('residential:1')).toBeUndefined();
  });

  it('maps the older grouped IPv6 shape to the same ids as the flat one', () => {
    const grouped = proxiesOf(OLDER_DOCS_IPV6_GROUPED);
    expect(grouped).toHaveLength(2);
    expect(grouped[0]).toEqual(proxiesOf(SEED_PROXIES_IPV6)[0]);
    expect(grouped[1]).toMatchObject({ host: '2001:db8:abcd::2', socks5Port: 49163, login: 'authLogin123' });
    expect(grouped[1]!.httpPort).toBeUndefined();
  });

  it('reads the one-type listing (`proxies`) and refuses to read a listing without any list as empty', () => {
    const isp = listedProxies(okValue(parseProxiesOfType(ONE_TYPE_LISTING_ISP, 'isp')), Date.now(), 'isp');
    expect(isp.map((p) => p.proxy.upstreamId)).toEqual(['isp:id1']);
    // The all-types example also answers a one-type question.
    expect(okValue(parseProxiesOfType(SEED_PROXIES_MOBILE, 'mobile')).mobile).toHaveLength(1);
    const empty = parseProxiesOfType({ success: true, user: 'client@gmail.com' }, 'isp');
    expect(empty).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
  });

  it('reads the rent periods, countries and order price answers', () => {
    expect(daysSchema.parse(SEED_DAYS).days).toEqual([1, 7, 14, 30, 60, 90]);
    expect(countriesSchema.parse(SEED_COUNTRIES).countries.map((c) => c.alpha3code)).toEqual(['GBR', 'USA', 'FRA']);
    const price = orderPriceSchema.parse(ORDER_PRICE_ANSWER);
    expect(dollarsToCents(price.amount, 'up')).toBe(650);
    expect(dollarsToCents(price.price!, 'up')).toBe(325);
  });
});

// ---------------------------------------------------------------------------
// Against the simulator
// ---------------------------------------------------------------------------

let sim: ProxyIpv4Simulator;
let running: RunningSimulator;
let provider: ProxyProvider;

function makeProvider(overrides: Partial<ProxyIpv4Settings> = {}): ProxyProvider {
  return createProxyIpv4Provider({
    apiKey: API_KEY,
    baseUrl: running.url,
    timeoutMs: 300,
    newProxyListings: 1,
    newProxyListingPauseMs: 0,
    ...overrides,
  });
}

function expectNoKey(outcome: Outcome<unknown>, key = API_KEY): void {
  const text = JSON.stringify(outcome);
  expect(text).not.toContain(key);
  expect(text).not.toContain(encodeURIComponent(key));
}

const ipv4Gbr = (quantity: number): OrderChoice => ({ productId: 'ipv4', countryCode: 'GBR', termId: '30', quantity });

beforeEach(async () => {
  sim = createProxyIpv4Simulator({ apiKey: API_KEY, balanceCents: 100_00 });
  running = await sim.start();
  provider = makeProvider();
});

afterEach(async () => {
  await running.close();
});

describe('proxy-ipv4: documented errors become the right outcomes', () => {
  it('maps each known error code, and plain messages, to a refusal code', () => {
    expect(refusalCodeFor('INVALID_KEY', 'Invalid API key: x')).toBe('unauthorized');
    expect(refusalCodeFor('INSUFFICIENT_FUNDS', undefined)).toBe('insufficient_upstream_balance');
    expect(refusalCodeFor('NO_PROXIES_AVAILABLE', undefined)).toBe('out_of_stock');
    expect(refusalCodeFor('INVALID_PARAMS', undefined)).toBe('invalid_option');
    expect(refusalCodeFor('PROXY_NOT_FOUND', undefined)).toBe('not_found');
    expect(refusalCodeFor(undefined, 'Not enough money on the balance')).toBe('insufficient_upstream_balance');
    expect(refusalCodeFor(undefined, 'Proxies of this country are not available')).toBe('out_of_stock');
    expect(refusalCodeFor(undefined, 'Wrong number of days')).toBe('invalid_option');
    expect(refusalCodeFor(undefined, 'Invalid key')).toBe('unauthorized');
    expect(refusalCodeFor('E42', 'Something odd')).toBe('rejected');
  });

  it('refuses every call with a wrong key as unauthorized, without the key in any message', async () => {
    const wrongKey = 'Wq8/old+revoked-key';
    const stranger = makeProvider({ apiKey: wrongKey });
    const outcomes: Outcome<unknown>[] = [
      await stranger.getCatalog(),
      await stranger.quote(ipv4Gbr(1)),
      await stranger.purchase({ choice: ipv4Gbr(1), reference: 'ord_1' }),
      await stranger.listProxies(),
      await stranger.balance!(),
    ];
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ kind: 'refused', code: 'unauthorized' });
      expectNoKey(outcome, wrongKey);
    }
    // The simulator echoes the key it was given: the message shows it masked.
    expect(JSON.stringify(outcomes[0])).toContain('***');
    expect(sim.purchaseCount()).toBe(0);
  });

  it('refuses a country or rent period the upstream does not offer as invalid_option', async () => {
    expect(await provider.quote({ ...ipv4Gbr(1), countryCode: 'BRA' })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
    expect(await provider.purchase({ choice: { ...ipv4Gbr(1), termId: '5' }, reference: 'ord_1' })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
    expect(await provider.quote({ ...ipv4Gbr(1), productId: 'residential' })).toMatchObject({
      kind: 'refused',
      code: 'invalid_option',
    });
    expect(sim.purchaseCount()).toBe(0);
  });

  // No failure of `order` is documented as "nothing was done" (refusals.ts): out of stock is
  // ambiguous, and the lookup settles it as "no purchase" because no new proxy appeared.
  it('an order the upstream cannot stock is ambiguous, charges nothing, and the lookup finds no purchase', async () => {
    sim.setOutOfStock(true, 'ipv4');
    const sentAt = new Date().toISOString();
    const outcome = await provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'undocumented' });
    expect(outcome.kind === 'ambiguous' && outcome.message).toContain('NO_PROXIES_AVAILABLE');
    sim.setOutOfStock(false, 'ipv4');
    sim.setStock('ipv4', 'GBR', 1);
    expect(await provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_2' })).toMatchObject({ kind: 'ambiguous' });
    expect(sim.purchaseCount()).toBe(0);
    expect(sim.balanceCents()).toBe(100_00);
    expect(
      okValue(await provider.findPurchase({ reference: 'ord_1', choice: ipv4Gbr(2), sentAt, isKnownUpstreamId: () => false })),
    ).toBeNull();
  });

  it('refuses an order our upstream balance cannot pay as insufficient_upstream_balance', async () => {
    sim.setBalanceCents(6_49); // two IPv4 for 30 days cost $6.50
    const outcome = await provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_1' });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'insufficient_upstream_balance' });
    expectNoKey(outcome);
    expect(sim.purchaseCount()).toBe(0);
    expect(sim.balanceCents()).toBe(6_49);
  });

  it('refuses renewing a proxy the upstream no longer has as not_found', async () => {
    const bought = okValue(await provider.purchase({ choice: ipv4Gbr(1), reference: 'ord_1' }));
    const [proxy] = bought.proxies;
    sim.expireProxy(parseUpstreamId(proxy!.upstreamId)!.extendId);
    expect(await provider.renew!({ upstreamId: proxy!.upstreamId, termId: '30', reference: 'ren_1' })).toMatchObject({
      kind: 'refused',
      code: 'not_found',
    });
  });

  describe('answers the simulator does not give', () => {
    let stub: RunningSimulator;
    let reply: SimResponse;

    beforeEach(async () => {
      stub = await startSimServer(() => reply, new FaultPlan());
    });
    afterEach(async () => {
      await stub.close();
    });

    const stubbed = () => makeProvider({ baseUrl: stub.url });

    it('treats a bare success:false as a refusal and reads its message', async () => {
      reply = { status: 200, body: { success: false } };
      expect(await stubbed().purchase({ choice: ipv4Gbr(1), reference: 'ord_1' })).toMatchObject({
        kind: 'refused',
        code: 'rejected',
      });
      reply = { status: 200, body: { success: false, message: 'Not enough money on balance' } };
      expect(await stubbed().balance!()).toMatchObject({ kind: 'refused', code: 'insufficient_upstream_balance' });
    });

    it('treats a 2xx that says neither success nor failure as ambiguous', async () => {
      reply = { status: 200, body: { balance: 1 } };
      expect(await stubbed().balance!()).toMatchObject({ kind: 'ambiguous', reason: 'malformed' });
    });

    it('maps bare HTTP statuses: 403 forbidden, 404 not_found, 5xx ambiguous', async () => {
      reply = { status: 403, body: {} };
      expect(await stubbed().listProxies()).toMatchObject({ kind: 'refused', code: 'forbidden' });
      reply = { status: 404, body: 'Not Found' };
      expect(await stubbed().listProxies()).toMatchObject({ kind: 'refused', code: 'not_found' });
      reply = { status: 503, body: {} };
      expect(await stubbed().listProxies()).toMatchObject({ kind: 'ambiguous', reason: 'server_error' });
    });
  });
});

describe('proxy-ipv4: catalog, quote, purchase, list, renew, find', () => {
  it('offers the four proxy types with countries and rent periods from the upstream', async () => {
    const catalog = okValue(await provider.getCatalog());
    expect(catalog.products.map((p) => p.id)).toEqual(['ipv4', 'ipv6', 'isp', 'mobile']);
    const ipv4 = catalog.products[0]!;
    expect(ipv4).toMatchObject({ kind: 'static', billing: 'period', available: true, minQuantity: 1 });
    expect(ipv4.countries.map((c) => c.code)).toEqual(['GBR', 'USA', 'FRA', 'DEU', 'NLD']);
    // The upstream's own values are kept for ordering; the ISO code is what customers are shown (a flag and a localized name).
    expect(ipv4.countries[0]).toEqual({ code: 'GBR', name: 'ENGLAND', iso: 'GB', available: true });
    expect(ipv4.countries.every((c) => c.iso !== undefined)).toBe(true);
    expect(ipv4.terms.map((t) => t.id)).toEqual(['1', '7', '14', '30', '60', '90']);
    expect(ipv4.terms[3]).toEqual({ id: '30', label: '30 days', days: 30 });
    const mobile = catalog.products[3]!;
    expect(mobile.kind).toBe('rotating');
    expect(mobile.countries.map((c) => c.code)).toEqual(['UKR', 'POL', 'USA']);
  });

  it('quotes from the upstream price, rounding sub-cent costs up', async () => {
    expect(okValue(await provider.quote(ipv4Gbr(2)))).toEqual({ totalCostCents: 650, unitCostCents: 325, exact: true });
    // IPv6 for 7 days costs $0.245 each: three are $0.735, which we must budget as 74 cents.
    const ipv6 = okValue(await provider.quote({ productId: 'ipv6', countryCode: 'USA', termId: '7', quantity: 3 }));
    expect(ipv6).toEqual({ totalCostCents: 74, unitCostCents: 25, exact: true });
  });

  it('buys, lists the same working credentials, renews, and finds the purchase again', async () => {
    const sentAt = new Date().toISOString();
    const bought = okValue(await provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_1' }));
    expect(bought.proxies).toHaveLength(2);
    expect(sim.purchaseCount()).toBe(1);
    expect(sim.balanceCents()).toBe(100_00 - 650);
    expect(okValue(await provider.balance!())).toEqual({ balanceCents: 100_00 - 650 });

    // What the customer receives is exactly what the upstream serves.
    const upstream = sim.proxies('ipv4');
    for (const proxy of bought.proxies) {
      const real = upstream.find((p) => `ipv4:${p.id}` === proxy.upstreamId)!;
      expect(proxy).toEqual({
        upstreamId: `ipv4:${real.id}`,
        host: real.ip,
        httpPort: real.httpsPort,
        socks5Port: real.socks5Port,
        login: real.login,
        password: real.password,
        countryCode: 'GBR',
        expiresAt: real.dateEnd.toISOString(),
        status: 'active',
      });
    }
    const listed = okValue(await provider.listProxies());
    expect(listed).toEqual(expect.arrayContaining(bought.proxies));
    expect(listed).toHaveLength(2);

    const target = bought.proxies[0]!;
    const terms = okValue(await provider.renewalTerms!(target.upstreamId));
    expect(terms.find((t) => t.id === '30')).toEqual({ id: '30', label: '30 days', days: 30, unitCostCents: 325, renewsProxies: 1 });

    const renewed = okValue(await provider.renew!({ upstreamId: target.upstreamId, termId: '30', reference: 'ren_1' }));
    const expectedEnd = new Date(Date.parse(target.expiresAt!) + 30 * DAY_MS).toISOString();
    expect(renewed.newExpiresAt).toBe(expectedEnd);
    expect(
      sim
        .proxies('ipv4')
        .find((p) => `ipv4:${p.id}` === target.upstreamId)!
        .dateEnd.toISOString(),
    ).toBe(expectedEnd);
    expect(sim.balanceCents()).toBe(100_00 - 650 - 325);

    // Reconciliation finds the same proxies, and nothing once they are recorded as ours.
    const lookup = { reference: 'ord_1', choice: ipv4Gbr(2), sentAt, isKnownUpstreamId: () => false };
    const found = okValue(await provider.findPurchase(lookup));
    expect(found?.proxies.map((p) => p.upstreamId).sort()).toEqual(bought.proxies.map((p) => p.upstreamId).sort());
    const ours = bought.proxies.map((p) => p.upstreamId);
    expect(okValue(await provider.findPurchase({ ...lookup, isKnownUpstreamId: (id: string) => ours.includes(id) }))).toBeNull();
    expect(
      okValue(
        await provider.findPurchase({
          reference: 'ord_never_sent',
          choice: { ...ipv4Gbr(1), countryCode: 'USA' },
          sentAt: new Date().toISOString(),
          isKnownUpstreamId: (id: string) => ours.includes(id),
        }),
      ),
    ).toBeNull();
  });

  it('renews IPv6 by whole order and prices the renewal for the whole order', async () => {
    const choice: OrderChoice = { productId: 'ipv6', countryCode: 'DEU', termId: '7', quantity: 3 };
    const bought = okValue(await provider.purchase({ choice, reference: 'ord_v6' }));
    expect(bought.proxies).toHaveLength(3);
    expect(new Set(bought.proxies.map((p) => p.upstreamId)).size).toBe(3);
    const [order] = sim.orders();
    expect(bought.upstreamOrderId).toBe(order!.orderId);
    for (const proxy of bought.proxies) expect(proxy.httpPort).toBeGreaterThan(0);

    const terms = okValue(await provider.renewalTerms!(bought.proxies[1]!.upstreamId));
    expect(terms.find((t) => t.id === '7')?.unitCostCents).toBe(74);

    okValue(await provider.renew!({ upstreamId: bought.proxies[1]!.upstreamId, termId: '7', reference: 'ren_v6' }));
    for (const proxy of sim.proxies('ipv6')) {
      expect(proxy.dateEnd.getTime() - proxy.dateStart.getTime()).toBe(14 * DAY_MS);
    }
    // Buying and then renewing three IPv6 for 7 days cost $0.735 each time: $100 - $1.47.
    expect(sim.balanceCents()).toBe(100_00 - 147);
  });

  it('lists IPv6 the same whichever of the two documented shapes the upstream uses', async () => {
    const choice: OrderChoice = { productId: 'ipv6', countryCode: 'USA', termId: '30', quantity: 2 };
    const bought = okValue(await provider.purchase({ choice, reference: 'ord_v6' }));
    const flat = okValue(await provider.listProxies());
    sim.setIpv6Shape('grouped');
    const grouped = okValue(await provider.listProxies());
    expect(grouped).toEqual(flat);
    expect(grouped).toEqual(expect.arrayContaining(bought.proxies));
    // A purchase made while the upstream answers in the grouped shape is recognized too.
    const more = okValue(await provider.purchase({ choice, reference: 'ord_v6_2' }));
    expect(more.proxies).toHaveLength(2);
    expect(more.proxies.map((p) => p.upstreamId)).not.toEqual(expect.arrayContaining(bought.proxies.map((p) => p.upstreamId)));
  });

  it('rotates a mobile proxy through its reboot link, and only mobile proxies', async () => {
    const choice: OrderChoice = { productId: 'mobile', countryCode: 'UKR', termId: '1', quantity: 1 };
    const [mobile] = okValue(await provider.purchase({ choice, reference: 'ord_m' })).proxies;
    expect(mobile!.rotationUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reboot\//);
    const ipBefore = sim.proxies('mobile')[0]!.ip;

    expect(await provider.rotateIp!(mobile!.upstreamId)).toEqual({ kind: 'ok', value: { rotated: true } });
    const ipAfter = sim.proxies('mobile')[0]!.ip;
    expect(ipAfter).not.toBe(ipBefore);
    expect(okValue(await provider.listProxies()).find((p) => p.upstreamId === mobile!.upstreamId)?.host).toBe(ipAfter);

    const [ipv4] = okValue(await provider.purchase({ choice: ipv4Gbr(1), reference: 'ord_4' })).proxies;
    expect(await provider.rotateIp!(ipv4!.upstreamId)).toMatchObject({ kind: 'refused', code: 'unsupported' });
  });

  it('keeps simultaneous purchases apart: each gets only its own new proxies', async () => {
    const [one, two] = await Promise.all([
      provider.purchase({ choice: ipv4Gbr(1), reference: 'ord_a' }),
      provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_b' }),
    ]);
    const a = okValue(one!).proxies.map((p) => p.upstreamId);
    const b = okValue(two!).proxies.map((p) => p.upstreamId);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(2);
    expect(new Set([...a, ...b]).size).toBe(3);
    expect(sim.purchaseCount()).toBe(2);
  });
});

describe('proxy-ipv4: faults', () => {
  const orderPath = { method: 'POST', path: /\/order$/ };
  const lookupFor = (sentAt: string, knownUpstreamIds: readonly string[] = []) => ({
    reference: 'ord_1',
    choice: ipv4Gbr(2),
    sentAt,
    isKnownUpstreamId: (id: string) => knownUpstreamIds.includes(id),
  });

  it('hang before processing: ambiguous timeout, nothing bought, and the lookup says so', async () => {
    sim.faults.inject({ kind: 'hang_before' }, orderPath);
    const sentAt = new Date().toISOString();
    const outcome = await provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'timeout' });
    expectNoKey(outcome);
    expect(sim.purchaseCount()).toBe(0);
    expect(okValue(await provider.findPurchase(lookupFor(sentAt)))).toBeNull();
  });

  it('hang after processing: ambiguous, exactly one purchase, which the lookup then finds', async () => {
    const earlier = okValue(await provider.purchase({ choice: ipv4Gbr(1), reference: 'ord_0' }));
    sim.faults.inject({ kind: 'hang_after' }, orderPath);
    const sentAt = new Date().toISOString();
    const outcome = await provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'timeout' });
    expectNoKey(outcome);
    expect(sim.purchaseCount()).toBe(2); // the earlier purchase and exactly one for this call

    const known = earlier.proxies.map((p) => p.upstreamId);
    const found = okValue(await provider.findPurchase(lookupFor(sentAt, known)));
    const bought = sim.orders()[1]!.proxyIds.map((id) => `ipv4:${id}`);
    expect(found?.proxies.map((p) => p.upstreamId).sort()).toEqual(bought.sort());
    expect(found?.proxies.every((p) => p.login !== '' && p.password !== '')).toBe(true);
  });

  it('5xx after processing: the new proxies are listed at once and delivered, and the order is not sent twice', async () => {
    sim.faults.inject({ kind: 'error_after' }, orderPath);
    const outcome = await provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_1' });
    const bought = sim
      .orders()[0]!
      .proxyIds.map((id) => `ipv4:${id}`)
      .sort();
    expect(
      okValue(outcome)
        .proxies.map((p) => p.upstreamId)
        .sort(),
    ).toEqual(bought);
    expect(sim.purchaseCount()).toBe(1);
    expect(sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/order'))).toHaveLength(1);
  });

  it('malformed 2xx after processing: the new proxies are listed at once and delivered', async () => {
    sim.faults.inject({ kind: 'malformed_after' }, orderPath);
    const outcome = await provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_1' });
    expect(okValue(outcome).proxies).toHaveLength(2);
    expect(sim.purchaseCount()).toBe(1);
  });

  // A 429 is not documented for `order` either: ambiguous, and with no new proxies the lookup says "none".
  it('429 on the order: ambiguous, nothing bought, and the lookup finds nothing', async () => {
    sim.faults.inject({ kind: 'rate_limited' }, orderPath);
    const sentAt = new Date().toISOString();
    const outcome = await provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous', reason: 'undocumented', httpStatus: 429 });
    expect(sim.purchaseCount()).toBe(0);
    expect(okValue(await provider.findPurchase(lookupFor(sentAt)))).toBeNull();
  });

  it('accepted order whose proxies are not listed yet: ambiguous, then found once provisioned', async () => {
    sim.holdProvisioning(true);
    const sentAt = new Date().toISOString();
    const outcome = await provider.purchase({ choice: ipv4Gbr(2), reference: 'ord_1' });
    expect(outcome).toMatchObject({ kind: 'ambiguous' });
    expect(sim.purchaseCount()).toBe(1);
    expect(okValue(await provider.findPurchase(lookupFor(sentAt)))).toBeNull();

    const released = sim.releaseProvisioning();
    const found = okValue(await provider.findPurchase(lookupFor(sentAt)));
    expect(found?.proxies.map((p) => p.upstreamId).sort()).toEqual(released.map((p) => `ipv4:${p.id}`).sort());
  });

  it('fewer new proxies than ordered: the lookup stays ambiguous rather than guessing', async () => {
    const sentAt = new Date().toISOString();
    sim.purchaseElsewhere({ type: 'ipv4', country: 'GBR', count: 1, days: 30 });
    expect(await provider.findPurchase(lookupFor(sentAt))).toMatchObject({ kind: 'ambiguous' });
    // Proxies started well before the order was sent are not candidates at all.
    expect(okValue(await provider.findPurchase(lookupFor(new Date(Date.now() + 60 * 60_000).toISOString())))).toBeNull();
  });

  it('a failed snapshot before ordering sends no order and says the upstream is busy', async () => {
    sim.faults.inject({ kind: 'error_before' }, { method: 'GET', path: /\/get\/proxies$/, times: 3 });
    const outcome = await provider.purchase({ choice: ipv4Gbr(1), reference: 'ord_1' });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'busy' });
    expect(sim.purchaseCount()).toBe(0);
  });
});

describe('proxy-ipv4: capabilities', () => {
  it('declares exactly the actions it implements', () => {
    const methods: Record<keyof ProviderCapabilities, unknown[]> = {
      quote: [provider.quote],
      renew: [provider.renew, provider.renewalTerms],
      changeCredentials: [provider.changeCredentials],
      rotateIp: [provider.rotateIp],
      switchLocation: [provider.switchLocation, provider.locations],
      usage: [provider.usage],
      balance: [provider.balance],
      findPurchase: [provider.findPurchase],
      targeting: [provider.targetingOptions, provider.targetedCredentials],
      allowedIps: [provider.allowedIps, provider.setAllowedIps],
      cancel: [provider.cancel, provider.cancelRefund],
      // Uses only what every provider has (purchase, findPurchase).
      addTrafficByNewOrder: [],
    };
    for (const [capability, impls] of Object.entries(methods)) {
      // An optional capability left out means "not offered".
      const declared = provider.capabilities[capability as keyof ProviderCapabilities] === true;
      for (const impl of impls) expect(typeof impl === 'function', capability).toBe(declared);
    }
    expect(provider.capabilities).toMatchObject({ quote: true, renew: true, rotateIp: true, balance: true, findPurchase: true });
    expect(provider.capabilities).toMatchObject({ changeCredentials: false, switchLocation: false, usage: false });
    expect(provider.id).toBe('proxy-ipv4');
  });
});
