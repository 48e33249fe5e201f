/**
 * Outbox events as the reader meets them: every kind the shop records renders
 * its own wording (for the customer or for operators), not the generic
 * notice; a stored row this version cannot read renders the generic notice
 * and is logged once; and `enqueue` refuses, at compile time, an event the
 * renderers would not understand. Real services over a real database, with
 * real orders bought from the LumiWeb simulator and real top-ups.
 */
import { describe, expect, it } from 'vitest';
import { createNoticeRenderer } from '../../src/bot/notices.js';
import { createI18n } from '../../src/bot/i18n.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createManualPayments } from '../../src/payments/manual.js';
import type { Outbox } from '../../src/services/outbox.js';
import { OUTBOX_EVENT_KINDS, readOutboxEvent, type CustomerEvent, type OperatorEvent } from '../../src/services/outbox-events.js';
import { createTopUps } from '../../src/services/topups.js';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';

const newShop = eachTestShop();

async function buy(shop: TestShop, userId: number, intentKey: string) {
  const quoted = await shop.orders.quote(userId, 'lumiweb', await firstChoice(shop, 'lumiweb'));
  if (!quoted.ok) throw new Error(quoted.message);
  return shop.orders.purchase({ userId, quoteId: quoted.quote.id, intentKey, channel: 'api' });
}

/** A shop with one customer who owns a delivered order (and its proxy), an order still being confirmed, and top-ups. */
async function world() {
  const shop = await newShop(['lumiweb'], { upstreamTimeoutMs: 300 });
  const user = shop.customer(100_000);
  const delivered = await buy(shop, user.id, 'first');
  if (delivered.kind !== 'delivered') throw new Error(delivered.kind);
  // The upstream sells, the answer is lost and every lookup fails: the order stays open.
  const sim = shop.upstream('lumiweb').simulator;
  sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/proxy\/static$/ });
  sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'GET', times: Infinity });
  const open = await buy(shop, user.id, 'second');
  if (open.kind !== 'provisioning') throw new Error(open.kind);

  const topUps = createTopUps({
    ...shop,
    sqlite: shop.database.sqlite,
    db: shop.database.db,
    logger: silentLogger,
    limits: { minCents: 100, maxCents: 50_000 },
  });
  const manual = createManualPayments({ topUps, outbox: shop.outbox });
  const requested = manual.request(user.id, 2_000, 'sent by bank transfer');
  const toReject = manual.request(user.id, 3_000, 'sent twice');
  const crypto = topUps.create({ userId: user.id, method: 'cryptopay', amountCents: 1_500, details: {} });
  if (!requested.ok || !toReject.ok || !crypto.ok) throw new Error('top-up not created');
  topUps.credit({ topUpId: crypto.topUp.id, externalId: 'invoice-1', actor: 'test' });

  const logs: { level: string; msg: string; problem?: string }[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line) as (typeof logs)[number]) });
  const { renderNotice } = createNoticeRenderer({
    services: shop,
    i18n: createI18n(shop.users),
    payments: { topUps, manual },
    logger,
  });
  /** A row as the outbox table holds it, written directly: the reader must cope with whatever is there. */
  const stored = (audience: 'user' | 'operators', kind: string, payload: string) => {
    const { id } = shop.database.sqlite
      .prepare('INSERT INTO outbox (audience, user_id, kind, payload, next_attempt_at) VALUES (?, ?, ?, ?, 0) RETURNING id')
      .get(audience, audience === 'user' ? user.id : null, kind, payload) as { id: number };
    return shop.outbox.list().find((row) => row.id === id)!;
  };
  return {
    shop,
    user,
    stored,
    deliveredOrder: delivered.order,
    proxy: delivered.proxies[0]!,
    openOrder: open.order,
    manualTopUp: requested.topUp,
    rejectedTopUp: toReject.topUp,
    cryptoTopUp: crypto.topUp,
    renderNotice,
    logs,
  };
}

type Sample<E extends { kind: string; payload: unknown }> = { [K in E['kind']]: Extract<E, { kind: K }>['payload'] };

const GENERIC = 'There is news about your account. Open the menu with /start.';

