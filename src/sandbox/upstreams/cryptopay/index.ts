/**
 * A stateful stand-in for the Crypto Pay API (@CryptoBot), for tests and the
 * sandbox: invoices that can be paid, expire on the simulator's clock and are
 * announced by signed webhooks. See `routes.ts` for the wire format and
 * `state.ts` for the rules.
 */
import { FaultPlan, randomId, startSimServer, type RunningSimulator, type StartOptions } from '../sim-server.js';
import { createCryptoPayHandler } from './routes.js';
import { CryptoPayState, toWireInvoice } from './state.js';
import { deliverWebhook } from './webhook.js';

export { SUPPORTED_ASSETS as CRYPTO_PAY_ASSETS, DEFAULT_RATES as CRYPTO_PAY_DEFAULT_RATES } from './state.js';
export { signWebhookBody } from './webhook.js';

export interface CryptoPaySimulatorOptions {
  /** The app token the simulator accepts; random (in Crypto Pay's `<app id>:<secret>` form) when omitted. */
  token?: string;
  appName?: string;
  /** The clock invoices are created, paid and expired by; `advanceTime` moves it further. */
  now?: () => Date;
}

/** An invoice exactly as the API would return it. */
export type CryptoPayInvoiceView = Record<string, unknown> & {
  invoice_id: number;
  status: 'active' | 'paid' | 'expired';
  amount: string;
};

export interface SendWebhookOptions {
  /** Default true. */
  signed?: boolean;
  tamperAfterSigning?: boolean;
  wrongToken?: boolean;
  /** `request_date` of the update; the simulator's now by default. */
  requestDate?: Date;
}

export interface CryptoPaySimulator {
  readonly token: string;
  readonly appId: number;
  readonly appName: string;
  readonly faults: FaultPlan;
  /** Serves `/api/<method>`; the running URL is the client's `baseUrl`. */
  start(options?: StartOptions): Promise<RunningSimulator>;
  now(): Date;
  invoices(): CryptoPayInvoiceView[];
  invoice(invoiceId: number): CryptoPayInvoiceView | undefined;
  /** A payer pays an active invoice (in `asset` at `rate` units of fiat per unit); throws if it cannot be paid. */
  markPaid(invoiceId: number, options?: { asset?: string; rate?: string }): CryptoPayInvoiceView;
  /** Expires active invoices whose `expires_in` has run out; answers their ids. */
  expireDueInvoices(): number[];
  /** Moves the simulator's clock on and expires what is due. */
  advanceTime(ms: number): void;
  /** POSTs an `invoice_paid` update for a paid invoice to `url`, as Crypto Pay would. */
  sendWebhook(url: string, invoiceId: number, options?: SendWebhookOptions): Promise<{ status: number; body: string }>;
}

export function createCryptoPaySimulator(options: CryptoPaySimulatorOptions = {}): CryptoPaySimulator {
  const appId = 10_000 + Math.floor(Math.random() * 90_000);
  const token = options.token ?? `${appId}:AA${randomId(33, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`;
  const appName = options.appName ?? 'Proxy Storefront (sandbox)';
  const state = new CryptoPayState(options.now);
  const faults = new FaultPlan();
  const handler = createCryptoPayHandler(state, { token, appId, name: appName });

  const view = (invoiceId: number): CryptoPayInvoiceView | undefined => {
    const invoice = state.invoices.get(invoiceId);
    return invoice ? (toWireInvoice(invoice) as CryptoPayInvoiceView) : undefined;
  };

  return {
    token,
    appId,
    appName,
    faults,
    start: (startOptions) => startSimServer(handler, faults, startOptions),
    now: () => state.now(),
    invoices: () => [...state.invoices.keys()].map((id) => view(id)!),
    invoice: view,
    markPaid(invoiceId, paidWith = {}) {
      state.markPaid(invoiceId, paidWith.asset, paidWith.rate);
      return view(invoiceId)!;
    },
    expireDueInvoices: () => state.expireDue(),
    advanceTime: (ms) => state.advance(ms),

    async sendWebhook(url, invoiceId, sendOptions = {}) {
      const invoice = view(invoiceId);
      if (!invoice) throw new Error(`no invoice ${invoiceId}`);
      // Crypto Pay announces payments only; a webhook for an unpaid invoice would be a test bug.
      if (invoice.status !== 'paid') throw new Error(`invoice ${invoiceId} is ${invoice.status}, not paid`);
      return deliverWebhook({
        url,
        token,
        update: {
          update_id: state.takeUpdateId(),
          update_type: 'invoice_paid',
          request_date: (sendOptions.requestDate ?? state.now()).toISOString(),
          payload: invoice,
        },
        ...(sendOptions.signed === undefined ? {} : { signed: sendOptions.signed }),
        ...(sendOptions.tamperAfterSigning === undefined ? {} : { tamperAfterSigning: sendOptions.tamperAfterSigning }),
        ...(sendOptions.wrongToken === undefined ? {} : { wrongToken: sendOptions.wrongToken }),
      });
    },
  };
}
