/**
 * /broadcast as an admin uses it in the operator group, through the Telegram
 * emulator: compose a formatted message with a link button, preview it,
 * choose the audience, confirm; then the outbox sends it to 500 customers,
 * 50 of whom blocked the bot, across a restart and with two senders at once,
 * and the progress message ends as the report.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { broadcastProgressReporter } from '../../src/bot/features/operator-broadcast.js';
import type { CreateBotDeps } from '../../src/bot/index.js';
import { telegramMessageSender } from '../../src/bot/notifier-port.js';
import type { JobContext } from '../../src/lib/batches.js';
import { silentLogger } from '../../src/logger.js';
import type { EmulatedGroup, EmulatedUser } from '../../src/sandbox/telegram/index.js';
import { createBroadcastProgressJob } from '../../src/scheduler/jobs/broadcast-progress.js';
import { createNotifier, type NotifierLimits } from '../../src/services/notifier.js';
import { has, startBotShop, type BotShop } from '../helpers/bot-shop.js';
import { firstChoice } from '../helpers/shop.js';
import { waitFor } from '../helpers/wait.js';

let world: BotShop | undefined;
afterEach(async () => {
  if (world) {
    expect(world.shop.orders.checkInvariants()).toEqual([]);
    expect(world.errors()).toEqual([]);
    await world.close();
    world = undefined;
  }
});

const FAST: NotifierLimits = { perSecond: 1_000, perChatPerSecond: 1_000, perGroupPerMinute: 1_000, globalMarginMs: 0, chatMarginMs: 0 };
const jobContext: JobContext = { checkpoint: async () => undefined, progress: { read: () => undefined, save: () => undefined } };

/** An operator group with one admin (Olga) and a member who is not one (Max). */
async function withOperators() {
  const options: { bot: Partial<CreateBotDeps> } = { bot: {} };
  const w = await startBotShop(['lumiweb'], options);
  world = w;
  const olga = w.emu.user({ firstName: 'Olga', startedBot: true });
  const max = w.emu.user({ firstName: 'Max', startedBot: true });
  const group = w.emu.group({ title: 'Operators', members: [olga, max], admins: [olga] });
  options.bot.operatorChatId = group.id;
  options.bot.adminIds = [olga.id];
  await w.restartBot();
  return { w, olga, max, group };
}

/** A notifier like the app's, over the bot as it is now (a restart builds a new one). */
function notifierFor(w: BotShop, group: EmulatedGroup, limits: NotifierLimits = FAST, now?: () => number) {
  return createNotifier({
    outbox: w.shop.outbox,
    users: w.shop.users,
    sender: telegramMessageSender(w.bot.api),
    operatorChatId: group.id,
    render: w.bot.renderNotice,
    logger: silentLogger,
    limits,
    ...(now ? { now } : {}),
  });
}

/** Customers who have started the bot; `language` for every fifth. */
function customers(w: BotShop, count: number): EmulatedUser[] {
  return Array.from({ length: count }, (_, i) => {
    const user = w.emu.user({ firstName: `Customer${i}`, startedBot: true });
    w.shop.users.ensure({ telegramId: user.id, firstName: `Customer${i}`, languageCode: i % 5 === 0 ? 'ru' : 'en' });
    return user;
  });
}

/** Composes "Spring sale" with a button and stops at the audience question. */
async function compose(olga: EmulatedUser, group: EmulatedGroup) {
  await olga.sendIn(group, '/broadcast');
  await group.waitForMessage(has('New broadcast'));
  await olga.sendFormattedIn(group, '<b>Spring sale</b>: 20% off <a href="https://shop.example/sale">every proxy</a> & more');
  await group.waitForMessage(has('Add a button with a link?'));
  await olga.sendIn(group, 'Open the shop | https://shop.example/start');
  return group.waitForMessage(has('Who should receive it?'));
}

