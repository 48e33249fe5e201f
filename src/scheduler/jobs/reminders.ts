/**
 * Expiry reminders: a customer hears about each proxy twice before it
 * expires — three days and one day ahead — once per expiry date. A proxy on
 * auto-renew gets the same notice with a note to keep enough money on the
 * wallet.
 */
import type { Outbox } from '../../services/outbox.js';
import type { Subscriptions } from '../../services/subscriptions.js';

export const REMINDER_WINDOWS_HOURS = [72, 24] as const;

export function createReminderJob(deps: { subscriptions: Subscriptions; outbox: Outbox; now?: () => number }) {
  const now = deps.now ?? Date.now;

  return async function sendExpiryReminders(): Promise<{ queued: number }> {
    let queued = 0;
    const nowMs = now();
    for (const hours of REMINDER_WINDOWS_HOURS) {
      const before = new Date(nowMs + hours * 3_600_000).toISOString();
      for (const sub of deps.subscriptions.expiringBefore(before)) {
        if (!sub.expiresAt || Date.parse(sub.expiresAt) <= nowMs) continue;
        // The dedupe key names the expiry and the window: a renewal (new expiry) earns new reminders.
        const fresh = deps.outbox.enqueue({
          audience: 'user',
          userId: sub.userId,
          kind: 'expiry_reminder',
          payload: { subscriptionId: sub.id, expiresAt: sub.expiresAt, host: sub.host, product: sub.productName, autoRenew: sub.autoRenew },
          dedupeKey: `reminder:${sub.id}:${sub.expiresAt}:${hours}h`,
        });
        if (fresh) queued++;
      }
    }
    return { queued };
  };
}
