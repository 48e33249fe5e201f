/**
 * The one list of work the shop does on a hot path — per purchase, per bot
 * update, per API request, per scheduler tick — each item driving the real
 * service or store function. The plan test records every SQL statement an
 * item executes and reads its query plan, so a new query on one of these
 * paths is checked without anyone having to remember to list its SQL.
 */
import type { buildServices } from '../../src/app.js';
import type { Database_ } from '../../src/db/client.js';
import { createKvStorage, forgetUntouchedSince } from '../../src/db/kv-storage.js';
import { silentLogger } from '../../src/logger.js';
import { createJobLeases } from '../../src/scheduler/leases.js';
import { createAutoRenewJob } from '../../src/scheduler/jobs/auto-renew.js';
import { createExpiryJob } from '../../src/scheduler/jobs/expiry.js';
import { createHousekeepingJob } from '../../src/scheduler/jobs/housekeeping.js';
import { createReminderJob } from '../../src/scheduler/jobs/reminders.js';
import { createSyncProxiesJob } from '../../src/scheduler/jobs/sync-proxies.js';
import { createOrderStore } from '../../src/services/order-store.js';
import { createTopUps } from '../../src/services/topups.js';
import type { RunningUpstream } from '../../src/sandbox/upstreams/index.js';

export type HotPath = 'purchase' | 'update' | 'request' | 'tick';

/** What the items act on: one shop with a customer who owns a proxy on auto-renew. */
export interface HotFixture {
  database: Database_;
  services: ReturnType<typeof buildServices>;
  upstream: RunningUpstream<'proxy-panel'>;
  userId: number;
  telegramId: number;
  subscriptionId: string;
  orderId: string;
  token: string;
  choice: { productId: string; countryCode?: string; termId: string; quantity: number };
}

export interface HotItem {
  path: HotPath;
  name: string;
  run(fx: HotFixture): unknown;
  /**
   * A sort the plan may show, and why its input is small: the rows of one
   * customer, never a growing share of a table.
   */
  boundedSort?: string;
  /**
   * A partial index the plan may walk from its start, and why that is bounded:
   * it holds only rows that leave it soon, and the walk stops at a LIMIT.
   */
  boundedScan?: { index: string; why: string };
}

let intent = 0;

