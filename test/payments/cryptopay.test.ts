/**
 * The Crypto Pay client against its simulator over real HTTP, and the webhook
 * check against updates signed here and updates POSTed by the simulator.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  centsToDecimalString,
  createCryptoPayClient,
  invoiceAmountCents,
  invoiceSchema,
  verifyCryptoPayWebhook,
  type CryptoPayClient,
  type CryptoPayResult,
} from '../../src/payments/cryptopay/index.js';
import { createCryptoPaySimulator, type CryptoPaySimulator } from '../../src/sandbox/upstreams/cryptopay/index.js';
import type { RunningSimulator } from '../../src/sandbox/upstreams/sim-server.js';

const TOKEN = '48213:AAq7Vx2LmN9pRt4sWz8yBc6dEf1gHj3kLm5';
const WRONG_TOKEN = '48213:AAwrongwrongwrongwrongwrongwrong00';
const MINUTE_MS = 60_000;

function expectOk<T>(result: CryptoPayResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.value;
}

function expectNoSecrets(result: unknown) {
  const text = JSON.stringify(result);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(WRONG_TOKEN);
}

function invoiceRequest(amountCents: number, payload = `topup-${amountCents}`) {
  return { amountCents, description: 'Wallet top-up', payload, expiresInSeconds: 900 };
}

// ---------------------------------------------------------------------------
// Client ⇄ simulator
// ---------------------------------------------------------------------------

describe('Crypto Pay client', () => {
  let sim: CryptoPaySimulator;
  let running: RunningSimulator;
  let client: CryptoPayClient;

  beforeEach(async () => {
    sim = createCryptoPaySimulator({ token: TOKEN, appName: 'Proxy Storefront test' });
    running = await sim.start();
    client = createCryptoPayClient({ token: TOKEN, baseUrl: running.url, timeoutMs: 2_000 });
  });
  afterEach(() => running.close());

  it('creates a fiat USD invoice with the exact amount and our parameters', async () => {
    const invoice = expectOk(await client.createInvoice(invoiceRequest(1999, 'topup-42')));
    expect(invoice).toMatchObject({
      status: 'active',
      currency_type: 'fiat',
      fiat: 'USD',
      amount: '19.99',
      payload: 'topup-42',
      description: 'Wallet top-up',
    });
    expect(invoice.bot_invoice_url).toMatch(/^https:\/\/t\.me\//);
    expect(invoiceAmountCents(invoice)).toEqual({ ok: true, value: 1999 });

    const stored = sim.invoice(invoice.invoice_id)!;
    expect(stored.accepted_assets).toEqual(['USDT', 'TON', 'BTC']);
    expect(Date.parse(String(stored.expiration_date)) - Date.parse(String(stored.created_at))).toBe(900_000);
  });

  it('sends small and round amounts exactly: 5 → "0.05", 100 → "1.00", 1 → "0.01"', async () => {
    for (const [cents, text] of [
      [5, '0.05'],
      [100, '1.00'],
      [1, '0.01'],
      [123_456, '1234.56'],
    ] as const) {
      const invoice = expectOk(await client.createInvoice(invoiceRequest(cents)));
      expect(invoice.amount).toBe(text);
      expect(invoiceAmountCents(invoice)).toEqual({ ok: true, value: cents });
    }
  });

  it('passes the accepted assets through', async () => {
    const invoice = expectOk(await client.createInvoice({ ...invoiceRequest(500), acceptedAssets: ['TON'] }));
    expect(sim.invoice(invoice.invoice_id)!.accepted_assets).toEqual(['TON']);
  });

  it('refuses amounts that are not whole positive cents without calling Crypto Pay', async () => {
    for (const cents of [0, -100, 12.5, Number.NaN]) {
      expect(await client.createInvoice(invoiceRequest(cents))).toMatchObject({
        ok: false,
        kind: 'refused',
        code: 'invalid_amount',
      });
    }
    expect(sim.invoices()).toHaveLength(0);
  });

  it('lists invoices by ids and by status', async () => {
    const a = expectOk(await client.createInvoice(invoiceRequest(1000, 'a')));
    const b = expectOk(await client.createInvoice(invoiceRequest(2000, 'b')));
    const c = expectOk(await client.createInvoice(invoiceRequest(3000, 'c')));
    sim.markPaid(b.invoice_id, { asset: 'TON', rate: '4' });

    const byIds = expectOk(await client.getInvoices({ invoiceIds: [a.invoice_id, c.invoice_id] }));
    expect(byIds.map((i) => i.payload).sort()).toEqual(['a', 'c']);

    const paid = expectOk(await client.getInvoices({ status: 'paid' }));
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({
      invoice_id: b.invoice_id,
      status: 'paid',
      amount: '20.00',
      paid_asset: 'TON',
      paid_amount: '5',
      paid_usd_rate: '4',
    });
    expect(paid[0]!.paid_at).toBeDefined();

    const active = expectOk(await client.getInvoices({ status: 'active' }));
    expect(active.map((i) => i.invoice_id).sort()).toEqual([a.invoice_id, c.invoice_id].sort());

    const page = expectOk(await client.getInvoices({ offset: 1, count: 1 }));
    expect(page.map((i) => i.invoice_id)).toEqual([b.invoice_id]);
  });

  it('sees an invoice expire when its time runs out on the simulator clock', async () => {
    const invoice = expectOk(await client.createInvoice(invoiceRequest(700)));
    sim.advanceTime(899_000);
    expect(expectOk(await client.getInvoices({ invoiceIds: [invoice.invoice_id] }))[0]!.status).toBe('active');
    sim.advanceTime(1_000);
    expect(expectOk(await client.getInvoices({ invoiceIds: [invoice.invoice_id] }))[0]!.status).toBe('expired');
    expect(() => sim.markPaid(invoice.invoice_id)).toThrow(/expired/);
  });

  it('deletes an invoice, and a second delete is refused', async () => {
    const invoice = expectOk(await client.createInvoice(invoiceRequest(700)));
    expect(expectOk(await client.deleteInvoice(invoice.invoice_id))).toBe(true);
    expect(expectOk(await client.getInvoices({ invoiceIds: [invoice.invoice_id] }))).toEqual([]);
    expect(await client.deleteInvoice(invoice.invoice_id)).toMatchObject({
      ok: false,
      kind: 'refused',
      code: 'invoice_not_found',
    });
  });

  it('getMe names the app', async () => {
    expect(expectOk(await client.getMe())).toMatchObject({ name: 'Proxy Storefront test', app_id: sim.appId });
  });

  it('a wrong token is refused as unauthorized and no token appears in any message', async () => {
    const wrong = createCryptoPayClient({ token: WRONG_TOKEN, baseUrl: running.url });
    const results = [
      await wrong.getMe(),
      await wrong.createInvoice(invoiceRequest(1999)),
      await wrong.getInvoices(),
      await wrong.deleteInvoice(1),
    ];
    for (const result of results) {
      expect(result).toMatchObject({ ok: false, kind: 'refused', code: 'unauthorized', httpStatus: 401 });
      expectNoSecrets(result);
    }
    expect(sim.invoices()).toHaveLength(0);
  });

  it('no answer within the timeout is ambiguous, and the invoice can be found by listing', async () => {
    const impatient = createCryptoPayClient({ token: TOKEN, baseUrl: running.url, timeoutMs: 200 });
    sim.faults.inject({ kind: 'hang_after' }, { path: '/api/createInvoice' });
    const result = await impatient.createInvoice(invoiceRequest(1500, 'topup-timeout'));
    expect(result).toMatchObject({ ok: false, kind: 'ambiguous', code: 'timeout' });
    expectNoSecrets(result);

    // The request did its work upstream: the reconciler finds it by our payload.
    const all = expectOk(await client.getInvoices());
    expect(all.filter((i) => i.payload === 'topup-timeout')).toHaveLength(1);
  });

  it('5xx and unreadable answers are ambiguous; 429 is a refusal', async () => {
    sim.faults.inject({ kind: 'error_after', status: 502 }, { path: '/api/createInvoice' });
    expect(await client.createInvoice(invoiceRequest(100))).toMatchObject({ kind: 'ambiguous', code: 'server_error' });

    sim.faults.inject({ kind: 'malformed_after' }, { path: '/api/createInvoice' });
    expect(await client.createInvoice(invoiceRequest(100))).toMatchObject({ kind: 'ambiguous', code: 'malformed' });

    sim.faults.inject({ kind: 'reset_after' }, { path: '/api/getInvoices' });
    expect(await client.getInvoices()).toMatchObject({ kind: 'ambiguous', code: 'network' });

    sim.faults.inject({ kind: 'rate_limited' }, { path: '/api/createInvoice' });
    expect(await client.createInvoice(invoiceRequest(100))).toMatchObject({ kind: 'refused', code: 'rate_limited' });
  });
});

// ---------------------------------------------------------------------------
// Money helpers and the invoice schema
// ---------------------------------------------------------------------------

describe('Crypto Pay amounts', () => {
  it('turns cents into a decimal string with integer arithmetic', () => {
    expect(centsToDecimalString(0)).toBe('0.00');
    expect(centsToDecimalString(1999)).toBe('19.99');
    expect(centsToDecimalString(10_000_001)).toBe('100000.01');
    expect(() => centsToDecimalString(1.5)).toThrow();
  });

  it('reads only fiat USD amounts that are whole cents', () => {
    expect(invoiceAmountCents({ currency_type: 'fiat', fiat: 'USD', amount: '12.5' })).toEqual({ ok: true, value: 1250 });
    expect(invoiceAmountCents({ currency_type: 'fiat', fiat: 'USD', amount: '12.500' })).toEqual({ ok: true, value: 1250 });
    expect(invoiceAmountCents({ currency_type: 'fiat', fiat: 'USD', amount: '7' })).toEqual({ ok: true, value: 700 });
    expect(invoiceAmountCents({ currency_type: 'fiat', fiat: 'USD', amount: '12.505' })).toEqual({
      ok: false,
      reason: 'not_whole_cents',
    });
    expect(invoiceAmountCents({ currency_type: 'fiat', fiat: 'EUR', amount: '12.50' })).toEqual({ ok: false, reason: 'not_usd' });
    expect(invoiceAmountCents({ currency_type: 'crypto', amount: '12.50' })).toEqual({ ok: false, reason: 'not_usd' });
  });

  it('takes the payment link from any of its names', () => {
    const base = { invoice_id: 1, status: 'active', amount: '1.00', created_at: '2025-01-01T00:00:00.000Z' };
    expect(invoiceSchema.parse({ ...base, pay_url: 'https://t.me/CryptoBot?start=IVa' }).bot_invoice_url).toBe(
      'https://t.me/CryptoBot?start=IVa',
    );
    expect(invoiceSchema.parse({ ...base, mini_app_invoice_url: 'https://t.me/x' }).bot_invoice_url).toBe('https://t.me/x');
    expect(invoiceSchema.safeParse({ ...base, status: 'refunded' }).success).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// Webhook verification on bodies signed here (independently of the simulator)
// ---------------------------------------------------------------------------

function sign(body: string, token: string): string {
  return createHmac('sha256', createHash('sha256').update(token).digest()).update(body).digest('hex');
}

function updateBody(requestDate: Date, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    update_id: 7,
    update_type: 'invoice_paid',
    request_date: requestDate.toISOString(),
    payload: {
      invoice_id: 77,
      status: 'paid',
      currency_type: 'fiat',
      fiat: 'USD',
      amount: '19.99',
      bot_invoice_url: 'https://t.me/CryptoBot?start=IVabc',
      payload: 'topup-77',
      created_at: new Date(requestDate.getTime() - MINUTE_MS).toISOString(),
      paid_asset: 'USDT',
      paid_amount: '19.99',
      paid_usd_rate: '1',
      paid_at: requestDate.toISOString(),
    },
    ...overrides,
  });
}

describe('verifyCryptoPayWebhook', () => {
  const now = new Date('2025-06-01T12:00:00.000Z');

  it('accepts a correctly signed update, from a Buffer or a string', () => {
    const body = updateBody(now);
    for (const rawBody of [body, Buffer.from(body)]) {
      const verdict = verifyCryptoPayWebhook({ rawBody, signature: sign(body, TOKEN), token: TOKEN, now });
      expect(verdict.ok).toBe(true);
      if (!verdict.ok) return;
      expect(verdict.update).toMatchObject({ update_id: 7, payload: { invoice_id: 77, payload: 'topup-77' } });
      expect(invoiceAmountCents(verdict.update.payload)).toEqual({ ok: true, value: 1999 });
    }
  });

  it('rejects a body changed after signing', () => {
    const body = updateBody(now);
    const changed = body.replace('"19.99"', '"99.99"');
    expect(verifyCryptoPayWebhook({ rawBody: changed, signature: sign(body, TOKEN), token: TOKEN, now })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects a re-serialised body: the signature is over the raw bytes', () => {
    const body = updateBody(now);
    const reformatted = JSON.stringify(JSON.parse(body), null, 2);
    expect(verifyCryptoPayWebhook({ rawBody: reformatted, signature: sign(body, TOKEN), token: TOKEN, now }).ok).toBe(false);
  });

  it('calls a missing or empty signature unsigned', () => {
    const body = updateBody(now);
    expect(verifyCryptoPayWebhook({ rawBody: body, signature: undefined, token: TOKEN, now })).toEqual({
      ok: false,
      reason: 'unsigned',
    });
    expect(verifyCryptoPayWebhook({ rawBody: body, signature: '', token: TOKEN, now })).toMatchObject({ reason: 'unsigned' });
  });

  it('rejects a signature made with another token, a truncated one, or an empty token', () => {
    const body = updateBody(now);
    const good = sign(body, TOKEN);
    expect(verifyCryptoPayWebhook({ rawBody: body, signature: sign(body, WRONG_TOKEN), token: TOKEN, now })).toMatchObject({
      reason: 'bad_signature',
    });
    expect(verifyCryptoPayWebhook({ rawBody: body, signature: good.slice(0, 40), token: TOKEN, now })).toMatchObject({
      reason: 'bad_signature',
    });
    expect(verifyCryptoPayWebhook({ rawBody: body, signature: sign(body, ''), token: '', now })).toMatchObject({
      reason: 'bad_signature',
    });
  });

  it('calls an update older than the limit, or dated well ahead, stale', () => {
    const old = updateBody(new Date(now.getTime() - 6 * MINUTE_MS));
    expect(verifyCryptoPayWebhook({ rawBody: old, signature: sign(old, TOKEN), token: TOKEN, now })).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifyCryptoPayWebhook({ rawBody: old, signature: sign(old, TOKEN), token: TOKEN, now, maxAgeMs: 10 * MINUTE_MS }).ok).toBe(
      true,
    );

    const ahead = updateBody(new Date(now.getTime() + 2 * MINUTE_MS));
    expect(verifyCryptoPayWebhook({ rawBody: ahead, signature: sign(ahead, TOKEN), token: TOKEN, now })).toMatchObject({
      reason: 'stale',
    });
    const slightlyAhead = updateBody(new Date(now.getTime() + 30_000));
    expect(verifyCryptoPayWebhook({ rawBody: slightlyAhead, signature: sign(slightlyAhead, TOKEN), token: TOKEN, now }).ok).toBe(true);
  });

  it('calls a validly signed body that is not an update malformed', () => {
    for (const body of ['{"update_id": 1, "upd', 'not json at all', updateBody(now, { update_type: 'invoice_created' }), '[]']) {
      expect(verifyCryptoPayWebhook({ rawBody: body, signature: sign(body, TOKEN), token: TOKEN, now })).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
  });
});

// ---------------------------------------------------------------------------
// Webhooks POSTed by the simulator to a real HTTP server
// ---------------------------------------------------------------------------

interface Received {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
}

describe('webhooks from the simulator', () => {
  let sim: CryptoPaySimulator;
  let running: RunningSimulator;
  let receiver: Server;
  let webhookUrl: string;
  let received: Received[];

  beforeEach(async () => {
    sim = createCryptoPaySimulator({ token: TOKEN });
    running = await sim.start();
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ rawBody: Buffer.concat(chunks), headers: req.headers });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/cryptopay`;
  });
  afterEach(async () => {
    await running.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  /** An invoice created through the client and paid in the simulator. */
  async function paidInvoice(cents: number): Promise<number> {
    const client = createCryptoPayClient({ token: TOKEN, baseUrl: running.url });
    const invoice = expectOk(await client.createInvoice(invoiceRequest(cents, `topup-${cents}`)));
    sim.markPaid(invoice.invoice_id);
    return invoice.invoice_id;
  }

  const verifyLast = () => {
    const last = received.at(-1)!;
    const signature = last.headers['crypto-pay-api-signature'];
    return verifyCryptoPayWebhook({
      rawBody: last.rawBody,
      signature: Array.isArray(signature) ? signature[0] : signature,
      token: TOKEN,
    });
  };

  it('a genuine webhook passes and carries the paid invoice', async () => {
    const invoiceId = await paidInvoice(1999);
    expect(await sim.sendWebhook(webhookUrl, invoiceId)).toEqual({ status: 200, body: 'ok' });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['content-type']).toBe('application/json');

    const verdict = verifyLast();
    if (!verdict.ok) throw new Error(`expected a valid webhook, got ${verdict.reason}`);
    expect(verdict.update.update_type).toBe('invoice_paid');
    expect(verdict.update.payload).toMatchObject({
      invoice_id: invoiceId,
      status: 'paid',
      payload: 'topup-1999',
      paid_asset: 'USDT',
      paid_amount: '19.99',
    });
    expect(invoiceAmountCents(verdict.update.payload)).toEqual({ ok: true, value: 1999 });
  });

  it('tampered, unsigned, wrongly signed and old webhooks are each told apart', async () => {
    const invoiceId = await paidInvoice(500);

    await sim.sendWebhook(webhookUrl, invoiceId, { tamperAfterSigning: true });
    expect(verifyLast()).toEqual({ ok: false, reason: 'bad_signature' });

    await sim.sendWebhook(webhookUrl, invoiceId, { signed: false });
    expect(received.at(-1)!.headers['crypto-pay-api-signature']).toBeUndefined();
    expect(verifyLast()).toEqual({ ok: false, reason: 'unsigned' });

    await sim.sendWebhook(webhookUrl, invoiceId, { wrongToken: true });
    expect(verifyLast()).toEqual({ ok: false, reason: 'bad_signature' });

    await sim.sendWebhook(webhookUrl, invoiceId, { requestDate: new Date(Date.now() - 10 * MINUTE_MS) });
    expect(verifyLast()).toEqual({ ok: false, reason: 'stale' });

    expect(received).toHaveLength(4);
  });

  it('refuses to announce an invoice that has not been paid', async () => {
    const client = createCryptoPayClient({ token: TOKEN, baseUrl: running.url });
    const invoice = expectOk(await client.createInvoice(invoiceRequest(300)));
    await expect(sim.sendWebhook(webhookUrl, invoice.invoice_id)).rejects.toThrow(/not paid/);
    expect(received).toHaveLength(0);
  });
});
