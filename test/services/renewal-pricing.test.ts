/**
 * Renewals that an upstream applies to a whole subscription, order or plan:
 * the customer is quoted and charged for every proxy renewed, never less
 * than the upstream takes; a renewal that would cost more than its price is
 * not sent, and one that did is told to the operators.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderId } from '../../src/providers/types.js';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();
const WALLET = 500_00;

async function bought(shop: TestShop, providerId: ProviderId, quantity: number, productId: string) {
  const { id: userId } = shop.customer(WALLET);
  const quoted = await shop.orders.quote(userId, providerId, await firstChoice(shop, providerId, quantity, productId));
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey: 'buy-1', channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ended ${result.kind}`);
  return { userId, proxies: result.proxies };
}

async function renewalQuote(shop: TestShop, userId: number, subscriptionId: string) {
  const terms = await shop.subscriptions.renewalTerms(userId, subscriptionId);
  if (!terms.ok || terms.value.length === 0) throw new Error('no renewal terms');
  const quoted = await shop.orders.quoteRenewal(userId, subscriptionId, terms.value[0]!.id);
  if (!quoted.ok) throw new Error(`renewal quote failed: ${quoted.message}`);
  return quoted.quote;
}

const cases: Array<{ providerId: ProviderId; productId: string; quantity: number; balance: (shop: TestShop) => number; says: RegExp }> = [
  {
    providerId: 'lumiweb',
    productId: 'isp',
    quantity: 2,
    balance: (shop) => shop.upstream('lumiweb').simulator.balanceCents(),
    says: /all 2 IPs of the subscription/,
  },
  {
    providerId: 'proxy-ipv4',
    productId: 'ipv6',
    quantity: 3,
    balance: (shop) => shop.upstream('proxy-ipv4').simulator.balanceCents(),
    says: /all 3 IPv6 proxies of the order/,
  },
  {
    providerId: 'flashproxy',
    productId: 'dedicated-isp',
    quantity: 2,
    balance: (shop) => shop.upstream('flashproxy').simulator.balanceCents(),
    says: /all 2 IPs of the plan/,
  },
];

describe('renewing every proxy an upstream renews at once', () => {
  for (const { providerId, productId, quantity, balance, says } of cases) {
    it(`${providerId} ${productId}: quotes and charges all ${quantity} proxies, at least what the upstream takes`, async () => {
      const shop = await newShop([providerId]);
      const { userId, proxies } = await bought(shop, providerId, quantity, productId);
      expect(proxies).toHaveLength(quantity);
      const quote = await renewalQuote(shop, userId, proxies[0]!.id);
      expect(quote.choice.quantity).toBe(quantity);
      expect(quote.labels.term).toMatch(says);

      const upstreamBefore = balance(shop);
      const walletBefore = shop.wallet.balance(userId).availableCents;
      const result = await shop.orders.purchase({ userId, quoteId: quote.id, intentKey: 'renew-1', channel: 'bot' });
      expect(result.kind).toBe('delivered');
      const upstreamCharge = upstreamBefore - balance(shop);
      expect(upstreamCharge).toBeGreaterThan(0);
      expect(quote.priceCents).toBeGreaterThanOrEqual(upstreamCharge);
      expect(shop.wallet.balance(userId)).toEqual({ availableCents: walletBefore - quote.priceCents, heldCents: 0 });
      // Every proxy of the subscription moved, not only the one renewed from.
      await shop.orders.drain();
      const expiries = proxies.map((p) => shop.subscriptions.get(userId, p.id)!.expiresAt!);
      for (const [i, p] of proxies.entries()) expect(expiries[i]).toBeGreaterThan(p.expiresAt!);
    });
  }

  it('LumiWeb: a renewal that now costs more than its price is not sent, and the hold is released', async () => {
    const shop = await newShop(['lumiweb']);
    const sim = shop.upstream('lumiweb').simulator;
    const { userId, proxies } = await bought(shop, 'lumiweb', 2, 'isp');
    const quote = await renewalQuote(shop, userId, proxies[0]!.id);
    // The price lock was made when the upstream's price was lower.
    shop.database.sqlite.prepare('UPDATE quotes SET price_cents = ?, upstream_cost_cents = ? WHERE id = ?').run(100, 90, quote.id);
    const upstreamBefore = sim.balanceCents();
    const expiryBefore = sim.subscriptions()[0]!.expiresAt;
    const walletBefore = shop.wallet.balance(userId).availableCents;
    const result = await shop.orders.purchase({ userId, quoteId: quote.id, intentKey: 'renew-1', channel: 'bot' });
    expect(result.kind).toBe('failed');
    expect(sim.balanceCents()).toBe(upstreamBefore);
    expect(sim.subscriptions()[0]!.expiresAt).toEqual(expiryBefore);
    expect(shop.wallet.balance(userId)).toEqual({ availableCents: walletBefore, heldCents: 0 });
  });

  it('FlashProxy: a renewal the upstream charged more for than its price is told to the operators', async () => {
    const shop = await newShop(['flashproxy']);
    const { userId, proxies } = await bought(shop, 'flashproxy', 2, 'dedicated-isp');
    const quote = await renewalQuote(shop, userId, proxies[0]!.id);
    shop.database.sqlite.prepare('UPDATE quotes SET price_cents = ?, upstream_cost_cents = ? WHERE id = ?').run(100, 90, quote.id);
    const result = await shop.orders.purchase({ userId, quoteId: quote.id, intentKey: 'renew-1', channel: 'bot' });
    expect(result.kind).toBe('delivered');
    const alerts = shop.database.sqlite
      .prepare(`SELECT payload FROM outbox WHERE audience = 'operators' AND kind = 'order_needs_attention'`)
      .all() as Array<{ payload: string }>;
    expect(alerts.map((a) => JSON.parse(a.payload).why)).toEqual([expect.stringMatching(/renewal sold at 100 cents/)]);
  });
});
