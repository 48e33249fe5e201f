/**
 * The operators' console as admins use it: commands typed and buttons
 * pressed in the operators' group through the Telegram emulator, answered by
 * the real bot over the real services; what customers hear through the
 * outbox; and the audit row each action leaves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateBotDeps } from '../../src/bot/index.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import { silentLogger } from '../../src/logger.js';
import type { EmulatedGroup, EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { createNotifier, type Notifier } from '../../src/services/notifier.js';
import { command, has, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { startTopUpWorld, type TopUpWorld } from '../helpers/bot-topup.js';
import { firstChoice } from '../helpers/shop.js';
import { waitFor } from '../helpers/wait.js';

let world: BotShop | undefined;
let appWorld: TopUpWorld | undefined;
afterEach(async () => {
  if (world) {
    expect(world.shop.orders.checkInvariants()).toEqual([]);
    expect(world.errors()).toEqual([]);
    await world.close();
    world = undefined;
  }
  if (appWorld) {
    expect(appWorld.app.services.orders.checkInvariants()).toEqual([]);
    expect(appWorld.errors()).toEqual([]);
    await appWorld.close();
    appWorld = undefined;
  }
});

interface Console {
  w: BotShop;
  olga: EmulatedUser;
  pavel: EmulatedUser;
  max: EmulatedUser;
  group: EmulatedGroup;
  notifier: Notifier;
}

/** Two admins (Olga, Pavel) and a member who is not one (Max) in the operators' group. */
async function withConsole(shopOptions: { upstreamTimeoutMs?: number; orders?: { attentionAfterMs: number } } = {}): Promise<Console> {
  const options: { bot: Partial<CreateBotDeps>; shop: typeof shopOptions } = { bot: {}, shop: shopOptions };
  const w = await startBotShop(['lumiweb'], options);
  world = w;
  const olga = w.emu.user({ firstName: 'Olga', startedBot: true });
  const pavel = w.emu.user({ firstName: 'Pavel', startedBot: true });
  const max = w.emu.user({ firstName: 'Max', startedBot: true });
  const group = w.emu.group({ title: 'Operators', members: [olga, pavel, max], admins: [olga, pavel] });
  options.bot.operatorChatId = group.id;
  options.bot.adminIds = [olga.id, pavel.id];
  await w.restartBot();
  const notifier = createNotifier({
    outbox: w.shop.outbox,
    users: w.shop.users,
    sender: telegramMessageSender(w.bot.api),
    operatorChatId: group.id,
    render: w.bot.renderNotice,
    logger: silentLogger,
    limits: { perSecond: 1_000, perChatPerSecond: 1_000, perGroupPerMinute: 1_000, globalMarginMs: 0, chatMarginMs: 0 },
  });
  return { w, olga, pavel, max, group, notifier };
}

/** Alice (@alice_b), with a delivered LumiWeb proxy and $100 before buying it. */
async function customerWithOrder(w: BotShop) {
  const alice = w.customer({ firstName: 'Alice', username: 'alice_b' });
  await alice.send('/start');
  await alice.waitForMessage(has('What would you like to do?'));
  w.credit(alice, 10_000);
  const account = w.account(alice);
  const quoted = await w.shop.orders.quote(account.id, 'lumiweb', await firstChoice(w.shop, 'lumiweb'));
  if (!quoted.ok) throw new Error(quoted.message);
  const bought = await w.shop.orders.purchase({ userId: account.id, quoteId: quoted.quote.id, intentKey: 'k', channel: 'bot' });
  if (bought.kind !== 'delivered') throw new Error(bought.kind);
  return { alice, account, order: bought.order, proxy: bought.proxies[0]! };
}

const auditOf = (w: BotShop) =>
  w.shop.database.sqlite.prepare('SELECT * FROM admin_audit ORDER BY id').all() as Array<{
    actor_telegram_id: number;
    chat_id: number;
    action: string;
    arguments: string;
    outcome: string;
    result: string;
    subject_user_id: number | null;
  }>;

