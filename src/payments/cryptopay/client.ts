/**
 * Crypto Pay API (@CryptoBot): the wire format as zod schemas and one method
 * per endpoint the wallet top-up needs.
 *
 * Every method answers a result instead of throwing. `refused` means Crypto Pay
 * definitely did nothing (it said no, or we never sent the request);
 * `ambiguous` means we cannot tell (timeout, reset, 5xx, an answer we could not
 * read). A top-up reconciles an ambiguous `createInvoice` by listing invoices
 * with `getInvoices`, the same call that backs up a missed webhook.
 */
import { z } from 'zod';
import { dollarsToCents, isValidAmount } from '../../domain/money.js';
import { createHttpClient, type ExchangeAmbiguity, type HttpExchange } from '../../lib/http.js';

export const CRYPTO_PAY_MAINNET_URL = 'https://pay.crypt.bot';
export const CRYPTO_PAY_TESTNET_URL = 'https://testnet-pay.crypt.bot';
export const DEFAULT_ACCEPTED_ASSETS = ['USDT', 'TON', 'BTC'] as const;

export type CryptoPayResult<T> =
  | { ok: true; value: T }
  /** `code` is Crypto Pay's error name in lower case (`unauthorized`, …) or one of ours (`invalid_amount`, `rate_limited`). */
  | { ok: false; kind: 'refused'; code: string; message: string; httpStatus?: number }
  | { ok: false; kind: 'ambiguous'; code: ExchangeAmbiguity; message: string; httpStatus?: number };

// ---------------------------------------------------------------------------
// Wire schemas (non-strict: fields added by newer API versions are ignored)
// ---------------------------------------------------------------------------

/** Crypto Pay states amounts and rates as decimal strings; keeping them as text keeps them exact. */
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal string');
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO date');

export const invoiceStatusSchema = z.enum(['active', 'paid', 'expired']);
export type CryptoPayInvoiceStatus = z.infer<typeof invoiceStatusSchema>;

export const invoiceSchema = z
  .object({
    invoice_id: z.number().int(),
    hash: z.string().optional(),
    status: invoiceStatusSchema,
    currency_type: z.enum(['crypto', 'fiat']).optional(),
    /** Set for `crypto` invoices. */
    asset: z.string().optional(),
    /** Set for `fiat` invoices. */
    fiat: z.string().optional(),
    amount: decimal,
    accepted_assets: z.union([z.array(z.string()), z.string()]).optional(),
    // The payment link has been renamed over the API's life; any of them will do.
    bot_invoice_url: z.string().optional(),
    pay_url: z.string().optional(),
    mini_app_invoice_url: z.string().optional(),
    web_app_invoice_url: z.string().optional(),
    description: z.string().optional(),
    payload: z.string().optional(),
    created_at: isoDate,
    expiration_date: isoDate.optional(),
    // Present once paid. `paid_amount` is in `paid_asset`; `paid_usd_rate` is USD per unit of it.
    paid_asset: z.string().optional(),
    paid_amount: decimal.optional(),
    paid_usd_rate: decimal.optional(),
    paid_fiat_rate: decimal.optional(),
    paid_at: isoDate.optional(),
  })
  .transform((invoice) => ({
    ...invoice,
    bot_invoice_url: invoice.bot_invoice_url ?? invoice.pay_url ?? invoice.mini_app_invoice_url ?? invoice.web_app_invoice_url,
  }));
export type CryptoPayInvoice = z.infer<typeof invoiceSchema>;

/** `getInvoices` answers `{items:[…]}`; some older descriptions show a bare array. Both are accepted. */
const invoiceListSchema = z.union([z.object({ items: z.array(invoiceSchema) }).transform((r) => r.items), z.array(invoiceSchema)]);

export const appInfoSchema = z.object({
  app_id: z.number().int(),
  name: z.string(),
  payment_processing_bot_username: z.string().optional(),
});
export type CryptoPayAppInfo = z.infer<typeof appInfoSchema>;

const envelopeSchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: z.number().optional(), name: z.string().optional() }).optional(),
  }),
]);

// ---------------------------------------------------------------------------
// Money at the edge
// ---------------------------------------------------------------------------

