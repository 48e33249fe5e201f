/**
 * The customer's account in the real bot: their proxies and the actions each
 * provider supports, the wallet and its history, API tokens, language,
 * blocking, flood control and the error boundary. Proxies are bought through
 * the real services (the buy flow itself is covered in bot-buy.test.ts).
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { apiTokens, kvStore } from '../../src/db/schema/index.js';
import { formatCents } from '../../src/domain/money.js';
import { formatProxy } from '../../src/domain/proxy-format.js';
import type { ProviderId } from '../../src/providers/types.js';
import type { EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { createTokens, VERIFIED_CACHE_MS } from '../../src/services/tokens.js';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';
import { waitFor } from '../helpers/wait.js';

let world: BotShop | undefined;
let expectErrors = false;

afterEach(async () => {
  const errors = world?.errors() ?? [];
  await world?.close();
  world = undefined;
  if (!expectErrors) expect(errors).toEqual([]);
  expectErrors = false;
});

/** Buys through the services, the way the bot's Confirm does. */
async function buy(w: BotShop, user: EmulatedUser, providerId: ProviderId, quantity = 1, productId?: string) {
  const { id } = w.account(user);
  const choice = await firstChoice(w.shop, providerId, quantity, productId);
  const quoted = await w.shop.orders.quote(id, providerId, choice);
  if (!quoted.ok) throw new Error(`quote failed: ${quoted.message}`);
  const result = await w.shop.orders.purchase({ userId: id, quoteId: quoted.quote.id, intentKey: `t:${quoted.quote.id}`, channel: 'bot' });
  if (result.kind !== 'delivered') throw new Error(`purchase ${result.kind}`);
  return result.proxies;
}

async function customerWithMoney(w: BotShop, cents: number, fields: Parameters<BotShop['customer']>[0] = {}) {
  const user = w.customer(fields);
  await say(user, '/start', has('Proxy Storefront'));
  w.credit(user, cents);
  return user;
}

async function openFirstProxy(user: EmulatedUser) {
  await say(user, '/start', has('Proxy Storefront'));
  await press(user, '📋 My proxies', has('My proxies'));
  return press(user, /^1\. /, has('Status:'));
}

