/**
 * The wire shapes of the REST API as zod schemas: what views.ts produces,
 * described once for the OpenAPI document and checked by the compiler
 * against the handlers' answers.
 */
import { z } from '@hono/zod-openapi';
import { EXPORT_FORMATS } from '../../domain/proxy-format.js';
import { ORDER_STATES } from '../../db/schema/shop.js';
import { TOKEN_SCOPES } from '../../services/tokens.js';

const isoTime = z.string().openapi({ format: 'date-time', example: '2024-06-01T12:00:00.000Z' });
const cents = z.number().int().openapi({ description: 'Integer US cents.' });

export const ChoiceSchema = z
  .object({
    product: z.string(),
    country: z.string().nullable(),
    term: z.string(),
    quantity: z.number().int(),
  })
  .openapi('Choice');

export const LabelsSchema = z
  .object({ provider: z.string(), product: z.string(), country: z.string().optional(), term: z.string() })
  .openapi('Labels');

/** A purchase's geo and session target, as quoted, ordered and delivered. */
export const TargetSchema = z
  .object({
    country: z.string().nullable(),
    region: z.string().nullable(),
    city: z.string().nullable(),
    asn: z.number().int().nullable(),
    session: z.discriminatedUnion('type', [
      z.object({ type: z.literal('rotating') }),
      z.object({
        type: z.literal('sticky'),
        lifetime: z.string().openapi({ description: 'The lifetime id from the product’s targeting options.' }),
        lifetime_minutes: z.number().int().nullable().openapi({ description: 'Its documented length, when the provider gives one.' }),
        session_id: z.string().openapi({ description: 'The sticky session in the credentials: the same id keeps the same IP.' }),
      }),
    ]),
  })
  .nullable()
  .openapi('Target', { description: 'null: bought without a target (the provider’s default routing).' });

export const QuoteSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['purchase', 'renewal']),
    provider: z.string(),
    price_cents: cents,
    expires_at: isoTime.nullable(),
    choice: ChoiceSchema,
    labels: LabelsSchema,
    target: TargetSchema,
    discount: z
      .object({
        list_price_cents: cents,
        tier_discount_cents: z.number().int().nonnegative(),
        promo_code: z.string().nullable(),
        promo_discount_cents: z.number().int().nonnegative(),
        trial: z.boolean().openapi({ description: 'The provider’s trial: promo_discount_cents is what the trial takes off.' }),
      })
      .nullable()
      .openapi({ description: 'What comes off the list price (volume or period tier, promo code); price_cents is what is paid.' }),
  })
  .openapi('Quote');

export const OrderSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['purchase', 'renewal']),
    state: z.enum(ORDER_STATES),
    provider: z.string(),
    quote_id: z.string().nullable(),
    choice: ChoiceSchema,
    labels: LabelsSchema,
    target: TargetSchema,
    price_cents: cents,
    proxy_ids: z.array(z.string()).openapi({ description: 'For a renewal, the proxy it renews.' }),
    channel: z.string().openapi({ example: 'api' }),
    failure: z.object({ code: z.string().nullable(), message: z.string().nullable() }).nullable(),
    created_at: isoTime.nullable(),
    updated_at: isoTime.nullable(),
  })
  .openapi('Order');

export const PROXY_ACTIONS = [
  'renew',
  'changeCredentials',
  'rotateIp',
  'switchLocation',
  'usage',
  'targeting',
  'allowedIps',
  'cancel',
] as const;

const proxySummaryShape = {
  id: z.string(),
  order_id: z.string(),
  provider: z.string(),
  product: z.object({ id: z.string(), name: z.string() }),
  country: z.string().nullable(),
  host: z.string(),
  http_port: z.number().int().nullable(),
  socks5_port: z.number().int().nullable(),
  status: z.enum(['active', 'expired', 'cancelled', 'pending']),
  expires_at: z.string().nullable(),
  traffic_limit_mb: z.number().nullable(),
  auto_renew: z.boolean(),
  renew_term: z.string().nullable(),
  created_at: isoTime.nullable(),
};

export const ProxySummarySchema = z.object(proxySummaryShape).openapi('ProxySummary', { description: 'A proxy without its credentials.' });

export const AddedTrafficOrderSchema = z
  .object({
    order_id: z.string().openapi({ description: 'Our order that bought it (see GET /orders/{id}).' }),
    host: z.string(),
    http_port: z.number().int().nullable(),
    socks5_port: z.number().int().nullable(),
    login: z.string(),
    password: z.string(),
    traffic_limit_mb: z.number().nullable(),
  })
  .openapi('AddedTrafficOrder');

