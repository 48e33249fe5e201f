/**
 * The periodic jobs: expiry reminders and auto-renewal, against a real
 * upstream simulator and the real saga.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createAutoRenewJob } from '../../src/scheduler/jobs/auto-renew.js';
import { createReminderJob } from '../../src/scheduler/jobs/reminders.js';
import { shopJobs, startScheduler, type Job } from '../../src/scheduler/index.js';
import { BATCH_ROWS, standaloneContext } from '../../src/lib/batches.js';
import { createExpiryJob } from '../../src/scheduler/jobs/expiry.js';
import { eachTestShop, firstChoice, type TestShop } from '../helpers/shop.js';
import { waitFor } from '../helpers/wait.js';

const newShop = eachTestShop();

const HOUR = 3_600_000;

/** A customer who owns one proxy-panel proxy that expires `inHours` from now. */
async function ownedProxy(s: TestShop, funds: number, inHours: number) {
  const user = s.customer(funds);
  const quoted = await s.orders.quote(user.id, 'proxy-panel', await firstChoice(s, 'proxy-panel'));
  if (!quoted.ok) throw new Error(quoted.message);
  const bought = await s.orders.purchase({ userId: user.id, quoteId: quoted.quote.id, intentKey: 'buy', channel: 'bot' });
  if (bought.kind !== 'delivered') throw new Error(bought.kind);
  const proxy = bought.proxies[0]!;
  const expiresAt = Date.now() + inHours * HOUR;
  // Bought a month ago: reminders whose moment passed before a purchase are not sent.
  s.database.sqlite
    .prepare('UPDATE subscriptions SET expires_at = ?, created_at = ? WHERE id = ?')
    .run(expiresAt, Date.now() - 30 * 24 * HOUR, proxy.id);
  return { user, proxy: { ...proxy, expiresAt }, pricePaid: quoted.quote.priceCents };
}

describe('expiry reminders', () => {
  it('remind three days and one day ahead, once per expiry', async () => {
    const shop = await newShop(['proxy-panel']);
    let clock = Date.now();
    const remind = createReminderJob({ ...shop, now: () => clock });
    const { user, proxy } = await ownedProxy(shop, 100_000, 60);

    expect(await remind()).toEqual({ queued: 1 }); // inside the 72 h window
    expect(await remind()).toEqual({ queued: 0 }); // not twice
    clock += 40 * HOUR; // now 20 h before expiry
    expect(await remind()).toEqual({ queued: 1 });
    const reminders = shop.outbox.list({ kind: 'expiry_reminder' });
    expect(reminders.map((r) => r.userId)).toEqual([user.id, user.id]);
    expect(JSON.parse(reminders[0]!.payload)).toMatchObject({ subscriptionId: proxy.id, expiresAt: proxy.expiresAt });
  });

  it('say nothing about proxies far from expiry or already expired', async () => {
    const shop = await newShop(['proxy-panel']);
    const remind = createReminderJob(shop);
    await ownedProxy(shop, 100_000, 24 * 10);
    const second = await ownedProxy(shop, 100_000, -1);
    expect(second.proxy.expiresAt < Date.now()).toBe(true);
    expect(await remind()).toEqual({ queued: 0 });
  });
});

/** `count` more proxies of the customer's first order, expiring `inHours` from now (a bulk insert, as a busy shop would have). */
function manyProxies(s: TestShop, like: { id: string }, count: number, inHours: number) {
  const copy = s.database.sqlite.prepare(
    `INSERT INTO subscriptions (id, user_id, order_id, provider_id, product_id, product_name, upstream_id, host, login, password, expires_at, status, created_at)
     SELECT ?, user_id, order_id, provider_id, product_id, product_name, ?, host, login, password, ?, 'active', created_at FROM subscriptions WHERE id = ?`,
  );
  s.database.sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      copy.run(`bulk-${i}`, `bulk-upstream-${i}`, Date.now() + inHours * HOUR + i, like.id);
    }
  })();
}

