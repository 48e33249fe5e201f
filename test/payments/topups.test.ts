/**
 * Top-ups at the service level: Stars (pre-checkout and successful payment),
 * Crypto Pay (signed webhooks over real HTTP from the simulator, polling when
 * the webhook is lost, expiry) and manual confirmation. The ledger's
 * invariants are checked after every test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCryptoPayClient } from '../../src/payments/cryptopay/index.js';
import { createCryptoPayTopUps } from '../../src/payments/cryptopay/topups.js';
import { createManualPayments } from '../../src/payments/manual.js';
import { createStarsPayments, starsFor } from '../../src/payments/stars.js';
import { createCryptoPaySimulator } from '../../src/sandbox/upstreams/cryptopay/index.js';
import { silentLogger } from '../../src/logger.js';
import { createTopUps } from '../../src/services/topups.js';
import { freshServices } from '../helpers/db.js';

const LIMITS = { minCents: 100, maxCents: 50_000 };
let s: ReturnType<typeof freshServices>;
let clock: number;
let topUps: ReturnType<typeof createTopUps>;

beforeEach(() => {
  s = freshServices();
  clock = Date.now();
  topUps = createTopUps({ ...s, sqlite: s.database.sqlite, db: s.database.db, logger: silentLogger, limits: LIMITS, now: () => clock });
});
afterEach(() => {
  expect(s.wallet.checkInvariants()).toEqual([]);
  s.close();
});

describe('Telegram Stars', () => {
  const STARS_PER_USD = 50;

  it('pay → credited once, even when the payment update arrives twice', () => {
    const stars = createStarsPayments({ topUps, starsPerUsd: STARS_PER_USD, now: () => clock });
    const user = s.newUser();
    const started = stars.start(user.id, 1_000);
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    expect(started.invoice).toMatchObject({ currency: 'XTR', stars: 500 });
    const payment = { userId: user.id, payload: started.invoice.payload, currency: 'XTR', totalAmount: 500, chargeId: 'charge-1' };
    expect(stars.preCheckout(payment)).toEqual({ ok: true });
    expect(stars.successfulPayment(payment)).toMatchObject({ ok: true, credited: true });
    expect(stars.successfulPayment(payment)).toMatchObject({ ok: true, credited: false });
    expect(s.wallet.balance(user.id).availableCents).toBe(1_000);
    expect(s.outbox.list({ kind: 'topup_credited' })).toHaveLength(1);
    expect(s.outbox.list({ kind: 'topup_received', audience: 'operators' })).toHaveLength(1);
  });

  it('amounts outside the limits are refused before any invoice, nothing credited', () => {
    const stars = createStarsPayments({ topUps, starsPerUsd: STARS_PER_USD, now: () => clock });
    const user = s.newUser();
    expect(stars.start(user.id, 50).ok).toBe(false);
    expect(stars.start(user.id, 50_001).ok).toBe(false);
    expect(topUps.ofUser(user.id)).toHaveLength(0);
  });

  it('pre-checkout refuses a used, expired, foreign or changed invoice with a reason', () => {
    const stars = createStarsPayments({ topUps, starsPerUsd: STARS_PER_USD, invoiceTtlMs: 60_000, now: () => clock });
    const user = s.newUser();
    const other = s.newUser();
    const started = stars.start(user.id, 1_000);
    if (!started.ok) throw new Error('no invoice');
    const base = { userId: user.id, payload: started.invoice.payload, currency: 'XTR', totalAmount: 500 };
    expect(stars.preCheckout({ ...base, userId: other.id })).toMatchObject({ ok: false });
    expect(stars.preCheckout({ ...base, totalAmount: 499 })).toMatchObject({ ok: false, error: expect.stringMatching(/amount/) });
    clock += 61_000;
    expect(stars.preCheckout(base)).toMatchObject({ ok: false, error: expect.stringMatching(/expired/) });
    expect(s.wallet.balance(user.id).availableCents).toBe(0);
  });

  it('an operator refund takes the unspent money back and asks Telegram once', async () => {
    const stars = createStarsPayments({ topUps, starsPerUsd: STARS_PER_USD, now: () => clock });
    const user = s.newUser();
    const started = stars.start(user.id, 1_000);
    if (!started.ok) throw new Error('no invoice');
    stars.successfulPayment({ userId: user.id, payload: started.invoice.payload, currency: 'XTR', totalAmount: 500, chargeId: 'c-9' });
    const calls: string[] = [];
    const refunded = await stars.refund(started.invoice.payload, 'admin:1', user.telegramId, async (_uid, charge) => {
      calls.push(charge);
      return 'ok';
    });
    expect(refunded).toEqual({ ok: true });
    expect(calls).toEqual(['c-9']);
    expect(s.wallet.balance(user.id).availableCents).toBe(0);
    expect(topUps.get(started.invoice.payload)!.state).toBe('refunded');
  });

  it('refusing a refund when part of the top-up is spent; a refused refund puts the money back', async () => {
    const stars = createStarsPayments({ topUps, starsPerUsd: STARS_PER_USD, now: () => clock });
    const user = s.newUser();
    const a = stars.start(user.id, 1_000);
    const b = stars.start(user.id, 1_000);
    if (!a.ok || !b.ok) throw new Error('no invoice');
    stars.successfulPayment({ userId: user.id, payload: a.invoice.payload, currency: 'XTR', totalAmount: 500, chargeId: 'a' });
    stars.successfulPayment({ userId: user.id, payload: b.invoice.payload, currency: 'XTR', totalAmount: 500, chargeId: 'b' });
    s.wallet.hold({ userId: user.id, orderId: 'spend', amountCents: 1_500 });
    s.wallet.capture('spend');
    const spent = await stars.refund(a.invoice.payload, 'admin:1', user.telegramId, async () => 'ok');
    expect(spent).toMatchObject({ ok: false, message: expect.stringMatching(/spent/) });
    s.wallet.adjust({ userId: user.id, amountCents: 1_500, adjustmentKey: 'back', actor: 'admin:1', reason: 'test' });
    const refused = await stars.refund(a.invoice.payload, 'admin:1', user.telegramId, async () => 'refused');
    expect(refused.ok).toBe(false);
    expect(s.wallet.balance(user.id).availableCents).toBe(2_000);
    expect(topUps.get(a.invoice.payload)!.state).toBe('credited');
    // A later attempt still works and really takes the money.
    expect(await stars.refund(a.invoice.payload, 'admin:1', user.telegramId, async () => 'ok')).toEqual({ ok: true });
    expect(s.wallet.balance(user.id).availableCents).toBe(1_000);
  });

  it('a refund left pending by a lost answer settles later: done at Telegram, or refused and put back', async () => {
    const stars = createStarsPayments({ topUps, starsPerUsd: STARS_PER_USD, now: () => clock });
    const user = s.newUser();
    const [a, b] = [stars.start(user.id, 1_000), stars.start(user.id, 2_000)];
    if (!a.ok || !b.ok) throw new Error('no invoice');
    stars.successfulPayment({ userId: user.id, payload: a.invoice.payload, currency: 'XTR', totalAmount: 500, chargeId: 'a' });
    stars.successfulPayment({ userId: user.id, payload: b.invoice.payload, currency: 'XTR', totalAmount: 1_000, chargeId: 'b' });
    const lost = async () => 'unknown' as const;
    expect(await stars.refund(a.invoice.payload, 'admin:1', user.telegramId, lost)).toMatchObject({ ok: false });
    expect(await stars.refund(b.invoice.payload, 'admin:1', user.telegramId, lost)).toMatchObject({ ok: false });
    expect(s.wallet.balance(user.id).availableCents).toBe(0);

    // Telegram did refund charge 'a' and refuses charge 'b'.
    const telegram = async (_uid: number, charge: string) => (charge === 'a' ? ('ok' as const) : ('refused' as const));
    expect(await stars.settlePendingRefunds(telegram, () => user.telegramId)).toEqual({ refunded: 1, restored: 1, pending: 0 });
    expect(topUps.get(a.invoice.payload)!.state).toBe('refunded');
    expect(topUps.get(b.invoice.payload)!.state).toBe('credited');
    expect(s.wallet.balance(user.id).availableCents).toBe(2_000);
    expect(await stars.settlePendingRefunds(telegram, () => user.telegramId)).toEqual({ refunded: 0, restored: 0, pending: 0 });
  });

  it('prices a custom amount in whole stars, rounded up', () => {
    expect(starsFor(1_001, 50)).toBe(501);
    expect(starsFor(100, 1.3)).toBe(2);
  });
});

describe('Crypto Pay', () => {
  let sim: ReturnType<typeof createCryptoPaySimulator>;
  let closeSim: () => Promise<void>;
  let simBaseUrl: string;
  let receiver: Server;
  let webhookUrl: string;
  let cryptopay: ReturnType<typeof createCryptoPayTopUps>;
  const answers: number[] = [];

  beforeEach(async () => {
    sim = createCryptoPaySimulator({ now: () => new Date(clock) });
    const running = await sim.start();
    closeSim = running.close;
    simBaseUrl = running.url;
    const client = createCryptoPayClient({ token: sim.token, baseUrl: running.url, timeoutMs: 2_000 });
    cryptopay = createCryptoPayTopUps({ client, token: sim.token, topUps, logger: silentLogger, invoiceTtlSeconds: 600, now: () => clock });
    answers.length = 0;
    // The shop's webhook endpoint as a plain HTTP server: raw body in, the service's answer out.
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const header = req.headers['crypto-pay-api-signature'];
        const answer = cryptopay.handleWebhook(Buffer.concat(chunks), typeof header === 'string' ? header : undefined);
        answers.push(answer.status);
        res.writeHead(answer.status).end(answer.message);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  });
  afterEach(async () => {
    await closeSim();
    await new Promise((resolve) => receiver.close(resolve));
  });

  async function paidInvoice(cents = 2_500) {
    const user = s.newUser();
    const started = await cryptopay.start(user.id, cents);
    if (!started.ok) throw new Error(started.message);
    expect(started.payUrl).toMatch(/^https?:\/\//);
    const invoiceId = Number(started.topUp.externalId);
    sim.markPaid(invoiceId);
    return { user, invoiceId, topUpId: started.topUp.id };
  }

  it('webhook paid → credited; the same webhook twice → credited once', async () => {
    const { user, invoiceId } = await paidInvoice();
    expect((await sim.sendWebhook(webhookUrl, invoiceId)).status).toBe(200);
    expect((await sim.sendWebhook(webhookUrl, invoiceId)).status).toBe(200);
    expect(s.wallet.balance(user.id).availableCents).toBe(2_500);
    expect(s.outbox.list({ kind: 'topup_credited' })).toHaveLength(1);
  });

  it('a bad signature, a body changed after signing, or no signature → 401, nothing credited', async () => {
    const { user, invoiceId } = await paidInvoice();
    expect((await sim.sendWebhook(webhookUrl, invoiceId, { wrongToken: true })).status).toBe(401);
    expect((await sim.sendWebhook(webhookUrl, invoiceId, { tamperAfterSigning: true })).status).toBe(401);
    expect((await sim.sendWebhook(webhookUrl, invoiceId, { signed: false })).status).toBe(401);
    expect((await sim.sendWebhook(webhookUrl, invoiceId, { requestDate: new Date(clock - 3_600_000) })).status).toBe(401);
    expect(s.wallet.balance(user.id).availableCents).toBe(0);
  });

  it('webhook lost → polling credits it, once', async () => {
    const { user } = await paidInvoice(1_999);
    expect(await cryptopay.poll()).toMatchObject({ credited: 1 });
    expect(await cryptopay.poll()).toMatchObject({ credited: 0 });
    expect(s.wallet.balance(user.id).availableCents).toBe(1_999);
  });

  it('an unpaid invoice expires and credits nothing', async () => {
    const user = s.newUser();
    const started = await cryptopay.start(user.id, 1_000);
    if (!started.ok) throw new Error(started.message);
    clock += 601_000;
    sim.expireDueInvoices();
    expect(await cryptopay.poll()).toMatchObject({ credited: 0 });
    expect(topUps.get(started.topUp.id)!.state).toBe('expired');
    expect(s.wallet.balance(user.id).availableCents).toBe(0);
  });

  it('an invoice answer lost on the way back is found by its payload and credited when paid', async () => {
    const user = s.newUser();
    sim.faults.inject({ kind: 'hang_after' }, { path: '/api/createInvoice' });
    const started = await createCryptoPayTopUps({
      client: createCryptoPayClient({ token: sim.token, baseUrl: simBaseUrl, timeoutMs: 300 }),
      token: sim.token,
      topUps,
      logger: silentLogger,
      now: () => clock,
    }).start(user.id, 700);
    expect(started.ok).toBe(false);
    const [invoice] = sim.invoices();
    sim.markPaid(invoice!.invoice_id);
    expect(await cryptopay.poll()).toMatchObject({ credited: 1 });
    expect(s.wallet.balance(user.id).availableCents).toBe(700);
  });
});

describe('manual top-ups', () => {
  it('confirming twice at once credits once', async () => {
    const manual = createManualPayments({ topUps, outbox: s.outbox });
    const user = s.newUser();
    const requested = manual.request(user.id, 3_000, 'bank transfer #123');
    if (!requested.ok) throw new Error(requested.message);
    expect(s.outbox.list({ kind: 'manual_topup_requested', audience: 'operators' })).toHaveLength(1);
    const [a, b] = await Promise.all([
      Promise.resolve().then(() => manual.confirm(requested.topUp.id, 'admin:1')),
      Promise.resolve().then(() => manual.confirm(requested.topUp.id, 'admin:2')),
    ]);
    expect([a, b].filter((r) => r.ok && r.credited)).toHaveLength(1);
    expect(s.wallet.balance(user.id).availableCents).toBe(3_000);
  });

  it('reject tells the customer why and can no longer be confirmed', () => {
    const manual = createManualPayments({ topUps, outbox: s.outbox });
    const user = s.newUser();
    const requested = manual.request(user.id, 3_000, 'cash');
    if (!requested.ok) throw new Error(requested.message);
    expect(manual.reject(requested.topUp.id, 'admin:1', 'no such transfer arrived')).toBe(true);
    expect(manual.confirm(requested.topUp.id, 'admin:1')).toMatchObject({ ok: false, reason: 'wrong_state' });
    const notice = s.outbox.list({ kind: 'topup_rejected' })[0]!;
    expect(JSON.parse(notice.payload)).toMatchObject({ reason: 'no such transfer arrived' });
    expect(s.wallet.balance(user.id).availableCents).toBe(0);
  });

  it('refuses an empty note or an amount outside the limits', () => {
    const manual = createManualPayments({ topUps, outbox: s.outbox });
    const user = s.newUser();
    expect(manual.request(user.id, 3_000, '  ').ok).toBe(false);
    expect(manual.request(user.id, 10, 'x').ok).toBe(false);
    expect(topUps.ofUser(user.id)).toHaveLength(0);
  });
});
