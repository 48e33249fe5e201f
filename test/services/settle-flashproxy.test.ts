/**
 * FlashProxy answers the simulator used to never give, through the real saga:
 * a key conflict after a lost answer, an undocumented error after the work,
 * list items without the fields the openapi does not promise, and a price
 * list whose `price_per_ip_30_days` is in dollars. Each case ends with exactly
 * one upstream plan and one capture, or neither (and the order–ledger
 * invariants hold after every test).
 */
import { describe, expect, it } from 'vitest';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();

const START_CENTS = 100_000;

async function buyFirst(shop: TestShop, userId: number, productId: string, quantity = 1) {
  const choice = await firstChoice(shop, 'flashproxy', quantity, productId);
  const quoted = await shop.orders.quote(userId, 'flashproxy', choice);
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey: `buy-${productId}`, channel: 'bot' });
  return { quote: quoted.quote, result };
}

/** How many times an order's hold was captured (0 or 1 when all is well). */
function capturesOf(shop: TestShop, orderId: string): number {
  const row = shop.database.sqlite
    .prepare(`SELECT count(*) AS n FROM ledger_transfers WHERE kind = 'post_pending' AND pending_id = ?`)
    .get(`hold:${orderId}`) as { n: number };
  return row.n;
}

function flashproxy(shop: TestShop) {
  return shop.upstream('flashproxy').simulator;
}

// No test here loses an answer by a timeout, so a patient client only keeps a loaded machine from faking one.
const PATIENT_MS = 5_000;

describe('a FlashProxy purchase settles from the documents alone', () => {
  it('key conflict after a lost answer: the plan under our reference is delivered, bought and captured once', async () => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: PATIENT_MS });
    const user = shop.customer(START_CENTS);
    flashproxy(shop).keyConflictAfterLostAnswer('create');

    const { quote, result } = await buyFirst(shop, user.id, 'datacenter-time');

    expect(result.kind).toBe('delivered');
    if (result.kind !== 'delivered') return;
    const plans = flashproxy(shop).plans();
    expect(plans).toHaveLength(1);
    expect(plans[0]!.endUserReference).toBe(result.order.id);
    expect(result.proxies.map((p) => p.upstreamId)).toEqual([plans[0]!.planId]);
    expect(result.proxies[0]!.password).toBe(plans[0]!.password);
    expect(capturesOf(shop, result.order.id)).toBe(1);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: START_CENTS - quote.priceCents, heldCents: 0 });
  });

  it.each([
    { what: 'an undocumented 4xx code', answer: { status: 400, code: 'PROVISIONING_INCOMPLETE' } },
    { what: 'INTERNAL_ERROR 500', answer: { status: 500, code: 'INTERNAL_ERROR' } },
  ])('$what after the work: held, then found by reference and captured once', async ({ answer }) => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: PATIENT_MS });
    const user = shop.customer(START_CENTS);
    flashproxy(shop).undocumentedErrorAfterWork('create', answer);

    const { quote, result } = await buyFirst(shop, user.id, 'residential-lite');
    expect(result.kind).toBe('provisioning');
    if (result.kind !== 'provisioning') return;
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: START_CENTS - quote.priceCents, heldCents: quote.priceCents });

    const settled = await shop.orders.reconcile(result.order.id);
    expect(settled.kind).toBe('delivered');
    expect(flashproxy(shop).plans()).toHaveLength(1);
    expect(flashproxy(shop).purchaseCount()).toBe(1);
    expect(capturesOf(shop, result.order.id)).toBe(1);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: START_CENTS - quote.priceCents, heldCents: 0 });
  });

  it('an undocumented code before any work: held, then released once FlashProxy shows no plan under our reference', async () => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: PATIENT_MS, orders: { notFoundGraceMs: 0 } });
    const user = shop.customer(START_CENTS);
    flashproxy(shop).faults.inject(
      { kind: 'error_before', status: 400, body: { success: false, error: { code: 'PROVIDER_BUSY', message: 'try later' } } },
      { method: 'POST', path: /\/plans$/ },
    );

    const { result } = await buyFirst(shop, user.id, 'residential-lite');
    // Not a refusal: the document does not say PROVIDER_BUSY means nothing was done.
    expect(result.kind).toBe('provisioning');
    if (result.kind !== 'provisioning') return;

    const settled = await shop.orders.reconcile(result.order.id);
    expect(settled.kind).toBe('failed');
    expect(flashproxy(shop).plans()).toHaveLength(0);
    expect(capturesOf(shop, result.order.id)).toBe(0);
    expect(shop.wallet.balance(user.id)).toEqual({ availableCents: START_CENTS, heldCents: 0 });
  });

  it('a lost answer is found although list items leave out every field the openapi does not promise', async () => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: PATIENT_MS });
    const user = shop.customer(START_CENTS);
    const sim = flashproxy(shop);
    sim.omitFromListItems(['end_user_reference', 'created_at', 'status', 'product', 'billing_type', 'purchase_price_cents', 'updated_at']);
    sim.faults.inject({ kind: 'reset_after' }, { method: 'POST', path: /\/plans$/ });

    const { quote, result } = await buyFirst(shop, user.id, 'datacenter-time');
    expect(result.kind).toBe('provisioning');
    if (result.kind !== 'provisioning') return;

    const settled = await shop.orders.reconcile(result.order.id);
    expect(settled.kind).toBe('delivered');
    if (settled.kind !== 'delivered') return;
    expect(sim.plans()).toHaveLength(1);
    expect(settled.proxies.map((p) => p.upstreamId)).toEqual([sim.plans()[0]!.planId]);
    expect(capturesOf(shop, result.order.id)).toBe(1);
    expect(shop.wallet.balance(user.id).availableCents).toBe(START_CENTS - quote.priceCents);
  });

  it('a lost answer whose list items and plan both hide the reference stays held, never released', async () => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: PATIENT_MS, orders: { notFoundGraceMs: 0 } });
    const user = shop.customer(START_CENTS);
    const sim = flashproxy(shop);
    sim.faults.inject({ kind: 'reset_after' }, { method: 'POST', path: /\/plans$/ });
    const { quote, result } = await buyFirst(shop, user.id, 'residential-lite');
    expect(result.kind).toBe('provisioning');
    if (result.kind !== 'provisioning') return;

    // The plan's own page answers without its reference: nothing proves it is ours or not.
    sim.omitFromListItems(['end_user_reference']);
    sim.faults.inject(
      { kind: 'error_before', status: 200, body: { success: true, data: { plan_id: sim.plans()[0]!.planId, status: 'active' } } },
      { method: 'GET', path: new RegExp(`/plans/${sim.plans()[0]!.planId}$`), times: Infinity },
    );
    const stillOpen = await shop.orders.reconcile(result.order.id);
    expect(stillOpen.kind).toBe('provisioning');
    expect(shop.wallet.balance(user.id).heldCents).toBe(quote.priceCents);

    sim.faults.clear();
    const settled = await shop.orders.reconcile(result.order.id);
    expect(settled.kind).toBe('delivered');
    expect(sim.plans()).toHaveLength(1);
    expect(capturesOf(shop, result.order.id)).toBe(1);
  });
});

