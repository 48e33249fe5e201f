import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { orders, quotes } from './shop.js';
import { users } from './users.js';

const createdAt = () => integer('created_at').notNull().default(sql`(unixepoch('subsec') * 1000)`);

export const PROMO_KINDS = ['discount', 'gift'] as const;
export type PromoKind = (typeof PROMO_KINDS)[number];

/**
 * A code an operator hands out. A discount code takes a percentage or a fixed
 * amount off an order, within its scope and limits; a gift code credits a
 * fixed amount to the wallet, once per customer. Codes are stored upper-case.
 */
export const promoCodes = sqliteTable(
  'promo_codes',
  {
    code: text('code').primaryKey(),
    kind: text('kind', { enum: PROMO_KINDS }).notNull(),
    /** Percent off in basis points (1000 = 10 %); set for a percentage discount only. */
    percentBasisPoints: integer('percent_basis_points'),
    /** Cents off (a fixed discount) or credited (a gift). */
    amountCents: integer('amount_cents'),
    /** The order's price before the discount must reach this. */
    minOrderCents: integer('min_order_cents').notNull().default(0),
    /** Scope: only this provider / product; null = any. */
    providerId: text('provider_id'),
    productId: text('product_id'),
    /** Only for a customer's first purchase (no earlier order that was not a failure). */
    firstPurchaseOnly: integer('first_purchase_only', { mode: 'boolean' }).notNull().default(false),
    /** Uses over all customers; null = unlimited. */
    totalLimit: integer('total_limit'),
    perCustomerLimit: integer('per_customer_limit').notNull().default(1),
    startsAt: integer('starts_at'),
    endsAt: integer('ends_at'),
    /** Set by `/promo off`: no new quotes or gifts; reserved uses still settle. */
    disabledAt: integer('disabled_at'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      'promo_code_shape',
      sql`(${t.kind} = 'gift' AND ${t.amountCents} > 0 AND ${t.percentBasisPoints} IS NULL)
        OR (${t.kind} = 'discount' AND ((${t.percentBasisPoints} BETWEEN 1 AND 10000 AND ${t.amountCents} IS NULL)
          OR (${t.amountCents} > 0 AND ${t.percentBasisPoints} IS NULL)))`,
    ),
    check(
      'promo_code_limits',
      sql`${t.minOrderCents} >= 0 AND ${t.perCustomerLimit} >= 1 AND (${t.totalLimit} IS NULL OR ${t.totalLimit} >= 1)`,
    ),
  ],
);

/**
 * The discount a quote carries: its list price and what comes off it (a
 * volume or period tier, a promo code). The quote's own price is what the
 * customer pays. Goes with the quote when housekeeping deletes it.
 */
export const quoteDiscounts = sqliteTable(
  'quote_discounts',
  {
    quoteId: text('quote_id')
      .primaryKey()
      .references(() => quotes.id, { onDelete: 'cascade' }),
    listPriceCents: integer('list_price_cents').notNull(),
    tierDiscountCents: integer('tier_discount_cents').notNull(),
    promoCode: text('promo_code').references(() => promoCodes.code),
    promoDiscountCents: integer('promo_discount_cents').notNull(),
    /** Set when the quote is the provider's trial (its discount is in `promo_discount_cents`). */
    trialProviderId: text('trial_provider_id'),
  },
  (t) => [check('quote_discount_sane', sql`${t.tierDiscountCents} >= 0 AND ${t.promoDiscountCents} >= 0`)],
);

export const ORDER_DISCOUNT_STATES = ['reserved', 'captured', 'released'] as const;
export type OrderDiscountState = (typeof ORDER_DISCOUNT_STATES)[number];

/**
 * The discount an order was sold with, written in the transaction that holds
 * its price. A promo code's use is `reserved` with the hold (so concurrent
 * orders count it), `captured` with the capture (the promotions account pays
 * revenue the discount) and `released` with the void (the use is given back).
 */
export const orderDiscounts = sqliteTable(
  'order_discounts',
  {
    orderId: text('order_id')
      .primaryKey()
      .references(() => orders.id),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    promoCode: text('promo_code').references(() => promoCodes.code),
    listPriceCents: integer('list_price_cents').notNull(),
    tierDiscountCents: integer('tier_discount_cents').notNull(),
    promoDiscountCents: integer('promo_discount_cents').notNull(),
    state: text('state', { enum: ORDER_DISCOUNT_STATES }).notNull(),
    /** Set when the order is the customer's trial of this provider: one live trial per customer and provider. */
    trialProviderId: text('trial_provider_id'),
    /** Given back to the promotions account by refunds of the order, in proportion to what was refunded. */
    reversedCents: integer('reversed_cents').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    // Counting a code's live uses (all, and one customer's) at every reservation.
    index('order_discounts_code_state').on(t.promoCode, t.state),
    index('order_discounts_code_user').on(t.promoCode, t.userId, t.state),
    index('order_discounts_trial_user').on(t.trialProviderId, t.userId, t.state),
    check('order_discount_sane', sql`${t.tierDiscountCents} >= 0 AND ${t.promoDiscountCents} >= 0`),
  ],
);

/** A gift code credited to a customer's wallet: at most one row per code and customer. */
export const giftRedemptions = sqliteTable(
  'gift_redemptions',
  {
    code: text('code')
      .notNull()
      .references(() => promoCodes.code),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    amountCents: integer('amount_cents').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.code, t.userId] })],
);

export const PRICE_TIER_KINDS = ['quantity', 'period'] as const;
export type PriceTierKind = (typeof PRICE_TIER_KINDS)[number];

/**
 * Volume and period discounts beside a markup rule: from `threshold` IPs
 * (quantity) or days (period), `discount_basis_points` off the list price.
 * The highest threshold reached wins; a quantity and a period tier add up.
 * product_id '*' covers the provider's products; provider_id '*' the shop.
 */
export const priceTiers = sqliteTable(
  'price_tiers',
  {
    providerId: text('provider_id').notNull(),
    productId: text('product_id').notNull(),
    kind: text('kind', { enum: PRICE_TIER_KINDS }).notNull(),
    threshold: integer('threshold').notNull(),
    discountBasisPoints: integer('discount_basis_points').notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.providerId, t.productId, t.kind, t.threshold] }),
    check('price_tier_sane', sql`${t.threshold} >= 1 AND ${t.discountBasisPoints} BETWEEN 1 AND 5000`),
  ],
);

/**
 * The trial an operator set for a provider: one product, term (and country)
 * free (0) or at a set price, once per customer; optionally only for
 * customers who have topped up before. The promotions account pays revenue
 * the rest of the list price, like any discount (all of it when free).
 */
export const trialOffers = sqliteTable(
  'trial_offers',
  {
    providerId: text('provider_id').primaryKey(),
    productId: text('product_id').notNull(),
    termId: text('term_id').notNull(),
    countryCode: text('country_code'),
    priceCents: integer('price_cents').notNull(),
    requiresTopUp: integer('requires_top_up', { mode: 'boolean' }).notNull().default(false),
    setBy: text('set_by').notNull(),
    setAt: integer('set_at').notNull(),
  },
  (t) => [check('trial_price_not_negative', sql`${t.priceCents} >= 0`)],
);
