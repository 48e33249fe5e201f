/**
 * Wallet top-ups as customers and operators meet them, through the real app:
 * Telegram Stars invoices paid in the emulator, Crypto Pay invoices paid in
 * the simulator and announced to the app's own webhook endpoint, manual
 * requests settled by admins in the operators' group, and Stars refunds.
 * The ledger's invariants are checked after every test.
 */
import { waitFor } from '../helpers/wait.js';
import { afterEach, describe, expect, it } from 'vitest';
import { has, labels, press, say } from '../helpers/bot-shop.js';
import {
  allowPayingAgain,
  MANUAL_INSTRUCTIONS,
  redeliverSuccessfulPayment,
  startTopUpWorld,
  waitForLog,
  type TopUpWorld,
} from '../helpers/bot-topup.js';
import type { ChatMessage, EmulatedGroup, EmulatedUser } from '../../src/sandbox/telegram/index.js';

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
const buttonTexts = (group: EmulatedGroup, message?: ChatMessage) => group.buttons(message).map((b) => b.text);

/** /start → Wallet → Top up → the method's screen. */
async function openMethod(user: EmulatedUser, method: string | RegExp, screen: string) {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, '💰 Wallet', has('Available:'));
  await press(user, '➕ Top up', has('Top-up methods'));
  return press(user, method, has(screen));
}

function topUpsOf(w: TopUpWorld, user: EmulatedUser) {
  return w.app.payments.topUps.ofUser(w.accountId(user));
}

