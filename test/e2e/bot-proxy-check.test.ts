/**
 * "Check" on the proxy card through the real bot, against the FlashProxy
 * simulator's real proxy and a local check URL: the result as the customer
 * reads it (working, then a password changed elsewhere), and CHECK_ON_DELIVERY
 * telling the customer and the operators' group about a proxy that fails.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreateBotDeps } from '../../src/bot/index.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { silentLogger } from '../../src/logger.js';
import type { EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { startCheckEndpoint, type RunningCheckEndpoint } from '../../src/sandbox/upstreams/proxy-server.js';
import { createNotifier } from '../../src/services/notifier.js';
import type { ProxyCheckSettings } from '../../src/services/proxy-checker.js';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';

let world: BotShop | undefined;
let endpoint: RunningCheckEndpoint;

beforeAll(async () => {
  endpoint = await startCheckEndpoint(() => 'FR');
});
afterAll(() => endpoint.close());
afterEach(async () => {
  const errors = world?.errors() ?? [];
  await world?.close();
  world = undefined;
  expect(errors).toEqual([]);
});

async function shopWithLiveProxies(check: Partial<ProxyCheckSettings> = {}, bot: Partial<CreateBotDeps> = {}) {
  world = await startBotShop(['flashproxy'], {
    shop: { liveProxies: true, proxyCheck: { url: endpoint.url, timeoutMs: 2_000, onDelivery: false, ...check } },
    bot,
  });
  return world;
}

async function buyResidential(w: BotShop, user: EmulatedUser) {
  await say(user, '/start', has('Proxy Storefront'));
  w.credit(user, 100_00);
  const { id } = w.account(user);
  const quoted = await w.shop.orders.quote(id, 'flashproxy', await firstChoice(w.shop, 'flashproxy', 1, 'residential-lite'));
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await w.shop.orders.purchase({ userId: id, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  await w.shop.orders.drain();
  return result.proxies[0]!;
}

async function openCard(user: EmulatedUser) {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, '📋 My proxies', has('My proxies'));
  return press(user, /^1\. /, has('Status:'));
}

describe('"Check" on the proxy card', () => {
  it('shows each protocol working with the exit IP and country, then the refused login after the password changed elsewhere', async () => {
    const w = await shopWithLiveProxies();
    const exit = w.shop.upstream('flashproxy').proxyServer!.exitAddress;
    const ann = w.customer();
    await buyResidential(w, ann);
    const card = await openCard(ann);
    expect(labels(ann, card)).toContain('🩺 Check');

    const checked = await press(ann, '🩺 Check', has('SOCKS5: works'));
    expect(checked.plainText).toContain('HTTP: works');
    expect(checked.plainText).toContain(`Exit IP: ${exit} (FR)`);
    // The card stays, with its buttons, under the result.
    expect(labels(ann, checked)).toContain('🩺 Check');

    const sim = w.shop.upstream('flashproxy').simulator;
    sim.changePasswordElsewhere(sim.plans()[0]!.planId, 'ChangedElsewhere9');
    const refused = await press(ann, '🩺 Check', has('SOCKS5: the proxy refused the login or password'));
    expect(refused.plainText).toContain('HTTP: the proxy refused the login or password');
  });

  it('is not offered on the card of a proxy that no longer runs', async () => {
    const w = await shopWithLiveProxies();
    const cid = w.customer();
    await buyResidential(w, cid);
    const sim = w.shop.upstream('flashproxy').simulator;
    sim.expirePlan(sim.plans()[0]!.planId);
    await w.shop.subscriptions.syncProvider('flashproxy');
    const card = await openCard(cid);
    expect(card.plainText).not.toContain('Status: active');
    expect(labels(cid, card)).not.toContain('🩺 Check');
  });

  it('speaks Russian to a Russian customer', async () => {
    const w = await shopWithLiveProxies();
    const ivan = w.customer({ languageCode: 'ru' });
    await buyResidential(w, ivan);
    await say(ivan, '/start', has('Proxy Storefront'));
    await press(ivan, '📋 Мои прокси', has('Мои прокси (1)'));
    await press(ivan, /^1\. /, has('Статус: активен'));
    const checked = await press(ivan, '🩺 Проверить', has('SOCKS5: работает'));
    expect(checked.plainText).toContain('(FR)');
  });
});

describe('check on delivery', () => {
  it('a new proxy that fails its check is told to the customer and the operators, with no refund', async () => {
    const bot: Partial<CreateBotDeps> = {};
    const w = await shopWithLiveProxies({ timeoutMs: 300, onDelivery: true }, bot);
    const olga = w.emu.user({ firstName: 'Olga', startedBot: true });
    const group = w.emu.group({ title: 'Operators', members: [olga], admins: [olga] });
    bot.operatorChatId = group.id;
    bot.adminIds = [olga.id];
    await w.restartBot();
    w.shop.upstream('flashproxy').proxyServer!.setDelayMs(5_000);

    const bea = w.customer();
    const proxy = await buyResidential(w, bea);
    const notifier = createNotifier({
      outbox: w.shop.outbox,
      users: w.shop.users,
      sender: telegramMessageSender(w.bot.api),
      operatorChatId: group.id,
      render: w.bot.renderNotice,
      logger: silentLogger,
      limits: { perSecond: 1_000, perChatPerSecond: 1_000, perGroupPerMinute: 1_000, globalMarginMs: 0, chatMarginMs: 0 },
    });
    await notifier.runOnce();

    const told = await bea.waitForMessage(has('did not pass its first check'));
    expect(told.plainText).toContain('HTTP: no answer within 0.3 s');
    expect(bea.buttons(told).map((b) => b.text)).toContain('Open the proxy');
    const alert = await group.waitForMessage(has('A delivered proxy failed its check'));
    expect(alert.plainText).toContain(proxy.orderId);
    expect(alert.plainText).toContain('Not refunded automatically');
    expect(alert.plainText).not.toContain(proxy.password);
    expect(w.shop.orders.order(proxy.orderId)?.state).toBe('delivered');
  });
});
