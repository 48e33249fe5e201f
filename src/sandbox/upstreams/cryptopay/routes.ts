/**
 * The Crypto Pay wire format: `/api/<method>`, the app token in the
 * `Crypto-Pay-API-Token` header, parameters as JSON (POST) or a query string
 * (GET), and every answer wrapped as `{ok:true, result}` or
 * `{ok:false, error:{code, name}}`.
 *
 * `UNAUTHORIZED` and `METHOD_NOT_FOUND` are the names Crypto Pay uses; the
 * names of the parameter errors below are the simulator's own wording.
 */
import { INVALID_JSON, type SimHandler, type SimRequest, type SimResponse } from '../sim-server.js';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_EXPIRES_IN_SECONDS,
  MAX_PAYLOAD_BYTES,
  SUPPORTED_ASSETS,
  SUPPORTED_FIATS,
  SimApiError,
  toWireInvoice,
  type CryptoPayState,
} from './state.js';

export interface CryptoPayApp {
  token: string;
  appId: number;
  name: string;
}

type Params = Record<string, unknown>;

export function createCryptoPayHandler(state: CryptoPayState, app: CryptoPayApp): SimHandler {
  const methods: Record<string, (params: Params) => unknown> = {
    getMe: () => ({ app_id: app.appId, name: app.name, payment_processing_bot_username: 'CryptoBot' }),
    createInvoice: (params) => toWireInvoice(createInvoice(state, params)),
    getInvoices: (params) => ({ items: getInvoices(state, params).map(toWireInvoice) }),
    deleteInvoice: (params) => {
      const id = integer(params.invoice_id, 'INVOICE_ID_INVALID');
      if (!state.invoices.delete(id)) throw new SimApiError(400, 'INVOICE_NOT_FOUND');
      return true;
    },
  };

  return (request: SimRequest): SimResponse => {
    if (header(request, 'crypto-pay-api-token') !== app.token) return failure(401, 'UNAUTHORIZED');
    const method = /^\/api\/([A-Za-z]+)$/.exec(request.path)?.[1];
    const run = method === undefined ? undefined : methods[method];
    if (!run) return failure(405, 'METHOD_NOT_FOUND');
    if (request.body === INVALID_JSON) return failure(400, 'INVALID_JSON');
    const body = request.body && typeof request.body === 'object' ? (request.body as Params) : {};
    const params: Params = { ...Object.fromEntries(request.query), ...body };
    // Crypto Pay expires invoices on its own schedule; here, whenever anyone looks.
    state.expireDue();
    try {
      return { status: 200, body: { ok: true, result: run(params) } };
    } catch (error) {
      if (error instanceof SimApiError) return failure(error.code, error.errorName);
      throw error;
    }
  };
}

function createInvoice(state: CryptoPayState, params: Params) {
  const currencyType = params.currency_type ?? 'crypto';
  if (currencyType !== 'crypto' && currencyType !== 'fiat') throw new SimApiError(400, 'CURRENCY_TYPE_INVALID');

  let asset: string | undefined;
  let fiat: string | undefined;
  let acceptedAssets: string[] | undefined;
  if (currencyType === 'crypto') {
    asset = oneOf(params.asset, SUPPORTED_ASSETS, 'ASSET_INVALID');
  } else {
    fiat = oneOf(params.fiat, SUPPORTED_FIATS, 'FIAT_INVALID');
    if (params.accepted_assets !== undefined) {
      const list = String(params.accepted_assets)
        .split(',')
        .map((a) => a.trim());
      acceptedAssets = list.map((a) => oneOf(a, SUPPORTED_ASSETS, 'ACCEPTED_ASSETS_INVALID'));
    }
  }

  const amount = typeof params.amount === 'number' ? String(params.amount) : params.amount;
  // Fiat amounts are whole cents; crypto amounts may carry more decimals.
  const amountPattern = currencyType === 'fiat' ? /^\d+(\.\d{1,2})?$/ : /^\d+(\.\d{1,18})?$/;
  if (typeof amount !== 'string' || !amountPattern.test(amount) || !/[1-9]/.test(amount)) {
    throw new SimApiError(400, 'AMOUNT_INVALID');
  }

  const description = optionalString(params.description);
  if (description !== undefined && description.length > MAX_DESCRIPTION_LENGTH) {
    throw new SimApiError(400, 'DESCRIPTION_TOO_LONG');
  }
  const payload = optionalString(params.payload);
  if (payload !== undefined && Buffer.byteLength(payload, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new SimApiError(400, 'PAYLOAD_TOO_LONG');
  }
  let expiresInSeconds: number | undefined;
  if (params.expires_in !== undefined) {
    expiresInSeconds = integer(params.expires_in, 'EXPIRES_IN_INVALID');
    if (expiresInSeconds < 1 || expiresInSeconds > MAX_EXPIRES_IN_SECONDS) throw new SimApiError(400, 'EXPIRES_IN_INVALID');
  }

  return state.create({
    currencyType,
    amount,
    ...(asset === undefined ? {} : { asset }),
    ...(fiat === undefined ? {} : { fiat }),
    ...(acceptedAssets === undefined ? {} : { acceptedAssets }),
    ...(description === undefined ? {} : { description }),
    ...(payload === undefined ? {} : { payload }),
    ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
  });
}

function getInvoices(state: CryptoPayState, params: Params) {
  let ids: Set<number> | undefined;
  if (params.invoice_ids !== undefined) {
    const list = Array.isArray(params.invoice_ids) ? params.invoice_ids : String(params.invoice_ids).split(',');
    ids = new Set(list.filter((v) => String(v).trim() !== '').map((v) => integer(v, 'INVOICE_IDS_INVALID')));
  }
  const status = params.status;
  if (status !== undefined && status !== 'active' && status !== 'paid') throw new SimApiError(400, 'STATUS_INVALID');
  const offset = params.offset === undefined ? 0 : integer(params.offset, 'OFFSET_INVALID');
  const count = params.count === undefined ? 100 : integer(params.count, 'COUNT_INVALID');
  if (offset < 0) throw new SimApiError(400, 'OFFSET_INVALID');
  if (count < 1 || count > 1000) throw new SimApiError(400, 'COUNT_INVALID');

  return [...state.invoices.values()]
    .filter((i) => (ids ? ids.has(i.invoiceId) : true))
    .filter((i) => (status ? i.status === status : true))
    .filter((i) => (params.asset === undefined ? true : i.asset === params.asset))
    .filter((i) => (params.fiat === undefined ? true : i.fiat === params.fiat))
    .slice(offset, offset + count);
}

function failure(code: number, name: string): SimResponse {
  return { status: code, body: { ok: false, error: { code, name } } };
}

function header(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Query parameters arrive as text, JSON ones as numbers; both are accepted, as the API does. */
function integer(value: unknown, errorName: string): number {
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new SimApiError(400, errorName);
  return n;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], errorName: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new SimApiError(400, errorName);
  return value as T;
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}