export const HOT_ITEMS: HotItem[] = [
  // --- per purchase: the saga, from the quote to the delivered proxy
  {
    path: 'purchase',
    name: 'quote and buy a new proxy',
    async run(fx) {
      const quoted = await fx.services.orders.quote(fx.userId, 'proxy-panel', fx.choice);
      if (!quoted.ok) throw new Error(quoted.message);
      const bought = await fx.services.orders.purchase({
        userId: fx.userId,
        quoteId: quoted.quote.id,
        intentKey: `hot-${intent++}`,
        channel: 'bot',
      });
      if (bought.kind !== 'delivered') throw new Error(bought.kind);
    },
  },
  {
    path: 'purchase',
    // The code HOTCODE and a volume tier are set up with the fixture (query-plans.test.ts).
    name: 'quote and buy with a promo code and a volume tier (the code’s uses counted under the write lock)',
    async run(fx) {
      const quoted = await fx.services.orders.quote(fx.userId, 'proxy-panel', fx.choice, { promoCode: 'HOTCODE' });
      if (!quoted.ok) throw new Error(quoted.message);
      const bought = await fx.services.orders.purchase({
        userId: fx.userId,
        quoteId: quoted.quote.id,
        intentKey: `hot-${intent++}`,
        channel: 'bot',
      });
      if (bought.kind !== 'delivered') throw new Error(bought.kind);
    },
  },
  {
    path: 'purchase',
    name: 'renew a proxy',
    async run(fx) {
      const terms = await fx.services.subscriptions.renewalTerms(fx.userId, fx.subscriptionId);
      if (!terms.ok) throw new Error(terms.message);
      const quoted = await fx.services.orders.quoteRenewal(fx.userId, fx.subscriptionId, terms.value[0]!.id);
      if (!quoted.ok) throw new Error(quoted.message);
      const renewed = await fx.services.orders.purchase({
        userId: fx.userId,
        quoteId: quoted.quote.id,
        intentKey: `hot-${intent++}`,
        channel: 'api',
      });
      if (renewed.kind !== 'delivered') throw new Error(renewed.kind);
    },
  },
  { path: 'purchase', name: 'join a purchase by its intent key', run: (fx) => fx.services.orders.resultForIntent(fx.userId, 'first') },
  { path: 'purchase', name: 'the proxies of an order', run: (fx) => fx.services.orders.subscriptionsOfOrder(fx.orderId) },

  // --- per bot update
  { path: 'update', name: 'find the customer', run: (fx) => fx.services.users.byTelegramId(fx.telegramId) },
  {
    path: 'update',
    name: 'register or refresh a customer',
    run: (fx) => fx.services.users.ensure({ telegramId: fx.telegramId, firstName: 'Renamed' }),
  },
  {
    path: 'update',
    name: 'conversation state',
    run(fx) {
      const kv = createKvStorage<unknown>(fx.database.db);
      kv.write('conversation:1', { step: 1 });
      kv.read('conversation:1');
      kv.delete('conversation:1');
    },
  },
  { path: 'update', name: 'is the customer banned', run: (fx) => fx.services.bans.banOf(fx.userId) },
  { path: 'request', name: 'is the token owner banned', run: (fx) => fx.services.bans.isBanned(fx.userId) },
  {
    path: 'update',
    name: 'an admin action recorded in the audit',
    run: (fx) =>
      fx.services.audit.record({
        actorTelegramId: 1,
        chatId: -1,
        action: '/user',
        arguments: String(fx.telegramId),
        outcome: 'done',
        result: 'card',
        subjectUserId: fx.userId,
      }),
  },
  { path: 'update', name: "a page of a customer's audit entries", run: (fx) => fx.services.audit.ofUser(fx.userId, { limit: 11 }) },
  { path: 'update', name: 'wallet balance (from memory while nothing changed)', run: (fx) => fx.services.wallet.balance(fx.userId) },
  {
    path: 'update',
    name: 'wallet balance just after the wallet changed (read from the database)',
    run: (fx) => {
      // Any write clears the cached balances, so the account row is read again: that read is the one to check.
      fx.database.sqlite.prepare('UPDATE users SET language = language WHERE id = ?').run(fx.userId);
      return fx.services.wallet.balance(fx.userId);
    },
  },
  { path: 'update', name: 'wallet history page', run: (fx) => fx.services.wallet.history(fx.userId, { limit: 10 }) },
  { path: 'update', name: 'wallet statement page', run: (fx) => fx.services.walletStatement.page(fx.userId, { limit: 10 }) },
  { path: 'update', name: 'support thread', run: (fx) => fx.services.support.supportThreadOf(fx.userId) },
  {
    path: 'update',
    name: "a page of the customer's proxies",
    run: (fx) => fx.services.subscriptions.list(fx.userId, 0),
    boundedSort: "one customer's proxies, found through subscriptions_user",
  },
  { path: 'update', name: 'one proxy card', run: (fx) => fx.services.subscriptions.get(fx.userId, fx.subscriptionId) },
  {
    path: 'update',
    name: 'the orders linked to a proxy card to add traffic',
    run: (fx) => fx.services.subscriptions.linkedOrders(fx.subscriptionId),
  },
  {
    path: 'update',
    name: "a page of the customer's orders",
    run: (fx) => fx.services.orders.ordersOfUser(fx.userId, 5, 0),
    boundedSort: 'orders_user gives (user, created_at) order; only orders of one customer made in the same millisecond are sorted by id',
  },
  { path: 'update', name: 'set auto-renew', run: (fx) => fx.services.subscriptions.setAutoRenew(fx.userId, fx.subscriptionId, true) },
  {
    path: 'update',
    name: "the customer's top-ups",
    run: (fx) => topUpsOf(fx).ofUser(fx.userId),
  },
  {
    path: 'update',
    name: "the customer's API tokens",
    run: (fx) => fx.services.tokens.list(fx.userId),
    boundedSort: "one customer's tokens (at most 20 active)",
  },

  // --- per API request
  { path: 'request', name: 'verify a token', run: (fx) => fx.services.tokens.verify(fx.token) },
  { path: 'request', name: 'get an order', run: (fx) => fx.services.orders.order(fx.orderId) },

  // --- per scheduler tick
  { path: 'tick', name: 'reconcile due orders', run: (fx) => fx.services.orders.reconcileDue() },
  { path: 'tick', name: 'open orders', run: (fx) => createOrderStore(fx.database.db).openOrders() },
  {
    path: 'tick',
    name: 'whether an upstream id is already ours',
    run: (fx) => createOrderStore(fx.database.db).isKnownUpstreamId('proxy-panel', 'sub-1'),
  },
  { path: 'tick', name: 'expiry reminders', run: (fx) => createReminderJob(fx.services)() },
  { path: 'tick', name: 'auto-renewal', run: (fx) => createAutoRenewJob({ ...fx.services, logger: silentLogger })() },
  { path: 'tick', name: 'retire expired proxies', run: (fx) => createExpiryJob(fx.services)() },
  { path: 'tick', name: 'sync proxies', run: (fx) => createSyncProxiesJob(fx.services)() },
  {
    path: 'tick',
    name: 'housekeeping',
    run: (fx) =>
      createHousekeepingJob({
        db: fx.database.db,
        outbox: fx.services.outbox,
        retention: { quotesMs: 0, outboxMs: 0, conversationsMs: 0 },
        now: () => Date.now() + 1_000,
      })(),
  },
  { path: 'tick', name: 'forget old conversations', run: (fx) => forgetUntouchedSince(fx.database.db, Date.now(), 10) },
  {
    path: 'tick',
    name: 'outbox: due messages, sent, failed',
    boundedScan: {
      index: 'outbox_pending',
      why: 'only pending messages are in it, and the walk stops after the page; what it skips is the few messages waiting out a retry',
    },
    run(fx) {
      fx.services.outbox.enqueue({
        audience: 'user',
        userId: fx.userId,
        kind: 'order_provisioning',
        payload: { orderId: 'ord_hot' },
        dedupeKey: `hot-${intent++}`,
      });
      const [first] = fx.services.outbox.due(10);
      if (first) fx.services.outbox.markFailed(first.id, 'test', Date.now());
      const [again] = fx.services.outbox.due(10);
      if (again) fx.services.outbox.markSent(again.id);
    },
  },
  {
    path: 'tick',
    name: 'job leases',
    run(fx) {
      const leases = createJobLeases(fx.database.db);
      leases.acquire('hot');
      leases.renew('hot');
      leases.saveProgress('hot', '{}');
      leases.progress('hot');
      leases.release('hot');
    },
  },
  {
    path: 'tick',
    name: 'top-up polling',
    run(fx) {
      const topUps = topUpsOf(fx);
      topUps.expireDue('cryptopay');
      topUps.open('cryptopay');
      topUps.openWithoutExternalId('manual');
      topUps.inState('stars', 'refunding');
    },
  },
];

function topUpsOf(fx: HotFixture) {
  return createTopUps({
    sqlite: fx.database.sqlite,
    db: fx.database.db,
    wallet: fx.services.wallet,
    outbox: fx.services.outbox,
    logger: silentLogger,
    limits: { minCents: 100, maxCents: 100_000 },
  });
}
