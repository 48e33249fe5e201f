/**
 * The Telegram Bot API emulator against a real grammY bot over real HTTP:
 * users write, press what the bot rendered and pay invoices; the bot meets
 * Telegram's refusals (429, 403 blocked, 409 conflicts, malformed HTML).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bot, GrammyError, InlineKeyboard, InputFile, webhookCallback } from 'grammy';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTelegramEmulator, type TelegramEmulator } from '../../src/sandbox/telegram/index.js';
import { waitFor } from '../helpers/wait.js';
import { botFor, launchBot, startWebhookReceiver, type RunningBot, type WebhookReceiver } from '../helpers/telegram-harness.js';

let emu: TelegramEmulator;
const bots: RunningBot[] = [];
const closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  emu = await startTelegramEmulator({ preCheckoutTimeoutMs: 2_000, webhookRetryBaseMs: 20 });
});

afterEach(async () => {
  for (const running of bots.splice(0)) {
    await running.stop();
    expect(running.errors).toEqual([]);
  }
  for (const close of closers.splice(0)) await close();
  await emu.close();
});

/** Calls the Bot API directly, as a second client would. */
async function raw(method: string, params: Record<string, unknown> = {}, token = emu.token) {
  const response = await fetch(`${emu.url}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

interface ShopLog {
  payments: { chargeId: string; payload: string; amount: number }[];
  memberUpdates: { old: string; new: string }[];
}

/** A small shop bot with the shapes the real one uses: keyboards, edits, files, Stars invoices. */
function shopBot(): { bot: Bot; log: ShopLog } {
  const bot = botFor(emu);
  const log: ShopLog = { payments: [], memberUpdates: [] };
  bot.command('start', (ctx) =>
    ctx.reply('<b>Welcome</b> to the shop &amp; more', {
      parse_mode: 'HTML',
      reply_markup: new InlineKeyboard().text('Buy proxy', 'buy').text('Help', 'help').row().url('Site', 'https://example.com'),
    }),
  );
  bot.callbackQuery('buy', async (ctx) => {
    await ctx.answerCallbackQuery({ text: 'Loading plans' });
    await ctx.editMessageText('Choose a plan', {
      reply_markup: new InlineKeyboard().text('1 day — 5 ⭐', 'plan:1').text('7 days — 25 ⭐', 'plan:7'),
    });
  });
  bot.callbackQuery(/^plan:(\d+)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const days = Number(ctx.match[1]);
    await ctx.replyWithInvoice(`Proxy ${days}d`, `HTTP proxy for ${days} days`, `order:${ctx.from.id}:${days}`, 'XTR', [
      { label: `${days} days`, amount: days * 5 },
    ]);
  });
  bot.command('doc', (ctx) =>
    ctx.replyWithDocument(new InputFile(Buffer.from('10.0.0.1:8080:user:pässword\n'), 'proxies.txt'), {
      caption: 'Your <i>proxies</i>',
      parse_mode: 'HTML',
    }),
  );
  bot.on('pre_checkout_query', (ctx) =>
    ctx.answerPreCheckoutQuery(!ctx.preCheckoutQuery.invoice_payload.endsWith(':7'), {
      error_message: 'Out of stock',
    }),
  );
  bot.on('message:successful_payment', async (ctx) => {
    const payment = ctx.message.successful_payment;
    log.payments.push({
      chargeId: payment.telegram_payment_charge_id,
      payload: payment.invoice_payload,
      amount: payment.total_amount,
    });
    await ctx.reply(`Paid ${payment.total_amount} ⭐`);
  });
  bot.on('my_chat_member', (ctx) => {
    log.memberUpdates.push({ old: ctx.myChatMember.old_chat_member.status, new: ctx.myChatMember.new_chat_member.status });
  });
  return { bot, log };
}

async function runShop() {
  const { bot, log } = shopBot();
  const running = await launchBot(bot);
  bots.push(running);
  return { bot, log, running };
}

describe('Telegram emulator with a real grammY bot', () => {
  it('shows the reply and its buttons, and a press edits the message after answering the query', async () => {
    await runShop();
    const alice = emu.user({ firstName: 'Alice', languageCode: 'en' });
    const sent = await alice.send('/start');
    expect(sent.entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);

    const welcome = await alice.waitForMessage((m) => m.plainText.startsWith('Welcome'));
    expect(welcome.plainText).toBe('Welcome to the shop & more');
    expect(welcome.text).toBe('<b>Welcome</b> to the shop &amp; more');
    expect(welcome.entities).toEqual([{ type: 'bold', offset: 0, length: 7 }]);
    expect(Number.isInteger(welcome.date) && Math.abs(welcome.date - Date.now() / 1000) < 5).toBe(true);
    expect(alice.buttons(welcome)).toEqual([
      { text: 'Buy proxy', callback_data: 'buy' },
      { text: 'Help', callback_data: 'help' },
      { text: 'Site', url: 'https://example.com' },
    ]);

    const queryId = await alice.press('Buy proxy');
    const edited = await alice.waitForMessage((m) => m.plainText === 'Choose a plan');
    expect(edited.message_id).toBe(welcome.message_id);
    expect(edited.edit_date).toBeDefined();
    expect(alice.buttons().map((b) => b.text)).toEqual(['1 day — 5 ⭐', '7 days — 25 ⭐']);
    expect(await alice.waitForCallbackAnswer(queryId)).toMatchObject({ text: 'Loading plans' });
    expect(alice.callbackAnswers()).toHaveLength(1);

    const calls = emu.methodCalls().map((c) => c.method);
    expect(calls.indexOf('answerCallbackQuery')).toBeLessThan(calls.indexOf('editMessageText'));
    // The old keyboard is gone: only what the bot rendered now can be pressed.
    await expect(alice.press('Buy proxy')).rejects.toThrow(/no button Buy proxy/);
    await expect(alice.press(/Refund/)).rejects.toThrow(/buttons: "1 day — 5 ⭐", "7 days — 25 ⭐"/);
  });

  it('refuses to press URL buttons and answers a callback query only once', async () => {
    const { bot } = await runShop();
    const bob = emu.user({ firstName: 'Bob' });
    await bob.send('/start');
    await bob.waitForMessage((m) => m.plainText.startsWith('Welcome'));
    await expect(bob.press('Site')).rejects.toThrow(/not a callback button/);

    // "help" has no handler, so the query stays unanswered until we answer it twice ourselves.
    const id = await bob.press('Help');
    await waitFor(() => emu.updatesPending().length === 0, { what: 'the bot to confirm the callback query' });
    await expect(bot.api.answerCallbackQuery(id, { text: 'first' })).resolves.toBe(true);
    const second = await bot.api.answerCallbackQuery(id).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(GrammyError);
    expect((second as GrammyError).description).toMatch(/^Bad Request: query is too old/);
    expect(bob.callbackAnswers()).toEqual([expect.objectContaining({ callbackQueryId: id, text: 'first' })]);
  });

  it('serves several users at once, each in their own chat with their own message ids', async () => {
    await runShop();
    const users = ['Ann', 'Ben', 'Cid', 'Dee'].map((name) => emu.user({ firstName: name }));
    await Promise.all(users.map((u) => u.send('/start')));
    await Promise.all(users.map((u) => u.waitForMessage((m) => m.plainText.startsWith('Welcome'))));
    await Promise.all(users.map((u) => u.press('Buy proxy')));
    const edited = await Promise.all(users.map((u) => u.waitForMessage((m) => m.plainText === 'Choose a plan')));
    for (const [i, message] of edited.entries()) {
      expect(message.chat_id).toBe(users[i]!.id);
      expect(message.message_id).toBe(2); // 1 is the user's /start
      expect(users[i]!.messages()).toHaveLength(1);
    }
  });

  it('delivers an uploaded document with its name, caption and exact bytes', async () => {
    const { bot } = await runShop();
    const carol = emu.user({ firstName: 'Carol' });
    await carol.send('/doc');
    const message = await carol.waitForMessage((m) => m.document !== undefined);
    expect(message.document?.file_name).toBe('proxies.txt');
    expect(message.document?.content.toString('utf8')).toBe('10.0.0.1:8080:user:pässword\n');
    expect(message.plainText).toBe('Your proxies');
    expect(message.entities).toEqual([{ type: 'italic', offset: 5, length: 7 }]);

    const file = await bot.api.getFile(message.document!.file_id);
    const download = await fetch(`${emu.url}/file/bot${emu.token}/${file.file_path}`);
    expect(Buffer.from(await download.arrayBuffer()).toString('utf8')).toBe('10.0.0.1:8080:user:pässword\n');
    // Re-sending by file_id reuses the stored file.
    const again = await bot.api.sendDocument(carol.id, message.document!.file_id);
    expect(again.document.file_id).toBe(message.document!.file_id);
  });

  it('runs a Stars purchase: invoice, pre-checkout, successful_payment once, unique charges, refund once', async () => {
    const { bot, log } = await runShop();
    const dave = emu.user({ firstName: 'Dave' });
    const erin = emu.user({ firstName: 'Erin' });
    const buyOneDay = async (user: typeof dave) => {
      await user.send('/start');
      await user.waitForMessage((m) => m.plainText.startsWith('Welcome'));
      await user.press('Buy proxy');
      await user.waitForMessage((m) => m.plainText === 'Choose a plan');
      await user.press(/^1 day/);
      return user.waitForMessage((m) => m.invoice !== undefined);
    };
    const [daveInvoice] = await Promise.all([buyOneDay(dave), buyOneDay(erin)]);
    expect(daveInvoice.invoice).toMatchObject({ currency: 'XTR', total_amount: 5, payload: `order:${dave.id}:1`, paid: false });

    const [davePaid, erinPaid] = await Promise.all([dave.payInvoice(), erin.payInvoice()]);
    expect(davePaid.ok && erinPaid.ok).toBe(true);
    if (!davePaid.ok || !erinPaid.ok) return;
    expect(davePaid.chargeId).not.toBe(erinPaid.chargeId);
    await dave.waitForMessage((m) => m.plainText === 'Paid 5 ⭐');
    await erin.waitForMessage((m) => m.plainText === 'Paid 5 ⭐');
    expect(log.payments.filter((p) => p.chargeId === davePaid.chargeId)).toHaveLength(1);
    expect(log.payments).toHaveLength(2);
    await expect(dave.payInvoice(daveInvoice)).rejects.toThrow(/already paid/);
    expect(await bot.api.getMyStarBalance()).toMatchObject({ amount: 10 });

    await expect(bot.api.refundStarPayment(dave.id, davePaid.chargeId)).resolves.toBe(true);
    const twice = await bot.api.refundStarPayment(dave.id, davePaid.chargeId).catch((e: unknown) => e);
    expect((twice as GrammyError).description).toBe('Bad Request: CHARGE_ALREADY_REFUNDED');
    const wrongUser = await bot.api.refundStarPayment(dave.id, erinPaid.chargeId).catch((e: unknown) => e);
    expect((wrongUser as GrammyError).description).toBe('Bad Request: CHARGE_NOT_FOUND');
    const { transactions } = await bot.api.getStarTransactions();
    expect(transactions.map((t) => [t.id, t.amount, t.source ? 'in' : 'out'])).toEqual([
      [davePaid.chargeId, 5, 'in'],
      [erinPaid.chargeId, 5, 'in'],
      [davePaid.chargeId, 5, 'out'],
    ]);
  });

  it('fails a payment the bot declines', async () => {
    await runShop();
    const frank = emu.user({ firstName: 'Frank' });
    await frank.send('/start');
    await frank.waitForMessage();
    await frank.press('Buy proxy');
    await frank.waitForMessage((m) => m.plainText === 'Choose a plan');
    await frank.press(/^7 days/);
    await frank.waitForMessage((m) => m.invoice !== undefined);
    expect(await frank.payInvoice()).toEqual({ ok: false, error: 'Out of stock' });
    expect(emu.payments()).toHaveLength(0);
  });

  it('fails a payment when the bot does not answer the pre-checkout query in time', async () => {
    const slow = await startTelegramEmulator({ preCheckoutTimeoutMs: 150 });
    closers.push(() => slow.close());
    const bot = new Bot(slow.token, { client: { apiRoot: slow.url } });
    const seen: string[] = [];
    bot.on('pre_checkout_query', (ctx) => {
      seen.push(ctx.preCheckoutQuery.id); // and never answers
    });
    bots.push(await launchBot(bot));
    const uma = slow.user({ firstName: 'Uma', startedBot: true });
    const invoice = await bot.api.sendInvoice(uma.id, 'Proxy', 'One day', 'order:1', 'XTR', [{ label: '1 day', amount: 5 }]);
    expect(await uma.payInvoice(invoice.message_id)).toEqual({
      ok: false,
      error: 'the bot did not answer the pre-checkout query in time',
    });
    expect(seen).toHaveLength(1);
    const late = await bot.api.answerPreCheckoutQuery(seen[0]!, true).catch((e: unknown) => e as GrammyError);
    expect((late as GrammyError).description).toMatch(/^Bad Request: query is too old/);
    expect(slow.payments()).toEqual([]);
  });

  it('validates Stars invoices like Telegram', async () => {
    const bot = botFor(emu);
    const gina = emu.user({ firstName: 'Gina', startedBot: true });
    const attempt = (other: Record<string, unknown>, prices = [{ label: 'a', amount: 5 }]) =>
      raw('sendInvoice', { chat_id: gina.id, title: 'T', description: 'D', payload: 'p', currency: 'XTR', prices, ...other });
    expect(
      (
        await attempt({}, [
          { label: 'a', amount: 1 },
          { label: 'b', amount: 2 },
        ])
      ).body.description,
    ).toMatch(/exactly one price/);
    expect((await attempt({ provider_token: 'tok' })).body.description).toMatch(/provider_token must be empty/);
    expect((await attempt({ payload: 'x'.repeat(129) })).body.description).toBe('Bad Request: INVOICE_PAYLOAD_INVALID');
    expect((await attempt({ provider_token: '' })).body.ok).toBe(true);
    expect((await attempt({ max_tip_amount: 100 })).body.description).toMatch(/tips are not supported/);
    const missing = await bot.api.raw.sendInvoice({ chat_id: gina.id } as never).catch((e: unknown) => e);
    expect((missing as GrammyError).description).toBe('Bad Request: title is required');
  });

  it('takes card invoices with a provider token and a real currency, and reports the provider’s charge id when paid', async () => {
    const bot = botFor(emu);
    bot.on('pre_checkout_query', (ctx) => ctx.answerPreCheckoutQuery(true));
    const payments: { currency: string; total_amount: number; provider_payment_charge_id: string }[] = [];
    bot.on('message:successful_payment', (ctx) => {
      payments.push(ctx.message.successful_payment);
    });
    bots.push(await launchBot(bot));
    const ivy = emu.user({ firstName: 'Ivy', startedBot: true });
    const attempt = (other: Record<string, unknown>) =>
      raw('sendInvoice', { chat_id: ivy.id, title: 'T', description: 'D', payload: 'p', prices: [{ label: 'a', amount: 920 }], ...other });
    expect((await attempt({ currency: 'EUR' })).body.description).toBe('Bad Request: PAYMENT_PROVIDER_INVALID');
    expect((await attempt({ currency: 'EUR', provider_token: 'nonsense' })).body.description).toBe('Bad Request: PAYMENT_PROVIDER_INVALID');
    expect((await attempt({ currency: 'EURO', provider_token: '284685063:TEST:abc' })).body.description).toBe(
      'Bad Request: CURRENCY_INVALID',
    );
    const invoice = await bot.api.sendInvoice(ivy.id, 'Top-up', 'Adds $10', 'tu_1', 'EUR', [{ label: '$10', amount: 920 }], {
      provider_token: '284685063:TEST:abc',
    });
    const paid = await ivy.payInvoice(invoice.message_id);
    expect(paid.ok).toBe(true);
    await waitFor(() => payments.length === 1, { what: 'the successful payment update' });
    expect(payments[0]).toMatchObject({ currency: 'EUR', total_amount: 920, provider_payment_charge_id: expect.stringMatching(/^prov_/) });
  });

  it('answers an injected 429 with retry_after, to raw HTTP and to grammY, without acting', async () => {
    const bot = botFor(emu);
    const hana = emu.user({ firstName: 'Hana', startedBot: true });
    emu.faults.inject('sendMessage', { status: 429, retryAfter: 1 });
    const limited = await raw('sendMessage', { chat_id: hana.id, text: 'hi' });
    expect(limited).toEqual({
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } },
    });

    emu.faults.inject('sendMessage', { status: 429, retryAfter: 3 }, 1);
    const error = await bot.api.sendMessage(hana.id, 'hello').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(429);
    expect((error as GrammyError).parameters.retry_after).toBe(3);
    expect(hana.messages()).toHaveLength(0);

    emu.faults.inject('sendMessage', { status: 502 });
    expect((await raw('sendMessage', { chat_id: hana.id, text: 'x' })).body).toMatchObject({ error_code: 502 });
    await bot.api.sendMessage(hana.id, 'hello');
    expect(hana.messages().map((m) => m.plainText)).toEqual(['hello']);
  });

  it('answers 409 to a second getUpdates while the bot polls, and the bot keeps working', async () => {
    await runShop();
    await waitFor(() => emu.methodCalls('getUpdates').length > 0, { what: 'the bot to poll' });
    const second = await raw('getUpdates', { timeout: 1 });
    expect(second.status).toBe(409);
    expect(second.body.description).toBe(
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );
    const ivy = emu.user({ firstName: 'Ivy' });
    await ivy.send('/start');
    await ivy.waitForMessage((m) => m.plainText.startsWith('Welcome'));
  });

  it('delivers updates to a webhook with the secret header, retrying until it answers 2xx', async () => {
    const receiver: WebhookReceiver = await startWebhookReceiver([500]);
    closers.push(() => receiver.close());
    const jack = emu.user({ firstName: 'Jack' });
    expect((await raw('setWebhook', { url: receiver.url, secret_token: 'shop-secret_1' })).body.result).toBe(true);
    expect((await raw('getUpdates')).body.description).toMatch(/^Conflict: can't use getUpdates method while webhook is active/);

    await jack.send('first');
    await jack.send('second');
    await waitFor(() => receiver.received.filter((r) => r.status === 200).length === 2, { what: 'two deliveries' });
    expect(receiver.received.map((r) => [r.status, (r.body.message as { text: string }).text])).toEqual([
      [500, 'first'],
      [200, 'first'],
      [200, 'second'],
    ]);
    expect(receiver.received.every((r) => r.headers['x-telegram-bot-api-secret-token'] === 'shop-secret_1')).toBe(true);
    const info = (await raw('getWebhookInfo')).body.result;
    expect(info).toMatchObject({ url: receiver.url, pending_update_count: 0, last_error_message: expect.stringMatching(/500/) });
    expect((await raw('setWebhook', { url: receiver.url, secret_token: 'bad token!' })).status).toBe(400);
  });

  it('drives a grammY webhook handler unchanged, including a reply in the webhook response', async () => {
    // canUseWebhookReply makes grammY answer the webhook POST with the sendMessage call itself.
    const bot = new Bot(emu.token, { client: { apiRoot: emu.url, canUseWebhookReply: (method) => method === 'sendMessage' } });
    bot.command('start', (ctx) => ctx.reply('hello from a webhook'));
    await bot.init();
    const handle = webhookCallback(bot, 'http', { secretToken: 'hook-secret' });
    const server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await bot.api.setWebhook(url, { secret_token: 'hook-secret' });
    const kim = emu.user({ firstName: 'Kim' });
    await kim.send('/start');
    expect((await kim.waitForMessage()).plainText).toBe('hello from a webhook');
    expect(emu.methodCalls('sendMessage').map((call) => call.via)).toEqual(['webhook-reply']);
    await bot.api.deleteWebhook();
  });

  it('tells the bot when a user blocks it and refuses to send to them', async () => {
    const { bot, log } = await runShop();
    const lea = emu.user({ firstName: 'Lea' });
    await lea.send('/start');
    await lea.waitForMessage();
    lea.block();
    await waitFor(() => log.memberUpdates.length === 1, { what: 'my_chat_member' });
    expect(log.memberUpdates[0]).toEqual({ old: 'member', new: 'kicked' });
    const error = await bot.api.sendMessage(lea.id, 'are you there?').catch((e: unknown) => e);
    expect((error as GrammyError).error_code).toBe(403);
    expect((error as GrammyError).description).toBe('Forbidden: bot was blocked by the user');
    await expect(lea.send('/start')).rejects.toThrow(/blocked the bot/);

    lea.unblock();
    await waitFor(() => log.memberUpdates.length === 2, { what: 'the reverse my_chat_member' });
    expect(log.memberUpdates[1]).toEqual({ old: 'kicked', new: 'member' });
    await bot.api.sendMessage(lea.id, 'welcome back');
    // A user who never wrote to the bot cannot be messaged first.
    const stranger = emu.user({ firstName: 'Max' });
    expect((await raw('sendMessage', { chat_id: stranger.id, text: 'hi' })).body.description).toBe(
      "Forbidden: bot can't initiate conversation with a user",
    );
  });

  it('rejects malformed HTML with "can\'t parse entities" and keeps good HTML as entities', async () => {
    const bot = botFor(emu);
    const nia = emu.user({ firstName: 'Nia', startedBot: true });
    const send = (text: string) => bot.api.sendMessage(nia.id, text, { parse_mode: 'HTML' }).catch((e: unknown) => e as GrammyError);
    expect(((await send('<b>unclosed')) as GrammyError).description).toBe(
      'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"',
    );
    expect(((await send('price < 5 & more')) as GrammyError).description).toMatch(
      /^Bad Request: can't parse entities: Unsupported start tag/,
    );
    expect(((await send('<div>x</div>')) as GrammyError).description).toMatch(/Unsupported start tag "div" at byte offset 0/);
    expect(((await send('<b><i>x</b></i>')) as GrammyError).description).toMatch(
      /Unmatched end tag at byte offset 7, expected "<\/i>", found "<\/b>"/,
    );
    const html = '<a href="https://t.me/x">link</a> <code>1 &lt; 2</code> <span class="tg-spoiler">s</span>';
    const good = await bot.api.sendMessage(nia.id, html, { parse_mode: 'HTML' });
    expect(good.text).toBe('link 1 < 2 s');
    expect(good.entities?.map((e) => e.type)).toEqual(['text_link', 'code', 'spoiler']);
    expect(nia.messages()).toHaveLength(1);

    const notModified = await bot.api
      .editMessageText(nia.id, good.message_id, html, { parse_mode: 'HTML' })
      .catch((e: unknown) => e as GrammyError);
    expect((notModified as GrammyError).description).toBe(
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    );
    const tooLong = await bot.api
      .sendMessage(nia.id, 'x', { reply_markup: new InlineKeyboard().text('x', 'd'.repeat(65)) })
      .catch((e: unknown) => e as GrammyError);
    expect((tooLong as GrammyError).description).toBe('Bad Request: BUTTON_DATA_INVALID');
  });

  it('parses multipart and urlencoded bodies: attach:// parts, direct file parts and JSON-encoded fields', async () => {
    const omar = emu.user({ firstName: 'Omar', startedBot: true });
    const form = new FormData();
    form.set('chat_id', String(omar.id));
    form.set('caption', 'direct upload');
    form.set('reply_markup', JSON.stringify({ inline_keyboard: [[{ text: 'Open', callback_data: 'open' }]] }));
    form.set('document', new Blob([Buffer.from([0, 1, 2, 255])], { type: 'application/x-custom' }), 'bytes.bin');
    const direct = await fetch(`${emu.url}/bot${emu.token}/sendDocument`, { method: 'POST', body: form });
    expect(direct.status).toBe(200);

    const boundary = '----------grammystyle';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition:form-data;name="chat_id"\r\n\r\n${omar.id}\r\n`),
      Buffer.from(`--${boundary}\r\ncontent-disposition:form-data;name="document"\r\n\r\nattach://abc123\r\n`),
      Buffer.from(
        `--${boundary}\r\ncontent-disposition:form-data;name="abc123";filename=ä.txt\r\ncontent-type:application/octet-stream\r\n\r\n`,
      ),
      Buffer.from('line1\r\n--not-a-boundary\r\nline2'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const attached = await fetch(`${emu.url}/bot${emu.token}/sendDocument`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(attached.status).toBe(200);

    const urlencoded = await fetch(`${emu.url}/bot${emu.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        chat_id: String(omar.id),
        text: 'form text',
        reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'Go', url: 'https://example.com/go' }]] }),
      }),
    });
    expect(urlencoded.status).toBe(200);

    const [first, second, third] = omar.messages();
    expect(first?.document).toMatchObject({ file_name: 'bytes.bin', mime_type: 'application/x-custom' });
    expect([...first!.document!.content]).toEqual([0, 1, 2, 255]);
    expect(omar.buttons(first)).toEqual([{ text: 'Open', callback_data: 'open' }]);
    expect(second?.document?.file_name).toBe('ä.txt');
    expect(second?.document?.content.toString('utf8')).toBe('line1\r\n--not-a-boundary\r\nline2');
    expect(third?.plainText).toBe('form text');
    expect(omar.buttons(third)).toEqual([{ text: 'Go', url: 'https://example.com/go' }]);
  });

  it('implements getUpdates offset, negative offset, limit, allowed_updates and long polling', async () => {
    const pat = emu.user({ firstName: 'Pat' });
    for (const text of ['a', 'b', 'c', 'd']) await pat.send(text);
    const texts = (result: any[]) => result.map((u) => u.message.text);

    const firstTwo = (await raw('getUpdates', { limit: 2 })).body.result;
    expect(texts(firstTwo)).toEqual(['a', 'b']);
    const ids = firstTwo.map((u: { update_id: number }) => u.update_id);
    expect(ids[1]).toBe(ids[0] + 1);
    // Not confirmed yet: the same updates come again.
    expect(texts((await raw('getUpdates', { limit: 2 })).body.result)).toEqual(['a', 'b']);
    expect(texts((await raw('getUpdates', { offset: ids[1] + 1 })).body.result)).toEqual(['c', 'd']);
    expect(emu.updatesPending()).toHaveLength(2);
    expect(texts((await raw('getUpdates', { offset: -1 })).body.result)).toEqual(['d']);
    expect(emu.updatesPending()).toHaveLength(1);

    // allowed_updates applies to updates created afterwards.
    const lastId = emu.updatesPending()[0]!.update_id;
    await raw('getUpdates', { offset: lastId + 1, allowed_updates: ['callback_query'] });
    await pat.send('filtered out');
    expect(emu.updatesPending()).toHaveLength(0);
    await raw('getUpdates', { allowed_updates: [] });

    const pollsBefore = emu.methodCalls('getUpdates').length;
    const started = Date.now();
    const poll = raw('getUpdates', { offset: lastId + 1, timeout: 10 });
    await waitFor(() => emu.methodCalls('getUpdates').length > pollsBefore, { what: 'the long poll to arrive' });
    await pat.send('wake up');
    const woken = await poll;
    expect(texts(woken.body.result)).toEqual(['wake up']);
    expect(Date.now() - started).toBeLessThan(2_000);

    const emptyStarted = Date.now();
    const empty = await raw('getUpdates', { offset: woken.body.result[0].update_id + 1, timeout: 1 });
    expect(empty.body.result).toEqual([]);
    expect(Date.now() - emptyStarted).toBeGreaterThanOrEqual(950);
  });

  it('speaks Telegram errors for tokens, methods and parameters', async () => {
    expect(await raw('getMe', {}, '123:wrong')).toEqual({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    expect((await raw('noSuchMethod')).body).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
    expect((await raw('sendPhoto')).body.description).toBe('Not Found: method sendPhoto is not implemented by the emulator');
    expect((await raw('sendMessage', { text: 'x' })).body.description).toBe('Bad Request: chat_id is required');
    expect((await raw('sendMessage', { chat_id: 42, text: 'x' })).body.description).toBe('Bad Request: chat not found');
    const me = await fetch(`${emu.url}/bot${emu.token}/GETME`).then((r) => r.json() as Promise<Record<string, any>>);
    expect(me.result).toMatchObject({ is_bot: true, username: 'proxy_storefront_bot', id: Number(emu.token.split(':')[0]) });

    const bot = botFor(emu);
    await bot.api.setMyCommands([{ command: 'start', description: 'Start' }]);
    await bot.api.setMyCommands([{ command: 'start', description: 'Начать' }], { language_code: 'ru' });
    expect(await bot.api.getMyCommands()).toEqual([{ command: 'start', description: 'Start' }]);
    expect(await bot.api.getMyCommands({ language_code: 'ru' })).toEqual([{ command: 'start', description: 'Начать' }]);
    await bot.api.deleteMyCommands({ language_code: 'ru' });
    expect(await bot.api.getMyCommands({ language_code: 'ru' })).toEqual([]);
    await expect(bot.api.setChatMenuButton({ menu_button: { type: 'commands' } })).resolves.toBe(true);
  });

  it('lets operators in a group press what the bot posted there', async () => {
    const bot = botFor(emu);
    const quinn = emu.user({ firstName: 'Quinn', username: 'quinn_ops' });
    const outsider = emu.user({ firstName: 'Rex' });
    const operators = emu.group({ title: 'Operators', admins: [quinn] });
    expect(operators.id).toBeLessThan(0);
    const pressed: string[] = [];
    bot.callbackQuery(/^approve:/, async (ctx) => {
      pressed.push(`${ctx.from.id}:${ctx.callbackQuery.data}:${ctx.chat?.id}`);
      await ctx.answerCallbackQuery({ text: 'Approved' });
      await ctx.editMessageReplyMarkup();
    });
    bots.push(await launchBot(bot));

    await bot.api.sendMessage(operators.id, 'Refund request #7', { reply_markup: new InlineKeyboard().text('Approve', 'approve:7') });
    const alert = await operators.waitForMessage((m) => m.plainText === 'Refund request #7');
    await expect(outsider.pressIn(operators, 'Approve')).rejects.toThrow(/not a member/);
    await quinn.pressIn(operators, 'Approve', alert);
    await operators.waitForMessage((m) => m.message_id === alert.message_id && m.reply_markup === undefined);
    expect(pressed).toEqual([`${quinn.id}:approve:7:${operators.id}`]);
    expect(await bot.api.getChatMember(operators.id, quinn.id)).toMatchObject({ status: 'administrator' });
    expect(await bot.api.getChatMember(operators.id, outsider.id)).toMatchObject({ status: 'left' });
    expect(await bot.api.getChat(operators.id)).toMatchObject({ type: 'supergroup', title: 'Operators' });
  });

  it('exposes the same controls as JSON over HTTP', async () => {
    await runShop();
    const control = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${emu.url}/control${path}`, {
        method,
        ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const user = (await control('POST', '/users', { firstName: 'Sam', languageCode: 'ru' })).body;
    await control('POST', `/users/${user.id}/send`, { text: '/start' });
    const messages = await waitFor(async () => {
      const list = (await control('GET', `/users/${user.id}/messages`)).body;
      return list.length > 0 ? list : undefined;
    });
    expect(messages[0].plainText).toBe('Welcome to the shop & more');
    expect((await control('POST', `/users/${user.id}/press`, { text: 'Nope' })).status).toBe(400);
    expect((await control('POST', `/users/${user.id}/press`, { pattern: '^Buy' })).body.callbackQueryId).toMatch(/^\d+$/);
    const changes = await control('GET', '/changes?after=0&timeout=1');
    expect(changes.body.messages.length).toBeGreaterThanOrEqual(2);
    expect((await control('GET', '/calls?method=sendMessage')).body[0].method).toBe('sendMessage');
    expect((await control('POST', '/faults', { method: 'getMe', status: 500 })).body.planned).toHaveLength(1);
    expect((await raw('getMe')).body).toEqual({ ok: false, error_code: 500, description: 'Internal Server Error' });
  });
});
