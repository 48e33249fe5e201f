/**
 * Buying through the REST API as a customer's script would: catalog, quote,
 * order with an Idempotency-Key, over real HTTP against the simulators. The
 * ledger's invariants are checked after every test.
 */
import { describe, expect, it } from 'vitest';
import { eachTestApi, quoteFirst, firstOffer } from './harness.js';

const newApi = eachTestApi();

describe('POST /orders', () => {
  it('catalog → quote → order delivers the upstream’s proxies and charges exactly the quoted price, once', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);

    const catalog = await api.call('GET', '/catalog', { token });
    expect(catalog.status).toBe(200);
    expect(catalog.json.success).toBe(true);
    const ipv4 = catalog.json.providers.find((p: { id: string }) => p.id === 'proxy-ipv4');
    expect(ipv4.status).toBe('available');
    expect(ipv4.products.length).toBeGreaterThan(0);
    expect(ipv4.products[0]).toMatchObject({ quantity: { min: expect.any(Number), max: expect.any(Number) } });
    // What the upstream charges us is ours to know.
    expect(catalog.text).not.toMatch(/cost/i);

    const offer = await firstOffer(api, token, 'proxy-ipv4');
    const quoted = await api.call('POST', '/quotes', { token, body: offer });
    expect(quoted.status).toBe(201);
    const quote = quoted.json.quote;
    expect(quote).toMatchObject({
      id: expect.any(String),
      kind: 'purchase',
      provider: 'proxy-ipv4',
      choice: { product: offer.product, country: offer.country, term: offer.term, quantity: 1 },
      labels: { provider: expect.any(String), product: expect.any(String), term: expect.any(String) },
    });
    expect(Number.isSafeInteger(quote.price_cents) && quote.price_cents > 0).toBe(true);
    expect(Date.parse(quote.expires_at)).toBeGreaterThan(Date.now());
    expect(quoted.text).not.toMatch(/cost/i);

    const bought = await api.call('POST', '/orders', { token, idempotencyKey: 'first-order-0001', body: { quote_id: quote.id } });
    expect(bought.status).toBe(201);
    expect(bought.headers.get('cache-control')).toBe('no-store');
    const { order, proxies } = bought.json;
    expect(order).toMatchObject({
      state: 'delivered',
      kind: 'purchase',
      quote_id: quote.id,
      price_cents: quote.price_cents,
      channel: 'api',
    });
    expect(proxies).toHaveLength(1);
    const upstream = api.shop.upstream('proxy-ipv4').simulator.proxies();
    for (const proxy of proxies) {
      const there = upstream.find((p) => p.login === proxy.login);
      expect(there, `the simulator has a proxy with login ${proxy.login}`).toBeDefined();
      expect({ host: proxy.host, http_port: proxy.http_port, login: proxy.login, password: proxy.password }).toEqual({
        host: there!.ip,
        http_port: there!.httpsPort,
        login: there!.login,
        password: there!.password,
      });
    }

    const balance = await api.call('GET', '/balance', { token });
    expect(balance.json.balance).toEqual({ available_cents: 100_00 - quote.price_cents, held_cents: 0 });

    // The same request again — a retry after a lost answer — is the same order, charged once.
    const again = await api.call('POST', '/orders', { token, idempotencyKey: 'first-order-0001', body: { quote_id: quote.id } });
    expect(again.status).toBe(201);
    expect(again.json.order.id).toBe(order.id);
    expect(again.json.proxies.map((p: { id: string }) => p.id)).toEqual(proxies.map((p: { id: string }) => p.id));
    expect(api.shop.upstream('proxy-ipv4').simulator.purchaseCount()).toBe(1);
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(100_00 - quote.price_cents);

    // The same key for another quote is a client bug, refused without a charge.
    const other = await quoteFirst(api, token);
    const conflict = await api.call('POST', '/orders', { token, idempotencyKey: 'first-order-0001', body: { quote_id: other.id } });
    expect(conflict.status).toBe(409);
    expect(conflict.json).toMatchObject({ success: false, error: { code: 'idempotency_conflict', order_id: order.id } });
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(100_00 - quote.price_cents);

    const listed = await api.call('GET', '/orders?limit=10', { token });
    expect(listed.json.orders.map((o: { id: string }) => o.id)).toEqual([order.id]);
    expect(listed.json.next_cursor).toBeNull();
    const one = await api.call('GET', `/orders/${order.id}`, { token });
    expect(one.status).toBe(200);
    expect(one.json.order.state).toBe('delivered');
    expect(one.json.proxies[0].password).toBe(proxies[0].password);

    const me = await api.call('GET', '/me', { token });
    expect(me.json).toMatchObject({
      success: true,
      user: { id: user.id },
      balance: { available_cents: 100_00 - quote.price_cents, held_cents: 0 },
      token: { name: 'script 1', scopes: ['read', 'buy'] },
    });

    // The wallet's history pages with its cursor: the purchase, then the top-up.
    const newest = await api.call('GET', '/transactions?limit=1', { token });
    expect(newest.json.transactions).toHaveLength(1);
    expect(newest.json.transactions[0]).toMatchObject({ category: 'purchase', order_id: order.id });
    expect(newest.json.next_cursor).toEqual(expect.any(String));
    let cursor = newest.json.next_cursor as string | null;
    const older: Array<{ category: string; available_change_cents: number }> = [];
    while (cursor !== null) {
      const page = await api.call('GET', `/transactions?limit=1&cursor=${cursor}`, { token });
      older.push(...page.json.transactions);
      cursor = page.json.next_cursor;
    }
    expect(older.at(-1)).toMatchObject({ category: 'topup', available_change_cents: 100_00 });

    // The statement tells the same story as the bot: the purchase once, with what was bought, then the top-up.
    const statement = await api.call('GET', '/statement?limit=10', { token });
    expect(statement.status).toBe(200);
    expect(statement.json.lines).toEqual([
      expect.objectContaining({
        type: 'purchase',
        status: 'paid',
        amount_cents: quote.price_cents,
        available_change_cents: -quote.price_cents,
        order: expect.objectContaining({
          id: order.id,
          kind: 'purchase',
          provider: expect.any(String),
          product: expect.any(String),
          quantity: 1,
        }),
      }),
      expect.objectContaining({ type: 'topup', topup_method: 'manual', available_change_cents: 100_00, order: null }),
    ]);
    expect(statement.json.next_cursor).toBeNull();
  });

  it('20 concurrent requests with one key make one order and one charge', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);
    const quote = await quoteFirst(api, token);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        api!.call('POST', '/orders', { token, idempotencyKey: 'burst-key-0001', body: { quote_id: quote.id } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.json.order.id)).size).toBe(1);
    expect(api.shop.orders.ordersOfUser(user.id)).toHaveLength(1);
    expect(api.shop.upstream('proxy-ipv4').simulator.purchaseCount()).toBe(1);
    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 100_00 - quote.price_cents, heldCents: 0 });
  });

  it('needs a well-formed Idempotency-Key', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);
    const quote = await quoteFirst(api, token);

    const missing = await api.call('POST', '/orders', { token, body: { quote_id: quote.id } });
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe('idempotency_key_required');

    for (const key of ['short', 'has space in it', 'x'.repeat(101), 'naïve-key-123']) {
      const bad = await api.call('POST', '/orders', { token, headers: { 'Idempotency-Key': key }, body: { quote_id: quote.id } });
      expect(bad.status, key).toBe(400);
      expect(bad.json.error.code).toBe('invalid_request');
    }

    // The longest allowed key still works, and means one order like any other.
    const longKey = 'k'.repeat(100);
    const first = await api.call('POST', '/orders', { token, idempotencyKey: longKey, body: { quote_id: quote.id } });
    const second = await api.call('POST', '/orders', { token, idempotencyKey: longKey, body: { quote_id: quote.id } });
    expect(first.status).toBe(201);
    expect(second.json.order.id).toBe(first.json.order.id);
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(100_00 - quote.price_cents);
  });

  it('refuses malformed JSON and wrongly typed fields, charging nothing', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);

    const broken = await api.call('POST', '/orders', {
      token,
      idempotencyKey: 'broken-json-1',
      rawBody: '{"quote_id": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.json).toEqual({ success: false, error: { code: 'invalid_json', message: expect.any(String) } });

    const typed = await api.call('POST', '/orders', { token, idempotencyKey: 'typed-wrong-1', body: { quote_id: 42, extra: true } });
    expect(typed.status).toBe(400);
    expect(typed.json.error.code).toBe('invalid_request');
    expect(typed.json.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'quote_id' }),
        expect.objectContaining({ message: expect.stringMatching(/extra/) }),
      ]),
    );

    const quoteBody = await api.call('POST', '/quotes', {
      token,
      body: { provider: 'proxy-ipv4', product: 'ipv4', term: '30', quantity: 'two' },
    });
    expect(quoteBody.status).toBe(400);
    expect(quoteBody.json.error.details).toEqual([expect.objectContaining({ path: 'quantity' })]);

    const unknownProvider = await api.call('POST', '/quotes', {
      token,
      body: { provider: 'nope', product: 'ipv4', term: '30', quantity: 1 },
    });
    expect(unknownProvider.status).toBe(400);
    expect(unknownProvider.json.error.details).toEqual([expect.objectContaining({ path: 'provider' })]);

    const unknownQuote = await api.call('POST', '/orders', { token, idempotencyKey: 'no-such-quote', body: { quote_id: 'q_nope' } });
    expect(unknownQuote.status).toBe(404);

    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 100_00, heldCents: 0 });
    expect(api.shop.upstream('proxy-ipv4').simulator.purchaseCount()).toBe(0);
  });

  it('a short wallet is 402 with what is required and what is available', async () => {
    const api = await newApi();
    const user = api.shop.customer(1);
    const token = api.token(user.id, ['read', 'buy']);
    const quote = await quoteFirst(api, token);
    const answer = await api.call('POST', '/orders', { token, idempotencyKey: 'too-poor-0001', body: { quote_id: quote.id } });
    expect(answer.status).toBe(402);
    expect(answer.json.error).toMatchObject({ code: 'insufficient_balance', required_cents: quote.price_cents, available_cents: 1 });
    expect(api.shop.orders.ordersOfUser(user.id)).toHaveLength(0);
    expect(api.shop.upstream('proxy-ipv4').simulator.purchaseCount()).toBe(0);
  });

  it('an expired quote is 409 quote_expired with the current price', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);
    const quote = await quoteFirst(api, token);
    api.advanceClock(Date.parse(quote.expires_at) - Date.now() + 1_000);
    const answer = await api.call('POST', '/orders', { token, idempotencyKey: 'late-order-01', body: { quote_id: quote.id } });
    expect(answer.status).toBe(409);
    expect(answer.json.error.code).toBe('quote_expired');
    const fresh = answer.json.error.new_quote;
    expect(fresh).toMatchObject({ id: expect.any(String), price_cents: expect.any(Number) });
    expect(fresh.id).not.toBe(quote.id);
    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 100_00, heldCents: 0 });

    // The new quote buys under the same key: the expired attempt made no order.
    const bought = await api.call('POST', '/orders', { token, idempotencyKey: 'late-order-01', body: { quote_id: fresh.id } });
    expect(bought.status).toBe(201);
    expect(api.shop.wallet.balance(user.id).availableCents).toBe(100_00 - fresh.price_cents);
  });

  it('a refusal upstream is 422 order_failed with the order, and the hold is released', async () => {
    const api = await newApi();
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);
    const quote = await quoteFirst(api, token);
    // Our balance there is below the price: refused before anything is sent. (proxy-ipv4 documents no
    // failure of its order call, so a sold-out answer to it is ambiguous and settles by lookup instead.)
    api.shop.upstream('proxy-ipv4').simulator.setBalanceCents(0);
    const answer = await api.call('POST', '/orders', { token, idempotencyKey: 'sold-out-0001', body: { quote_id: quote.id } });
    expect(answer.status).toBe(422);
    expect(answer.json.error).toMatchObject({ code: 'order_failed', order: { state: 'failed', failure: { code: expect.any(String) } } });
    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 100_00, heldCents: 0 });
  });

  it('an answer lost upstream is 202 provisioning; the same key then shows the order as it is now', async () => {
    const api = await newApi({ upstreamTimeoutMs: 300 });
    const user = api.shop.customer(100_00);
    const token = api.token(user.id, ['read', 'buy']);
    const quote = await quoteFirst(api, token);
    // The upstream takes the order, then its answer never arrives.
    api.shop.upstream('proxy-ipv4').simulator.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/order$/ });
    const pending = await api.call('POST', '/orders', { token, idempotencyKey: 'lost-answer-1', body: { quote_id: quote.id } });
    expect(pending.status).toBe(202);
    expect(pending.json.order.state).toBe('provisioning');
    expect(pending.json.order.failure).toBeNull();
    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 100_00 - quote.price_cents, heldCents: quote.price_cents });
    const polled = await api.call('GET', `/orders/${pending.json.order.id}`, { token });
    expect(polled.json).toMatchObject({ order: { state: 'provisioning' }, proxies: [] });

    // The reconciler finds the upstream's order; the retry now gets the delivered order, not a second one.
    expect((await api.shop.orders.reconcile(pending.json.order.id)).kind).toBe('delivered');
    const retried = await api.call('POST', '/orders', { token, idempotencyKey: 'lost-answer-1', body: { quote_id: quote.id } });
    expect(retried.status).toBe(201);
    expect(retried.json.order.id).toBe(pending.json.order.id);
    expect(retried.json.proxies).toHaveLength(1);
    expect(api.shop.upstream('proxy-ipv4').simulator.purchaseCount()).toBe(1);
    expect(api.shop.wallet.balance(user.id)).toEqual({ availableCents: 100_00 - quote.price_cents, heldCents: 0 });
  });

  it('another customer’s order is 404, like a missing one', async () => {
    const api = await newApi();
    const alice = api.shop.customer(100_00, 'Alice');
    const bob = api.shop.customer(100_00, 'Bob');
    const aliceToken = api.token(alice.id, ['read', 'buy']);
    const bobToken = api.token(bob.id, ['read', 'buy']);
    const quote = await quoteFirst(api, aliceToken);
    const bought = await api.call('POST', '/orders', { token: aliceToken, idempotencyKey: 'alice-order-1', body: { quote_id: quote.id } });
    const orderId = bought.json.order.id;

    const peek = await api.call('GET', `/orders/${orderId}`, { token: bobToken });
    const missing = await api.call('GET', '/orders/ord_doesnotexist', { token: bobToken });
    expect(peek.status).toBe(404);
    expect(peek.json).toEqual(missing.json);
    expect((await api.call('GET', '/orders', { token: bobToken })).json.orders).toEqual([]);

    // Nor can Bob buy with Alice's quote.
    const stolen = await api.call('POST', '/orders', { token: bobToken, idempotencyKey: 'bob-takes-it', body: { quote_id: quote.id } });
    expect(stolen.status).toBe(404);
    expect(api.shop.wallet.balance(bob.id).availableCents).toBe(100_00);
  });
});
