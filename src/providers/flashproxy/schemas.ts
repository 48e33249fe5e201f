/**
 * FlashProxy wire formats (Reseller API v2.1.0), validated with zod.
 *
 * The seed document and the vendor's openapi.json describe a few fields
 * differently (e.g. `limits.bandwidth_mbps` vs `limits.max_mbps`,
 * `billing.price_per_gb_cents` vs `billing.price_per_gb`, pool list `total` vs
 * `count`). Both spellings are accepted. Objects stay non-strict so that new
 * upstream fields never break parsing. Money is integer cents on the wire.
 */
import { z } from 'zod';

/** Integer cents as FlashProxy sends them. */
const cents = z.number().int();

/** `{ success: true, data }`, the envelope of every successful answer. */
export const successEnvelope = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });

/** `{ success: false, error: { code, message, details } }`; 402 adds required/available cents. */
export const errorEnvelopeSchema = z.object({
  success: z.literal(false).optional(),
  error: z.object({
    code: z.string(),
    message: z.string().optional(),
    details: z.unknown().optional(),
    required_cents: cents.optional(),
    available_cents: cents.optional(),
  }),
  // Some 402 answers carry the amounts beside `error` rather than inside it.
  required_cents: cents.optional(),
  available_cents: cents.optional(),
});
export type WireError = z.infer<typeof errorEnvelopeSchema>;

// ---------------------------------------------------------------------------
// Plans
// ---------------------------------------------------------------------------

export const proxyItemSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  username: z.string(),
  password: z.string(),
  full: z.string().optional(),
});
export type WireProxyItem = z.infer<typeof proxyItemSchema>;

export const connectionSchema = z.object({
  hostname: z.string(),
  port_http: z.number().int().nullish(),
  port_socks: z.number().int().nullish(),
  format: z.string().optional(),
});

export const limitsSchema = z.object({
  max_gb: z.number().nullish(),
  max_bytes: z.number().nullish(),
  bytes_used: z.number().nullish(),
  // seed spelling / openapi spelling of the speed cap
  bandwidth_mbps: z.number().nullish(),
  max_mbps: z.number().nullish(),
});

export const billingSchema = z.object({
  mode: z.string().optional(),
  // openapi: price per GB (the examples show cents); seed: price_per_gb_cents
  price_per_gb: z.number().nullish(),
  price_per_gb_cents: z.number().nullish(),
  gb_purchased: z.number().nullish(),
  cost_cents: cents.optional(),
  cost_formatted: z.string().optional(),
});

/**
 * The openapi's `Plan` marks no field required, and its `GET /plans` example
 * items leave out `billing`, `end_user_reference`, `pool` and more. So every
 * field is optional here except `plan_id`: nothing can be done with a plan
 * without its id, and a list that fails to parse is an ambiguous answer
 * (never "no such plan"), so requiring it cannot release money.
 */
export const planSchema = z.object({
  plan_id: z.string().min(1),
  product: z.string().nullish(),
  billing_type: z.string().nullish(),
  proxy_username: z.string().nullish(),
  proxy_password: z.string().nullish(),
  // Absent while a plan is still provisioning.
  connection: connectionSchema.nullish(),
  limits: limitsSchema.nullish(),
  location: z.string().nullish(),
  expires_at: z.string().nullish(),
  status: z.string().nullish(),
  created_at: z.string().nullish(),
  purchase_price_cents: cents.nullish(),
  billing: billingSchema.nullish(),
  end_user_reference: z.string().nullish(),
  pool: z.string().nullish(),
  quantity: z.number().int().nullish(),
  proxy_list: z.array(proxyItemSchema).nullish(),
  // openapi Plan.allowed_ips: "IP allowlist for this plan (max 10) … Empty array means no IP restriction."
  allowed_ips: z.array(z.string()).nullish(),
});
export type WirePlan = z.infer<typeof planSchema>;

export const planResponseSchema = successEnvelope(planSchema);

export const paginationSchema = z.object({
  page: z.number().int(),
  per_page: z.number().int().optional(),
  total: z.number().int().optional(),
  total_pages: z.number().int(),
});

/**
 * `GET /plans`: the openapi shows `data.items`; a `data.plans` spelling is
 * accepted too. A page with neither is malformed, never "no plans": an empty
 * answer would tell the reconciler that a purchase definitely did not happen.
 */
export const planListResponseSchema = successEnvelope(
  z
    .object({
      items: z.array(planSchema).optional(),
      plans: z.array(planSchema).optional(),
      pagination: paginationSchema.optional(),
    })
    .refine((data) => data.items !== undefined || data.plans !== undefined, { message: 'no list of plans' }),
);

export interface WirePlanPage {
  plans: WirePlan[];
  page: number;
  totalPages: number;
}

export const planProxiesResponseSchema = successEnvelope(
  z.object({
    plan_id: z.string().optional(),
    product: z.string().optional(),
    proxies: z.array(proxyItemSchema),
    count: z.number().int().optional(),
    pool: z.string().nullish(),
    expires_at: z.string().nullish(),
    source: z.string().optional(),
  }),
);
export type WirePlanProxies = z.infer<typeof planProxiesResponseSchema>['data'];