describe('Telegram Stars', () => {
  it('$10 → an XTR invoice for 500 stars → paid → credited once, even when the payment update comes twice', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    await say(kim, '/start', has('Proxy Storefront'));
    await press(kim, '💰 Wallet', has('Available: $0.00'));
    const methods = await press(kim, '➕ Top up', has('Top-up methods'));
    expect(labels(kim, methods)).toEqual([
      '⭐ Telegram Stars',
      '💎 Crypto (Crypto Pay)',
      '🏦 Other ways (manual)',
      '« Back',
      '☰ Main menu',
    ]);
    const screen = await press(kim, '⭐ Telegram Stars', has('Top up with Telegram Stars'));
    expect(screen.plainText).toContain('$10.00 costs 500 ⭐');
    expect(labels(kim, screen)).toEqual(['$5', '$10', '$25', '$50', '✏️ Other amount', '« Back', '☰ Main menu']);

    const invoice = await press(kim, '$10', isInvoice);
    expect(invoice.invoice).toMatchObject({ currency: 'XTR', total_amount: 500, prices: [{ amount: 500 }], title: 'Wallet top-up' });
    expect(invoice.invoice!.description).toContain('$10.00');
    const [sent] = world.emu.methodCalls('sendInvoice');
    expect(sent!.params.provider_token).toBe('');
    const [topUp] = topUpsOf(world, kim);
    expect(invoice.invoice!.payload).toBe(topUp!.id);

    const paid = await kim.payInvoice(invoice);
    expect(paid.ok).toBe(true);
    const receipt = await kim.waitForMessage(has('added to your wallet'));
    expect(receipt.plainText).toContain('$10.00 added to your wallet.');
    expect(receipt.plainText).toContain('Balance: $10.00');
    const wallet = await press(kim, '💰 Wallet', has('Available:'));
    expect(wallet.plainText).toContain('Available: $10.00');

    // Telegram sends the same successful_payment again: nothing more is credited, no second receipt.
    if (!paid.ok) return;
    const messagesBefore = kim.messages().length;
    redeliverSuccessfulPayment(world.emu, kim, paid.chargeId);
    await waitForLog(world, /repeated Stars payment update ignored/);
    expect(world.balance(kim)).toBe(1_000);
    expect(topUpsOf(world, kim).map((t) => t.state)).toEqual(['credited']);
    expect(kim.messages()).toHaveLength(messagesBefore);
    // The operators hear about it, with a way to refund.
    const alert = await world.operators.waitForMessage(has('Top-up received: $10.00 via Telegram Stars'));
    expect(alert.plainText).toContain(`Telegram id ${kim.id}`);
    expect(buttonTexts(world.operators, alert)).toEqual(['↩ Refund']);
  });

  it('"Other amount": an unreadable amount gets a clear error, one outside the limits says the limits, a good one gets its invoice', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    await openMethod(kim, '⭐ Telegram Stars', 'Top up with Telegram Stars');
    await press(kim, '✏️ Other amount', has('Type the amount in US dollars'));

    const unreadable = await say(kim, 'abc', has('That is not an amount'));
    expect(unreadable.plainText).toContain('like 12.50 or 12,50');
    expect(unreadable.plainText).toContain('Type the amount in US dollars');
    const tooMuch = await say(kim, '5000', has('must be from'));
    expect(tooMuch.plainText).toContain('The amount must be from $1.00 to $1000.00.');
    const tooLittle = await say(kim, '0.50', has('must be from'));
    expect(tooLittle.plainText).toContain('$1.00 to $1000.00');
    expect(topUpsOf(world, kim)).toHaveLength(0);
    expect(world.emu.methodCalls('sendInvoice')).toHaveLength(0);

    const invoice = await say(kim, '12,50', isInvoice);
    // $12.50 at 50 stars per dollar.
    expect(invoice.invoice).toMatchObject({ currency: 'XTR', total_amount: 625 });
    expect(topUpsOf(world, kim).map((t) => [t.amountCents, t.state])).toEqual([[1_250, 'created']]);
    expect(world.balance(kim)).toBe(0);
  });

  it('pre-checkout refuses an expired invoice and an invoice paid a second time, with the reason; nothing more is credited', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    await openMethod(kim, '⭐ Telegram Stars', 'Top up with Telegram Stars');

    const stale = await press(kim, '$5', isInvoice);
    // The invoice's hour has passed.
    world.app.database.sqlite.prepare('UPDATE top_ups SET expires_at = ? WHERE id = ?').run(Date.now() - 1_000, stale.invoice!.payload);
    expect(await kim.payInvoice(stale)).toEqual({ ok: false, error: 'This invoice has expired. Please start a new top-up in the bot.' });

    // The amount screen is still there: a new invoice, paid once.
    const fresh = await press(kim, '$10', isInvoice);
    expect((await kim.payInvoice(fresh)).ok).toBe(true);
    await kim.waitForMessage(has('added to your wallet'));

    allowPayingAgain(world.emu, kim, fresh);
    expect(await kim.payInvoice(fresh)).toEqual({
      ok: false,
      error: 'This invoice has already been paid. Please start a new top-up in the bot.',
    });
    expect(world.balance(kim)).toBe(1_000);
    expect(world.emu.payments()).toHaveLength(1);
    expect(
      topUpsOf(world, kim)
        .map((t) => t.state)
        .sort(),
    ).toEqual(['created', 'credited']);
  });

  it('short of money for an order: top up with Stars, and the receipt leads back to the order', async () => {
    world = await startTopUpWorld({ upstreams: ['proxy-ipv4'] });
    const fay = world.customer();
    await say(fay, '/start', has('Proxy Storefront'));
    await press(fay, '🛒 Buy proxies', has('choose a provider'));
    await press(fay, 'proxy-ipv4.com', has('choose a product'));
    await press(fay, 'Private IPv4 proxies', has('choose a country'));
    await press(fay, '🇺🇸 United States', has('choose the rent period'));
    await press(fay, /^30 days\b/, has('how many proxies'));
    await press(fay, /^1\b/, has('Your order'));
    await fay.press(/^✅ Confirm/);
    await fay.waitForMessage(has('more for this order'));

    await press(fay, '➕ Top up', has('Top-up methods'));
    await press(fay, '⭐ Telegram Stars', has('Top up with Telegram Stars'));
    const invoice = await press(fay, '$50', isInvoice);
    expect((await fay.payInvoice(invoice)).ok).toBe(true);
    const receipt = await fay.waitForMessage(has('added to your wallet'));
    expect(labels(fay, receipt)).toEqual(['↩ Back to your order', '💰 Wallet', '☰ Main menu']);
    await press(fay, '↩ Back to your order', has('Your order'));
    await fay.press(/^✅ Confirm/);
    await fay.waitForMessage(has('Your proxies are ready'), { timeoutMs: 10_000 });
    const { availableCents, heldCents } = world.app.services.wallet.balance(world.accountId(fay));
    expect(heldCents).toBe(0);
    expect(availableCents).toBeLessThan(5_000);
  });

  it('a Russian-speaking customer gets a Russian invoice and receipt', async () => {
    world = await startTopUpWorld();
    const olya = world.customer({ firstName: 'Оля', languageCode: 'ru' });
    await say(olya, '/start', has('Здравствуйте'));
    await press(olya, '💰 Кошелёк', has('Доступно'));
    await press(olya, '➕ Пополнить', has('Способы пополнения'));
    await press(olya, '⭐ Telegram Stars', has('Пополнение через Telegram Stars'));
    const invoice = await press(olya, '$25', isInvoice);
    expect(invoice.invoice).toMatchObject({ title: 'Пополнение кошелька', total_amount: 1_250 });
    expect((await olya.payInvoice(invoice)).ok).toBe(true);
    const receipt = await olya.waitForMessage(has('На кошелёк зачислено'));
    expect(receipt.plainText).toContain('Баланс: $25.00');
  });
});

