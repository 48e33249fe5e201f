/**
 * Which shop events reach a customer's webhook, read from the delivery log
 * the customer sees: the saga's (order.delivered, proxy.renewed,
 * balance.low), the reminder job's (proxy.expiring) and the two ways a proxy
 * becomes expired (its date passes; the upstream's list says so). Real
 * services over a fresh database and the proxy-panel simulator.
 */
import { describe, expect, it } from 'vitest';
import { createExpiryJob } from '../../src/scheduler/jobs/expiry.js';
import { createReminderJob } from '../../src/scheduler/jobs/reminders.js';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();
const HOUR = 3_600_000;

async function shopWithHook() {
  const shop = await newShop(['proxy-panel'], { webhooks: { allowPrivateUrls: true } });
  const user = shop.customer(100_000);
  // Nothing listens there: these tests read what was queued, not what was sent.
  const registered = await shop.webhooks.register(user.id, { url: 'http://127.0.0.1:9/hooks' });
  if (!registered.ok) throw new Error(registered.message);
  return { shop, user, endpointId: registered.endpoint.id };
}

/** The customer's log, oldest first, as [type, data]. */
function events(shop: TestShop, userId: number, endpointId: string): Array<[string, any]> {
  const page = shop.webhooks.deliveries(userId, endpointId, { limit: 100 })!;
  return page.entries.reverse().map((d) => {
    const body = JSON.parse(d.body) as { type: string; data: unknown };
    return [body.type, body.data];
  });
}

async function buyOne(shop: TestShop, userId: number) {
  const quoted = await shop.orders.quote(userId, 'proxy-panel', await firstChoice(shop, 'proxy-panel'));
  if (!quoted.ok) throw new Error(quoted.message);
  const bought = await shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey: `buy:${quoted.quote.id}`, channel: 'api' });
  if (bought.kind !== 'delivered') throw new Error(bought.kind);
  return { order: bought.order, proxy: bought.proxies[0]! };
}

/** Moves a proxy's expiry (stored in epoch ms); answers it as webhooks send it, ISO 8601. */
function setExpiry(shop: TestShop, proxyId: string, inHours: number): string {
  const expiresAt = Date.now() + inHours * HOUR;
  // Bought a month ago: reminders whose moment passed before a purchase are not sent.
  shop.database.sqlite
    .prepare('UPDATE subscriptions SET expires_at = ?, created_at = ? WHERE id = ?')
    .run(expiresAt, Date.now() - 30 * 24 * HOUR, proxyId);
  return new Date(expiresAt).toISOString();
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('webhook events from the shop', () => {
  it('a purchase and a renewal: order.delivered for each, proxy.renewed with the new expiry', async () => {
    const { shop, user, endpointId } = await shopWithHook();
    const { order, proxy } = await buyOne(shop, user.id);
    const terms = await shop.subscriptions.renewalTerms(user.id, proxy.id);
    if (!terms.ok) throw new Error(terms.message);
    const quoted = await shop.orders.quoteRenewal(user.id, proxy.id, terms.value[0]!.id);
    if (!quoted.ok) throw new Error(quoted.message);
    const renewal = await shop.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'renew-1', channel: 'api' });
    if (renewal.kind !== 'delivered') throw new Error(renewal.kind);
    const renewedTo = iso(shop.subscriptions.get(user.id, proxy.id)!.expiresAt);

    expect(events(shop, user.id, endpointId)).toEqual([
      [
        'order.delivered',
        { order: { id: order.id, kind: 'purchase', provider: 'proxy-panel', price_cents: order.priceCents, proxy_ids: [proxy.id] } },
      ],
      [
        'order.delivered',
        {
          order: {
            id: renewal.order.id,
            kind: 'renewal',
            provider: 'proxy-panel',
            price_cents: quoted.quote.priceCents,
            proxy_ids: [proxy.id],
          },
        },
      ],
      ['proxy.renewed', { proxy: { id: proxy.id, expires_at: renewedTo }, order_id: renewal.order.id }],
    ]);
  });

  it('the reminder job: proxy.expiring once per window; the expiry job: proxy.expired with its date', async () => {
    const { shop, user, endpointId } = await shopWithHook();
    const { proxy } = await buyOne(shop, user.id);
    const expiresAt = setExpiry(shop, proxy.id, 60);
    await createReminderJob(shop)();
    await createReminderJob(shop)();
    const expiring = events(shop, user.id, endpointId).filter(([type]) => type === 'proxy.expiring');
    expect(expiring).toEqual([['proxy.expiring', { proxy: { id: proxy.id, expires_at: expiresAt, auto_renew: false }, hours_left: 72 }]]);

    const expiredAt = setExpiry(shop, proxy.id, -1);
    expect(await createExpiryJob(shop)()).toEqual({ expired: 1 });
    expect(events(shop, user.id, endpointId).filter(([type]) => type === 'proxy.expired')).toEqual([
      ['proxy.expired', { proxy: { id: proxy.id, expired_at: expiredAt } }],
    ]);
  });

  it('a proxy the upstream lists as expired: proxy.expired from the sync', async () => {
    const { shop, user, endpointId } = await shopWithHook();
    const { proxy } = await buyOne(shop, user.id);
    shop.upstream('proxy-panel').simulator.expireSubscription(proxy.upstreamId);
    await shop.subscriptions.syncProvider('proxy-panel');
    const synced = shop.subscriptions.get(user.id, proxy.id)!;
    expect(synced.status).toBe('expired');
    expect(events(shop, user.id, endpointId).filter(([type]) => type === 'proxy.expired')).toEqual([
      ['proxy.expired', { proxy: { id: proxy.id, expired_at: iso(synced.expiresAt) } }],
    ]);
  });

  it('balance.low once, when a purchase takes the balance below $5', async () => {
    const shop = await newShop(['proxy-panel'], { webhooks: { allowPrivateUrls: true } });
    const choice = await firstChoice(shop, 'proxy-panel');
    const probe = shop.customer(100_000, 'Probe');
    const priced = await shop.orders.quote(probe.id, 'proxy-panel', choice);
    if (!priced.ok) throw new Error(priced.message);
    const price = priced.quote.priceCents;
    // The first purchase leaves at least $5; the second takes the balance below it.
    const afterFirst = Math.max(price + 1_00, 5_00);
    const user = shop.customer(afterFirst + price);
    const registered = await shop.webhooks.register(user.id, { url: 'http://127.0.0.1:9/hooks', events: ['balance.low'] });
    if (!registered.ok) throw new Error(registered.message);
    await buyOne(shop, user.id);
    expect(events(shop, user.id, registered.endpoint.id)).toEqual([]);
    await buyOne(shop, user.id);
    expect(events(shop, user.id, registered.endpoint.id)).toEqual([
      ['balance.low', { balance: { available_cents: afterFirst - price, threshold_cents: 5_00 } }],
    ]);
  });
});