export const extendResponseSchema = successEnvelope(
  z.object({
    plan_id: z.string().optional(),
    cost_cents: cents.optional(),
    cost_formatted: z.string().optional(),
    gb_added: z.number().optional(),
    new_max_gb: z.number().nullish(),
    new_max_bytes: z.number().nullish(),
    days_added: z.number().optional(),
    new_expires_at: z.string().nullish(),
  }),
);
export type WireExtendResult = z.infer<typeof extendResponseSchema>['data'];

export const passwordResponseSchema = successEnvelope(
  z.object({
    plan_id: z.string().optional(),
    proxy_username: z.string().optional(),
    proxy_password: z.string().optional(),
    message: z.string().optional(),
  }),
);
export type WirePasswordChange = z.infer<typeof passwordResponseSchema>['data'];

/** `PUT /plans/{planId}/allowed-ips` 200: `{ plan_id, allowed_ips, updated_at }` (openapi example). */
export const allowedIpsResponseSchema = successEnvelope(
  z.object({
    plan_id: z.string().optional(),
    allowed_ips: z.array(z.string()),
    updated_at: z.string().nullish(),
  }),
);
export type WireAllowedIps = z.infer<typeof allowedIpsResponseSchema>['data'];

/** `DELETE /plans/{planId}` 200: `{ plan_id, status: "cancelled", message, cancelled_at }` (openapi example). */
export const cancelResponseSchema = successEnvelope(
  z.object({
    plan_id: z.string().optional(),
    status: z.string().optional(),
    message: z.string().optional(),
    cancelled_at: z.string().nullish(),
  }),
);
export type WireCancellation = z.infer<typeof cancelResponseSchema>['data'];

export const usageResponseSchema = successEnvelope(
  z.object({
    plan_id: z.string().optional(),
    product: z.string().optional(),
    billing_type: z.string().optional(),
    usage: z.object({
      bytes_used: z.number(),
      bytes_remaining: z.number().nullish(),
      max_bytes: z.number().nullish(),
      usage_percent: z.number().nullish(),
    }),
  }),
);
export type WireUsage = z.infer<typeof usageResponseSchema>['data'];

// ---------------------------------------------------------------------------
// Money and catalog
// ---------------------------------------------------------------------------

export const balanceResponseSchema = successEnvelope(
  z.object({
    balance_cents: cents,
    balance_formatted: z.string().optional(),
    total_spent_cents: cents.optional(),
  }),
);
export type WireBalance = z.infer<typeof balanceResponseSchema>['data'];

/**
 * `GET /balance/pricing`: a map from product to its price entry. Entries have
 * different shapes per billing kind, so each known product is read on its own
 * (`pricingEntrySchema`) and unknown products are ignored.
 */
export const pricingResponseSchema = successEnvelope(z.record(z.string(), z.unknown()));

export const pricingEntrySchema = z.object({
  billing: z.string().optional(),
  price_per_gb: z.number().nonnegative().optional(),
  price_per_gb_cents: z.number().nonnegative().optional(),
  price_per_day_cents: z.number().nonnegative().optional(),
  // `price_per_ip_30_days` (Dedicated ISP) is left unread: its unit is not documented (see pricing.ts).
});
export type WirePricingEntry = z.infer<typeof pricingEntrySchema>;
export type WirePricing = Record<string, unknown>;

export const poolSchema = z.object({
  pool: z.string(),
  inStock: z.boolean(),
  stock: z.number().int(),
  title: z.string(),
  provider: z.string().optional(),
  isSubnet: z.boolean().optional(),
});
export type WirePool = z.infer<typeof poolSchema>;

export const poolListResponseSchema = successEnvelope(
  z.object({
    pools: z.array(poolSchema),
    count: z.number().int().optional(),
    total: z.number().int().optional(),
    in_stock_count: z.number().int().optional(),
    note: z.string().optional(),
  }),
);

export const checkPriceResponseSchema = successEnvelope(
  z.object({
    cost_cents: cents.nonnegative(),
    cost_usd: z.string().optional(),
    mode: z.string().optional(),
    gb_required: z.number().optional(),
    allocation_available: z.number().optional(),
  }),
);
export type WirePriceCheck = z.infer<typeof checkPriceResponseSchema>['data'];

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/** Body of `POST /plans` and `POST /plans/check-price` (only the fields we send). */
export interface CreatePlanBody {
  product: string;
  bandwidth_gb?: number;
  billing_type?: 'bandwidth' | 'time';
  duration?: string;
  mbps?: number;
  quantity?: number;
  pool?: string;
  end_user_reference?: string;
}

/** Body of `POST /plans/{planId}/extend`. */
export interface ExtendPlanBody {
  add_bandwidth_gb?: number;
  add_days?: number;
  extend_30_days?: boolean;
}