describe('Crypto Pay', () => {
  /** Starts a top-up from the amount buttons; answers the invoice message and the simulator's invoice id. */
  async function startCryptoTopUp(w: TopUpWorld, user: EmulatedUser, amount = '$25') {
    await openMethod(user, '💎 Crypto (Crypto Pay)', 'Top up with crypto through Crypto Pay');
    const message = await press(user, amount, has('Your invoice for'));
    const topUp = topUpsOf(w, user).at(-1)!;
    const invoiceId = Number(topUp.externalId);
    return { message, invoiceId, topUp };
  }

  it('the Pay button opens the invoice; a signed webhook credits once, however often it comes; the receipt comes from the outbox', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    const { message, invoiceId } = await startCryptoTopUp(world, kim);
    expect(message.plainText).toContain('Your invoice for $25.00 is ready.');
    const invoice = world.sim.invoice(invoiceId)!;
    expect(invoice).toMatchObject({ status: 'active', amount: '25.00', currency_type: 'fiat', fiat: 'USD' });
    const buttons = kim.buttons(message);
    expect(buttons[0]).toEqual({ text: '💎 Pay with Crypto Pay', url: invoice.bot_invoice_url });
    expect(buttons.map((b) => b.text)).toEqual(['💎 Pay with Crypto Pay', '🔄 Check payment', '☰ Main menu']);

    world.sim.markPaid(invoiceId);
    expect(await world.sim.sendWebhook(world.webhookUrl, invoiceId)).toMatchObject({ status: 200 });
    expect(await world.sim.sendWebhook(world.webhookUrl, invoiceId)).toMatchObject({ status: 200 });
    expect(world.balance(kim)).toBe(2_500);
    const receipt = await kim.waitForMessage(has('Your wallet was topped up'));
    expect(receipt.plainText).toContain('Your wallet was topped up with $25.00 (Crypto Pay).');
    expect(receipt.plainText).toContain('Balance: $25.00');
    await world.operators.waitForMessage(has('Top-up received: $25.00 via Crypto Pay'));
    expect(world.app.services.outbox.list({ kind: 'topup_credited' })).toHaveLength(1);
  });

  it('a bad signature or a body changed after signing is refused with 401 and credits nothing', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    const { invoiceId, topUp } = await startCryptoTopUp(world, kim, '$10');
    world.sim.markPaid(invoiceId);
    expect(await world.sim.sendWebhook(world.webhookUrl, invoiceId, { wrongToken: true })).toMatchObject({ status: 401 });
    expect(await world.sim.sendWebhook(world.webhookUrl, invoiceId, { tamperAfterSigning: true })).toMatchObject({ status: 401 });
    expect(await world.sim.sendWebhook(world.webhookUrl, invoiceId, { signed: false })).toMatchObject({ status: 401 });
    const junk = await fetch(world.webhookUrl, {
      method: 'POST',
      body: '{"update_id":1}',
      headers: { 'crypto-pay-api-signature': 'ab'.repeat(32) },
    });
    expect(junk.status).toBe(401);
    expect(world.balance(kim)).toBe(0);
    expect(world.app.payments.topUps.get(topUp.id)!.state).toBe('created');
    expect(world.logs.filter((l) => l.includes('Crypto Pay webhook refused'))).toHaveLength(4);
  });

  it('webhook lost: "Check payment" finds the payment and credits it once', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    const { message, invoiceId } = await startCryptoTopUp(world, kim, '$10');

    const notYet = await press(kim, '🔄 Check payment', has('No payment yet'));
    expect(notYet.message_id).toBe(message.message_id);
    expect(world.balance(kim)).toBe(0);

    world.sim.markPaid(invoiceId);
    const paid = await press(kim, '🔄 Check payment', has('Payment received'));
    expect(paid.plainText).toContain('Payment received: $10.00 is in your wallet.');
    await kim.waitForMessage(has('Your wallet was topped up with $10.00'));
    // The webhook turns up late after all: still credited once.
    expect(await world.sim.sendWebhook(world.webhookUrl, invoiceId)).toMatchObject({ status: 200 });
    expect(world.balance(kim)).toBe(1_000);
  });

  it("webhook lost: the app's own poller credits it", async () => {
    world = await startTopUpWorld({ app: { cryptoPayPollIntervalMs: 50 } });
    const kim = world.customer();
    const { invoiceId } = await startCryptoTopUp(world, kim, '$5');
    world.sim.markPaid(invoiceId);
    await kim.waitForMessage(has('Your wallet was topped up with $5.00'));
    expect(world.balance(kim)).toBe(500);
  });

  it('an invoice that expires unpaid credits nothing, and the customer is told', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    const { invoiceId, topUp } = await startCryptoTopUp(world, kim, '$10');
    world.sim.advanceTime(3_601_000);
    expect(world.sim.invoice(invoiceId)!.status).toBe('expired');
    const expired = await press(kim, '🔄 Check payment', has('has expired'));
    expect(expired.plainText).toContain('The invoice for $10.00 has expired and nothing was charged.');
    expect(() => world!.sim.markPaid(invoiceId)).toThrow(/expired/);
    expect(world.app.payments.topUps.get(topUp.id)!.state).toBe('expired');
    expect(world.balance(kim)).toBe(0);
  });
});