describe('/user', () => {
  it('finds a customer by Telegram id, @username, order id and proxy host, and shows the card', async () => {
    const c = await withConsole();
    const { alice, account, order, proxy } = await customerWithOrder(c.w);
    const available = c.w.shop.wallet.balance(account.id).availableCents;
    for (const ref of [String(alice.id), '@Alice_B', order.id, proxy.host]) {
      const card = await command(c.olga, c.group, `/user ${ref}`, has('customer #'));
      expect(card.plainText).toContain(`Alice (@alice_b) · ${alice.id}`);
      expect(card.plainText).toContain(`Balance: $${(available / 100).toFixed(2)} available · $0.00 held`);
      expect(card.plainText).toContain(proxy.host);
      expect(card.plainText).toContain(`${order.id} · lumiweb · delivered`);
      expect(c.group.buttons(card).map((b) => b.text)).toEqual(['➕ Credit', '➖ Debit', '↩️ Refund an order', '🚫 Ban', '📜 Audit']);
    }
    expect((await command(c.olga, c.group, '/user @nobody_here')).plainText).toContain('No customer matches @nobody_here');
    expect((await command(c.olga, c.group, '/user')).plainText).toContain('Usage: /user');
  });
});

describe('the card’s buttons', () => {
  it('revoke all tokens asks first, then none of them verifies; a non-admin’s press is refused and recorded', async () => {
    const c = await withConsole();
    const { alice, account } = await customerWithOrder(c.w);
    const first = c.w.shop.tokens.create({ userId: account.id, name: 'shop script', scopes: ['read', 'buy'] });
    c.w.shop.tokens.create({ userId: account.id, name: 'monitor', scopes: ['read'] });
    const card = await command(c.olga, c.group, `/user ${alice.id}`, has('customer #'));
    expect(card.plainText).toContain('API tokens (2 active)');
    expect(card.plainText).toContain('shop script (read, buy) · last used never');

    const byMax = await c.max.pressIn(c.group, '🚫 Ban', card);
    expect(await c.max.waitForCallbackAnswer(byMax)).toMatchObject({ show_alert: true, text: expect.stringContaining('Only admins') });

    await c.olga.pressIn(c.group, '🔑 Revoke all tokens', card);
    const asked = await c.group.waitForMessage(has('Revoke all 2 API token(s)'));
    await c.olga.pressIn(c.group, '🔑 Yes, revoke them all', asked);
    await c.group.waitForMessage(has('Revoked 2 API token(s)'));
    expect(c.w.shop.tokens.verify(first.token)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(c.w.shop.tokens.list(account.id).every((token) => token.revokedAt !== null)).toBe(true);

    const rows = await waitFor(() => {
      const all = auditOf(c.w).filter((r) => r.action.startsWith('oc:'));
      return all.length === 3 ? all : undefined;
    });
    expect(rows.map((r) => [r.actor_telegram_id, r.action, r.outcome, r.subject_user_id])).toEqual([
      [c.max.id, 'oc:bn', 'refused', account.id],
      [c.olga.id, 'oc:rt', 'done', account.id],
      [c.olga.id, 'oc:rty', 'done', account.id],
    ]);
  });
});

describe('money adjustments', () => {
  it('/debit takes money away and the customer is told why; never below zero, and the refusal is in dollars', async () => {
    const c = await withConsole();
    const { alice, account } = await customerWithOrder(c.w);
    const before = c.w.shop.wallet.balance(account.id).availableCents;
    const done = await command(c.olga, c.group, `/debit @alice_b 2.50 duplicate top-up corrected`);
    expect(done.plainText).toContain('Done: -$2.50');
    expect(c.w.shop.wallet.balance(account.id).availableCents).toBe(before - 250);

    const tooMuch = await command(c.olga, c.group, `/debit ${alice.id} 5000 everything`);
    expect(tooMuch.plainText).toContain(`Refused: the customer has only $${((before - 250) / 100).toFixed(2)} available`);
    expect(tooMuch.plainText).not.toMatch(/cents/);
    expect(c.w.shop.wallet.balance(account.id).availableCents).toBe(before - 250);

    expect((await command(c.olga, c.group, `/debit ${alice.id} -3 oops`)).plainText).toContain('Usage: /debit');
    expect((await command(c.olga, c.group, `/debit ${alice.id} 3`)).plainText).toContain('Usage: /debit');
    expect((await command(c.olga, c.group, '/debit 999999 3 gone')).plainText).toContain('No customer matches 999999');

    await c.notifier.runOnce();
    const notice = await alice.waitForMessage(has('The shop took $2.50'));
    expect(notice.plainText).toContain('Reason: duplicate top-up corrected');
    expect(notice.plainText).toContain(`Your balance is now $${((before - 250) / 100).toFixed(2)}`);
    // The ledger records who did it, and the reason the wallet history can show.
    const transfer = c.w.shop.database.sqlite
      .prepare("SELECT actor, reason, category FROM ledger_transfers WHERE id LIKE 'adjust:%'")
      .all();
    expect(transfer).toEqual([{ actor: `admin:${c.olga.id}`, reason: 'duplicate top-up corrected', category: 'adjustment' }]);
  });

  it('/credit and /refund tell the customer too, each once', async () => {
    const c = await withConsole();
    const { alice, order } = await customerWithOrder(c.w);
    expect((await command(c.olga, c.group, `/credit @alice_b 5 welcome bonus`)).plainText).toContain('Done: $5.00');
    expect((await command(c.olga, c.group, `/refund ${order.id} 1.00 proxy was slow`)).plainText).toContain('Refunded $1.00');
    const tooMuch = await command(c.olga, c.group, `/refund ${order.id} 999 again`);
    expect(tooMuch.plainText).toContain(`Refused: at most $${((order.priceCents - 100) / 100).toFixed(2)} of this order`);
    await c.notifier.runOnce();
    expect((await alice.waitForMessage(has('The shop added $5.00'))).plainText).toContain('Reason: welcome bonus');
    // One message per chat per pass (Telegram's per-chat limit): the refund's notice goes in the next.
    await c.notifier.runOnce();
    const refund = await alice.waitForMessage(has('The shop refunded $1.00'));
    expect(refund.plainText).toContain(order.id);
    expect(refund.plainText).toContain('Reason: proxy was slow');
    expect(alice.messages().filter((m) => m.plainText.includes('The shop'))).toHaveLength(2);
  });
});

describe('who may use the console, and the audit', () => {
  it('refuses a member who is not an admin and records it; an admin elsewhere is recorded and not answered as an operator', async () => {
    const c = await withConsole();
    const { alice, account } = await customerWithOrder(c.w);
    const before = c.w.shop.wallet.balance(account.id).availableCents;
    const refused = await command(c.max, c.group, `/credit ${alice.id} 100 gift`, has('Only admins'));
    expect(refused.plainText).toContain('Only admins can use the operators');
    expect(c.w.shop.wallet.balance(account.id).availableCents).toBe(before);

    await c.olga.send(`/user ${alice.id}`);
    const inPrivate = await c.olga.waitForMessage();
    expect(inPrivate.plainText).not.toContain('customer #');

    await waitFor(() => auditOf(c.w).length === 2, { what: 'two audit rows' });
    expect(auditOf(c.w)).toMatchObject([
      { actor_telegram_id: c.max.id, action: '/credit', arguments: `${alice.id} 100 gift`, outcome: 'refused', result: 'not an admin' },
      { actor_telegram_id: c.olga.id, action: '/user', outcome: 'refused', result: 'outside the operators’ group' },
    ]);
  });

  it('an unknown command gets the command list; every admin action is one audit row, shown on the card', async () => {
    const c = await withConsole();
    const { alice, account } = await customerWithOrder(c.w);
    const list = await command(c.olga, c.group, '/frobnicate now');
    expect(list.plainText).toContain("I don't know /frobnicate");
    expect(list.plainText).toContain('/debit <user> <amount $> <reason>');
    expect(list.plainText).toContain('/ops — this list');

    await command(c.olga, c.group, `/credit ${alice.id} 1 thanks`);
    await command(c.pavel, c.group, `/debit ${alice.id} x`);
    const card = await command(c.olga, c.group, `/user ${alice.id}`, has('customer #'));
    await c.olga.pressIn(c.group, '📜 Audit', card);
    const audit = await c.group.waitForMessage(has('Audit for Alice'));
    expect(audit.plainText).toContain(`${c.olga.id}: /credit ${alice.id} 1 thanks → done — Done: $1.00`);
    // A malformed command names nobody for sure, so it is in the log but not on the customer's page.
    expect(audit.plainText).not.toContain('/debit');

    // The row is written once the press is handled, just after its answer went out.
    const rows = await waitFor(() => (auditOf(c.w).length === 5 ? auditOf(c.w) : undefined), { what: 'the audit press row' });
    expect(rows.map((r) => [r.action, r.outcome, r.subject_user_id])).toEqual([
      ['/frobnicate', 'usage', null],
      ['/credit', 'done', account.id],
      ['/debit', 'usage', null],
      ['/user', 'done', account.id],
      ['oc:au', 'done', account.id],
    ]);
    expect(rows.every((r) => r.chat_id === c.group.id)).toBe(true);
    // Append-only: the log cannot be rewritten.
    expect(() => c.w.shop.database.sqlite.prepare('DELETE FROM admin_audit').run()).toThrow(/append-only/);
  });
});

/** Alice buys a proxy; LumiWeb sells it but the answer is lost and every lookup fails, so it stays open. */
async function stuckPurchase(w: BotShop) {
  const alice = w.customer({ firstName: 'Alice' });
  await alice.send('/start');
  await alice.waitForMessage(has('What would you like to do?'));
  w.credit(alice, 10_000);
  const account = w.account(alice);
  const quoted = await w.shop.orders.quote(account.id, 'lumiweb', await firstChoice(w.shop, 'lumiweb'));
  if (!quoted.ok) throw new Error(quoted.message);
  const sim = w.shop.upstream('lumiweb').simulator;
  sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/proxy\/static$/ });
  sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'POST', path: /\/proxy\/static$/, times: Infinity });
  sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'GET', times: Infinity });
  const result = await w.shop.orders.purchase({ userId: account.id, quoteId: quoted.quote.id, intentKey: 'k', channel: 'bot' });
  if (result.kind !== 'provisioning') throw new Error(result.kind);
  return { alice, account, order: result.order };
}

