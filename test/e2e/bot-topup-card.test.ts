/**
 * Card top-ups through Telegram Payments, through the real app and the
 * Telegram emulator: a euro invoice sent with the provider token, paid by
 * the customer, credited once even when the payment update comes twice, and
 * the operators told how to refund it by hand (and /debit to record it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/sandbox/telegram/index.js';
import { has, labels, press, say } from '../helpers/bot-shop.js';
import { redeliverSuccessfulPayment, startTopUpWorld, waitForLog, type TopUpWorld } from '../helpers/bot-topup.js';

const PROVIDER_TOKEN = '284685063:TEST:OTc4ZjM2NjgxYWQx';
let world: TopUpWorld | undefined;

afterEach(async () => {
  if (!world) return;
  const w = world;
  world = undefined;
  const problems = w.app.services.wallet.checkInvariants();
  const errors = w.errors();
  await w.close();
  expect(problems).toEqual([]);
  expect(errors).toEqual([]);
});

const isInvoice = (m: ChatMessage) => m.invoice !== undefined;

describe('card top-ups', () => {
  it('$10 → a €9.20 invoice with the provider token → paid → credited once, even when the payment update comes twice', async () => {
    world = await startTopUpWorld({
      env: { PAYMENTS_PROVIDER_TOKEN: PROVIDER_TOKEN, PAYMENTS_CURRENCY: 'EUR', PAYMENTS_CURRENCY_PER_USD: '0.92' },
    });
    const kim = world.customer();
    await say(kim, '/start', has('Proxy Storefront'));
    await press(kim, '💰 Wallet', has('Available: $0.00'));
    const methods = await press(kim, '➕ Top up', has('Top-up methods'));
    expect(labels(kim, methods)).toContain('💳 Bank card');
    const screen = await press(kim, '💳 Bank card', has('Top up by card'));
    expect(screen.plainText).toContain('$10.00 costs €9.20');

    const invoice = await press(kim, '$10', isInvoice);
    expect(invoice.invoice).toMatchObject({ currency: 'EUR', total_amount: 920, title: 'Wallet top-up' });
    const [sent] = world.emu.methodCalls('sendInvoice');
    expect(sent!.params.provider_token).toBe(PROVIDER_TOKEN);
    const [topUp] = world.app.payments.topUps.ofUser(world.accountId(kim));
    expect(topUp).toMatchObject({ method: 'card', amountCents: 1_000, state: 'created' });
    expect(invoice.invoice!.payload).toBe(topUp!.id);

    const paid = await kim.payInvoice(invoice);
    expect(paid.ok).toBe(true);
    const receipt = await kim.waitForMessage(has('added to your wallet'));
    expect(receipt.plainText).toContain('$10.00 added to your wallet.');
    expect(world.balance(kim)).toBe(1_000);
    // The pre-checkout query was answered yes, once.
    expect(world.emu.methodCalls('answerPreCheckoutQuery').map((c) => c.params.ok)).toEqual([true]);

    if (!paid.ok) return;
    const messagesBefore = kim.messages().length;
    redeliverSuccessfulPayment(world.emu, kim, paid.chargeId);
    await waitForLog(world, /repeated card payment update ignored/);
    expect(world.balance(kim)).toBe(1_000);
    expect(world.app.payments.topUps.ofUser(world.accountId(kim)).map((t) => [t.state, t.externalId])).toEqual([
      ['credited', paid.chargeId],
    ]);
    expect(kim.messages()).toHaveLength(messagesBefore);

    // The operators hear about it with the manual refund path, and /debit records a refund made at the provider.
    const alert = await world.operators.waitForMessage(has('Top-up received: $10.00 via bank card'));
    expect(alert.plainText).toContain('cannot be refunded through Telegram');
    expect(alert.plainText).toContain(`/debit ${kim.id} 10.00 card refund`);
    expect(world.operators.buttons(alert)).toEqual([]);
    await world.olga.sendIn(world.operators, `/debit ${kim.id} 10.00 card refund`);
    await world.operators.waitForMessage(has("The customer's balance is now $0.00"));
    expect(world.balance(kim)).toBe(0);
  });

  it('a payment that differs from its invoice is refused at pre-checkout and nothing is credited', async () => {
    world = await startTopUpWorld({ env: { PAYMENTS_PROVIDER_TOKEN: PROVIDER_TOKEN } });
    const kim = world.customer();
    await say(kim, '/start', has('Proxy Storefront'));
    await press(kim, '💰 Wallet', has('Available:'));
    await press(kim, '➕ Top up', has('Top-up methods'));
    await press(kim, '💳 Bank card', has('$10.00 costs $10.00'));
    const invoice = await press(kim, '$10', isInvoice);
    expect(invoice.invoice).toMatchObject({ currency: 'USD', total_amount: 1_000 });
    // Someone tampered with the amount between the invoice and the payment.
    world.emu.state.message(kim.id, invoice.message_id)!.invoice!.totalAmount = 100;
    const paid = await kim.payInvoice(invoice);
    expect(paid).toMatchObject({ ok: false, error: expect.stringContaining('price of this invoice has changed') });
    expect(world.balance(kim)).toBe(0);
    expect(world.app.payments.topUps.ofUser(world.accountId(kim)).map((t) => t.state)).toEqual(['created']);
  });
});