describe('my proxies', () => {
  it('shows a card with only the actions the provider supports', async () => {
    world = await startBotShop(['proxy-panel', 'gateproxy']);
    const kim = await customerWithMoney(world, 200_00);
    const [panel] = await buy(world, kim, 'proxy-panel');
    const card = await openFirstProxy(kim);
    expect(card.plainText).toContain(`Host: ${panel!.host}`);
    expect(card.plainText).toMatch(/Ports: HTTP \d+ · SOCKS5 \d+/);
    expect(card.plainText).toContain('Protocols: HTTP, SOCKS5');
    expect(card.plainText).toMatch(/Expires: \d{4}-\d\d-\d\d \(in \d+ days?\)/);
    expect(card.plainText).toContain('Auto-renew: off');
    expect(labels(kim, card)).toEqual([
      '🔐 Credentials',
      '🔁 Renew',
      'Turn auto-renew on',
      '🔑 Change credentials',
      '🌍 Change location',
      '🩺 Check',
      '« My proxies',
      '☰ Main menu',
    ]);

    // GateProxy sells traffic: usage, and more traffic as a new linked order; no renewal by date or credential changes.
    world.shop.database.sqlite.prepare('DELETE FROM subscriptions').run();
    await buy(world, kim, 'gateproxy');
    const traffic = await openFirstProxy(kim);
    expect(labels(kim, traffic)).toEqual([
      '🔐 Credentials',
      '➕ Add traffic',
      '⚙️ Auto top-up: off',
      '📊 Usage',
      '🩺 Check',
      '« My proxies',
      '☰ Main menu',
    ]);
    const usage = await press(kim, '📊 Usage', has('Used:'));
    expect(usage.plainText).toMatch(/Used: [\d.]+ GB/);
  });

  it('gives credentials in every export format', async () => {
    world = await startBotShop(['proxy-panel']);
    const lee = await customerWithMoney(world, 100_00);
    const [proxy] = await buy(world, lee, 'proxy-panel');
    await openFirstProxy(lee);
    await press(lee, '🔐 Credentials', has('Choose a format'));
    expect(labels(lee).slice(0, 4)).toEqual([
      'host:port:login:password',
      'login:password@host:port',
      'http://login:password@host:port',
      'socks5://login:password@host:port',
    ]);
    for (const [label, format] of [
      ['host:port:login:password', 'host:port:login:password'],
      ['login:password@host:port', 'login:password@host:port'],
      ['http://login:password@host:port', 'http'],
      ['socks5://login:password@host:port', 'socks5'],
    ] as const) {
      const expected = formatProxy(proxy!, format)!;
      const shown = await press(lee, label, has(expected));
      expect(shown.entities.some((e) => e.type === 'code')).toBe(true);
      await press(lee, '« Back', has('Choose a format'));
    }
  });

  it('exports many proxies as a .txt file and pages the list five at a time', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const max = await customerWithMoney(world, 200_00);
    const proxies = await buy(world, max, 'proxy-ipv4', 7);
    await say(max, '/start', has('Proxy Storefront'));
    const list = await press(max, '📋 My proxies', has('My proxies (7)'));
    expect(list.plainText).toContain('Page 1 of 2');
    expect(labels(max, list).filter((l) => /^\d\. /.test(l))).toHaveLength(5);
    const second = await press(max, 'Next ›', has('Page 2 of 2'));
    expect(labels(max, second).filter((l) => /^\d\. /.test(l))).toHaveLength(2);

    await press(max, '📄 Export all proxies', has('Export every proxy'));
    await max.press('socks5://login:password@host:port');
    const file = await max.waitForMessage((m) => m.document !== undefined);
    expect(file.document!.file_name).toMatch(/\.txt$/);
    const lines = file.document!.content.toString('utf8').trim().split('\n');
    expect(lines.sort()).toEqual(proxies.map((p) => formatProxy(p, 'socks5')!).sort());
  });

  it('turns auto-renew on and off and keeps the setting', async () => {
    world = await startBotShop(['proxy-panel']);
    const ned = await customerWithMoney(world, 100_00);
    const [proxy] = await buy(world, ned, 'proxy-panel');
    await openFirstProxy(ned);
    // Turning it on asks for the term first (today's prices on the buttons).
    const terms = await press(ned, 'Turn auto-renew on', has('Pick a term'));
    const on = await press(ned, labels(ned, terms)[0]!, has('Auto-renew is on'));
    expect(on.plainText).toContain('Auto-renew: on');
    expect(world.shop.subscriptions.get(world.account(ned).id, proxy!.id)?.autoRenew).toBe(true);

    const reopened = await openFirstProxy(ned);
    expect(reopened.plainText).toContain('Auto-renew: on');
    expect(labels(ned, reopened)).toContain('Turn auto-renew off');
    await press(ned, 'Turn auto-renew off', has('Auto-renew is off'));
    expect(world.shop.subscriptions.get(world.account(ned).id, proxy!.id)?.autoRenew).toBe(false);
  });

  it('renews a proxy: the expiry moves and exactly the renewal price is charged', async () => {
    world = await startBotShop(['proxy-panel']);
    const oli = await customerWithMoney(world, 100_00);
    const [proxy] = await buy(world, oli, 'proxy-panel');
    const { id } = world.account(oli);
    const before = world.shop.wallet.balance(id).availableCents;
    await openFirstProxy(oli);
    // The press is answered at once, while the upstream is still thinking about the terms.
    world.shop.upstream('proxy-panel').simulator.faults.inject({ kind: 'slow', delayMs: 600 }, { op: 'renewal-plans' });
    const pressed = await oli.press('🔁 Renew');
    const started = Date.now();
    await oli.waitForCallbackAnswer(pressed, { timeoutMs: 400 });
    expect(Date.now() - started).toBeLessThan(400);
    const terms = await oli.waitForMessage(has('renew for how long'));
    const term = labels(oli, terms)[0]!;
    const summary = await press(oli, term, has('Renewal'));
    const quoteId = oli
      .buttons()
      .find((b) => b.callback_data?.startsWith('o:ok:'))!
      .callback_data!.slice(5);
    const quote = world.shop.orders.quoteById(quoteId)!;
    expect(summary.plainText).toContain(`Price: ${formatCents(quote.priceCents)}`);
    await oli.press(/^✅ Confirm/);
    const renewed = await oli.waitForMessage(has('Renewed:'));
    const after = world.shop.subscriptions.get(id, proxy!.id)!;
    expect(after.expiresAt!).toBeGreaterThan(proxy!.expiresAt!);
    expect(renewed.plainText).toContain(`now runs until ${new Date(after.expiresAt!).toISOString().slice(0, 10)}`);
    expect(world.shop.wallet.balance(id)).toEqual({ availableCents: before - quote.priceCents, heldCents: 0 });
    expect(world.shop.wallet.checkInvariants()).toEqual([]);
  });

  it('changes credentials only after a confirmation, and rotates the IP', async () => {
    world = await startBotShop(['proxy-panel']);
    const pia = await customerWithMoney(world, 100_00);
    // Mobile proxies are the panel's kind that can rotate their IP.
    const [proxy] = await buy(world, pia, 'proxy-panel', 1, 'mobile-private');
    await openFirstProxy(pia);
    await press(pia, '🔑 Change credentials', has('stop working at once'));
    expect(world.shop.subscriptions.get(world.account(pia).id, proxy!.id)!.password).toBe(proxy!.password);
    const changed = await press(pia, 'Yes, change them', has('New credentials'));
    const after = world.shop.subscriptions.get(world.account(pia).id, proxy!.id)!;
    expect(after.password).not.toBe(proxy!.password);
    expect(changed.plainText).toContain(formatProxy(after, 'host:port:login:password')!);
    await press(pia, '🔄 Rotate IP', has('The IP was rotated'));
  });
});