describe('expiry reminders across the move to epoch-ms times', () => {
  it('keep dedupe keys in the ISO form recorded before, and resume from progress saved as ISO text', async () => {
    const shop = await newShop(['proxy-panel']);
    const clock = Date.now();
    const { user, proxy } = await ownedProxy(shop, 100_000, 60);
    const remind = createReminderJob({ ...shop, now: () => clock });
    // Progress as the job saved it when times were ISO text: both windows covered up to 70 h from now.
    let progress: string | undefined = JSON.stringify({
      '72h': new Date(clock + 70 * HOUR).toISOString(),
      '24h': new Date(clock + 24 * HOUR).toISOString(),
    });
    const ctx = {
      ...standaloneContext(),
      progress: {
        read: () => progress,
        save: (value: string) => {
          progress = value;
        },
      },
    };

    // The proxy expires inside the stretch already covered: nothing is walked again.
    expect(await remind(ctx)).toEqual({ queued: 0 });
    expect(JSON.parse(progress)).toEqual({ '72h': clock + 72 * HOUR, '24h': clock + 24 * HOUR });

    // A reminder queued before the move, its key naming the expiry in ISO text, still stops a repeat.
    progress = undefined;
    shop.outbox.enqueue({
      audience: 'user',
      userId: user.id,
      kind: 'expiry_reminder',
      payload: { subscriptionId: proxy.id, expiresAt: proxy.expiresAt, host: proxy.host, product: proxy.productName, autoRenew: false },
      dedupeKey: `reminder:${proxy.id}:${new Date(proxy.expiresAt).toISOString()}:72h`,
    });
    expect(await remind(ctx)).toEqual({ queued: 0 });
    expect(shop.outbox.list({ kind: 'expiry_reminder' })).toHaveLength(1);
  });
});

describe('expiry reminders in batches', () => {
  it('remind every proxy of a window larger than a batch, yielding to the event loop between batches', async () => {
    const shop = await newShop(['proxy-panel']);
    const { proxy } = await ownedProxy(shop, 100_000, 60);
    const count = BATCH_ROWS * 2 + 7;
    manyProxies(shop, proxy, count, 50);
    let otherWork = 0;
    const ticker = setInterval(() => otherWork++, 0);
    try {
      expect(await createReminderJob(shop)()).toEqual({ queued: count + 1 });
    } finally {
      clearInterval(ticker);
    }
    // Timers ran between the batches: the job never held the event loop for its whole window.
    expect(otherWork).toBeGreaterThanOrEqual(2);
  });

  it('read nothing on a run with nothing new: the covered stretch is not walked again', async () => {
    const shop = await newShop(['proxy-panel']);
    let clock = Date.now();
    const { proxy } = await ownedProxy(shop, 100_000, 60);
    const remind = createReminderJob({ ...shop, now: () => clock });
    expect(await remind()).toEqual({ queued: 1 });
    // Reminders already sent are gone from the outbox (housekeeping): a re-walk would queue them again.
    shop.database.sqlite.prepare('DELETE FROM outbox').run();
    expect(await remind()).toEqual({ queued: 0 });
    expect(shop.outbox.list()).toEqual([]);
    // An expiry beyond the covered stretch (say, renewed elsewhere) is reminded when the window reaches it.
    shop.database.sqlite.prepare('UPDATE subscriptions SET expires_at = ? WHERE id = ?').run(clock + 80 * HOUR, proxy.id);
    expect(await remind()).toEqual({ queued: 0 });
    clock += 10 * HOUR;
    expect(await remind()).toEqual({ queued: 1 });
  });
});

describe('retiring expired proxies', () => {
  it('marks active proxies past their expiry as expired, in batches, and leaves the others alone', async () => {
    const shop = await newShop(['proxy-panel']);
    const past = await ownedProxy(shop, 100_000, -1);
    const future = await ownedProxy(shop, 100_000, 5);
    manyProxies(shop, past.proxy, BATCH_ROWS + 3, -2);

    expect(await createExpiryJob(shop)()).toEqual({ expired: BATCH_ROWS + 4 });
    expect(shop.subscriptions.get(past.user.id, past.proxy.id)!.status).toBe('expired');
    expect(shop.subscriptions.get(future.user.id, future.proxy.id)!.status).toBe('active');
    expect(await createExpiryJob(shop)()).toEqual({ expired: 0 });
    // Reminders never see them again: only the live proxy is reminded, once (5 h left: the 1-day reminder, not the 3-day one too).
    expect(await createReminderJob(shop)()).toEqual({ queued: 1 });
  });
});