export const ProxySchema = z
  .object({
    ...proxySummaryShape,
    login: z.string(),
    password: z.string(),
    rotation_url: z.string().nullable(),
    added_traffic: z.array(AddedTrafficOrderSchema).openapi({
      description:
        'Traffic added to this proxy as new upstream orders (where the provider cannot add traffic to an order): each with its own credentials. Usage counts them all.',
    }),
    // What the proxy was bought for; `login` is built for it in the provider's format.
    target: TargetSchema,
  })
  .openapi('Proxy', { description: 'A proxy with its credentials; always sent with Cache-Control: no-store.' });

export const ProxyActionsSchema = z
  .array(z.enum(PROXY_ACTIONS))
  .openapi({ description: 'What the provider of this proxy supports; anything else answers 422 unsupported.' });

export const RenewalTermSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    days: z.number().nullable(),
    traffic_gb: z.number().nullable(),
    price_cents: cents.nullable().openapi({ description: 'null when the provider prices only at quote time.' }),
  })
  .openapi('RenewalTerm');

export const LocationSchema = z.object({ code: z.string(), name: z.string(), available: z.boolean() }).openapi('Location');

export const UsageSchema = z
  .object({
    used_gb: z.number(),
    remaining_gb: z.number().nullable(),
    total_gb: z.number().nullable(),
  })
  .openapi('Usage');

export const CatalogProviderSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['available', 'unavailable']),
    checked_at: isoTime.nullable(),
    products: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        kind: z.enum(['static', 'rotating']),
        billing: z.enum(['period', 'traffic']),
        protocols: z.array(z.enum(['http', 'socks5'])),
        available: z.boolean(),
        countries: z.array(LocationSchema),
        terms: z.array(
          z.object({
            id: z.string(),
            label: z.string(),
            days: z.number().nullable(),
            traffic_gb: z.number().nullable(),
            unit_price_cents: cents.nullable(),
          }),
        ),
        quantity: z.object({ min: z.number().int(), max: z.number().int() }),
      }),
    ),
  })
  .openapi('CatalogProvider');

export const BalanceSchema = z.object({ available_cents: cents, held_cents: cents }).openapi('Balance');

export const TransactionSchema = z
  .object({
    seq: z.number().int(),
    created_at: isoTime.nullable(),
    category: z.enum(['topup', 'purchase', 'refund', 'adjustment', 'upstream_cost', 'referral', 'promotion']),
    kind: z.enum(['posted', 'pending', 'post_pending', 'void_pending']),
    available_change_cents: cents,
    held_change_cents: cents,
    order_id: z.string().nullable(),
  })
  .openapi('Transaction');

/** What a statement line's purchase or refund was for, as the order recorded it. */
const StatementOrderSchema = z.object({
  id: z.string(),
  kind: z.enum(['purchase', 'renewal']),
  provider: z.string(),
  product: z.string(),
  country: z.string().nullable(),
  term: z.string(),
  quantity: z.number().int(),
});

/** One line of the wallet statement: a purchase once (pending, paid or returned), a top-up, its refund, an order refund or an adjustment. */
export const StatementLineSchema = z
  .object({
    seq: z.number().int(),
    created_at: isoTime.nullable(),
    type: z.enum(['purchase', 'topup', 'topup_refund', 'topup_refund_cancelled', 'order_refund', 'adjustment']),
    /** How the line changed the available money: negative for a purchase (0 once returned), positive for a top-up. */
    available_change_cents: cents,
    amount_cents: cents,
    status: z.enum(['pending', 'paid', 'returned']).nullable().openapi({ description: 'Purchases only' }),
    order: StatementOrderSchema.nullable(),
    topup_method: z.enum(['stars', 'cryptopay', 'manual', 'card']).nullable(),
    reason: z.string().nullable().openapi({ description: "Adjustments only: the shop's reason" }),
  })
  .openapi('StatementLine');

export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: 'The first characters of the token, to tell tokens apart.' }),
    scopes: z.array(z.enum(TOKEN_SCOPES)),
    signing: z.boolean().openapi({ description: 'Money POSTs with this token need X-Timestamp and X-Signature.' }),
    current: z.boolean().openapi({ description: 'The token making this request.' }),
    created_at: isoTime.nullable(),
    last_used_at: isoTime.nullable(),
    expires_at: isoTime.nullable(),
    revoked_at: isoTime.nullable(),
  })
  .openapi('Token');

export const ExportFormatSchema = z.enum(EXPORT_FORMATS);