describe('/broadcast', () => {
  it('500 customers, 50 blocked: 450 delivered once each across a restart and two senders, 50 unreachable, a correct report', async () => {
    const { w, olga, group } = await withOperators();
    const people = customers(w, 500);
    const blocked = people.filter((_, i) => i % 10 === 3);
    for (const user of blocked) user.block();

    const question = await compose(olga, group);
    // The preview is the customers' message exactly: formatting kept, the text escaped, the button a link.
    const preview = group.messages().find((m) => m.plainText.startsWith('Spring sale'))!;
    expect(preview.text).toBe('<b>Spring sale</b>: 20% off <a href="https://shop.example/sale">every proxy</a> &amp; more');
    expect(group.buttons(preview)).toEqual([{ text: 'Open the shop', url: 'https://shop.example/start' }]);

    await olga.pressIn(group, 'Everyone', question);
    const confirm = await group.waitForMessage(has('Audience: Everyone — 500 customers'));
    // Nothing is queued before the confirming press.
    expect(w.shop.outbox.list({ audience: 'user' })).toEqual([]);
    await olga.pressIn(group, '📣 Send to 500', confirm);
    await group.waitForMessage(has('Queued for 500 customers'));
    const progressMessage = await group.waitForMessage(has('sending'));
    expect(w.shop.outbox.list({ audience: 'user' })).toHaveLength(500);

    // The first sender gets through part of it (its clock stands still, so one second's quota, all in one burst),
    // then the bot restarts.
    const frozen = Date.now();
    const first = notifierFor(w, group, { ...FAST, perSecond: 120, burst: 120 }, () => frozen);
    const pass = await first.runOnce();
    // About one second's worth (the limit plus the sends whose answers dated them into the past); far from all.
    expect(pass.sent + pass.failed).toBeGreaterThanOrEqual(120);
    expect(pass.sent + pass.failed).toBeLessThan(250);
    await first.stop();
    const show = () => broadcastProgressReporter(w.bot.api, (key, vars) => w.bot.i18n.t('en', key, vars), silentLogger);
    const progressJob = createBroadcastProgressJob({ broadcasts: w.shop.broadcasts, show: show() });
    await progressJob(jobContext);
    const midway = group.messages().find((m) => m.message_id === progressMessage.message_id)!;
    const sofar = w.shop.broadcasts.progress(w.shop.broadcasts.sending()[0]!.id);
    expect(sofar.pending).toBe(500 - pass.sent - pass.failed);
    expect(midway.plainText).toContain(
      `Delivered ${sofar.delivered} of 500 · blocked ${sofar.blocked} · failed 0 · waiting ${sofar.pending}`,
    );

    await w.restartBot();
    // Two senders over the same database from here on, like two instances during a rolling deploy.
    const second = notifierFor(w, group);
    const third = notifierFor(w, group);
    await waitFor(
      async () => {
        await Promise.all([second.runOnce(), third.runOnce()]);
        return w.shop.outbox.list({ audience: 'user' }).every((m) => m.state !== 'pending');
      },
      { timeoutMs: 30_000, what: 'every broadcast message settled' },
    );

    for (const [index, user] of people.entries()) {
      const copies = user.messages().filter((m) => m.plainText.startsWith('Spring sale'));
      expect({ index, copies: copies.length }).toEqual({ index, copies: blocked.includes(user) ? 0 : 1 });
    }
    const someone = people.find((u) => !blocked.includes(u))!;
    expect(someone.buttons(someone.lastMessage())).toEqual([{ text: 'Open the shop', url: 'https://shop.example/start' }]);
    const unreachable = people.filter((u) => w.shop.users.byTelegramId(u.id)!.unreachableAt !== null);
    expect(unreachable.map((u) => u.id).sort()).toEqual(blocked.map((u) => u.id).sort());

    // The progress job sees nothing pending: the broadcast is finished, the progress message becomes the report.
    expect(await progressJob(jobContext)).toEqual({ sending: 0, finished: 1 });
    const report = group.messages().find((m) => m.message_id === progressMessage.message_id)!;
    expect(report.plainText).toContain('finished');
    expect(report.plainText).toContain('Delivered: 450 of 500');
    expect(report.plainText).toContain('Blocked the bot: 50 (marked unreachable)');
    expect(report.plainText).toContain('Failed: 0');
    // …and the report is also posted as an alert, once, however often the job runs.
    expect(await progressJob(jobContext)).toEqual({ sending: 0, finished: 0 });
    await second.runOnce();
    const alert = await group.waitForMessage((m) => m.message_id !== progressMessage.message_id && has('Delivered: 450 of 500')(m));
    expect(alert.plainText).toContain('Blocked the bot: 50');
    expect(w.shop.outbox.list({ kind: 'broadcast_finished' })).toHaveLength(1);
    await Promise.all([second.stop(), third.stop()]);
  }, 60_000);

  it('a banned customer is left out of every audience', async () => {
    const { w, olga, group } = await withOperators();
    const [banned] = customers(w, 10);
    const bannedUser = w.shop.users.byTelegramId(banned!.id)!;
    expect(w.shop.bans!.ban(bannedUser.id, 'chargeback fraud', 'admin:1')).toBe(true);
    const question = await compose(olga, group);
    await olga.pressIn(group, 'Everyone', question);
    const confirm = await group.waitForMessage(has('Audience: Everyone — 9 customers'));
    await olga.pressIn(group, '📣 Send to 9', confirm);
    await group.waitForMessage(has('Queued for 9 customers'));
    const recipients = w.shop.outbox.list({ audience: 'user' }).map((m) => m.userId);
    expect(recipients).toHaveLength(9);
    expect(recipients).not.toContain(bannedUser.id);
  });

  it('the audience can be narrowed to a language; the second press on Send is refused', async () => {
    const { w, olga, group } = await withOperators();
    customers(w, 10);
    const question = await compose(olga, group);
    await olga.pressIn(group, 'Language: RU', question);
    const confirm = await group.waitForMessage(has('Audience: Language: RU — 2 customers'));
    // Pressed twice before the bot answers either (a double tap, or two admins): one broadcast goes out.
    const press = await olga.pressIn(group, '📣 Send to 2', confirm);
    const again = await olga.pressIn(group, '📣 Send to 2', confirm);
    await olga.waitForCallbackAnswer(press);
    expect(await olga.waitForCallbackAnswer(again)).toMatchObject({ text: 'This broadcast was sent already.' });
    await group.waitForMessage(has('Queued for 2 customers'));
    const russians = w.shop.outbox.list({ audience: 'user' }).map((m) => w.shop.users.byId(m.userId!)!.language);
    expect(russians).toEqual(['ru', 'ru']);
  });

  it('the audience can be the customers with active proxies, or those of one upstream', async () => {
    const { w, olga, group } = await withOperators();
    const [buyer] = customers(w, 4);
    const account = w.shop.users.byTelegramId(buyer!.id)!;
    w.shop.wallet.creditTopUp({ userId: account.id, method: 'manual', externalId: 'buyer', amountCents: 10_000 });
    const quoted = await w.shop.orders.quote(account.id, 'lumiweb', await firstChoice(w.shop, 'lumiweb'));
    if (!quoted.ok) throw new Error(quoted.message);
    const bought = await w.shop.orders.purchase({ userId: account.id, quoteId: quoted.quote.id, intentKey: 'k', channel: 'bot' });
    expect(bought.kind).toBe('delivered');

    const question = await compose(olga, group);
    await olga.pressIn(group, 'With active proxies', question);
    const active = await group.waitForMessage(has('Audience: With active proxies — 1 customer.'));
    await olga.pressIn(group, '« Back', active);
    const again = await group.waitForMessage(has('Who should receive it?'));
    await olga.pressIn(group, /^Proxies from /, again);
    const byUpstream = await group.waitForMessage(has('— 1 customer.'));
    expect(byUpstream.plainText).toMatch(/Audience: Proxies from \S+ — 1 customer\./);
    await olga.pressIn(group, '📣 Send to 1', byUpstream);
    await group.waitForMessage(has('Queued for 1 customer.'));
    expect(w.shop.outbox.list({ kind: 'broadcast' }).map((m) => m.userId)).toEqual([account.id]);
  });

  it('a member who is not an admin can neither start a broadcast nor press its buttons', async () => {
    const { w, olga, max, group } = await withOperators();
    customers(w, 3);
    await max.sendIn(group, '/broadcast');
    const question = await compose(olga, group);
    expect(group.messages().filter((m) => m.plainText.includes('New broadcast'))).toHaveLength(1);
    const press = await max.pressIn(group, 'Everyone', question);
    expect(await max.waitForCallbackAnswer(press)).toMatchObject({ show_alert: true, text: expect.stringContaining('Only admins') });
    expect(w.shop.broadcasts.get(w.shop.database.sqlite.prepare('SELECT id FROM broadcasts').pluck().get() as string)).toMatchObject({
      state: 'draft',
      audience: null,
    });
  });

  it('/cancel drops the draft; nothing is queued', async () => {
    const { w, olga, group } = await withOperators();
    customers(w, 3);
    await olga.sendIn(group, '/broadcast');
    await group.waitForMessage(has('New broadcast'));
    await olga.sendIn(group, 'Hello everyone');
    await group.waitForMessage(has('Add a button with a link?'));
    await olga.sendIn(group, 'not a button');
    await group.waitForMessage(has('That is not a button'));
    await olga.sendIn(group, '/cancel');
    await group.waitForMessage(has('Broadcast cancelled'));
    expect(w.shop.database.sqlite.prepare('SELECT state FROM broadcasts').pluck().all()).toEqual(['cancelled']);
    expect(w.shop.outbox.list({ audience: 'user' })).toEqual([]);
  });
});