describe('auto-renewal', () => {
  it('renews a proxy due within a day through the saga, once per expiry', async () => {
    const shop = await newShop(['proxy-panel']);
    const autoRenew = createAutoRenewJob({ ...shop, logger: silentLogger });
    const { user, proxy } = await ownedProxy(shop, 100_000, 12);
    shop.subscriptions.setAutoRenew(user.id, proxy.id, true);
    const before = shop.wallet.balance(user.id).availableCents;

    expect(await autoRenew()).toEqual({ renewed: 1, failed: 0 });
    const renewed = shop.subscriptions.get(user.id, proxy.id)!;
    expect(renewed.expiresAt!).toBeGreaterThan(Date.now() + 24 * HOUR);
    const [order] = shop.orders.ordersOfUser(user.id);
    expect(order).toMatchObject({ kind: 'renewal', state: 'delivered', channel: 'auto-renew' });
    expect(shop.wallet.balance(user.id).availableCents).toBe(before - order!.priceCents);
    expect(shop.outbox.list({ kind: 'auto_renewed' })).toHaveLength(1);

    // The next run finds nothing due: the expiry moved.
    expect(await autoRenew()).toEqual({ renewed: 0, failed: 0 });
    expect(shop.upstream('proxy-panel').simulator.purchaseCount()).toBe(1);
  });

  it('leaves proxies without auto-renew alone', async () => {
    const shop = await newShop(['proxy-panel']);
    const autoRenew = createAutoRenewJob({ ...shop, logger: silentLogger });
    await ownedProxy(shop, 100_000, 12);
    expect(await autoRenew()).toEqual({ renewed: 0, failed: 0 });
  });

  it('tells the customer once when the wallet cannot pay, and charges nothing', async () => {
    const shop = await newShop(['proxy-panel']);
    const autoRenew = createAutoRenewJob({ ...shop, logger: silentLogger });
    const owner = await ownedProxy(shop, 100_000, 12);
    shop.subscriptions.setAutoRenew(owner.user.id, owner.proxy.id, true);
    const left = shop.wallet.balance(owner.user.id).availableCents;
    shop.wallet.adjust({
      userId: owner.user.id,
      amountCents: -left,
      adjustmentKey: 'drain',
      actor: 'admin:1',
      reason: 'test: empty wallet',
    });

    expect(await autoRenew()).toEqual({ renewed: 0, failed: 1 });
    expect(await autoRenew()).toEqual({ renewed: 0, failed: 1 });
    const notices = shop.outbox.list({ kind: 'auto_renew_failed' });
    expect(notices).toHaveLength(1);
    expect(JSON.parse(notices[0]!.payload)).toMatchObject({ reason: 'insufficient_funds' });
    expect(shop.wallet.balance(owner.user.id)).toEqual({ availableCents: 0, heldCents: 0 });
  });
});

describe('the scheduler', () => {
  it('runs a job on demand and never overlaps the same job', async () => {
    const shop = await newShop(['proxy-panel']);
    const scheduler = startScheduler(shopJobs(shop, silentLogger), silentLogger);
    try {
      const [a, b] = await Promise.all([scheduler.runNow('reconcile-orders'), scheduler.runNow('reconcile-orders')]);
      expect(a).toBe(b);
      await expect(scheduler.runNow('no-such-job')).rejects.toThrow(/no job/);
    } finally {
      await scheduler.stop();
    }
  });

  it('keeps every job on its period while another job is slow', async () => {
    let releaseSlow!: () => void;
    const slowDone = new Promise<void>((resolve) => (releaseSlow = resolve));
    let slowRuns = 0;
    let quickRuns = 0;
    const jobs: Job[] = [
      {
        name: 'slow',
        schedule: { everyMs: 5 },
        run: async () => {
          slowRuns++;
          await slowDone;
        },
      },
      {
        name: 'quick',
        schedule: { everyMs: 5 },
        run: async () => {
          quickRuns++;
        },
      },
    ];
    const scheduler = startScheduler(jobs, silentLogger);
    try {
      await waitFor(() => quickRuns >= 5, { what: 'the quick job to keep running' });
      // Meanwhile the slow job was never started twice over itself.
      expect(slowRuns).toBe(1);
    } finally {
      releaseSlow();
      await scheduler.stop();
    }
  });
});