describe('manual top-ups', () => {
  /** The customer asks for a manual top-up; answers the alert the operators' group receives. */
  async function requestManual(w: TopUpWorld, user: EmulatedUser, amount: string, note: string) {
    const screen = await openMethod(user, '🏦 Other ways (manual)', 'Manual top-up');
    expect(screen.plainText).toContain(MANUAL_INSTRUCTIONS);
    await say(user, amount, has('Now tell the operators how you paid'));
    const check = await say(user, note, has('Please check your request'));
    expect(check.plainText).toContain(`Details: ${note}`);
    const sent = await press(user, '✅ Send to the operators', has('was sent to the operators'));
    expect(sent.plainText).toContain(`Your request for ${amount.startsWith('$') ? amount : `$${amount}.00`}`);
    return w.operators.waitForMessage(has('Manual top-up request'));
  }

  it('$30 with a note → Confirm/Reject in the group → two admins confirm at once → credited once, the customer gets a receipt', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    const alert = await requestManual(world, kim, '30', 'USDT TRC20, tx 0xabc <from Kim>');
    expect(alert.plainText).toContain('Manual top-up request: $30.00');
    expect(alert.plainText).toContain('Details: USDT TRC20, tx 0xabc <from Kim>');
    expect(alert.plainText).toContain(`Customer: ${kim.info.first_name}, Telegram id ${kim.id}`);
    expect(buttonTexts(world.operators, alert)).toEqual(['✅ Confirm', '❌ Reject']);

    const presses = await Promise.all([
      world.olga.pressIn(world.operators, '✅ Confirm', alert),
      world.ivan.pressIn(world.operators, '✅ Confirm', alert),
    ]);
    const answers = await Promise.all([world.olga.waitForCallbackAnswer(presses[0]), world.ivan.waitForCallbackAnswer(presses[1])]);
    expect(answers.map((a) => a.text).sort()).toEqual(['Already confirmed and credited.', 'Done.']);
    const decided = await world.operators.waitForMessage((m) => m.message_id === alert.message_id && m.plainText.includes('Confirmed by'));
    expect(decided.plainText).toMatch(/Confirmed by (Olga \(@olga_admin\)|Ivan \(@ivan_admin\)); the wallet is credited\./);
    expect(buttonTexts(world.operators, decided)).toEqual([]);

    const receipt = await kim.waitForMessage(has('Your wallet was topped up'));
    expect(receipt.plainText).toContain('Your wallet was topped up with $30.00 (manual top-up).');
    expect(world.balance(kim)).toBe(3_000);
    expect(topUpsOf(world, kim).map((t) => t.state)).toEqual(['credited']);
    expect(world.app.services.outbox.list({ kind: 'topup_credited' })).toHaveLength(1);
  });

  it("a member who is not an admin, or an admin outside the operators' group, is refused and nothing changes", async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    const alert = await requestManual(world, kim, '$20', 'Revolut to the shop account');

    const byMember = await world.mark.pressIn(world.operators, '✅ Confirm', alert);
    expect(await world.mark.waitForCallbackAnswer(byMember)).toMatchObject({
      text: "Only admins can do this, and only in the operators' group.",
      show_alert: true,
    });

    // The same alert in another group the bot is in (a moved operator chat, say).
    const elsewhere = world.emu.group({ title: 'Elsewhere', admins: [world.olga] });
    const copy = await world.app.bot!.api.sendMessage(elsewhere.id, alert.text, {
      parse_mode: 'HTML',
      reply_markup: alert.reply_markup as never,
    });
    const byAdminElsewhere = await world.olga.pressIn(elsewhere, '✅ Confirm', copy.message_id);
    expect(await world.olga.waitForCallbackAnswer(byAdminElsewhere)).toMatchObject({
      show_alert: true,
      text: expect.stringMatching(/Only admins/),
    });
    const byAdminReject = await world.olga.pressIn(elsewhere, '❌ Reject', copy.message_id);
    expect(await world.olga.waitForCallbackAnswer(byAdminReject)).toMatchObject({ show_alert: true });

    expect(world.balance(kim)).toBe(0);
    expect(topUpsOf(world, kim).map((t) => t.state)).toEqual(['created']);
    expect(
      buttonTexts(
        world.operators,
        world.operators.messages().find((m) => m.message_id === alert.message_id),
      ),
    ).toEqual(['✅ Confirm', '❌ Reject']);
  });

  it('Reject with a typed reason: the customer is told the reason and nothing is credited', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    const alert = await requestManual(world, kim, '30', 'card transfer');

    await world.olga.pressIn(world.operators, '❌ Reject', alert);
    const choose = await world.operators.waitForMessage(
      (m) => m.message_id === alert.message_id && m.plainText.includes('Why is it rejected?'),
    );
    expect(buttonTexts(world.operators, choose)).toEqual(['Payment not received', 'The amount differs', 'Other reason…', '« Back']);
    await world.olga.pressIn(world.operators, 'Other reason…', alert);
    await world.operators.waitForMessage(has('send the reason as your next message'));
    await world.olga.sendIn(world.operators, 'We received $3, not $30 <check the amount>');
    const rejected = await world.operators.waitForMessage((m) => m.message_id === alert.message_id && m.plainText.includes('Rejected by'));
    expect(rejected.plainText).toContain('Rejected by Olga (@olga_admin): We received $3, not $30 <check the amount>');
    expect(buttonTexts(world.operators, rejected)).toEqual([]);

    const told = await kim.waitForMessage(has('was declined'));
    expect(told.plainText).toContain('Your top-up request for $30.00 was declined.');
    expect(told.plainText).toContain('Reason: We received $3, not $30 <check the amount>');
    expect(world.balance(kim)).toBe(0);
    expect(topUpsOf(world, kim).map((t) => t.state)).toEqual(['rejected']);

    // A late Confirm on the old alert changes nothing.
    await world.operators.waitForMessage(has('Rejected; the customer has been told'));
    expect(world.app.payments.manual.confirm(topUpsOf(world, kim)[0]!.id, `admin:${world.ivan.id}`)).toMatchObject({ ok: false });
  });

  it("Reject with a quick reason, in the customer's language", async () => {
    world = await startTopUpWorld();
    const olya = world.customer({ firstName: 'Оля', languageCode: 'ru' });
    await say(olya, '/start', has('Здравствуйте'));
    await press(olya, '💰 Кошелёк', has('Доступно'));
    await press(olya, '➕ Пополнить', has('Способы пополнения'));
    await press(olya, '🏦 Другие способы (вручную)', has('Ручное пополнение'));
    await say(olya, '15', has('напишите операторам'));
    await say(olya, 'СБП, перевод 15 долларов', has('Проверьте заявку'));
    await press(olya, '✅ Отправить операторам', has('отправлена операторам'));
    const alert = await world.operators.waitForMessage(has('Manual top-up request: $15.00'));

    await world.ivan.pressIn(world.operators, '❌ Reject', alert);
    await world.operators.waitForMessage((m) => m.message_id === alert.message_id && m.plainText.includes('Why is it rejected?'));
    await world.ivan.pressIn(world.operators, 'Payment not received', alert);
    await world.operators.waitForMessage(
      (m) => m.message_id === alert.message_id && m.plainText.includes('Rejected by Ivan (@ivan_admin): Payment not received'),
    );
    const told = await olya.waitForMessage(has('отклонена'));
    expect(told.plainText).toContain('Причина: платёж не поступил');
    expect(world.balance(olya)).toBe(0);
  });
});

