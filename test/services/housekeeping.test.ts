/**
 * Retention under a steady load: a shop that takes quotes, sends messages and
 * starts conversations every hour for ten days keeps each table at about
 * rate × retention, instead of growing with every day it runs.
 */
import { describe, expect, it } from 'vitest';
import { createKvStorage } from '../../src/db/kv-storage.js';
import { createHousekeepingJob } from '../../src/scheduler/jobs/housekeeping.js';
import { parseConfig } from '../../src/config.js';
import { createOutbox, type AnyOutboxEntry } from '../../src/services/outbox.js';
import { eachTestShop, firstChoice } from '../helpers/shop.js';

const newShop = eachTestShop();
const HOUR = 3_600_000;

describe('housekeeping', () => {
  it('keeps quotes, sent messages and abandoned conversations bounded under a steady load', async () => {
    let clock = Date.now();
    const now = () => clock;
    const shop = await newShop(['proxy-panel'], { now });
    const user = shop.customer(0);
    const choice = await firstChoice(shop, 'proxy-panel');
    const kv = createKvStorage<unknown>(shop.database.db, { now });
    const retention = { quotesMs: 24 * HOUR, outboxMs: 2 * 24 * HOUR, conversationsMs: 24 * HOUR };
    const housekeeping = createHousekeepingJob({ db: shop.database.db, outbox: shop.outbox, retention, now });
    // The load is messages of no particular kind: the same table, written without the shop's event types.
    const loadOutbox = createOutbox<AnyOutboxEntry>({ db: shop.database.db, now });
    const count = (table: string) => (shop.database.sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

    const perHour = { quotes: 1, messages: 10, conversations: 3 };
    const peaks = { quotes: 0, outbox: 0, kv_store: 0 };
    const deleted = { quotes: 0, outbox: 0, conversations: 0 };
    const days = 10;
    for (let hour = 0; hour < days * 24; hour++) {
      for (let i = 0; i < perHour.quotes; i++) {
        const quoted = await shop.orders.quote(user.id, 'proxy-panel', choice);
        if (!quoted.ok) throw new Error(quoted.message);
      }
      for (let i = 0; i < perHour.messages; i++) {
        loadOutbox.enqueue({ audience: 'user', userId: user.id, kind: 'load', payload: { hour, i }, dedupeKey: `load:${hour}:${i}` });
      }
      for (const message of shop.outbox.due(100)) shop.outbox.markSent(message.id);
      for (let i = 0; i < perHour.conversations; i++) kv.write(`conversation:${hour}:${i}`, { step: 'abandoned' });
      // Housekeeping runs every six hours here (hourly in the shop), the slower the worse for the bound.
      if (hour % 6 === 5) {
        const result = await housekeeping();
        deleted.quotes += result.quotes;
        deleted.outbox += result.outbox;
        deleted.conversations += result.conversations;
      }
      if (hour >= 3 * 24) {
        peaks.quotes = Math.max(peaks.quotes, count('quotes'));
        peaks.outbox = Math.max(peaks.outbox, count('outbox'));
        peaks.kv_store = Math.max(peaks.kv_store, count('kv_store'));
      }
      clock += HOUR;
    }

    // Bound: rate × (retention + the quote's own life + one housekeeping period), with a little slack.
    expect(peaks.quotes).toBeLessThanOrEqual(perHour.quotes * (24 + 1 + 6) + 2);
    expect(peaks.outbox).toBeLessThanOrEqual(perHour.messages * (48 + 6 + 1));
    expect(peaks.kv_store).toBeLessThanOrEqual(perHour.conversations * (24 + 6 + 1));
    // Without housekeeping they would hold everything: 240 quotes, 2400 messages, 720 conversations.
    expect(deleted.quotes).toBeGreaterThan(200);
    expect(deleted.outbox).toBeGreaterThan(1_800);
    expect(deleted.conversations).toBeGreaterThan(600);
    // Pending messages are never deleted, however old.
    loadOutbox.enqueue({ audience: 'user', userId: user.id, kind: 'load', payload: {}, dedupeKey: 'still-pending' });
    clock += 30 * 24 * HOUR;
    shop.database.sqlite.prepare("UPDATE outbox SET next_attempt_at = ? WHERE dedupe_key = 'still-pending'").run(clock + HOUR);
    await housekeeping();
    expect(shop.outbox.list().map((m) => m.dedupeKey)).toEqual(['still-pending']);
  }, 60_000);

  it('reads its retention from the settings, refusing an outbox retention shorter than the dedupe window', () => {
    const parsed = parseConfig({ RETENTION_QUOTES_HOURS: '12', RETENTION_OUTBOX_DAYS: '7', RETENTION_CONVERSATIONS_DAYS: '3' });
    expect(parsed.ok && parsed.config.retention).toEqual({ quotesMs: 12 * HOUR, outboxMs: 7 * 24 * HOUR, conversationsMs: 3 * 24 * HOUR });
    const defaults = parseConfig({});
    expect(defaults.ok && defaults.config.retention).toEqual({
      quotesMs: 24 * HOUR,
      outboxMs: 30 * 24 * HOUR,
      conversationsMs: 7 * 24 * HOUR,
    });
    const tooShort = parseConfig({ RETENTION_OUTBOX_DAYS: '1' });
    expect(tooShort.ok).toBe(false);
    expect(!tooShort.ok && tooShort.problems.join()).toMatch(/RETENTION_OUTBOX_DAYS/);
  });
});