describe('wallet', () => {
  it('shows available and held money and pages the history with the ledger cursor', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const quinn = world.customer();
    await say(quinn, '/start', has('Proxy Storefront'));
    for (let i = 0; i < 12; i++) world.credit(quinn, 1_00 + i);
    const [proxy] = await buy(world, quinn, 'proxy-ipv4');
    expect(proxy).toBeDefined();
    const { id } = world.account(quinn);
    const balance = world.shop.wallet.balance(id);

    await say(quinn, '/start', has('Proxy Storefront'));
    const wallet = await press(quinn, '💰 Wallet', has('Wallet'));
    expect(wallet.plainText).toContain(`Available: ${formatCents(balance.availableCents)}`);
    expect(wallet.plainText).toContain('Held for orders in progress: $0.00');

    const first = await press(quinn, '📜 History', has('Wallet history'));
    const lines = (m: { plainText: string }) => m.plainText.split('\n').filter((l) => /^\d{4}-\d\d-\d\d · /.test(l));
    expect(lines(first)).toHaveLength(10);
    // The purchase is one line (its hold and capture are not two debits) naming what was bought.
    expect(lines(first)[0]).toContain(proxy!.productName);
    expect(lines(first)[0]).toMatch(/ · −\$\d+\.\d\d$/);
    expect(lines(first)[1]).toMatch(/Top-up via a transfer confirmed by the shop · \+\$1\.11$/);
    const second = await press(quinn, 'Older ›', has('Wallet history'));
    expect(lines(second)).toHaveLength(3);
    expect(lines(second).at(-1)).toMatch(/Top-up via a transfer confirmed by the shop · \+\$1\.00$/);
    expect(labels(quinn, second)).not.toContain('Older ›');
    await press(quinn, '‹ Newest', (m) => lines(m)[1]?.endsWith('+$1.11') ?? false);
  });

  it('opens the top-up methods screen from the wallet', async () => {
    world = await startBotShop([]);
    const rob = world.customer();
    await say(rob, '/start', has('Proxy Storefront'));
    await press(rob, '💰 Wallet', has('Wallet'));
    const topUp = await press(rob, '➕ Top up', has('Top-up methods'));
    expect(labels(rob, topUp)).toEqual(['« Back', '☰ Main menu']);
    await press(rob, '« Back', has('Available:'));
  });
});

