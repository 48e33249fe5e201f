/**
 * Checks a Crypto Pay webhook before anything in it is believed.
 *
 * Crypto Pay signs each webhook with a hex HMAC-SHA256 of the raw request body,
 * keyed with the SHA-256 of the app token, in the `crypto-pay-api-signature`
 * header. The HMAC is over the bytes as they arrived: a body parsed and
 * re-serialised by a framework will not match, so the HTTP route must hand
 * over the raw body.
 *
 * Passing here proves who sent the update and that it is recent; it does not
 * make it unique. Crypto Pay may deliver the same update more than once, so the
 * top-up is credited under a transfer id derived from `invoice_id`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { invoiceSchema } from './client.js';

export const CRYPTO_PAY_SIGNATURE_HEADER = 'crypto-pay-api-signature';
export const DEFAULT_WEBHOOK_MAX_AGE_MS = 5 * 60_000;
/** Clocks drift; an update dated a little ahead of ours is still genuine. */
const ALLOWED_CLOCK_SKEW_MS = 60_000;

export const webhookUpdateSchema = z.object({
  update_id: z.number().int(),
  // The only update type Crypto Pay sends today; anything else is not one we can act on.
  update_type: z.literal('invoice_paid'),
  request_date: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO date'),
  payload: invoiceSchema,
});
export type CryptoPayUpdate = z.infer<typeof webhookUpdateSchema>;

export type WebhookRejection = 'unsigned' | 'bad_signature' | 'malformed' | 'stale';

export interface VerifyCryptoPayWebhookInput {
  rawBody: Buffer | string;
  /** The `crypto-pay-api-signature` header as received. */
  signature: string | undefined;
  token: string;
  now?: Date;
  maxAgeMs?: number;
}

export function verifyCryptoPayWebhook(
  input: VerifyCryptoPayWebhookInput,
): { ok: true; update: CryptoPayUpdate } | { ok: false; reason: WebhookRejection } {
  const signature = input.signature?.trim().toLowerCase();
  if (!signature) return { ok: false, reason: 'unsigned' };
  // An empty token would make the key a public constant: nothing could be trusted.
  if (input.token.length === 0) return { ok: false, reason: 'bad_signature' };

  const raw = typeof input.rawBody === 'string' ? Buffer.from(input.rawBody, 'utf8') : input.rawBody;
  const expected = Buffer.from(expectedSignature(raw, input.token), 'utf8');
  const received = Buffer.from(signature, 'utf8');
  // timingSafeEqual throws on unequal lengths; the length of a hex HMAC is no secret.
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }

  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = webhookUpdateSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'malformed' };

  // A replayed old update must not be taken for a fresh one.
  const age = (input.now ?? new Date()).getTime() - Date.parse(parsed.data.request_date);
  if (age > (input.maxAgeMs ?? DEFAULT_WEBHOOK_MAX_AGE_MS) || age < -ALLOWED_CLOCK_SKEW_MS) {
    return { ok: false, reason: 'stale' };
  }
  return { ok: true, update: parsed.data };
}

function expectedSignature(rawBody: Buffer, token: string): string {
  const key = createHash('sha256').update(token, 'utf8').digest();
  return createHmac('sha256', key).update(rawBody).digest('hex');
}