describe('a FlashProxy renewal settles from the documents alone', () => {
  it('key conflict on extend: held, then the moved expiry settles it; extended and captured once', async () => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: PATIENT_MS });
    const user = shop.customer(START_CENTS);
    const { result } = await buyFirst(shop, user.id, 'datacenter-time');
    if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
    const proxy = result.proxies[0]!;
    const sim = flashproxy(shop);

    const renewalQuote = await shop.orders.quoteRenewal(user.id, proxy.id, '7_days');
    if (!renewalQuote.ok) throw new Error(renewalQuote.message);
    const upstreamBefore = sim.balanceCents();
    sim.keyConflictAfterLostAnswer('extend');
    const renewed = await shop.orders.purchase({ userId: user.id, quoteId: renewalQuote.quote.id, intentKey: 'renew-1', channel: 'bot' });
    expect(renewed.kind).toBe('provisioning');
    if (renewed.kind !== 'provisioning') return;

    const settled = await shop.orders.reconcile(renewed.order.id);
    expect(settled.kind).toBe('delivered');
    expect(capturesOf(shop, renewed.order.id)).toBe(1);
    // FlashProxy extended once: 7 more days, paid once.
    const plan = sim.plan(proxy.upstreamId)!;
    expect(Date.parse(plan.expiresAt!) - proxy.expiresAt!).toBe(7 * 24 * 3_600_000);
    // The lookup brings no cost, so the quoted cost stands: it must be what FlashProxy charged.
    expect(upstreamBefore - sim.balanceCents()).toBe(upstreamCostOf(shop, renewed.order.id));
    expect(shop.subscriptions.get(user.id, proxy.id)!.expiresAt).toBe(Date.parse(plan.expiresAt!));
  });

  it('key conflict on a Dedicated ISP extend, with list items that carry only plan_id: settled by the plans themselves', async () => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: PATIENT_MS });
    const user = shop.customer(START_CENTS);
    const { result } = await buyFirst(shop, user.id, 'dedicated-isp', 2);
    if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
    const proxy = result.proxies[1]!;
    const sim = flashproxy(shop);
    sim.omitFromListItems([
      'product',
      'billing_type',
      'proxy_username',
      'proxy_password',
      'connection',
      'limits',
      'pool',
      'quantity',
      'expires_at',
      'status',
      'created_at',
      'updated_at',
      'purchase_price_cents',
      'end_user_reference',
    ]);

    const renewalQuote = await shop.orders.quoteRenewal(user.id, proxy.id, '30_days_per_ip');
    if (!renewalQuote.ok) throw new Error(renewalQuote.message);
    const upstreamBefore = sim.balanceCents();
    sim.keyConflictAfterLostAnswer('extend');
    const renewed = await shop.orders.purchase({ userId: user.id, quoteId: renewalQuote.quote.id, intentKey: 'renew-isp', channel: 'bot' });
    expect(renewed.kind).toBe('provisioning');
    if (renewed.kind !== 'provisioning') return;

    const settled = await shop.orders.reconcile(renewed.order.id);
    expect(settled.kind).toBe('delivered');
    expect(capturesOf(shop, renewed.order.id)).toBe(1);
    expect(upstreamBefore - sim.balanceCents()).toBe(2 * 1500);
    expect(upstreamCostOf(shop, renewed.order.id)).toBe(2 * 1500);
    const plan = sim.plans()[0]!;
    expect(Date.parse(plan.expiresAt!) - proxy.expiresAt!).toBe(30 * 24 * 3_600_000);
    expect(shop.subscriptions.get(user.id, proxy.id)!.expiresAt).toBe(Date.parse(plan.expiresAt!));
  });

  it('Dedicated ISP: the renewal is priced by FlashProxy, whatever unit the price list uses, and matches what extend charges', async () => {
    const shop = await newShop(['flashproxy'], { upstreamTimeoutMs: PATIENT_MS });
    const user = shop.customer(START_CENTS);
    const sim = flashproxy(shop);
    // The openapi gives `price_per_ip_30_days` no unit; here it comes in dollars (15 for $15.00 per IP).
    sim.setDedicatedPriceListUnit('dollars');
    const { quote, result } = await buyFirst(shop, user.id, 'dedicated-isp', 3);
    if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
    expect(result.proxies).toHaveLength(3);
    expect(quote.priceCents).toBeGreaterThanOrEqual(4500);
    expect(upstreamCostOf(shop, result.order.id)).toBe(sim.plans()[0]!.costCents);

    const proxy = result.proxies[0]!;
    const terms = await shop.subscriptions.renewalTerms(user.id, proxy.id);
    expect(terms.ok).toBe(true);
    if (!terms.ok) return;
    expect(terms.value).toEqual([
      { id: '30_days_per_ip', label: '30 days (all 3 IPs of the plan)', days: 30, unitCostCents: 3 * 1500, renewsProxies: 3 },
    ]);

    const renewalQuote = await shop.orders.quoteRenewal(user.id, proxy.id, '30_days_per_ip');
    if (!renewalQuote.ok) throw new Error(renewalQuote.message);
    const upstreamBefore = sim.balanceCents();
    const renewed = await shop.orders.purchase({ userId: user.id, quoteId: renewalQuote.quote.id, intentKey: 'renew-isp', channel: 'bot' });
    expect(renewed.kind).toBe('delivered');
    if (renewed.kind !== 'delivered') return;
    // What the shop priced the renewal at cost is exactly what FlashProxy charged for the extension.
    expect(upstreamBefore - sim.balanceCents()).toBe(4500);
    expect(upstreamCostOf(shop, renewed.order.id)).toBe(4500);
    expect(renewalQuote.quote.priceCents).toBeGreaterThanOrEqual(4500);
    expect(capturesOf(shop, renewed.order.id)).toBe(1);
  });
});

/** What the order recorded as its upstream cost, in cents. */
function upstreamCostOf(shop: TestShop, orderId: string): number {
  const order = shop.orders.order(orderId)!;
  return order.upstreamCostCents ?? order.quotedCostCents;
}
