/**
 * Crypto Pay top-ups: a fiat USD invoice per top-up, credited when the
 * `invoice_paid` webhook arrives (signature checked on the raw body) or, when
 * a webhook is missed, by polling `getInvoices`. Either way the invoice id is
 * the payment's external id, so it is credited once.
 */
import type { Logger } from '../../logger.js';
import type { TopUpRow, TopUps } from '../../services/topups.js';
import { invoiceAmountCents, type CryptoPayClient, type CryptoPayInvoice } from './client.js';
import { verifyCryptoPayWebhook } from './webhook.js';

export interface CryptoPayTopUpOptions {
  client: CryptoPayClient;
  /** The app token, to verify webhook signatures. */
  token: string;
  topUps: TopUps;
  logger: Logger;
  invoiceTtlSeconds?: number;
  acceptedAssets?: readonly string[];
  now?: () => number;
}

export type WebhookAnswer = { status: 200 | 400 | 401; credited: boolean; message: string };

export function createCryptoPayTopUps(options: CryptoPayTopUpOptions) {
  const { client, topUps, logger } = options;
  const now = options.now ?? Date.now;
  const ttlSeconds = options.invoiceTtlSeconds ?? 3_600;

  /** Credits a paid invoice whose payload is one of our top-ups. */
  const settlePaid = (invoice: CryptoPayInvoice): boolean => {
    const topUpId = invoice.payload;
    if (!topUpId) return false;
    const topUp = topUps.get(topUpId);
    if (topUp?.method !== 'cryptopay') return false;
    const amount = invoiceAmountCents(invoice);
    if (!amount.ok) {
      logger.error('paid Crypto Pay invoice is not a whole USD amount', { invoiceId: invoice.invoice_id, reason: amount.reason });
      return false;
    }
    const result = topUps.credit({
      topUpId,
      externalId: String(invoice.invoice_id),
      actor: 'payment:cryptopay',
      amountCents: amount.value,
    });
    if (!result.ok) {
      logger.error('Crypto Pay payment could not be credited', { invoiceId: invoice.invoice_id, topUpId, reason: result.reason });
      return false;
    }
    return result.credited;
  };

  return {
    /** Creates the top-up and its invoice; answers the link the customer pays at. */
    async start(
      userId: number,
      amountCents: number,
    ): Promise<{ ok: true; topUp: TopUpRow; payUrl: string } | { ok: false; message: string }> {
      const created = topUps.create({ userId, method: 'cryptopay', amountCents, expiresAt: now() + ttlSeconds * 1000 });
      if (!created.ok) return created;
      const invoice = await client.createInvoice({
        amountCents,
        description: `Wallet top-up, $${(amountCents / 100).toFixed(2)}`,
        payload: created.topUp.id,
        expiresInSeconds: ttlSeconds,
        ...(options.acceptedAssets ? { acceptedAssets: options.acceptedAssets } : {}),
      });
      if (!invoice.ok) {
        // A lost answer may still have made an invoice; polling matches it by payload later.
        if (invoice.kind === 'refused') topUps.expire(created.topUp.id);
        return { ok: false, message: 'Crypto Pay is unavailable right now; please try again later' };
      }
      const payUrl = invoice.value.bot_invoice_url ?? '';
      topUps.attach(created.topUp.id, String(invoice.value.invoice_id), { payUrl });
      return { ok: true, topUp: topUps.get(created.topUp.id)!, payUrl };
    },

    /** The webhook endpoint's logic: verify on the raw bytes, then credit once. */
    handleWebhook(rawBody: Buffer | string, signature: string | undefined): WebhookAnswer {
      const verified = verifyCryptoPayWebhook({ rawBody, signature, token: options.token, now: new Date(now()) });
      if (!verified.ok) {
        logger.warn('Crypto Pay webhook refused', { reason: verified.reason });
        return verified.reason === 'malformed'
          ? { status: 400, credited: false, message: 'malformed update' }
          : { status: 401, credited: false, message: verified.reason };
      }
      const update = verified.update;
      if (update.update_type !== 'invoice_paid' || update.payload.status !== 'paid') {
        return { status: 200, credited: false, message: 'ignored' };
      }
      return { status: 200, credited: settlePaid(update.payload), message: 'ok' };
    },

    /**
     * The fallback for missed webhooks, run on a schedule: paid invoices are
     * credited, expired ones closed, and a top-up whose invoice answer was lost
     * is matched to its invoice by payload.
     */
    async poll(): Promise<{ credited: number; expired: number }> {
      let credited = 0;
      const open = topUps.open('cryptopay');
      const ids = open.map((t) => Number(t.externalId)).filter((id) => Number.isSafeInteger(id) && id > 0);
      if (ids.length > 0) {
        const listed = await client.getInvoices({ invoiceIds: ids, count: Math.min(ids.length, 1000) });
        if (listed.ok) {
          for (const invoice of listed.value) {
            if (invoice.status === 'paid' && settlePaid(invoice)) credited++;
            if (invoice.status === 'expired') topUps.expire(invoice.payload ?? '');
          }
        }
      }
      const orphans = topUps.openWithoutExternalId('cryptopay');
      if (orphans.length > 0) {
        const recent = await client.getInvoices({ count: 1000 });
        if (recent.ok) {
          for (const invoice of recent.value) {
            const orphan = orphans.find((t) => t.id === invoice.payload);
            if (!orphan) continue;
            topUps.attach(orphan.id, String(invoice.invoice_id), { payUrl: invoice.bot_invoice_url ?? '' });
            if (invoice.status === 'paid' && settlePaid(invoice)) credited++;
          }
        }
      }
      const expired = topUps.expireDue('cryptopay').length;
      return { credited, expired };
    },
  };
}

export type CryptoPayTopUps = ReturnType<typeof createCryptoPayTopUps>;