describe('outbox notices', () => {
  it('every kind of event renders its own wording, for the customer or for operators', async () => {
    const w = await world();
    const { proxy } = w;
    const ofProxy = { subscriptionId: proxy.id, host: proxy.host, product: proxy.productName };
    const broadcast = w.shop.broadcasts.createDraft({ createdBy: 1, html: '<b>Spring sale</b>' });
    // One payload per kind: a kind added to the union without a sample here fails to compile.
    const customer: Sample<CustomerEvent> = {
      order_delivered: { orderId: w.deliveredOrder.id },
      renewal_delivered: { orderId: w.deliveredOrder.id },
      order_failed: { orderId: w.deliveredOrder.id, code: 'out_of_stock' },
      order_provisioning: { orderId: w.openOrder.id },
      order_still_open: { orderId: w.openOrder.id },
      order_settled_delivered: { orderId: w.deliveredOrder.id },
      topup_credited: { topUpId: w.cryptoTopUp.id, method: 'cryptopay', amountCents: 1_500, userId: w.user.id },
      topup_rejected: { topUpId: w.rejectedTopUp.id, amountCents: 3_000, reason: 'nothing arrived' },
      expiry_reminder: { ...ofProxy, expiresAt: proxy.expiresAt, autoRenew: false },
      auto_renewed: { ...ofProxy, orderId: w.deliveredOrder.id, priceCents: 1_234 },
      auto_renew_failed: { ...ofProxy, expiresAt: proxy.expiresAt, reason: 'insufficient_funds' },
      wallet_adjusted: { change: 'debit', amountCents: 250, reason: 'duplicate top-up corrected', orderId: null },
      broadcast: { broadcastId: broadcast.id },
      traffic_warning: { ...ofProxy, threshold: 95, usedGb: 4.75, totalGb: 5, periodKey: '5000mb:none' },
      traffic_auto_topped_up: { ...ofProxy, orderId: w.deliveredOrder.id, priceCents: 1_500, term: '5 GB' },
      traffic_auto_topup_failed: { ...ofProxy, reason: 'insufficient_funds', periodKey: '5000mb:none' },
      proxy_check_failed: { ...ofProxy, failures: [{ protocol: 'http', failure: 'auth_rejected' }] },
      referral_reward_credited: { orderId: w.deliveredOrder.id, rewardCents: 150 },
      referral_reward_reversed: { orderId: w.deliveredOrder.id, reversedCents: 40, unrecoveredCents: 110 },
    };
    const operators: Sample<OperatorEvent> = {
      delivered_proxy_check_failed: {
        ...ofProxy,
        failures: [{ protocol: 'socks5', failure: 'timeout' }],
        orderId: w.deliveredOrder.id,
        provider: 'lumiweb',
        userId: w.user.id,
      },
      topup_received: { topUpId: w.cryptoTopUp.id, method: 'cryptopay', amountCents: 1_500, userId: w.user.id },
      manual_topup_requested: { topUpId: w.manualTopUp.id, userId: w.user.id, amountCents: 2_000, note: 'sent by bank transfer' },
      upstream_balance_low: { provider: 'lumiweb', orderId: w.openOrder.id, priceCents: w.openOrder.priceCents },
      upstream_auth_failed: { provider: 'lumiweb', orderId: w.openOrder.id, priceCents: w.openOrder.priceCents },
      order_needs_attention: {
        orderId: w.openOrder.id,
        provider: 'lumiweb',
        userId: w.user.id,
        priceCents: w.openOrder.priceCents,
        why: 'timeout',
      },
      backup_failed: {
        file: '/var/backups/storefront-2026-01-01T03-15-00-000Z-failed.db.gz',
        problems: ['integrity: page 7 is never used'],
      },
      stars_payment_unmatched: {
        telegramUserId: 42,
        payload: 'tu_x',
        currency: 'XTR',
        totalAmount: 500,
        chargeId: 'charge-9',
        reason: 'not_found',
      },
      broadcast_finished: { broadcastId: broadcast.id },
      upstream_balance_below: { provider: 'lumiweb', balanceCents: 1_200, thresholdCents: 5_000 },
      upstream_balance_recovered: { provider: 'lumiweb', balanceCents: 9_000, thresholdCents: 5_000 },
      alerts_folded: { counts: { order_needs_attention: 12, backup_failed: 2 }, orderIds: [w.openOrder.id], fromMs: 0, toMs: 60_000 },
      card_payment_unmatched: {
        telegramUserId: 42,
        payload: 'tu_y',
        currency: 'EUR',
        totalAmount: 920,
        chargeId: 'charge-card-7',
        providerChargeId: 'prov-7',
        reason: 'amount_mismatch',
      },
      referral_reward_unrecovered: {
        orderId: w.deliveredOrder.id,
        referrerUserId: w.user.id,
        refereeUserId: w.user.id,
        rewardCents: 150,
        reversedCents: 40,
        unrecoveredCents: 110,
      },
    };
    expect([...Object.keys(customer), ...Object.keys(operators)].sort()).toEqual([...OUTBOX_EVENT_KINDS].sort());

    const rendered = new Map<string, string | undefined>();
    const render = (kind: string, audience: 'user' | 'operators', payload: unknown) =>
      rendered.set(`${audience}:${kind}`, w.renderNotice(w.stored(audience, kind, JSON.stringify(payload)), 'en')?.text);
    for (const [kind, payload] of Object.entries(customer)) render(kind, 'user', payload);
    for (const [kind, payload] of Object.entries(operators)) render(kind, 'operators', payload);

    // Neither nothing, nor the customers' generic notice, nor the operators' fallback (the kind and its facts as recorded).
    const fallback = ([key, text]: [string, string | undefined]) =>
      text === undefined || text === GENERIC || text.startsWith(`⚠️ <b>${key.split(':')[1]}</b>`);
    expect([...rendered].filter(fallback)).toEqual([]);
    expect(w.logs.filter((l) => l.level === 'warn')).toEqual([]);
    // The fields reach the words: a few spot checks of what the reader sees.
    expect(rendered.get('user:auto_renew_failed')).toContain(proxy.host);
    expect(rendered.get('user:topup_rejected')).toContain('nothing arrived');
    expect(rendered.get('user:wallet_adjusted')).toContain('duplicate top-up corrected');
    expect(rendered.get('user:wallet_adjusted')).toContain('$2.50');
    expect(rendered.get('operators:stars_payment_unmatched')).toContain('charge-9');
    expect(rendered.get('operators:order_needs_attention')).toContain(w.openOrder.id);
    expect(rendered.get('user:broadcast')).toBe('<b>Spring sale</b>');
    expect(rendered.get('operators:upstream_balance_below')).toContain('$12.00');
    expect(rendered.get('operators:alerts_folded')).toContain('12 more: orders that need attention');
    expect(rendered.get('operators:alerts_folded')).toContain('2 more: other alerts (backup_failed)');
    expect(rendered.get('operators:referral_reward_unrecovered')).toContain('$1.10');
  });

  it('a stored row with a payload this version cannot read renders the generic notice and is logged once', async () => {
    const w = await world();
    const { stored } = w;
    // A field renamed by an older (or newer) version: `order` instead of `orderId`.
    const renamed = stored('user', 'order_delivered', JSON.stringify({ order: w.deliveredOrder.id }));
    expect(w.renderNotice(renamed, 'en')?.text).toBe(GENERIC);
    const warnings = w.logs.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      msg: 'outbox message not readable as an event; sending the generic notice',
      problem: expect.stringContaining('orderId'),
    });

    // Not JSON at all, and a kind no version produces: still no crash, one line each.
    expect(w.renderNotice(stored('user', 'topup_credited', '{not json'), 'en')?.text).toBe(GENERIC);
    const alert = w.renderNotice(stored('operators', 'upstream_on_fire', JSON.stringify({ provider: 'lumiweb' })), 'en');
    expect(alert?.text).toBe('⚠️ <b>upstream_on_fire</b>\n<code>{&quot;provider&quot;:&quot;lumiweb&quot;}</code>');
    expect(w.logs.filter((l) => l.level === 'warn')).toHaveLength(3);
  });

  it('enqueue takes only the events the renderers know; what slips past the types is still read as unreadable', async () => {
    const w = await world();
    const before = w.shop.outbox.list().length;
    // Each call below is a compile error (tsc runs before the tests); at run time the rows are written anyway, and the reader refuses them.
    // biome-ignore format: each call stays on the one line its @ts-expect-error covers
    const wrongEvents = (outbox: Outbox) => {
      // @ts-expect-error a renamed payload field
      outbox.enqueue({ audience: 'user', userId: w.user.id, kind: 'order_delivered', payload: { order: w.deliveredOrder.id } });
      // @ts-expect-error a kind nobody renders
      outbox.enqueue({ audience: 'user', userId: w.user.id, kind: 'order_exploded', payload: { orderId: w.deliveredOrder.id } });
      // @ts-expect-error an operators' alert addressed to a customer
      outbox.enqueue({ audience: 'user', userId: w.user.id, kind: 'upstream_balance_low', payload: { provider: 'lumiweb', orderId: 'o', priceCents: 1 } });
      // @ts-expect-error a reason the notice has no wording for
      outbox.enqueue({ audience: 'user', userId: w.user.id, kind: 'auto_renew_failed', payload: { subscriptionId: 's', host: 'h', product: 'p', expiresAt: null, reason: 'because' } });
      // @ts-expect-error money as text
      outbox.enqueue({ audience: 'operators', kind: 'upstream_auth_failed', payload: { provider: 'lumiweb', orderId: 'o', priceCents: '1.00' } });
    };
    wrongEvents(w.shop.outbox);
    const written = w.shop.outbox.list().slice(before);
    expect(written).toHaveLength(5);
    expect(written.map((row) => readOutboxEvent(row).ok)).toEqual([false, false, false, false, false]);
  });
});