describe('/orders', () => {
  it('lists open orders; two admins settling the same one at once settle it once', async () => {
    const c = await withConsole({ upstreamTimeoutMs: 300, orders: { attentionAfterMs: 60 * 60_000 } });
    const { account, order } = await stuckPurchase(c.w);
    const list = await command(c.olga, c.group, '/orders open', has('Open orders'));
    expect(list.plainText).toContain(`${order.id} · lumiweb · provisioning`);
    await c.olga.pressIn(c.group, `${order.id} · provisioning`, list);
    const opened = await c.group.waitForMessage(has(`Order needs attention: ${order.id}`));
    await c.olga.pressIn(c.group, '❌ Settle as failed', opened);
    const asked = await c.group.waitForMessage(has('Settle as failed?'));
    const [byOlga, byPavel] = await Promise.all([
      c.olga.pressIn(c.group, '❌ Yes, settle as failed', asked),
      c.pavel.pressIn(c.group, '❌ Yes, settle as failed', asked),
    ]);
    const answers = [await c.olga.waitForCallbackAnswer(byOlga), await c.pavel.waitForCallbackAnswer(byPavel)].map((a) => a.text);
    expect(answers).toContain('Done.');
    expect(answers.filter((a) => a?.startsWith('Already settled as failed'))).toHaveLength(1);
    const resolutions = c.w.shop.database.sqlite
      .prepare('SELECT COUNT(*) AS n FROM ledger_transfers WHERE pending_id = ?')
      .get(`hold:${order.id}`);
    expect(resolutions).toEqual({ n: 1 });
    expect(c.w.shop.wallet.balance(account.id)).toEqual({ availableCents: 10_000, heldCents: 0 });
    expect((await command(c.olga, c.group, '/orders failed', has('Failed orders'))).plainText).toContain(`${order.id} · lumiweb · failed`);
    // Both presses are in the audit, about Alice.
    const presses = await waitFor(() => {
      const rows = auditOf(c.w).filter((r) => r.action === 'op:ofy');
      return rows.length === 2 ? rows : undefined;
    });
    expect(presses.map((r) => [r.actor_telegram_id, r.subject_user_id])).toEqual(
      expect.arrayContaining([
        [c.olga.id, account.id],
        [c.pavel.id, account.id],
      ]),
    );
  });

  it('an order running when its customer is banned still finishes normally', async () => {
    const c = await withConsole({ upstreamTimeoutMs: 300, orders: { attentionAfterMs: 60 * 60_000 } });
    const { alice, account, order } = await stuckPurchase(c.w);
    await command(c.olga, c.group, `/ban ${alice.id} abuse`, has('is banned'));
    c.w.shop.upstream('lumiweb').simulator.faults.clear();
    const list = await command(c.olga, c.group, '/orders open', has('Open orders'));
    await c.olga.pressIn(c.group, `${order.id} · provisioning`, list);
    const opened = await c.group.waitForMessage(has(`Order needs attention: ${order.id}`));
    await c.olga.pressIn(c.group, '🔄 Check again now', opened);
    await c.group.waitForMessage(has('the provider delivered'));
    expect(c.w.shop.orders.order(order.id)!.state).toBe('delivered');
    expect(c.w.shop.wallet.balance(account.id).heldCents).toBe(0);
    expect(c.w.shop.subscriptions.all(account.id)).toHaveLength(1);
  });

  it('an admin’s typed answer to a button’s question is audited; chatter is not', async () => {
    const c = await withConsole({ upstreamTimeoutMs: 300, orders: { attentionAfterMs: 60 * 60_000 } });
    const { order } = await stuckPurchase(c.w);
    await c.olga.sendIn(c.group, 'morning, all');
    const list = await command(c.olga, c.group, '/orders', has('Open orders'));
    await c.olga.pressIn(c.group, `${order.id} · provisioning`, list);
    const opened = await c.group.waitForMessage(has(`Order needs attention: ${order.id}`));
    await c.olga.pressIn(c.group, '✅ Settle as delivered', opened);
    await c.group.waitForMessage(has('as your next message'));
    await c.olga.sendIn(c.group, 'up-12345');
    const answered = await waitFor(() => auditOf(c.w).find((r) => r.action === 'answer'));
    expect(answered).toMatchObject({ actor_telegram_id: c.olga.id, arguments: 'up-12345', outcome: 'done' });
    expect(auditOf(c.w).map((r) => r.action)).toEqual(['/orders', 'oc:o', 'op:od', 'answer']);
  });

  it('a customer’s orders, and a refund of a delivered one from its button, once', async () => {
    const c = await withConsole();
    const { alice, account, order } = await customerWithOrder(c.w);
    const before = c.w.shop.wallet.balance(account.id).availableCents;
    const list = await command(c.olga, c.group, '/orders @alice_b', has('Orders of Alice'));
    await c.olga.pressIn(c.group, `${order.id} · delivered`, list);
    const opened = await c.group.waitForMessage(has('refunded so far: $0.00'));
    const price = `$${(order.priceCents / 100).toFixed(2)}`;
    await c.olga.pressIn(c.group, `↩️ Refund ${price}`, opened);
    const confirm = await c.group.waitForMessage(has(`Refund ${price} to Alice`));
    const [first, second] = await Promise.all([
      c.olga.pressIn(c.group, '↩️ Yes, refund', confirm),
      c.pavel.pressIn(c.group, '↩️ Yes, refund', confirm),
    ]);
    const answers = [await c.olga.waitForCallbackAnswer(first), await c.pavel.waitForCallbackAnswer(second)].map((a) => a.text ?? '');
    expect(answers.filter((a) => a === 'Done.')).toHaveLength(1);
    expect(answers.filter((a) => a.startsWith('Refused'))).toHaveLength(1);
    expect(c.w.shop.wallet.balance(account.id).availableCents).toBe(before + order.priceCents);
    await c.notifier.runOnce();
    expect((await alice.waitForMessage(has(`The shop refunded ${price}`))).plainText).not.toContain('Reason:');
    expect((await command(c.olga, c.group, '/orders a b')).plainText).toContain('Usage: /orders');
  });
});

