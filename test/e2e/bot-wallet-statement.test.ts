/**
 * The wallet history as a customer reads it in the real bot: one line per
 * purchase naming what was bought (pending while the order is open, struck
 * through when the money came back), a Stars refund named as such, and an
 * operator's adjustment named with its reason. The API's statement carries
 * the same lines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatCents as money } from '../../src/domain/money.js';
import type { ChatMessage } from '../../src/sandbox/telegram/index.js';
import { has, press, say, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';

let world: BotShop | undefined;
afterEach(async () => {
  if (world) {
    expect(world.shop.orders.checkInvariants()).toEqual([]);
    expect(world.errors()).toEqual([]);
    await world.close();
    world = undefined;
  }
});

const historyLines = (m: ChatMessage) => m.plainText.split('\n').filter((l) => /^\d{4}-\d\d-\d\d · /.test(l));

describe('wallet history', () => {
  it('shows one line per purchase with what was bought, pending and returned purchases, a Stars refund and an adjustment', async () => {
    const w = await startBotShop(['proxy-ipv4', 'lumiweb'], { shop: { upstreamTimeoutMs: 300 } });
    world = w;
    const ann = w.customer({ firstName: 'Ann' });
    await say(ann, '/start', has('Proxy Storefront'));
    const { id } = w.account(ann);
    w.shop.wallet.creditTopUp({ userId: id, method: 'manual', externalId: 'bank-1', amountCents: 100_00 });
    w.shop.wallet.creditTopUp({ userId: id, method: 'stars', externalId: 'charge-1', amountCents: 25_00 });
    w.shop.wallet.reverseTopUp({
      userId: id,
      method: 'stars',
      externalId: 'charge-1',
      amountCents: 25_00,
      actor: 'admin:1',
      reason: 'asked',
    });

    // A delivered purchase.
    const ipv4 = await w.shop.orders.quote(id, 'proxy-ipv4', await firstChoice(w.shop, 'proxy-ipv4', 2));
    if (!ipv4.ok) throw new Error(ipv4.message);
    const bought = await w.shop.orders.purchase({ userId: id, quoteId: ipv4.quote.id, intentKey: 'a', channel: 'bot' });
    expect(bought.kind).toBe('delivered');

    // Two LumiWeb purchases whose answers are lost: one settled as failed by an operator, one still open.
    const quotes = [];
    for (let i = 0; i < 2; i++) {
      const quoted = await w.shop.orders.quote(id, 'lumiweb', await firstChoice(w.shop, 'lumiweb'));
      if (!quoted.ok) throw new Error(quoted.message);
      quotes.push(quoted);
    }
    const sim = w.shop.upstream('lumiweb').simulator;
    sim.faults.inject({ kind: 'hang_after' }, { method: 'POST', path: /\/proxy\/static$/, times: 2 });
    sim.faults.inject({ kind: 'error_before', status: 503 }, { method: 'GET', times: Infinity });
    const stuck = [];
    for (const [key, quoted] of [
      ['b', quotes[0]!],
      ['c', quotes[1]!],
    ] as const) {
      const result = await w.shop.orders.purchase({ userId: id, quoteId: quoted.quote.id, intentKey: key, channel: 'bot' });
      if (result.kind !== 'provisioning') throw new Error(result.kind);
      stuck.push(result.order);
    }
    const [failed, open] = stuck as [(typeof stuck)[0], (typeof stuck)[0]];
    expect(
      w.shop.orders.settleByOperator({ orderId: failed.id, decision: { outcome: 'failed' }, actor: 'admin:1', reason: 'lost' }),
    ).toMatchObject({
      kind: 'settled',
    });
    w.shop.wallet.adjust({ userId: id, amountCents: 3_00, adjustmentKey: 'goodwill-1', actor: 'admin:1', reason: 'Sorry for the outage' });

    await say(ann, '/start', has('Proxy Storefront'));
    await press(ann, '💰 Wallet', has('Available'));
    const history = await press(ann, '📜 History', has('Wallet history'));
    const lines = historyLines(history);
    const product = JSON.parse(w.shop.orders.order(bought.kind === 'delivered' ? bought.order.id : '')!.labels).product as string;
    const lumi = JSON.parse(open.labels).product as string;

    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/ · Adjustment by the shop: Sorry for the outage · \+\$3\.00$/);
    expect(lines[1]).toContain(lumi);
    expect(lines[1]!.endsWith(` · −${money(open.priceCents)} · ⏳ pending`)).toBe(true);
    expect(lines[2]).toContain(lumi);
    expect(lines[2]!.endsWith(` · −${money(failed.priceCents)} · returned to your wallet`)).toBe(true);
    expect(lines[3]).toContain(`${product}`);
    expect(lines[3]).toContain('× 2');
    expect(lines[3]!.endsWith(` · −${money(ipv4.quote.priceCents)}`)).toBe(true);
    expect(lines[4]).toMatch(/ · Telegram Stars payment refunded to you · −\$25\.00$/);
    expect(lines[5]).toMatch(/ · Top-up via Telegram Stars · \+\$25\.00$/);
    // No line speaks the ledger's language.
    expect(history.plainText).not.toMatch(/held money|money held|Top-up · −/);
    // The returned purchase's price is struck through: nothing left the wallet.
    expect(history.text).toContain(`<s>−${money(failed.priceCents)}</s>`);
    expect(lines[6]).toMatch(/ · Top-up via a transfer confirmed by the shop · \+\$100\.00$/);
  });
});
