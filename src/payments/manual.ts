/**
 * Manual top-ups: the customer says how much they sent and how; operators in
 * the operator group confirm (credited once, however often it is pressed) or
 * reject (the customer is told why).
 */
import type { Outbox } from '../services/outbox.js';
import type { TopUps } from '../services/topups.js';

const MAX_NOTE = 300;

export function createManualPayments(deps: { topUps: TopUps; outbox: Outbox }) {
  const { topUps, outbox } = deps;

  return {
    request(userId: number, amountCents: number, note: string) {
      const text = note.trim();
      if (text.length === 0 || text.length > MAX_NOTE) return { ok: false as const, message: `the note must be 1–${MAX_NOTE} characters` };
      const created = topUps.create({ userId, method: 'manual', amountCents, details: { note: text } });
      if (!created.ok) return created;
      outbox.enqueue({
        audience: 'operators',
        kind: 'manual_topup_requested',
        payload: { topUpId: created.topUp.id, userId, amountCents, note: text },
        dedupeKey: `manual-request:${created.topUp.id}`,
      });
      return { ok: true as const, topUp: created.topUp };
    },

    /** Credits once; the top-up's own id is the payment's external id. */
    confirm(topUpId: string, actor: string) {
      const topUp = topUps.get(topUpId);
      if (topUp?.method !== 'manual') return { ok: false as const, reason: 'not_found' as const, message: 'no such manual top-up' };
      return topUps.credit({ topUpId, externalId: topUpId, actor });
    },

    reject(topUpId: string, actor: string, reason: string) {
      const topUp = topUps.get(topUpId);
      if (topUp?.method !== 'manual') return false;
      return topUps.reject(topUpId, actor, reason.trim() || 'no reason given');
    },
  };
}

export type ManualPayments = ReturnType<typeof createManualPayments>;