describe('API tokens', () => {
  it('creates a token shown once, stores only its hash, lists it and revokes it', async () => {
    world = await startBotShop([]);
    const sue = world.customer();
    await say(sue, '/start', has('Proxy Storefront'));
    await press(sue, '🔑 API tokens', has('You have no tokens yet'));
    await press(sue, '➕ Create a token', has('send a name'));
    const scopes = await say(sue, 'price <checker>', has('what may it do'));
    expect(scopes.plainText).toContain('price <checker> · what may it do?');
    expect(labels(sue, scopes).slice(0, 3)).toEqual(['✅ read', '▫️ buy', '▫️ write']);
    await press(sue, '▫️ buy', (m) => labels(sue, m).includes('✅ buy'));
    // A token that may buy is asked about signing; left off, it is a plain bearer token.
    await press(sue, 'Next »', has('Require signed requests?'));
    await press(sue, 'Next »', has('When should it expire'));
    const created = await press(sue, '30 days', has('Your new token'));
    expect(created.plainText).not.toContain('signing secret');
    const token = /pst_[0-9A-Za-z]+_[0-9A-Za-z]+/.exec(created.plainText)?.[0];
    expect(token).toBeDefined();
    expect(created.plainText).toContain('This is the only time the token is shown');
    expect(created.plainText).toContain('Scopes: read, buy');

    const { id } = world.account(sue);
    const rows = world.shop.database.db.select().from(apiTokens).where(eq(apiTokens.userId, id)).all();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secretHash).toBe(createHash('sha256').update(token!).digest('hex'));
    expect(rows[0]!.scopes).toBe('read buy');
    expect(JSON.stringify(rows)).not.toContain(token!);
    // The finished flow leaves nothing behind that holds the token.
    const stored = world.shop.database.db.select().from(kvStore).all();
    expect(JSON.stringify(stored)).not.toContain(token!);

    // Another process on the same database (say the API of a second instance), with its own verified-token cache.
    let elsewhereClock = Date.now();
    const tokens = createTokens({ db: world.shop.database.db, now: () => elsewhereClock });
    expect(tokens.verify(token!)).toMatchObject({ ok: true, userId: id, scopes: ['read', 'buy'] });

    const list = await press(sue, '🔑 API tokens', has('price <checker>'));
    expect(list.plainText).toContain(`${rows[0]!.prefix}…`);
    expect(list.plainText).toContain('Scopes: read, buy');
    expect(list.plainText).not.toContain(token!);
    await press(sue, 'Revoke “price <checker>”', has('Anything using it stops working'));
    const revoked = await press(sue, 'Yes, revoke it', has('The token was revoked'));
    expect(revoked.plainText).toContain('revoked');
    // The bot's own service refuses it at once; another process within its short cache window at most.
    expect(createTokens({ db: world.shop.database.db }).verify(token!)).toEqual({ ok: false, reason: 'revoked' });
    elsewhereClock += VERIFIED_CACHE_MS;
    expect(tokens.verify(token!)).toEqual({ ok: false, reason: 'revoked' });
  });
});

describe('the customer and the bot', () => {
  it('escapes names for HTML and shows help with the support contact', async () => {
    world = await startBotShop([]);
    const eve = world.customer({ firstName: '<b>Eve</b> & co' });
    const welcome = await say(eve, '/start', has('Hello, <b>Eve</b> & co!'));
    expect(welcome.text).toContain('Hello, &lt;b&gt;Eve&lt;/b&gt; &amp; co!');
    const help = await press(eve, '❓ Help', has('How it works'));
    expect(help.plainText).toContain('Support: @shop_support');
  });

  it('marks a customer who blocks the bot unreachable, and reachable again when they return', async () => {
    world = await startBotShop([]);
    const una = world.customer();
    await say(una, '/start', has('Proxy Storefront'));
    una.block();
    await waitFor(() => world!.shop.users.byTelegramId(una.id)?.unreachableAt !== null, { what: 'the user marked unreachable' });
    una.unblock();
    await waitFor(() => world!.shop.users.byTelegramId(una.id)?.unreachableAt === null, { what: 'the user marked reachable' });
  });

  it('warns a flooding customer once, drops the flood, and keeps serving others', async () => {
    world = await startBotShop([], { bot: { rateLimit: { burst: 5, perSecond: 0.2 } } });
    const vic = world.customer();
    const wes = world.customer({ firstName: 'Wes' });
    for (let i = 0; i < 15; i++) await vic.send('/start');
    await waitFor(() => world!.emu.updatesPending().length === 0, { what: 'the flood to be read' });
    await say(wes, '/start', has('Hello, Wes!'));
    await waitFor(() => vic.messages().length >= 6, { what: 'the flood to be answered' });
    const texts = vic.messages().map((m) => m.plainText);
    expect(texts.filter((t) => t.includes('Proxy Storefront'))).toHaveLength(5);
    expect(texts.filter((t) => t.includes('sending messages too fast'))).toHaveLength(1);
  });

  it('tells the customer when something fails and logs it without the bot token', async () => {
    world = await startBotShop([]);
    expectErrors = true;
    const xia = world.customer();
    await say(xia, '/start', has('Proxy Storefront'));
    world.emu.faults.inject('editMessageText', { status: 400, description: 'Bad Request: something unexpected' });
    await press(xia, '💰 Wallet', has('Something went wrong on our side'));
    const errors = world.errors();
    expect(errors.some((l) => l.includes('update failed') && l.includes('something unexpected'))).toBe(true);
    expect(world.logs.join('\n')).not.toContain(world.emu.token);
  });
});
