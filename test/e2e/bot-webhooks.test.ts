/**
 * Webhooks in the real bot, as a customer who scripts the shop uses them:
 * the main menu's Webhooks screen, `/webhook <url>` showing the signing
 * secret once, a test event that reaches a real receiver on 127.0.0.1
 * signed with that secret, the delivery log, and removal.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { has, labels, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { startReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let world: BotShop | undefined;
let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  const errors = world?.errors() ?? [];
  await receiver?.close();
  await world?.close();
  world = undefined;
  receiver = undefined;
  expect(errors).toEqual([]);
});

/** What a customer's server checks: `t=<s>,v1=<hex HMAC of "<t>.<body>">` with the secret. */
function signedWith(secret: string, header: string | string[] | undefined, body: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
  return match !== null && createHmac('sha256', secret).update(`${match[1]}.${body}`).digest('hex') === match[2];
}

describe('webhooks in the bot', () => {
  it('adds a URL by /webhook, shows its secret once, sends a signed test event and shows the log', async () => {
    world = await startBotShop([], { shop: { webhooks: { allowPrivateUrls: true } } });
    receiver = await startReceiver();
    const ann = world.customer();
    await say(ann, '/start', has('Proxy Storefront'));
    await press(ann, '🔔 Webhooks', has('You have no webhook URLs yet'));

    const added = await say(ann, `/webhook ${receiver.url}`, has('Webhook added'));
    const secret = /whsec_[A-Za-z0-9_-]+/.exec(added.plainText)?.[0];
    expect(secret).toBeDefined();
    expect(added.plainText).toContain('only time the secret is shown');

    const list = await press(ann, '« Back', has(receiver.url));
    expect(list.plainText).not.toContain(secret!);
    expect(labels(ann, list)).toEqual(['🧪 Test 1', '📜 Log 1', '🗑 Remove 1', '☰ Main menu']);

    await press(ann, '🧪 Test 1', has('Test event delivered (HTTP 200)'));
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.headers['x-webhook-event']).toBe('webhook.test');
    expect(signedWith(secret!, request!.headers['x-webhook-signature'], request!.body)).toBe(true);

    const log = await press(ann, '📜 Log 1', has('Recent deliveries'));
    expect(log.plainText).toMatch(/webhook\.test · delivered · tries: 1 · HTTP 200/);
    // The secret went to the customer's chat only, never to the logs.
    expect(world.logs.join('\n')).not.toContain(secret!);
  });

  it('says when the receiver refuses the test event, refuses a bad URL, and removes a URL', async () => {
    world = await startBotShop([], { shop: { webhooks: { allowPrivateUrls: true } } });
    receiver = await startReceiver(503);
    const ben = world.customer();
    await say(ben, '/start', has('Proxy Storefront'));
    await say(ben, '/webhook ftp://example.com/hooks', has('That URL cannot be used'));
    await say(ben, `/webhook ${receiver.url}`, has('Webhook added'));
    await say(ben, '/webhooks', has(receiver.url));

    await press(ben, '🧪 Test 1', has('The test event was not accepted: HTTP 503'));
    const log = await press(ben, '📜 Log 1', has('Recent deliveries'));
    // A test event is tried once: the customer is watching and can press again.
    expect(log.plainText).toMatch(/webhook\.test · gave up · tries: 1 · HTTP 503/);

    await press(ben, '« Back', has(receiver.url));
    await press(ben, '🗑 Remove 1', has('Remove the webhook'));
    const removed = await press(ben, 'Yes, remove it', has('The webhook was removed'));
    expect(removed.plainText).toContain('You have no webhook URLs yet');
    expect(world.shop.webhooks.list(world.account(ben).id)).toEqual([]);
  });
});
