/**
 * "Require signed requests" in the bot's token flow, then the REST API as
 * the customer's script meets it: the token and its signing secret come from
 * the bot's message, a signed purchase goes through, an unsigned one is 401
 * and moves no money.
 */
import { serve } from '@hono/node-server';
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/app.js';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';

let world: BotShop | undefined;
let server: Server | undefined;

afterEach(async () => {
  const errors = world?.errors() ?? [];
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
  }
  await world?.close();
  world = undefined;
  server = undefined;
  expect(errors).toEqual([]);
});

async function serveApi(w: BotShop): Promise<string> {
  const app = createApi({ sqlite: w.shop.database.sqlite, startedAt: Date.now() }, { v1: { services: w.shop } });
  server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started as Server));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
}

describe('a signing token from the bot', () => {
  it('shows the signing secret once next to the token; signed money requests buy, unsigned ones are 401', async () => {
    world = await startBotShop(['proxy-ipv4']);
    const sam = world.customer();
    await say(sam, '/start', has('Proxy Storefront'));
    world.credit(sam, 100_00);
    await press(sam, '🔑 API tokens', has('You have no tokens yet'));
    await press(sam, '➕ Create a token', has('send a name'));
    await say(sam, 'signed buyer', has('what may it do'));
    await press(sam, '▫️ buy', (m) => labels(sam, m).includes('✅ buy'));
    const asked = await press(sam, 'Next »', has('Require signed requests?'));
    expect(labels(sam, asked)).toContain('▫️ Require signed requests');
    await press(sam, '▫️ Require signed requests', (m) => labels(sam, m).includes('✅ Require signed requests'));
    await press(sam, 'Next »', has('When should it expire'));
    const created = await press(sam, 'Never', has('Your new token'));
    const token = /pst_[0-9A-Za-z]+_[0-9A-Za-z]+/.exec(created.plainText)?.[0];
    const secret = /pss_[A-Za-z0-9_-]+/.exec(created.plainText)?.[0];
    expect(token).toBeDefined();
    expect(secret).toBeDefined();
    expect(created.plainText).toContain('Its signing secret');
    const list = await press(sam, '🔑 API tokens', has('signed buyer'));
    expect(list.plainText).not.toContain(secret!);
    expect(world.logs.join('\n')).not.toContain(secret!);

    const api = await serveApi(world);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const quoted = await fetch(`${api}/quotes`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ provider: 'proxy-ipv4', product: 'ipv4', country: 'USA', term: '30', quantity: 1 }),
    });
    expect(quoted.status).toBe(201);
    const { quote } = (await quoted.json()) as { quote: { id: string; price_cents: number } };
    const body = JSON.stringify({ quote_id: quote.id });
    const { id: userId } = world.account(sam);

    const unsigned = await fetch(`${api}/orders`, { method: 'POST', headers: { ...auth, 'idempotency-key': 'bot-signed-0001' }, body });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect(world.shop.wallet.balance(userId)).toEqual({ availableCents: 100_00, heldCents: 0 });

    // Signed the way the API documentation tells a customer to, independently of the shop's code.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', secret!).update(`${timestamp}\nPOST\n/api/v1/orders\n${body}`).digest('hex');
    const signed = await fetch(`${api}/orders`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': 'bot-signed-0001', 'x-timestamp': timestamp, 'x-signature': signature },
      body,
    });
    expect(signed.status).toBe(201);
    expect(world.shop.wallet.balance(userId)).toEqual({ availableCents: 100_00 - quote.price_cents, heldCents: 0 });
  });

  it('does not ask about signing for a token that cannot spend money', async () => {
    world = await startBotShop([]);
    const ria = world.customer();
    await say(ria, '/start', has('Proxy Storefront'));
    await press(ria, '🔑 API tokens', has('You have no tokens yet'));
    await press(ria, '➕ Create a token', has('send a name'));
    await say(ria, 'reader', has('what may it do'));
    await press(ria, 'Next »', has('When should it expire'));
  });
});
