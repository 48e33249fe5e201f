/**
 * The operator console's small parts: the admin's formatting turned into
 * Telegram HTML, the button line, the low-balance setting, and the folding
 * rule that never folds an alert a person must answer one by one.
 */
import { describe, expect, it } from 'vitest';
import type { MessageEntity } from 'grammy/types';
import { entitiesToHtml, parseButton } from '../../src/bot/features/operator-broadcast.js';
import { parseConfig, parseLowBalanceThresholds } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import type { OutboxMessage } from '../../src/services/outbox.js';
import { createOperatorAlerts } from '../../src/services/operator-alerts.js';

describe('entitiesToHtml', () => {
  it('keeps formatting, escapes the text, and nests overlapping entities', () => {
    const text = 'Sale <now> & bold-italic end';
    const entities: MessageEntity[] = [
      { type: 'bold', offset: 0, length: 4 },
      { type: 'text_link', offset: 5, length: 5, url: 'https://shop.example/?a=1&b="2"' },
      { type: 'bold', offset: 13, length: 11 },
      // "italic end" overlaps "bold-italic" without nesting in it: closed at the bold's end and reopened.
      { type: 'italic', offset: 18, length: 10 },
      // Not formatting: left as text.
      { type: 'mention', offset: 0, length: 4 },
    ];
    expect(entitiesToHtml(text, entities)).toBe(
      '<b>Sale</b> <a href="https://shop.example/?a=1&amp;b=&quot;2&quot;">&lt;now&gt;</a> &amp; <b>bold-<i>italic</i></b><i> end</i>',
    );
  });

  it('counts offsets in UTF-16 units, so text after an emoji is formatted where the admin meant', () => {
    expect(entitiesToHtml('🔥 hot', [{ type: 'bold', offset: 3, length: 3 }])).toBe('🔥 <b>hot</b>');
    expect(entitiesToHtml('plain <text>')).toBe('plain &lt;text&gt;');
  });
});

describe('parseButton', () => {
  it('takes "Label | URL" or "Label URL", http(s) only', () => {
    expect(parseButton('Open the shop | https://shop.example/x')).toEqual({ text: 'Open the shop', url: 'https://shop.example/x' });
    expect(parseButton('Go http://a.example')).toEqual({ text: 'Go', url: 'http://a.example' });
    expect(parseButton('Open | javascript:alert(1)')).toBeUndefined();
    expect(parseButton('https://only.example')).toBeUndefined();
  });
});

describe('UPSTREAM_LOW_BALANCE_CENTS', () => {
  it('one number for all, per upstream, or both', () => {
    expect(parseLowBalanceThresholds('')).toEqual({ perProviderCents: {} });
    expect(parseLowBalanceThresholds('5000')).toEqual({ allCents: 5_000, perProviderCents: {} });
    expect(parseLowBalanceThresholds('gateproxy=5000, flashproxy=10000')).toEqual({
      perProviderCents: { gateproxy: 5_000, flashproxy: 10_000 },
    });
    expect(parseLowBalanceThresholds('2000,gateproxy=5000')).toEqual({ allCents: 2_000, perProviderCents: { gateproxy: 5_000 } });
  });

  it('refuses a malformed value or an unknown upstream with a clear problem', () => {
    const bad = parseConfig({ UPSTREAM_LOW_BALANCE_CENTS: '50 dollars' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems[0]).toMatch(/^UPSTREAM_LOW_BALANCE_CENTS: must be cents for every upstream/);
    const unknown = parseConfig({ UPSTREAM_LOW_BALANCE_CENTS: 'nowhere=100' });
    expect(!unknown.ok && unknown.problems[0]).toMatch(/no upstream is called nowhere/);
    const good = parseConfig({ UPSTREAM_LOW_BALANCE_CENTS: 'lumiweb=100', OPERATOR_TOPIC_PROBLEMS: '7' });
    expect(good.ok && good.config.upstreamLowBalance).toEqual({ perProviderCents: { lumiweb: 100 } });
    expect(good.ok && good.config.operatorTopics).toEqual({ problems: 7 });
    expect(parseConfig({ OPERATOR_TOPIC_SALES: '-3' }).ok).toBe(false);
  });
});

describe('operator alert folding', () => {
  const message = (id: number, kind: string): OutboxMessage => ({
    id,
    audience: 'operators',
    userId: null,
    kind,
    payload: JSON.stringify({ orderId: `ord_${id}` }),
    dedupeKey: null,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: 0,
    lastError: null,
    createdAt: 0,
  });

  it('past the budget order alerts fold, a manual top-up request never does, and the summary counts what folded', () => {
    const queued: unknown[] = [];
    let now = 1_000_000;
    const alerts = createOperatorAlerts({ outbox: { enqueue: (e) => queued.push(e) > 0 }, logger: silentLogger, now: () => now });
    const render = alerts.wrap(() => ({ text: 'alert' }));
    const results = Array.from({ length: 25 }, (_, i) => render(message(i, 'order_needs_attention'), 'en'));
    expect(results.filter((r) => r !== null)).toHaveLength(18);
    expect(render(message(99, 'manual_topup_requested'), 'en')).toEqual({ text: 'alert' });
    // Customers' messages are not the group's business.
    expect(render({ ...message(100, 'order_delivered'), audience: 'user' }, 'en')).toEqual({ text: 'alert' });

    expect(alerts.flush()).toBe(false);
    now += 60_000;
    expect(alerts.flush()).toBe(true);
    expect(queued).toMatchObject([{ kind: 'alerts_folded', payload: { counts: { order_needs_attention: 7 } } }]);
    expect((queued[0] as { payload: { orderIds: string[] } }).payload.orderIds).toEqual([
      'ord_18',
      'ord_19',
      'ord_20',
      'ord_21',
      'ord_22',
      'ord_23',
      'ord_24',
    ]);
    // A minute later the budget is free again.
    expect(render(message(200, 'order_needs_attention'), 'en')).toEqual({ text: 'alert' });
  });
});
