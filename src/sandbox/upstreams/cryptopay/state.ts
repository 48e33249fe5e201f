/**
 * What the Crypto Pay simulator remembers: its invoices and its own clock.
 * The rules follow the public API: invoices are `active` until paid or until
 * `expires_in` runs out, amounts are decimal strings, and a paid invoice
 * records the asset, amount and rate it was paid with.
 */
import { randomId } from '../sim-server.js';

export const SUPPORTED_ASSETS = ['USDT', 'TON', 'BTC', 'ETH', 'LTC', 'BNB', 'TRX', 'USDC'] as const;
export const SUPPORTED_FIATS = ['USD', 'EUR', 'RUB', 'GBP', 'UAH', 'KZT', 'BYN', 'UZS', 'TRY', 'BRL'] as const;
/** Price of one unit of each asset in the invoice's fiat, used when `markPaid` gets no rate. */
export const DEFAULT_RATES: Record<string, string> = {
  USDT: '1',
  USDC: '1',
  TON: '5.5',
  BTC: '65000',
  ETH: '3000',
  LTC: '80',
  BNB: '550',
  TRX: '0.12',
};
/** `expires_in` may be 1 second to 31 days. */
export const MAX_EXPIRES_IN_SECONDS = 2_678_400;
export const MAX_PAYLOAD_BYTES = 4096;
export const MAX_DESCRIPTION_LENGTH = 1024;

export interface SimInvoice {
  invoiceId: number;
  hash: string;
  currencyType: 'crypto' | 'fiat';
  asset?: string;
  fiat?: string;
  /** As the app sent it, so that "19.99" comes back as "19.99". */
  amount: string;
  acceptedAssets?: string[];
  description?: string;
  payload?: string;
  status: 'active' | 'paid' | 'expired';
  createdAt: Date;
  expiresAt?: Date;
  paid?: { asset: string; amount: string; rate: string; at: Date };
}

/** A refusal the way Crypto Pay words it: `{ok:false, error:{code, name}}`. */
export class SimApiError extends Error {
  constructor(
    readonly code: number,
    readonly errorName: string,
  ) {
    super(errorName);
  }
}

export class CryptoPayState {
  readonly invoices = new Map<number, SimInvoice>();
  private nextInvoiceId = 1;
  private nextUpdateId = 1;
  private offsetMs = 0;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** The simulator's time: the injected clock moved on by `advance`. */
  now(): Date {
    return new Date(this.clock().getTime() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
    this.expireDue();
  }

  /** Marks every active invoice whose time is up as expired; answers their ids. */
  expireDue(): number[] {
    const now = this.now().getTime();
    const expired: number[] = [];
    for (const invoice of this.invoices.values()) {
      if (invoice.status === 'active' && invoice.expiresAt && invoice.expiresAt.getTime() <= now) {
        invoice.status = 'expired';
        expired.push(invoice.invoiceId);
      }
    }
    return expired;
  }

  takeUpdateId(): number {
    return this.nextUpdateId++;
  }

  create(
    fields: Omit<SimInvoice, 'invoiceId' | 'hash' | 'status' | 'createdAt' | 'expiresAt'> & { expiresInSeconds?: number },
  ): SimInvoice {
    const { expiresInSeconds, ...rest } = fields;
    const createdAt = this.now();
    const invoice: SimInvoice = {
      ...rest,
      invoiceId: this.nextInvoiceId++,
      hash: `IV${randomId(12, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`,
      status: 'active',
      createdAt,
      ...(expiresInSeconds === undefined ? {} : { expiresAt: new Date(createdAt.getTime() + expiresInSeconds * 1000) }),
    };
    this.invoices.set(invoice.invoiceId, invoice);
    return invoice;
  }

  /** What a payer's wallet does: pays an active invoice in one of the accepted assets. */
  markPaid(invoiceId: number, asset: string | undefined, rate: string | undefined): SimInvoice {
    this.expireDue();
    const invoice = this.invoices.get(invoiceId);
    if (!invoice) throw new Error(`no invoice ${invoiceId}`);
    if (invoice.status !== 'active') throw new Error(`invoice ${invoiceId} is ${invoice.status}, not active`);
    const paidAsset = invoice.currencyType === 'crypto' ? invoice.asset! : (asset ?? invoice.acceptedAssets?.[0] ?? 'USDT');
    if (invoice.currencyType === 'fiat' && invoice.acceptedAssets && !invoice.acceptedAssets.includes(paidAsset)) {
      throw new Error(`invoice ${invoiceId} does not accept ${paidAsset}`);
    }
    const paidRate = rate ?? DEFAULT_RATES[paidAsset] ?? '1';
    invoice.status = 'paid';
    invoice.paid = {
      asset: paidAsset,
      // A fiat invoice is paid with as much of the asset as the amount buys, rounded up to 8 decimals.
      amount: invoice.currencyType === 'crypto' ? invoice.amount : divideDecimals(invoice.amount, paidRate, 8),
      rate: paidRate,
      at: this.now(),
    };
    return invoice;
  }
}

/** The invoice object exactly as the API returns it. */
export function toWireInvoice(invoice: SimInvoice): Record<string, unknown> {
  const botUrl = `https://t.me/CryptoBot?start=${invoice.hash}`;
  return {
    invoice_id: invoice.invoiceId,
    hash: invoice.hash,
    currency_type: invoice.currencyType,
    ...(invoice.asset === undefined ? {} : { asset: invoice.asset }),
    ...(invoice.fiat === undefined ? {} : { fiat: invoice.fiat }),
    amount: invoice.amount,
    ...(invoice.acceptedAssets === undefined ? {} : { accepted_assets: [...invoice.acceptedAssets] }),
    // `pay_url` is the older name of `bot_invoice_url`; the API still sends both.
    pay_url: botUrl,
    bot_invoice_url: botUrl,
    mini_app_invoice_url: `https://t.me/CryptoBot/app?startapp=invoice-${invoice.hash}`,
    web_app_invoice_url: `https://app.send.tg/invoices/${invoice.hash}`,
    ...(invoice.description === undefined ? {} : { description: invoice.description }),
    status: invoice.status,
    created_at: invoice.createdAt.toISOString(),
    allow_comments: true,
    allow_anonymous: true,
    ...(invoice.expiresAt ? { expiration_date: invoice.expiresAt.toISOString() } : {}),
    ...(invoice.payload === undefined ? {} : { payload: invoice.payload }),
    ...(invoice.paid
      ? {
          paid_asset: invoice.paid.asset,
          paid_amount: invoice.paid.amount,
          ...(invoice.currencyType === 'fiat' ? { paid_fiat_rate: invoice.paid.rate } : {}),
          // The simulator prices assets in the invoice's fiat and treats that as USD.
          paid_usd_rate: invoice.paid.rate,
          paid_anonymously: false,
          paid_at: invoice.paid.at.toISOString(),
        }
      : {}),
  };
}

/** `a / b` on decimal strings, rounded up to `scale` decimals, without floats. */
export function divideDecimals(a: string, b: string, scale: number): string {
  const [aInt, aScale] = toScaled(a);
  const [bInt, bScale] = toScaled(b);
  if (bInt === 0n) throw new Error('division by a zero rate');
  const numerator = aInt * 10n ** BigInt(bScale + scale);
  const denominator = bInt * 10n ** BigInt(aScale);
  const quotient = (numerator + denominator - 1n) / denominator;
  const digits = quotient.toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

function toScaled(text: string): [bigint, number] {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`not a decimal: ${text}`);
  const fraction = match[2] ?? '';
  return [BigInt(match[1]! + fraction), fraction.length];
}
