/**
 * Crypto Pay's webhook: the raw body and its signature handed to the top-ups,
 * which verify and credit. Mounted at CRYPTOPAY_WEBHOOK_PATH.
 */
import { Hono } from 'hono';
import { CRYPTO_PAY_SIGNATURE_HEADER } from '../../payments/cryptopay/index.js';
import type { CryptoPayTopUps } from '../../payments/cryptopay/topups.js';

export const CRYPTOPAY_WEBHOOK_PATH = '/payments/cryptopay/webhook';
/** A Crypto Pay update is a few kilobytes; anything far larger is not one. */
const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

export function cryptoPayWebhookRoutes(cryptopay: Pick<CryptoPayTopUps, 'handleWebhook'>): Hono {
  const routes = new Hono();
  routes.post('/', async (c) => {
    if (Number(c.req.header('content-length') ?? 0) > MAX_WEBHOOK_BODY_BYTES) return c.text('too large', 413);
    // The signature covers the bytes as sent: the body is read raw, never parsed and re-serialised.
    const rawBody = Buffer.from(await c.req.arrayBuffer());
    if (rawBody.length > MAX_WEBHOOK_BODY_BYTES) return c.text('too large', 413);
    const answer = cryptopay.handleWebhook(rawBody, c.req.header(CRYPTO_PAY_SIGNATURE_HEADER));
    return c.text(answer.message, answer.status);
  });
  return routes;
}
