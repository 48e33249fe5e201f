/**
 * Validation of a `POST /plans` (and check-price) body into a normalized
 * order, following the per-product rules of the openapi.json.
 */
import type { SimResponse } from '../sim-server.js';
import { DOCUMENTED_PRODUCTS, DURATION_HOURS, type ProductFamily } from './catalog.js';
import { validationError } from './responses.js';

export type NormalizedOrder =
  | { family: 'bandwidth'; product: string; billingType: 'bandwidth'; gb: number; hours?: number; reference?: string }
  | { family: 'time'; product: string; billingType: 'time'; hours: number; mbps: number; reference?: string }
  | { family: 'dedicated'; product: string; billingType: 'per_ip'; quantity: number; pool: string; reference?: string }
  /** `unlimited_residential` with `duration: "trial"`. */
  | { family: 'trial'; product: string; billingType: 'time'; reference?: string };

export type ParsedOrder = { ok: true; order: NormalizedOrder } | { ok: false; response: SimResponse };

const HYBRID_PRODUCTS = new Set(['datacenter', 'shared_isp', 'ipv6-residential', 'ipv6-datacenter']);

/** FlashProxy still accepts underscore spellings of hyphenated product names. */
export function canonicalProduct(value: string): string {
  const hyphenated = value.replaceAll('_', '-');
  return (DOCUMENTED_PRODUCTS as readonly string[]).includes(hyphenated) ? hyphenated : value;
}

export function familyOf(product: string): ProductFamily | 'unlimited' {
  if (product === 'dedicated_isp') return 'dedicated';
  if (product === 'unlimited_residential') return 'unlimited';
  return HYBRID_PRODUCTS.has(product) ? 'hybrid' : 'bandwidth';
}

export function parseOrder(body: unknown): ParsedOrder {
  const reject = (message: string, details?: Record<string, string[]>): ParsedOrder => ({
    ok: false,
    response: validationError(message, details),
  });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return reject('Invalid request parameters', { body: ['Expected object'] });
  }
  const fields = body as Record<string, unknown>;
  if (typeof fields.product !== 'string') return reject('Invalid request parameters', { product: ['Required'] });
  const product = canonicalProduct(fields.product);
  if (!(DOCUMENTED_PRODUCTS as readonly string[]).includes(product)) {
    return reject('Invalid request parameters', {
      product: [`Invalid enum value. Expected ${DOCUMENTED_PRODUCTS.map((p) => `'${p}'`).join(' | ')}`],
    });
  }
  const reference = fields.end_user_reference;
  if (reference !== undefined && (typeof reference !== 'string' || reference.length > 100)) {
    return reject('Invalid request parameters', { end_user_reference: ['Expected string of at most 100 characters'] });
  }
  const base = { product, ...(typeof reference === 'string' ? { reference } : {}) };
  const family = familyOf(product);

  if (family === 'dedicated') {
    const quantity = numeric(fields.quantity);
    if (quantity === undefined || !Number.isInteger(quantity) || quantity < 1) {
      return reject('Invalid request parameters', { quantity: ['Required: a whole number of at least 1'] });
    }
    if (typeof fields.pool !== 'string' || fields.pool.length === 0) {
      return reject('Invalid request parameters', { pool: ['Required'] });
    }
    return { ok: true, order: { ...base, family, billingType: 'per_ip', quantity, pool: fields.pool } };
  }
  if (family === 'unlimited') {
    // "For trial: `product`, `duration: \"trial\"`" — nothing else is required.
    if (fields.duration === 'trial') return { ok: true, order: { ...base, family: 'trial', billingType: 'time' } };
    // The simulated account sells no full unlimited residential plan; the caller answers PRODUCT_DISABLED.
    return { ok: true, order: { ...base, family: 'time', billingType: 'time', hours: 24, mbps: 200 } };
  }

  let billingType: 'bandwidth' | 'time' = 'bandwidth';
  if (family === 'hybrid') {
    if (fields.billing_type !== 'bandwidth' && fields.billing_type !== 'time') {
      return reject('billing_type is required for datacenter/shared_isp/ipv6 products');
    }
    billingType = fields.billing_type;
  }

  if (billingType === 'time') {
    const hours = durationHours(fields.duration);
    if (hours === undefined) return reject('Invalid request parameters', { duration: ['Required for time-billed plans'] });
    const mbps = numeric(fields.mbps);
    if (mbps === undefined || !Number.isInteger(mbps) || mbps < 10 || mbps > 10_000) {
      return reject('Invalid request parameters', { mbps: ['Required for time-billed plans: 10-10000'] });
    }
    return { ok: true, order: { ...base, family: 'time', billingType, hours, mbps } };
  }

  const gb = numeric(fields.bandwidth_gb);
  if (gb === undefined) return reject('bandwidth_gb is required for bandwidth-billed products');
  const minimum = product.startsWith('pool') ? 1 : 0.1;
  if (gb < minimum || gb > 10_000) {
    return reject('Invalid request parameters', { bandwidth_gb: [`Must be between ${minimum} and 10000`] });
  }
  let hours: number | undefined;
  if (fields.duration !== undefined) {
    hours = durationHours(fields.duration);
    if (hours === undefined || hours < 24) {
      return reject('Invalid request parameters', { duration: ['Invalid duration for a bandwidth product'] });
    }
  }
  return { ok: true, order: { ...base, family: 'bandwidth', billingType, gb, ...(hours ? { hours } : {}) } };
}

function durationHours(value: unknown): number | undefined {
  return typeof value === 'string' ? DURATION_HOURS[value] : undefined;
}

/** The docs' curl examples send numbers as strings; both are accepted. */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}
