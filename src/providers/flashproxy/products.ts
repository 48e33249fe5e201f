/**
 * The part of FlashProxy's range the shop sells, and how a catalog choice
 * becomes a `POST /plans` body.
 *
 * - Bandwidth products (residential-lite, residential, mobile): rotating
 *   gateways billed per GB; terms are traffic packages; no country choice
 *   (geo targeting is done in the proxy username, not at purchase).
 * - Time-billed hybrids (datacenter, shared_isp with `billing_type: time`):
 *   rotating gateways billed per day at a fixed speed; terms are durations.
 * - Dedicated ISP: static IPs from a named pool, 30 days, quantity = IPs.
 *   The "countries" of this product are FlashProxy's pools (e.g.
 *   `ISP_US_SNEAKERS`), because the pool name is what the upstream expects back.
 *
 * - Unlimited Residential trial: `POST /plans {product: unlimited_residential,
 *   duration: "trial"}` (openapi: "For trial: `product`, `duration: \"trial\"`"),
 *   200 Mbps, one plan, not extendable. FlashProxy charges it (tiered per UTC
 *   day; check-price tells the figure), so it is sold like any product, and is
 *   the natural pick for the shop's FlashProxy trial (`/trial`).
 *
 * One `POST /plans` makes one plan, so only Dedicated ISP has a quantity above 1.
 */
import { ok, refused, type OrderChoice, type Outcome, type TermOption } from '../types.js';
import type { CreatePlanBody, ExtendPlanBody } from './schemas.js';

export type ProductShape = 'traffic' | 'time' | 'dedicated' | 'trial';

export interface ProductDefinition {
  /** Our product id (stable, provider-local). */
  id: string;
  /** FlashProxy's `product` value. */
  wireProduct: string;
  name: string;
  shape: ProductShape;
  kind: 'static' | 'rotating';
}

export const SOLD_PRODUCTS: readonly ProductDefinition[] = [
  { id: 'residential-lite', wireProduct: 'residential-lite', name: 'Residential Lite (per GB)', shape: 'traffic', kind: 'rotating' },
  { id: 'residential', wireProduct: 'residential', name: 'Residential (per GB)', shape: 'traffic', kind: 'rotating' },
  { id: 'mobile', wireProduct: 'mobile', name: 'Mobile (per GB)', shape: 'traffic', kind: 'rotating' },
  { id: 'datacenter-time', wireProduct: 'datacenter', name: 'Datacenter, 100 Mbps (per day)', shape: 'time', kind: 'rotating' },
  { id: 'shared-isp-time', wireProduct: 'shared_isp', name: 'Shared ISP, 100 Mbps (per day)', shape: 'time', kind: 'rotating' },
  { id: 'dedicated-isp', wireProduct: 'dedicated_isp', name: 'Dedicated ISP (30 days)', shape: 'dedicated', kind: 'static' },
  {
    id: 'unlimited-residential-trial',
    wireProduct: 'unlimited_residential',
    name: 'Unlimited Residential trial, 200 Mbps',
    shape: 'trial',
    kind: 'rotating',
  },
];

/** Products FlashProxy bills per GB whatever the plan (extensions add GB). */
export const BANDWIDTH_WIRE_PRODUCTS = new Set([
  'residential-lite',
  'residential',
  'mobile',
  'mobile_usa',
  'pool1',
  'pool2',
  'pool3',
  'pool4',
  'pool5',
]);
export const DEDICATED_WIRE_PRODUCT = 'dedicated_isp';

/** Speed bought with every time-billed plan; the shop sells one speed tier. */
export const TIME_PLAN_MBPS = 100;

export const TRAFFIC_PACKAGES_GB = [1, 5, 10, 25, 50, 100] as const;

export const DURATIONS = [
  { wire: '1_day', days: 1 },
  { wire: '7_days', days: 7 },
  { wire: '14_days', days: 14 },
  { wire: '30_days', days: 30 },
  { wire: '60_days', days: 60 },
  { wire: '90_days', days: 90 },
] as const;

/** Upper bound for one Dedicated ISP order, whatever the pool's stock. */
export const DEDICATED_MAX_QUANTITY = 100;

/**
 * Term ids: `<n>gb` (traffic), `<n>_days` (a FlashProxy duration) and
 * `30_days_per_ip` (the Dedicated ISP period). The same ids serve renewals.
 */
export type ParsedTerm =
  | { shape: 'trial' }
  | { shape: 'traffic'; gb: number }
  | { shape: 'time'; duration: string; days: number }
  | { shape: 'dedicated'; days: 30 };

export const DEDICATED_TERM_ID = '30_days_per_ip';

/** The Unlimited Residential trial's one term: FlashProxy's `duration: "trial"`. */
export const TRIAL_TERM_ID = 'trial';

