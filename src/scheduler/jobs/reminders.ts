/**
 * Expiry reminders: a customer hears about each proxy twice before it
 * expires — three days and one day ahead — once per expiry date, and only
 * the reminders whose moment came while the proxy held that expiry (see
 * `stillMakesSense`); a queued reminder for an expiry a renewal has moved is
 * dropped when it would be sent (bot/notices.ts). A proxy on
 * auto-renew gets the same notice with a note to keep enough money on the
 * wallet.
 *
 * Each window is walked only over the stretch of time it has not covered yet:
 * from the later of "now" and where the last run stopped, up to now + window.
 * So a run with nothing new reads nothing, and expired proxies are never read.
 * The dedupe key still guards against a repeat (a run cut short and redone).
 */
import type { Outbox } from '../../services/outbox.js';
import { afterTime, expiryKey, type Subscriptions } from '../../services/subscriptions.js';
import type { Webhooks } from '../../services/webhooks.js';
import { batchSizer, standaloneContext, type JobContext } from '../../lib/batches.js';

export const REMINDER_WINDOWS_HOURS = [72, 24] as const;

type WindowKey = `${(typeof REMINDER_WINDOWS_HOURS)[number]}h`;
/** Per window, the expiry time (epoch ms) up to which reminders were queued. */
type CoveredUpTo = Partial<Record<WindowKey, number>>;

export function createReminderJob(deps: {
  subscriptions: Subscriptions;
  outbox: Outbox;
  now?: () => number;
  webhooks?: Pick<Webhooks, 'emit'>;
}) {
  const now = deps.now ?? Date.now;
  // Called without a scheduler (tests), progress is kept for the life of this job.
  const ownContext = standaloneContext();

  return async function sendExpiryReminders(ctx: JobContext = ownContext): Promise<{ queued: number }> {
    let queued = 0;
    const nowMs = now();
    const covered = parseCovered(ctx.progress.read());
    const reads = batchSizer(ctx.batchBudgetMs);
    const writes = batchSizer(ctx.batchBudgetMs);
    for (const hours of REMINDER_WINDOWS_HOURS) {
      const key: WindowKey = `${hours}h`;
      const previous = covered[key];
      // Proxies inside a nearer window get that window's reminder, not this one (see `stillMakesSense`):
      // reading them here would only skip them, and a page of skipped rows says nothing of how long a
      // page of reminders takes, so the next batch would be sized far too large.
      const nearestInside = Math.max(0, ...REMINDER_WINDOWS_HOURS.filter((nearer) => nearer < hours));
      const from = Math.max(previous !== undefined && previous > nowMs ? previous : nowMs, nowMs + nearestInside * 3_600_000);
      const upTo = nowMs + hours * 3_600_000;
      let cursor = afterTime(from);
      for (;;) {
        // Reads and writes are sized apart: a page read costs a few microseconds a row, a reminder queued
        // (outbox row, webhook check) tens of them, and how many of a page's rows need one varies a lot.
        const read = reads.next();
        const page = deps.subscriptions.activeExpiringPage(cursor, upTo, read.limit);
        read.done(page.length);
        if (page.length === 0) break;
        const due = page.filter((sub) => stillMakesSense(sub, hours, nowMs));
        for (let start = 0; start < due.length; ) {
          const write = writes.next();
          const chunk = due.slice(start, start + write.limit);
          queued += deps.subscriptions.inOneTransaction(() => {
            let fresh = 0;
            for (const sub of chunk) {
              // The dedupe key names the expiry and the window: a renewal (new expiry) earns new reminders.
              const added = deps.outbox.enqueue({
                audience: 'user',
                userId: sub.userId,
                kind: 'expiry_reminder',
                payload: {
                  subscriptionId: sub.id,
                  expiresAt: sub.expiresAt,
                  host: sub.host,
                  product: sub.productName,
                  autoRenew: sub.autoRenew,
                },
                dedupeKey: `reminder:${sub.id}:${expiryKey(sub.expiresAt!)}:${key}`,
              });
              if (added) fresh++;
              // Same window, same transaction: the customer's script hears what the chat hears (deduplicated by its own key).
              deps.webhooks?.emit(sub.userId, {
                type: 'proxy.expiring',
                proxy: { id: sub.id, expiresAt: expiryKey(sub.expiresAt!), autoRenew: sub.autoRenew },
                hoursLeft: hours,
              });
            }
            return fresh;
          });
          write.done(chunk.length);
          start += chunk.length;
          await ctx.checkpoint();
        }
        const last = page[page.length - 1]!;
        cursor = { expiresAt: last.expiresAt!, id: last.id };
        await ctx.checkpoint();
      }
      covered[key] = upTo;
      ctx.progress.save(JSON.stringify(covered));
    }
    return { queued };
  };
}

/**
 * Whether the `hours` reminder is still worth sending: not when the proxy was
 * bought after that moment had passed (a 1-day proxy hears nothing of "3
 * days left"), and not when a later reminder is already due (after a pause,
 * only the nearest one is sent).
 */
function stillMakesSense(sub: { createdAt: number; expiresAt: number | null }, hours: number, nowMs: number): boolean {
  if (sub.expiresAt === null) return false;
  const offsetAt = sub.expiresAt - hours * 3_600_000;
  if (sub.createdAt > offsetAt) return false;
  return !REMINDER_WINDOWS_HOURS.some((nearer) => nearer < hours && sub.expiresAt! - nowMs <= nearer * 3_600_000);
}

function parseCovered(text: string | undefined): CoveredUpTo {
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object') return {};
  const covered: CoveredUpTo = {};
  for (const hours of REMINDER_WINDOWS_HOURS) {
    const value = (parsed as Record<string, unknown>)[`${hours}h`];
    // Progress saved before times were epoch ms holds ISO text: read it as the same moment.
    const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isFinite(ms)) covered[`${hours}h`] = ms;
  }
  return covered;
}