/** 1999 → "19.99", 5 → "0.05". Integer arithmetic only: a float must never reach an invoice. */
export function centsToDecimalString(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`not a cents amount: ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/**
 * What a fiat USD invoice is worth, in cents. Anything else is refused rather
 * than converted: crediting a wallet from a crypto amount needs a rate, and
 * that is a decision for the caller, not a silent default here.
 */
export function invoiceAmountCents(
  invoice: Pick<CryptoPayInvoice, 'currency_type' | 'fiat' | 'amount'>,
): { ok: true; value: number } | { ok: false; reason: 'not_usd' | 'not_whole_cents' } {
  if (invoice.currency_type !== 'fiat' || invoice.fiat !== 'USD') return { ok: false, reason: 'not_usd' };
  const match = /^\d+(?:\.(\d+))?$/.exec(invoice.amount);
  // "12.500" is fine; "12.505" is not a whole number of cents and is never rounded.
  if (!match || /[1-9]/.test((match[1] ?? '').slice(2))) return { ok: false, reason: 'not_whole_cents' };
  return { ok: true, value: dollarsToCents(invoice.amount, 'down') };
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

export interface CryptoPayClientOptions {
  /** The app token from @CryptoBot → Crypto Pay → My Apps. */
  token: string;
  /** `CRYPTO_PAY_MAINNET_URL`, `CRYPTO_PAY_TESTNET_URL` or a simulator's URL. */
  baseUrl: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface CreateInvoiceRequest {
  amountCents: number;
  description: string;
  /** Our top-up id; comes back in the webhook and in `getInvoices` (≤ 4 KB). */
  payload: string;
  expiresInSeconds: number;
  acceptedAssets?: readonly string[];
}

export interface GetInvoicesRequest {
  invoiceIds?: readonly number[];
  /** Crypto Pay filters by `active` or `paid` only; without it, every status. */
  status?: 'active' | 'paid';
  offset?: number;
  /** 1…1000 (Crypto Pay's default is 100). */
  count?: number;
}

export interface CryptoPayClient {
  createInvoice(request: CreateInvoiceRequest): Promise<CryptoPayResult<CryptoPayInvoice>>;
  getInvoices(request?: GetInvoicesRequest): Promise<CryptoPayResult<CryptoPayInvoice[]>>;
  deleteInvoice(invoiceId: number): Promise<CryptoPayResult<true>>;
  getMe(): Promise<CryptoPayResult<CryptoPayAppInfo>>;
}

export function createCryptoPayClient(options: CryptoPayClientOptions): CryptoPayClient {
  const http = createHttpClient({
    providerId: 'cryptopay',
    baseUrl: options.baseUrl,
    headers: { 'Crypto-Pay-API-Token': options.token },
    secrets: [options.token],
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
  });

  // Every method is a POST with JSON parameters. None is retried here: a
  // retried createInvoice could leave two invoices, and reads are cheap to
  // repeat from the reconciler instead.
  const call = async <S extends z.ZodType>(method: string, params: object, schema: S) => {
    const exchange = await http.send({ method: 'POST', path: `/api/${method}`, json: params });
    return classify(method, exchange, schema, http.redact);
  };

  return {
    async createInvoice(request) {
      if (!isValidAmount(request.amountCents)) {
        return refusedLocally('invalid_amount', `not a payable amount of cents: ${request.amountCents}`);
      }
      const result = await call(
        'createInvoice',
        {
          currency_type: 'fiat',
          fiat: 'USD',
          amount: centsToDecimalString(request.amountCents),
          accepted_assets: (request.acceptedAssets ?? DEFAULT_ACCEPTED_ASSETS).join(','),
          description: request.description,
          payload: request.payload,
          expires_in: request.expiresInSeconds,
        },
        invoiceSchema,
      );
      // Without a link the user cannot pay; the invoice exists, so this is not a clean "no".
      if (result.ok && !result.value.bot_invoice_url) {
        return { ok: false, kind: 'ambiguous', code: 'malformed', message: 'Crypto Pay createInvoice: invoice without a payment link' };
      }
      return result;
    },

    getInvoices(request = {}) {
      return call(
        'getInvoices',
        {
          ...(request.invoiceIds ? { invoice_ids: request.invoiceIds.join(',') } : {}),
          ...(request.status ? { status: request.status } : {}),
          ...(request.offset === undefined ? {} : { offset: request.offset }),
          ...(request.count === undefined ? {} : { count: request.count }),
        },
        invoiceListSchema,
      );
    },

    deleteInvoice(invoiceId) {
      return call('deleteInvoice', { invoice_id: invoiceId }, z.literal(true));
    },

    getMe() {
      return call('getMe', {}, appInfoSchema);
    },
  };
}

function refusedLocally(code: string, message: string): CryptoPayResult<never> {
  return { ok: false, kind: 'refused', code, message };
}

/** Turns one HTTP exchange into a result, reading Crypto Pay's `{ok, result | error}` envelope. */
function classify<S extends z.ZodType>(
  method: string,
  exchange: HttpExchange,
  schema: S,
  redact: (text: string) => string,
): CryptoPayResult<z.infer<S>> {
  const ambiguous = (code: ExchangeAmbiguity, message: string, httpStatus?: number): CryptoPayResult<never> => ({
    ok: false,
    kind: 'ambiguous',
    code,
    message: redact(`Crypto Pay ${method}: ${message}`),
    ...(httpStatus === undefined ? {} : { httpStatus }),
  });
  const refused = (code: string, message: string, httpStatus: number): CryptoPayResult<never> => ({
    ok: false,
    kind: 'refused',
    code,
    message: redact(`Crypto Pay ${method}: ${message}`),
    httpStatus,
  });

  if (exchange.kind === 'failure') return ambiguous(exchange.reason, exchange.message);
  const { status, body } = exchange;
  if (status === 429) return refused('rate_limited', 'rate limit reached (HTTP 429)', status);
  if (status >= 500) return ambiguous('server_error', `HTTP ${status}`, status);
  const isSuccess = status >= 200 && status < 300;

  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) {
    return isSuccess
      ? ambiguous('malformed', `HTTP ${status} with an answer that is not a Crypto Pay envelope`, status)
      : refused('rejected', `HTTP ${status} without a Crypto Pay error`, status);
  }
  if (!envelope.data.ok) {
    const name = envelope.data.error?.name ?? 'UNKNOWN_ERROR';
    const code = envelope.data.error?.code ?? status;
    return refused(name.toLowerCase(), `${name} (${code})`, status);
  }
  const parsed = schema.safeParse(envelope.data.result);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid';
    return ambiguous('malformed', `unexpected result (${where})`, status);
  }
  return { ok: true, value: parsed.data };
}