/**
 * The openapi gives the trial's length twice, differently: "30-minute trial" and
 * "\"trial\" is only valid for unlimited_residential (30 minutes)", but also
 * "`duration: \"trial\"` (1 hour, 200 Mbps)" and a created example that expires
 * an hour after it was made. The term says the shorter, so the shop never
 * promises more than FlashProxy may give; the delivery shows the real end.
 */
export function trialTerm(): TermOption {
  return { id: TRIAL_TERM_ID, label: '30 minutes' };
}

export const trafficTermId = (gb: number) => `${gb}gb`;

export function parseTermId(termId: string): ParsedTerm | undefined {
  if (termId === DEDICATED_TERM_ID) return { shape: 'dedicated', days: 30 };
  if (termId === TRIAL_TERM_ID) return { shape: 'trial' };
  const traffic = /^(\d+)gb$/.exec(termId);
  if (traffic) {
    const gb = Number(traffic[1]);
    return (TRAFFIC_PACKAGES_GB as readonly number[]).includes(gb) ? { shape: 'traffic', gb } : undefined;
  }
  const duration = DURATIONS.find((d) => d.wire === termId);
  return duration ? { shape: 'time', duration: duration.wire, days: duration.days } : undefined;
}

export function trafficTerms(pricePerGbCents: number | undefined): TermOption[] {
  return TRAFFIC_PACKAGES_GB.map((gb) => ({
    id: trafficTermId(gb),
    label: `${gb} GB`,
    trafficGb: gb,
    ...(pricePerGbCents === undefined ? {} : { unitCostCents: Math.ceil(pricePerGbCents * gb) }),
  }));
}

/**
 * Durations carry no catalog price: the price list gives a daily rate but not
 * for which speed, so the exact figure comes from `POST /plans/check-price`.
 */
export function timeTerms(): TermOption[] {
  return DURATIONS.map((d) => ({ id: d.wire, label: d.days === 1 ? '1 day' : `${d.days} days`, days: d.days }));
}

export function dedicatedTerm(unitCostCents: number | undefined, label = '30 days'): TermOption {
  return { id: DEDICATED_TERM_ID, label, days: 30, ...(unitCostCents === undefined ? {} : { unitCostCents }) };
}

export function findProduct(productId: string): ProductDefinition | undefined {
  return SOLD_PRODUCTS.find((p) => p.id === productId);
}

/** Checks a choice and builds the body shared by `POST /plans` and check-price. */
export function createPlanBody(choice: OrderChoice): Outcome<CreatePlanBody> {
  const product = findProduct(choice.productId);
  if (!product) return refused('invalid_option', `unknown FlashProxy product ${choice.productId}`);
  const term = parseTermId(choice.termId);
  if (!term || term.shape !== product.shape) {
    return refused('invalid_option', `term ${choice.termId} does not belong to ${product.id}`);
  }
  if (!Number.isInteger(choice.quantity) || choice.quantity < 1) {
    return refused('invalid_option', `quantity must be a positive whole number`);
  }
  switch (term.shape) {
    case 'trial':
      if (choice.quantity !== 1) return refused('invalid_option', `${product.id} is sold one plan at a time`);
      return ok({ product: product.wireProduct, duration: 'trial' });
    case 'traffic':
      if (choice.quantity !== 1) return refused('invalid_option', `${product.id} is sold one plan at a time`);
      return ok({ product: product.wireProduct, bandwidth_gb: term.gb });
    case 'time':
      if (choice.quantity !== 1) return refused('invalid_option', `${product.id} is sold one plan at a time`);
      return ok({ product: product.wireProduct, billing_type: 'time', duration: term.duration, mbps: TIME_PLAN_MBPS });
    case 'dedicated':
      if (!choice.countryCode) return refused('invalid_option', 'Dedicated ISP needs a pool');
      if (choice.quantity > DEDICATED_MAX_QUANTITY) {
        return refused('invalid_option', `at most ${DEDICATED_MAX_QUANTITY} IPs per order`);
      }
      return ok({ product: product.wireProduct, quantity: choice.quantity, pool: choice.countryCode });
  }
}

/** The extend body for a renewal term. */
export function extendPlanBody(termId: string): Outcome<ExtendPlanBody> {
  const term = parseTermId(termId);
  if (!term) return refused('invalid_option', `unknown FlashProxy renewal term ${termId}`);
  switch (term.shape) {
    case 'trial':
      // ExtendPlanRequest: unlimited_residential takes `add_days` of a full plan only; a trial is not renewed.
      return refused('invalid_option', 'a FlashProxy trial cannot be renewed');
    case 'traffic':
      return ok({ add_bandwidth_gb: term.gb });
    case 'time':
      return ok({ add_days: term.days });
    case 'dedicated':
      return ok({ extend_30_days: true });
  }
}
