/**
 * Delivers an `invoice_paid` update the way Crypto Pay does: a POST of compact
 * JSON with `crypto-pay-api-signature` = hex HMAC-SHA256 of the body bytes,
 * keyed with SHA-256 of the app token. Signing is written out here on its own,
 * not borrowed from the shop's verifier, so a mistake in one shows up against
 * the other.
 */
import { createHash, createHmac } from 'node:crypto';

export interface WebhookDelivery {
  url: string;
  update: { update_id: number; update_type: 'invoice_paid'; request_date: string; payload: Record<string, unknown> };
  token: string;
  /** Default true; false sends no signature header at all. */
  signed?: boolean;
  /** Signs, then changes the invoice amount in the body that is sent. */
  tamperAfterSigning?: boolean;
  /** Signs with a token that is not the app's. */
  wrongToken?: boolean;
  timeoutMs?: number;
}

export function signWebhookBody(body: string, token: string): string {
  const key = createHash('sha256').update(token).digest();
  return createHmac('sha256', key).update(body).digest('hex');
}

export async function deliverWebhook(delivery: WebhookDelivery): Promise<{ status: number; body: string }> {
  const signedText = JSON.stringify(delivery.update);
  const signingToken = delivery.wrongToken ? `${delivery.token}-not-this-app` : delivery.token;
  const signature = signWebhookBody(signedText, signingToken);

  const sentText = delivery.tamperAfterSigning
    ? JSON.stringify({ ...delivery.update, payload: { ...delivery.update.payload, amount: '100000.00' } })
    : signedText;

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (delivery.signed !== false) headers['crypto-pay-api-signature'] = signature;

  const response = await fetch(delivery.url, {
    method: 'POST',
    headers,
    body: sentText,
    signal: AbortSignal.timeout(delivery.timeoutMs ?? 10_000),
  });
  return { status: response.status, body: await response.text() };
}