describe('bans and pending top-ups (the whole app)', () => {
  it('a banned customer’s bot, API token and pending top-up stop at once; unban serves them again', async () => {
    appWorld = await startTopUpWorld();
    const a = appWorld;
    const kim = a.customer({ firstName: 'Kim', username: 'kim_k' });
    await kim.send('/start');
    await kim.waitForMessage(has('What would you like to do?'));
    const userId = a.accountId(kim);
    const token = a.app.services.tokens.create({ userId, name: 'script', scopes: ['read'] }).token;
    const me = () => fetch(`${a.app.httpUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me()).status).toBe(200);
    // A Stars invoice Kim opened before the ban, to pay after it.
    await kim.press('💰 Wallet');
    await kim.waitForMessage(has('Available:'));
    await kim.press('➕ Top up');
    await kim.waitForMessage(has('Top-up methods'));
    await kim.press('⭐ Telegram Stars');
    await kim.waitForMessage(has('Top up with Telegram Stars'));
    await kim.press('$10');
    const invoice = await kim.waitForMessage((m) => m.invoice !== undefined);
    const requested = a.app.payments.manual.request(userId, 2_000, 'sent by bank');
    if (!requested.ok) throw new Error('manual top-up not created');

    // /topups shows it with the alert's own buttons.
    await a.olga.sendIn(a.operators, '/topups');
    const pending = await a.operators.waitForMessage(has(requested.topUp.id), { timeoutMs: 5_000 });
    expect(a.operators.buttons(pending).map((b) => b.text)).toEqual(expect.arrayContaining(['✅ Confirm']));

    await a.olga.sendIn(a.operators, '/ban @kim_k chargeback fraud');
    const banned = await a.operators.waitForMessage(has('is banned'), { timeoutMs: 5_000 });
    expect(banned.plainText).toContain('2 pending top-up(s) stopped');
    expect(a.app.payments.topUps.get(requested.topUp.id)!.state).toBe('rejected');

    await kim.send('/start');
    expect((await kim.waitForMessage(has('Your account is suspended'))).plainText).toContain('Your account is suspended: chargeback fraud');
    const refused = await me();
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'account_suspended',
      message: expect.stringContaining('chargeback fraud'),
    });
    expect(await kim.payInvoice(invoice)).toEqual({ ok: false, error: 'Your account is suspended; this payment cannot be accepted.' });
    // The Confirm button on the old request changes nothing now.
    await a.olga.pressIn(a.operators, '✅ Confirm', pending);
    expect(a.balance(kim)).toBe(0);

    await a.olga.sendIn(a.operators, '/unban @kim_k');
    await a.operators.waitForMessage(has('is served again'), { timeoutMs: 5_000 });
    expect((await me()).status).toBe(200);
    await kim.send('/start');
    await kim.waitForMessage(has('What would you like to do?'));
  });
});
