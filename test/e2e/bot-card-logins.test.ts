/**
 * Every login of a proxy card in the real bot, through the Telegram
 * emulator: a GateProxy package with traffic added as a linked order has two
 * logins, so "Export all proxies" lists both, and 🩺 Check tries each through
 * the simulator's real proxy and lists each with its result. A FlashProxy
 * proxy bought with a target is checked with its targeted login and reports
 * the targeted country.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { startCheckEndpoint, type RunningCheckEndpoint } from '../../src/sandbox/upstreams/proxy-server.js';
import { has, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';

let world: BotShop | undefined;
let endpoint: RunningCheckEndpoint;

beforeAll(async () => {
  // The sandbox's check endpoint: a targeted exit reads as its country, anything else as US.
  endpoint = await startCheckEndpoint();
});
afterAll(() => endpoint.close());
afterEach(async () => {
  const errors = world?.errors() ?? [];
  const violations = world?.shop.orders.checkInvariants() ?? [];
  await world?.close();
  world = undefined;
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
});

const proxyCheck = () => ({ url: endpoint.url, timeoutMs: 2_000, onDelivery: false });

async function customerWithMoney(w: BotShop, cents: number) {
  const user = w.customer();
  await say(user, '/start', has('Proxy Storefront'));
  w.credit(user, cents);
  return user;
}

/** Quote and buy through the services, as the bot's Confirm does. */
async function purchase(w: BotShop, userId: number, quoted: Awaited<ReturnType<BotShop['shop']['orders']['quote']>>) {
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await w.shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  return result;
}

async function openOnlyProxy(user: EmulatedUser) {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, /📋/, has('My proxies'));
  return press(user, /^1\. /, has('Status:'));
}

describe('every login of a card in the bot', () => {
  it('GateProxy with added traffic: Export all lists both logins, and Check reports each login', async () => {
    world = await startBotShop(['gateproxy'], { shop: { upstreamTimeoutMs: 5_000, liveProxies: true, proxyCheck: proxyCheck() } });
    const sim = world.shop.upstream('gateproxy').simulator;
    const ada = await customerWithMoney(world, 100_00);
    const { id } = world.account(ada);
    const first = await purchase(
      world,
      id,
      await world.shop.orders.quote(id, 'gateproxy', { productId: 'abcproxy', termId: '1GB', quantity: 1 }),
    );
    const proxy = first.proxies[0]!;
    await purchase(world, id, await world.shop.orders.quoteRenewal(id, proxy.id, '5GB'));
    const linked = sim.orders()[0]!.proxy;
    expect(world.shop.subscriptions.linkedOrders(proxy.id).map((o) => o.login)).toEqual([linked.username]);

    await say(ada, '/start', has('Proxy Storefront'));
    await press(ada, /📋/, has('My proxies'));
    await press(ada, '📄 Export all proxies', has('Export every proxy'));
    const exported = await press(ada, 'host:port:login:password', has(linked.username));
    expect(exported.plainText.split('\n')).toEqual([
      `${proxy.host}:${proxy.httpPort}:${proxy.login}:${proxy.password}`,
      `${linked.host}:${linked.port}:${linked.username}:${linked.password}`,
    ]);

    await openOnlyProxy(ada);
    const checked = await press(ada, '🩺 Check', has('Checked through the proxy'));
    const lines = checked.plainText.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    const own = at(`🔑 Login ${proxy.login}`);
    const added = at(`➕ Added login ${linked.username}`);
    expect(
      [own, added].every((i) => i > 0),
      checked.plainText,
    ).toBe(true);
    expect(own).toBeLessThan(added);
    // Each login has its own result lines under it.
    expect(lines.slice(own + 1, added).some((l) => /^✅ HTTP: works/.test(l))).toBe(true);
    expect(lines.slice(added + 1).some((l) => /^✅ HTTP: works/.test(l))).toBe(true);
  });

  it('FlashProxy bought for Germany: Check uses the targeted login and reports Germany', async () => {
    world = await startBotShop(['flashproxy'], { shop: { liveProxies: true, proxyCheck: proxyCheck() } });
    const ben = await customerWithMoney(world, 100_00);
    const { id } = world.account(ben);
    const target = await world.shop.purchaseTargets.resolve('flashproxy', 'residential', { country: 'de', session: 'rotating' });
    if (!target.ok) throw new Error(`target refused: ${target.message}`);
    const choice = { productId: 'residential', termId: '1gb', quantity: 1 };
    const quoted = await world.shop.orders.quote(id, 'flashproxy', choice, { target: target.value });
    const { proxies } = await purchase(world, id, quoted);
    const base = world.shop.subscriptions.get(id, proxies[0]!.id)!;
    expect(world.shop.purchaseTargets.asDelivered(base).login).toBe(`${base.login}-country-de`);

    const card = await openOnlyProxy(ben);
    expect(card.plainText).toContain('Germany');
    const checked = await press(ben, '🩺 Check', has('SOCKS5: works'));
    expect(checked.plainText).toContain('HTTP: works');
    expect(checked.plainText).toMatch(/Exit IP: \S+ \(DE\)/);
    expect(checked.plainText).not.toContain('(US)');
  });
});
