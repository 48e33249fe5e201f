/** Crypto Pay (@CryptoBot) for wallet top-ups: the API client and the webhook check. */
export {
  CRYPTO_PAY_MAINNET_URL,
  CRYPTO_PAY_TESTNET_URL,
  DEFAULT_ACCEPTED_ASSETS,
  appInfoSchema,
  centsToDecimalString,
  createCryptoPayClient,
  invoiceAmountCents,
  invoiceSchema,
  invoiceStatusSchema,
  type CreateInvoiceRequest,
  type CryptoPayAppInfo,
  type CryptoPayClient,
  type CryptoPayClientOptions,
  type CryptoPayInvoice,
  type CryptoPayInvoiceStatus,
  type CryptoPayResult,
  type GetInvoicesRequest,
} from './client.js';
export {
  CRYPTO_PAY_SIGNATURE_HEADER,
  DEFAULT_WEBHOOK_MAX_AGE_MS,
  verifyCryptoPayWebhook,
  webhookUpdateSchema,
  type CryptoPayUpdate,
  type VerifyCryptoPayWebhookInput,
  type WebhookRejection,
} from './webhook.js';