describe('Stars refunds by operators', () => {
  /** A customer who paid $10 in Stars; answers the operators' alert about it. */
  async function paidTenDollars(w: TopUpWorld, user: EmulatedUser) {
    await openMethod(user, '⭐ Telegram Stars', 'Top up with Telegram Stars');
    const invoice = await press(user, '$10', isInvoice);
    const paid = await user.payInvoice(invoice);
    if (!paid.ok) throw new Error(paid.error);
    await user.waitForMessage(has('added to your wallet'));
    const alert = await w.operators.waitForMessage(
      (m) => m.plainText.includes('Top-up received: $10.00') && m.plainText.includes(`Telegram id ${user.id}`),
    );
    return { alert, chargeId: paid.chargeId };
  }

  it('Refund → confirm: Telegram refunds the Stars and the wallet gives the money back', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    const { alert, chargeId } = await paidTenDollars(world, kim);

    await world.olga.pressIn(world.operators, '↩ Refund', alert);
    const confirm = await world.operators.waitForMessage(
      (m) => m.message_id === alert.message_id && m.plainText.includes('Refund $10.00 (500 ⭐)'),
    );
    expect(buttonTexts(world.operators, confirm)).toEqual(['↩ Yes, refund', '« Back']);
    await world.olga.pressIn(world.operators, '↩ Yes, refund', alert);
    const done = await world.operators.waitForMessage((m) => m.message_id === alert.message_id && m.plainText.includes('Refunded by'));
    expect(done.plainText).toContain('Refunded by Olga (@olga_admin)');
    expect(buttonTexts(world.operators, done)).toEqual([]);

    const [call] = world.emu.methodCalls('refundStarPayment');
    expect(call!.params).toMatchObject({ user_id: kim.id, telegram_payment_charge_id: chargeId });
    expect(world.emu.payments().find((p) => p.chargeId === chargeId)!.refundedAt).toBeDefined();
    expect(world.balance(kim)).toBe(0);
    expect(topUpsOf(world, kim).map((t) => t.state)).toEqual(['refunded']);
    const told = await kim.waitForMessage(has('was refunded'));
    expect(told.plainText).toContain('Your payment of 500 ⭐ was refunded, and $10.00 was taken back from your wallet.');
  });

  it('a refund whose answer from Telegram was lost is settled by the scheduled job, exactly once', async () => {
    world = await startTopUpWorld();
    const lee = world.customer();
    const { alert, chargeId } = await paidTenDollars(world, lee);
    // Telegram does the refund but its answer never reaches the shop.
    world.emu.faults.inject('refundStarPayment', { status: 502 });
    await world.olga.pressIn(world.operators, '↩ Refund', alert);
    await world.operators.waitForMessage((m) => m.message_id === alert.message_id && m.plainText.includes('Refund $10.00'));
    await world.olga.pressIn(world.operators, '↩ Yes, refund', alert);
    await waitFor(() => topUpsOf(world!, lee)[0]?.state === 'refunding', { what: 'the refund to be pending' });
    expect(world.balance(lee)).toBe(0); // the money left the wallet before Telegram was asked
    // The refund did happen at Telegram (as if the lost request had gone through).
    await world.app.bot!.api.refundStarPayment(lee.id, chargeId);

    await world.app.scheduler!.runNow('settle-star-refunds');
    expect(topUpsOf(world, lee).map((t) => t.state)).toEqual(['refunded']);
    expect(world.balance(lee)).toBe(0);
    expect(world.emu.payments().find((p) => p.chargeId === chargeId)!.refundedAt).toBeDefined();
    // Another run changes nothing.
    await world.app.scheduler!.runNow('settle-star-refunds');
    expect(topUpsOf(world, lee).map((t) => t.state)).toEqual(['refunded']);
  });

  it('after the customer spent the money, the refund is refused with a clear message and nothing moves', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    const { alert } = await paidTenDollars(world, kim);
    // Kim spends $5 of it.
    const wallet = world.app.services.wallet;
    wallet.hold({ userId: world.accountId(kim), orderId: 'ord_spent', amountCents: 500 });
    wallet.capture('ord_spent');

    await world.ivan.pressIn(world.operators, '↩ Refund', alert);
    await world.operators.waitForMessage((m) => m.message_id === alert.message_id && m.plainText.includes('Refund $10.00'));
    await world.ivan.pressIn(world.operators, '↩ Yes, refund', alert);
    const refused = await world.operators.waitForMessage((m) => m.message_id === alert.message_id && m.plainText.includes('Cannot refund'));
    expect(refused.plainText).toContain('Cannot refund: the customer has already spent part of this top-up.');
    expect(buttonTexts(world.operators, refused)).toEqual(['↩ Refund']);
    expect(world.emu.methodCalls('refundStarPayment')).toHaveLength(0);
    expect(world.balance(kim)).toBe(500);
    expect(topUpsOf(world, kim).map((t) => t.state)).toEqual(['credited']);
  });

  it("only admins in the operators' group can refund", async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    const { alert } = await paidTenDollars(world, kim);
    const byMember = await world.mark.pressIn(world.operators, '↩ Refund', alert);
    expect(await world.mark.waitForCallbackAnswer(byMember)).toMatchObject({ show_alert: true });
    expect(world.emu.methodCalls('refundStarPayment')).toHaveLength(0);
    expect(world.balance(kim)).toBe(1_000);
  });
});

describe('operator alerts', () => {
  it('upstream trouble and stuck orders reach the group in plain words, with upstream text escaped', async () => {
    world = await startTopUpWorld();
    const kim = world.customer();
    await say(kim, '/start', has('Proxy Storefront'));
    const { outbox } = world.app.services;
    outbox.enqueue({
      audience: 'operators',
      kind: 'upstream_balance_low',
      payload: { provider: 'proxy-ipv4', orderId: 'ord_low', priceCents: 1_234 },
    });
    outbox.enqueue({
      audience: 'operators',
      kind: 'upstream_auth_failed',
      payload: { provider: 'lumiweb', orderId: 'ord_auth', priceCents: 500 },
    });
    outbox.enqueue({
      audience: 'operators',
      kind: 'order_needs_attention',
      payload: {
        orderId: 'ord_stuck',
        provider: 'flashproxy',
        userId: world.accountId(kim),
        priceCents: 2_000,
        why: 'timeout <after 15 s> & no answer',
      },
    });
    const low = await world.operators.waitForMessage(has('Our balance at proxy-ipv4 is too low'));
    expect(low.plainText).toContain('Order ord_low ($12.34) failed');
    const auth = await world.operators.waitForMessage(has('lumiweb refused our API key'), { timeoutMs: 10_000 });
    expect(auth.plainText).toContain('Order ord_auth ($5.00) failed');
    const stuck = await world.operators.waitForMessage(has('Order needs attention'), { timeoutMs: 10_000 });
    expect(stuck.plainText).toContain('ord_stuck at flashproxy, $20.00 held');
    expect(stuck.plainText).toContain(`Customer: ${kim.info.first_name}, Telegram id ${kim.id}`);
    expect(stuck.plainText).toContain('Why: timeout <after 15 s> & no answer');
    expect(stuck.text).toContain('timeout &lt;after 15 s&gt; &amp; no answer');
  });
});
