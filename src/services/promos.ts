/**
 * Discounts and gifts: promo codes, gift codes, and volume and period tiers.
 *
 * Money: the customer's hold is the discounted price; when the order is
 * captured, the promotions account pays revenue the difference
 * ('discount:<order>'), so revenue and margins stay what the list price says
 * and the cost of the promotion is visible on its own account. A refund of a
 * discounted order gives the promotions account back its share. A gift code
 * is a transfer from promotions to the wallet ('gift:<CODE>:<user>').
 *
 * Uses: a promo code's use is reserved in the transaction that holds the
 * price (counted against its limits under the write lock, so concurrent
 * orders cannot exceed a limit), counted when the order is captured and
 * given back when it is voided. Every id is deterministic, so no replay,
 * retry or restart grants a discount or a gift twice.
 */
import { and, asc, count, eq, gte, inArray, ne, sql } from 'drizzle-orm';
import { writeTransaction, type Db, type Sqlite } from '../db/client.js';
import {
  giftRedemptions,
  ledgerTransfers,
  orderDiscounts,
  orders,
  priceTiers,
  promoCodes,
  quoteDiscounts,
  type PriceTierKind,
  type PromoKind,
} from '../db/schema/index.js';
import { MAX_AMOUNT_CENTS } from '../domain/money.js';
import { TRIAL_REFUSAL_MESSAGES, type TrialRefusal, type Trials } from './trials.js';
import { captureId, type Wallet } from './wallet.js';

export type PromoCodeRow = typeof promoCodes.$inferSelect;
export type OrderDiscountRow = typeof orderDiscounts.$inferSelect;
export type QuoteDiscountRow = typeof quoteDiscounts.$inferSelect;
export type PriceTierRow = typeof priceTiers.$inferSelect;

/** Why a code does not apply. */
export type PromoRefusal =
  | 'unknown_code'
  | 'not_started'
  | 'expired'
  | 'disabled'
  | 'exhausted'
  | 'already_used'
  | 'out_of_scope'
  | 'below_minimum'
  | 'not_first_purchase'
  | 'wrong_kind'
  | TrialRefusal;

const REFUSAL_MESSAGES: Record<PromoRefusal, string> = {
  unknown_code: 'there is no such code',
  not_started: 'this code is not valid yet',
  expired: 'this code has expired',
  disabled: 'this code has been switched off',
  exhausted: 'this code has been used up',
  already_used: 'you have used this code already',
  out_of_scope: 'this code does not apply to this product',
  below_minimum: 'the order is below this code’s minimum',
  not_first_purchase: 'this code is for a first purchase only',
  wrong_kind: 'this code cannot be used here',
  ...TRIAL_REFUSAL_MESSAGES,
};

export const promoRefusalMessage = (refusal: PromoRefusal) => REFUSAL_MESSAGES[refusal];

/** Thrown inside the reserve transaction to roll the whole order back. */
export class PromoRefusedError extends Error {
  override name = 'PromoRefusedError';
  constructor(readonly refusal: PromoRefusal) {
    super(REFUSAL_MESSAGES[refusal]);
  }
}

export interface NewPromoCode {
  code: string;
  kind: PromoKind;
  /** Percent off (may have two decimals); a discount has this or `amountCents`. */
  percent?: number;
  amountCents?: number;
  minOrderCents?: number;
  providerId?: string;
  productId?: string;
  firstPurchaseOnly?: boolean;
  totalLimit?: number;
  perCustomerLimit?: number;
  startsAt?: number;
  endsAt?: number;
  actor: string;
}

/** What comes off a quote's list price. */
export interface QuoteDiscount {
  listPriceCents: number;
  tierDiscountCents: number;
  promoCode: string | null;
  promoDiscountCents: number;
  /** Set for a provider's trial: the promo part is what the trial takes off the list price. */
  trialProviderId: string | null;
  /** What the customer pays: list − tier − promo; at least one cent, except a free trial's 0. */
  priceCents: number;
}

export type PricedQuote = { ok: true; discount: QuoteDiscount } | { ok: false; refusal: PromoRefusal; message: string };

export type GiftResult = { ok: true; amountCents: number; availableCents: number } | { ok: false; refusal: PromoRefusal; message: string };

export interface PromoStats {
  /** Discounts paid by the promotions account on captured orders, net of refunds. */
  discountsCents: number;
  discountedOrders: number;
  giftsCents: number;
  giftsRedeemed: number;
}

export interface PromoCodeSummary extends PromoCodeRow {
  /** Uses held by open orders. */
  reservedUses: number;
  /** Uses of captured orders (discounts) or redemptions (gifts). */
  usedUses: number;
}

const CODE = /^[A-Z0-9_-]{3,32}$/;
const ANY = '*';
const LIVE_STATES = ['reserved', 'captured'] as const;

/** Codes are typed by people: case does not matter. */
export const normalizeCode = (raw: string) => raw.trim().toUpperCase();

export const discountTransferId = (orderId: string) => `discount:${orderId}`;
const reversalPrefix = (orderId: string) => `discount-reversal:${orderId}:`;
export const giftTransferId = (code: string, userId: number) => `gift:${code}:${userId}`;

export function createPromos(deps: { db: Db; sqlite: Sqlite; wallet: Wallet; trials: Trials; now?: () => number }) {
  const { db, sqlite, wallet, trials } = deps;
  const now = deps.now ?? Date.now;

  const codeRow = (code: string) => db.select().from(promoCodes).where(eq(promoCodes.code, code)).get();

  const liveUses = (code: string) =>
    db
      .select({ n: count() })
      .from(orderDiscounts)
      .where(and(eq(orderDiscounts.promoCode, code), inArray(orderDiscounts.state, [...LIVE_STATES])))
      .get()?.n ?? 0;

  const liveUsesBy = (code: string, userId: number) =>
    db
      .select({ n: count() })
      .from(orderDiscounts)
      .where(and(eq(orderDiscounts.promoCode, code), eq(orderDiscounts.userId, userId), inArray(orderDiscounts.state, [...LIVE_STATES])))
      .get()?.n ?? 0;

  /** Orders of the customer that did not fail, other than `exceptOrderId`. */
  const earlierOrders = (userId: number, exceptOrderId: string | null) =>
    db
      .select({ n: count() })
      .from(orders)
      .where(and(eq(orders.userId, userId), ne(orders.state, 'failed'), exceptOrderId ? ne(orders.id, exceptOrderId) : undefined))
      .get()?.n ?? 0;

  /** Whether `row` is usable now, in the window and not switched off. */
  const timeRefusal = (row: PromoCodeRow): PromoRefusal | undefined => {
    const at = now();
    if (row.disabledAt !== null) return 'disabled';
    if (row.startsAt !== null && at < row.startsAt) return 'not_started';
    if (row.endsAt !== null && at >= row.endsAt) return 'expired';
    return undefined;
  };

  /**
   * Every rule of a discount code for one order. `orderId` is set when
   * checking again inside the reserve transaction, where that order already
   * exists and must not count as an earlier purchase.
   */
  const discountRefusal = (
    row: PromoCodeRow,
    input: { userId: number; providerId: string; productId: string; listPriceCents: number },
    orderId: string | null,
  ): PromoRefusal | undefined => {
    if (row.kind !== 'discount') return 'wrong_kind';
    const timing = timeRefusal(row);
    if (timing) return timing;
    if (row.providerId !== null && row.providerId !== input.providerId) return 'out_of_scope';
    if (row.productId !== null && row.productId !== input.productId) return 'out_of_scope';
    if (input.listPriceCents < row.minOrderCents) return 'below_minimum';
    if (row.firstPurchaseOnly && earlierOrders(input.userId, orderId) > 0) return 'not_first_purchase';
    if (liveUsesBy(row.code, input.userId) >= row.perCustomerLimit) return 'already_used';
    if (row.totalLimit !== null && liveUses(row.code) >= row.totalLimit) return 'exhausted';
    return undefined;
  };

  /** The best tier of each kind reached by this choice (the most specific rule's tiers). */
  const tierBasisPoints = (providerId: string, productId: string, quantity: number, days: number | undefined): number => {
    const rows = db
      .select()
      .from(priceTiers)
      .where(and(inArray(priceTiers.providerId, [providerId, ANY]), inArray(priceTiers.productId, [productId, ANY])))
      .all();
    const rank = (r: PriceTierRow) => (r.providerId === ANY ? 0 : 2) + (r.productId === ANY ? 0 : 1);
    const best = (kind: PriceTierKind, value: number | undefined) => {
      if (value === undefined) return 0;
      const ofKind = rows.filter((r) => r.kind === kind);
      if (ofKind.length === 0) return 0;
      const top = Math.max(...ofKind.map(rank));
      const reached = ofKind.filter((r) => rank(r) === top && r.threshold <= value);
      return reached.reduce((bp, r) => Math.max(bp, r.discountBasisPoints), 0);
    };
    return best('quantity', quantity) + best('period', days);
  };

  const percentOf = (cents: number, basisPoints: number) => Math.floor((cents * basisPoints) / 10_000);

  return {
    /** Creates a code; refuses a malformed one with a sentence for the operator. */
    createCode(input: NewPromoCode): { ok: true; code: PromoCodeRow } | { ok: false; message: string } {
      const code = normalizeCode(input.code);
      if (!CODE.test(code)) return { ok: false, message: 'a code is 3–32 letters, digits, _ or -' };
      const basisPoints = input.percent === undefined ? null : Math.round(input.percent * 100);
      const amount = input.amountCents ?? null;
      if (input.kind === 'gift' && (amount === null || basisPoints !== null)) {
        return { ok: false, message: 'a gift code credits a fixed amount' };
      }
      if (input.kind === 'discount' && (amount === null) === (basisPoints === null)) {
        return { ok: false, message: 'a discount is either a percentage or a fixed amount' };
      }
      if (basisPoints !== null && (!Number.isFinite(input.percent) || basisPoints < 1 || basisPoints > 10_000)) {
        return { ok: false, message: 'a percentage is from 0.01 to 100' };
      }
      if (amount !== null && (!Number.isSafeInteger(amount) || amount < 1 || amount > MAX_AMOUNT_CENTS)) {
        return { ok: false, message: 'an amount is a positive whole number of cents within the order limit' };
      }
      const limits = [input.minOrderCents ?? 0, input.totalLimit ?? 1, input.perCustomerLimit ?? 1];
      if (limits.some((n) => !Number.isSafeInteger(n) || n < 0) || (input.totalLimit ?? 1) < 1 || (input.perCustomerLimit ?? 1) < 1) {
        return { ok: false, message: 'limits are whole numbers; use limits are at least 1' };
      }
      if (input.startsAt !== undefined && input.endsAt !== undefined && input.endsAt <= input.startsAt) {
        return { ok: false, message: 'the end comes before the start' };
      }
      const inserted = db
        .insert(promoCodes)
        .values({
          code,
          kind: input.kind,
          percentBasisPoints: basisPoints,
          amountCents: amount,
          minOrderCents: input.minOrderCents ?? 0,
          providerId: input.providerId ?? null,
          productId: input.productId ?? null,
          firstPurchaseOnly: input.firstPurchaseOnly ?? false,
          totalLimit: input.totalLimit ?? null,
          // A gift is once per customer by nature.
          perCustomerLimit: input.kind === 'gift' ? 1 : (input.perCustomerLimit ?? 1),
          startsAt: input.startsAt ?? null,
          endsAt: input.endsAt ?? null,
          createdBy: input.actor,
          createdAt: now(),
        })
        .onConflictDoNothing()
        .returning()
        .get();
      if (!inserted) return { ok: false, message: `the code ${code} exists already` };
      return { ok: true, code: inserted };
    },

    /** Stops new uses; orders that reserved a use still settle it. */
    disableCode(rawCode: string): boolean {
      const code = normalizeCode(rawCode);
      const changed = db
        .update(promoCodes)
        .set({ disabledAt: now() })
        .where(and(eq(promoCodes.code, code), sql`${promoCodes.disabledAt} IS NULL`))
        .run();
      return changed.changes > 0;
    },

    code: (rawCode: string) => codeRow(normalizeCode(rawCode)),

    listCodes(): PromoCodeSummary[] {
      const codes = db.select().from(promoCodes).orderBy(asc(promoCodes.createdAt)).all();
      const uses = db
        .select({ code: orderDiscounts.promoCode, state: orderDiscounts.state, n: count() })
        .from(orderDiscounts)
        .groupBy(orderDiscounts.promoCode, orderDiscounts.state)
        .all();
      const gifts = db.select({ code: giftRedemptions.code, n: count() }).from(giftRedemptions).groupBy(giftRedemptions.code).all();
      return codes.map((row) => ({
        ...row,
        reservedUses: uses.find((u) => u.code === row.code && u.state === 'reserved')?.n ?? 0,
        usedUses:
          row.kind === 'gift'
            ? (gifts.find((g) => g.code === row.code)?.n ?? 0)
            : (uses.find((u) => u.code === row.code && u.state === 'captured')?.n ?? 0),
      }));
    },

    /**
     * What comes off a list price: the tiers the choice reaches, then the
     * promo code (checked against every rule and today's use counts). Never
     * below one cent, so an order always holds something — except the
     * provider's trial when the operator made it free: its order holds
     * nothing and the promotions account pays the whole list price.
     */
    priceQuote(input: {
      userId: number;
      providerId: string;
      productId: string;
      quantity: number;
      /** The term's length, when the catalog knows it (period tiers). */
      days?: number;
      listPriceCents: number;
      promoCode?: string;
      /** Price the provider's trial instead (no tiers, no code). */
      trial?: { termId: string; countryCode: string | null };
    }): PricedQuote {
      const list = input.listPriceCents;
      if (input.trial) {
        const refusal = trials.refusalFor({ ...input, ...input.trial });
        if (refusal) return { ok: false, refusal, message: REFUSAL_MESSAGES[refusal] };
        const price = Math.min(trials.offer(input.providerId)!.priceCents, list);
        return {
          ok: true,
          discount: {
            listPriceCents: list,
            tierDiscountCents: 0,
            promoCode: null,
            promoDiscountCents: list - price,
            trialProviderId: input.providerId,
            priceCents: price,
          },
        };
      }
      const tierDiscount = Math.min(
        percentOf(list, tierBasisPoints(input.providerId, input.productId, input.quantity, input.days)),
        list - 1,
      );
      let promoCode: string | null = null;
      let promoDiscount = 0;
      if (input.promoCode !== undefined) {
        const row = codeRow(normalizeCode(input.promoCode));
        if (!row) return { ok: false, refusal: 'unknown_code', message: REFUSAL_MESSAGES.unknown_code };
        const refusal = discountRefusal(row, { ...input, listPriceCents: list }, null);
        if (refusal) return { ok: false, refusal, message: REFUSAL_MESSAGES[refusal] };
        const afterTier = list - tierDiscount;
        const off = row.percentBasisPoints !== null ? percentOf(afterTier, row.percentBasisPoints) : (row.amountCents ?? 0);
        promoCode = row.code;
        promoDiscount = Math.min(off, afterTier - 1);
      }
      return {
        ok: true,
        discount: {
          listPriceCents: list,
          tierDiscountCents: tierDiscount,
          promoCode,
          promoDiscountCents: promoDiscount,
          trialProviderId: null,
          priceCents: list - tierDiscount - promoDiscount,
        },
      };
    },

    /** Keeps a quote's discount beside it (nothing when there is none). Inside the caller's transaction. */
    recordQuoteDiscount(quoteId: string, discount: QuoteDiscount): void {
      if (discount.tierDiscountCents === 0 && discount.promoCode === null && discount.trialProviderId === null) return;
      db.insert(quoteDiscounts)
        .values({
          quoteId,
          listPriceCents: discount.listPriceCents,
          tierDiscountCents: discount.tierDiscountCents,
          promoCode: discount.promoCode,
          promoDiscountCents: discount.promoDiscountCents,
          trialProviderId: discount.trialProviderId,
        })
        .run();
    },

    quoteDiscount: (quoteId: string): QuoteDiscountRow | undefined =>
      db.select().from(quoteDiscounts).where(eq(quoteDiscounts.quoteId, quoteId)).get(),

    orderDiscount: (orderId: string): OrderDiscountRow | undefined =>
      db.select().from(orderDiscounts).where(eq(orderDiscounts.orderId, orderId)).get(),

    /**
     * Step 1 of the saga, inside the transaction that creates the order and
     * holds its price: the quote's discount goes with the order, and a promo
     * code's use is reserved after every rule is checked again under the
     * write lock. A refusal throws, so the order and its hold roll back.
     */
    reserveForOrder(input: {
      quoteId: string;
      orderId: string;
      userId: number;
      providerId: string;
      productId: string;
      termId: string;
      countryCode: string | null;
      quantity: number;
    }): void {
      const quoted = db.select().from(quoteDiscounts).where(eq(quoteDiscounts.quoteId, input.quoteId)).get();
      if (!quoted) return;
      if (quoted.trialProviderId !== null) {
        const refusal = trials.refusalFor(input);
        if (refusal) throw new PromoRefusedError(refusal);
      }
      if (quoted.promoCode !== null) {
        const row = codeRow(quoted.promoCode);
        if (!row) throw new PromoRefusedError('unknown_code');
        const refusal = discountRefusal(row, { ...input, listPriceCents: quoted.listPriceCents }, input.orderId);
        if (refusal) throw new PromoRefusedError(refusal);
      }
      db.insert(orderDiscounts)
        .values({
          orderId: input.orderId,
          userId: input.userId,
          promoCode: quoted.promoCode,
          listPriceCents: quoted.listPriceCents,
          tierDiscountCents: quoted.tierDiscountCents,
          promoDiscountCents: quoted.promoDiscountCents,
          trialProviderId: quoted.trialProviderId,
          state: 'reserved',
          updatedAt: now(),
        })
        .run();
    },

    /**
     * The order was captured (inside the capture's transaction): the use
     * counts, and the promotions account pays revenue the discount. A replay
     * finds it captured and does nothing.
     */
    onOrderCaptured(orderId: string, actor: string): void {
      const row = db.select().from(orderDiscounts).where(eq(orderDiscounts.orderId, orderId)).get();
      if (row?.state !== 'reserved') return;
      const total = row.tierDiscountCents + row.promoDiscountCents;
      if (total > 0) {
        const parts = [
          row.tierDiscountCents > 0 ? `volume/period ${row.tierDiscountCents}` : '',
          row.promoCode ? `code ${row.promoCode} ${row.promoDiscountCents}` : '',
          row.trialProviderId ? `trial of ${row.trialProviderId} ${row.promoDiscountCents}` : '',
        ].filter(Boolean);
        wallet.promotionTransfer({
          transferId: discountTransferId(orderId),
          purpose: 'discount',
          userId: row.userId,
          orderId,
          amountCents: total,
          actor,
          reason: `discount on a list price of ${row.listPriceCents} cents: ${parts.join(', ')}`,
        });
      }
      db.update(orderDiscounts).set({ state: 'captured', updatedAt: now() }).where(eq(orderDiscounts.orderId, orderId)).run();
    },

    /** The order was voided (inside the void's transaction): the use is given back. */
    onOrderVoided(orderId: string): void {
      db.update(orderDiscounts)
        .set({ state: 'released', updatedAt: now() })
        .where(and(eq(orderDiscounts.orderId, orderId), eq(orderDiscounts.state, 'reserved')))
        .run();
    },

    /**
     * After a refund of the order (inside the refund's transaction): the
     * promotions account gets back the share of the discount that matches
     * the share of the price refunded, so a full refund undoes the discount.
     */
    onOrderRefunded(orderId: string, refundKey: string, actor: string): void {
      const row = db.select().from(orderDiscounts).where(eq(orderDiscounts.orderId, orderId)).get();
      if (row?.state !== 'captured') return;
      const discount = row.tierDiscountCents + row.promoDiscountCents;
      const captured = wallet.transferAmount(captureId(orderId)) ?? 0;
      if (discount === 0 || captured === 0) return;
      const due = Math.floor((discount * wallet.refundedCents(orderId)) / captured) - row.reversedCents;
      if (due <= 0) return;
      wallet.promotionTransfer({
        transferId: `${reversalPrefix(orderId)}${refundKey}`,
        purpose: 'discount_reversal',
        userId: row.userId,
        orderId,
        amountCents: due,
        actor,
        reason: 'the discounted order was refunded',
      });
      db.update(orderDiscounts)
        .set({ reversedCents: row.reversedCents + due, updatedAt: now() })
        .where(eq(orderDiscounts.orderId, orderId))
        .run();
    },

    /** Credits a gift code to the customer's wallet, once. */
    redeemGift(userId: number, rawCode: string): GiftResult {
      const code = normalizeCode(rawCode);
      const refuse = (refusal: PromoRefusal): GiftResult => ({ ok: false, refusal, message: REFUSAL_MESSAGES[refusal] });
      return writeTransaction(sqlite, (): GiftResult => {
        const row = codeRow(code);
        if (!row) return refuse('unknown_code');
        if (row.kind !== 'gift') return refuse('wrong_kind');
        const timing = timeRefusal(row);
        if (timing) return refuse(timing);
        const taken = db
          .select({ n: count() })
          .from(giftRedemptions)
          .where(and(eq(giftRedemptions.code, code), eq(giftRedemptions.userId, userId)))
          .get();
        if ((taken?.n ?? 0) > 0) return refuse('already_used');
        const redeemed = db.select({ n: count() }).from(giftRedemptions).where(eq(giftRedemptions.code, code)).get()?.n ?? 0;
        if (row.totalLimit !== null && redeemed >= row.totalLimit) return refuse('exhausted');
        const amount = row.amountCents!;
        db.insert(giftRedemptions).values({ code, userId, amountCents: amount, createdAt: now() }).run();
        wallet.promotionTransfer({
          transferId: giftTransferId(code, userId),
          purpose: 'gift',
          userId,
          amountCents: amount,
          actor: `user:${userId}`,
          reason: `gift code ${code}`,
        });
        return { ok: true, amountCents: amount, availableCents: wallet.balance(userId).availableCents };
      });
    },

    // ---------------------------------------------------------------------
    // Volume and period tiers
    // ---------------------------------------------------------------------

    /** Sets a tier: from `threshold` IPs or days, `percent` off (up to 50 %). */
    setTier(input: { providerId: string; productId: string; kind: PriceTierKind; threshold: number; percent: number; actor: string }) {
      const basisPoints = Math.round(input.percent * 100);
      if (!Number.isFinite(input.percent) || basisPoints < 1 || basisPoints > 5_000) {
        throw new RangeError('a tier takes 0.01 % to 50 % off');
      }
      if (!Number.isSafeInteger(input.threshold) || input.threshold < 1) throw new RangeError('a tier starts at a whole number ≥ 1');
      const values = {
        providerId: input.providerId,
        productId: input.productId,
        kind: input.kind,
        threshold: input.threshold,
        discountBasisPoints: basisPoints,
        updatedBy: input.actor,
        updatedAt: now(),
      };
      db.insert(priceTiers)
        .values(values)
        .onConflictDoUpdate({
          target: [priceTiers.providerId, priceTiers.productId, priceTiers.kind, priceTiers.threshold],
          set: { discountBasisPoints: basisPoints, updatedBy: input.actor, updatedAt: now() },
        })
        .run();
    },

    removeTier(input: { providerId: string; productId: string; kind: PriceTierKind; threshold: number }): boolean {
      return (
        db
          .delete(priceTiers)
          .where(
            and(
              eq(priceTiers.providerId, input.providerId),
              eq(priceTiers.productId, input.productId),
              eq(priceTiers.kind, input.kind),
              eq(priceTiers.threshold, input.threshold),
            ),
          )
          .run().changes > 0
      );
    },

    listTiers: () => db.select().from(priceTiers).orderBy(asc(priceTiers.providerId), asc(priceTiers.productId)).all(),

    /** The percentage a choice would get off its list price from tiers alone (for the buttons). */
    tierPercent(providerId: string, productId: string, quantity: number, days?: number): number {
      return tierBasisPoints(providerId, productId, quantity, days) / 100;
    },

    /** Discounts and gifts given since `since` (ms), for /stats. */
    stats(since = 0): PromoStats {
      const sums = db
        .select({
          id: sql<string>`substr(${ledgerTransfers.id}, 1, instr(${ledgerTransfers.id}, ':') - 1)`,
          total: sql<number>`sum(${ledgerTransfers.amountCents})`,
          n: count(),
        })
        .from(ledgerTransfers)
        .where(and(eq(ledgerTransfers.category, 'promotion'), gte(ledgerTransfers.createdAt, since)))
        .groupBy(sql`1`)
        .all();
      const of = (prefix: string) => sums.find((s) => s.id === prefix);
      return {
        discountsCents: (of('discount')?.total ?? 0) - (of('discount-reversal')?.total ?? 0),
        discountedOrders: of('discount')?.n ?? 0,
        giftsCents: of('gift')?.total ?? 0,
        giftsRedeemed: of('gift')?.n ?? 0,
      };
    },

    /**
     * The promotions' side of the ledger's promises: each discounted order's
     * use follows its order (reserved while open, captured when delivered,
     * released when failed), price + discounts = list price, a captured
     * discount was paid exactly once and reversed at most in full, no code
     * has more live uses than its limits, and every promotion transfer
     * belongs to a discount or a gift.
     */
    checkInvariants(): string[] {
      const violations: string[] = [];
      const rows = db
        .select({ discount: orderDiscounts, orderState: orders.state, price: orders.priceCents })
        .from(orderDiscounts)
        .innerJoin(orders, eq(orders.id, orderDiscounts.orderId))
        .all();
      const transfers = db.select().from(ledgerTransfers).where(eq(ledgerTransfers.category, 'promotion')).all();
      const byId = new Map(transfers.map((t) => [t.id, t]));
      const explained = new Set<string>();
      // Reversals by order, so the check stays linear in the number of transfers.
      const reversalsOf = new Map<string, typeof transfers>();
      for (const t of transfers) {
        if (!t.id.startsWith('discount-reversal:') || t.orderId === null) continue;
        const list = reversalsOf.get(t.orderId);
        if (list) list.push(t);
        else reversalsOf.set(t.orderId, [t]);
      }
      for (const { discount: d, orderState, price } of rows) {
        const expected = orderState === 'delivered' ? 'captured' : orderState === 'failed' ? 'released' : 'reserved';
        if (d.state !== expected) violations.push(`order ${d.orderId} is ${orderState} but its discount is ${d.state}`);
        const total = d.tierDiscountCents + d.promoDiscountCents;
        if (price + total !== d.listPriceCents) {
          violations.push(`order ${d.orderId}: price ${price} + discount ${total} is not its list price ${d.listPriceCents}`);
        }
        const paid = byId.get(discountTransferId(d.orderId));
        if (paid) explained.add(paid.id);
        const paidCents = paid?.amountCents ?? 0;
        if (paidCents !== (d.state === 'captured' ? total : 0)) {
          violations.push(`order ${d.orderId}: the promotions account paid ${paidCents} cents for a ${d.state} discount of ${total}`);
        }
        const reversals = (reversalsOf.get(d.orderId) ?? []).filter((t) => t.id.startsWith(reversalPrefix(d.orderId)));
        for (const t of reversals) explained.add(t.id);
        const reversed = reversals.reduce((sum, t) => sum + t.amountCents, 0);
        if (reversed !== d.reversedCents || reversed > paidCents) {
          violations.push(
            `order ${d.orderId}: ${reversed} cents of its discount reversed (recorded ${d.reversedCents}, paid ${paidCents})`,
          );
        }
      }
      const codes = db.select().from(promoCodes).all();
      const live = rows.filter((r) => r.discount.state !== 'released' && r.discount.promoCode !== null);
      const liveByCode = new Map<string, typeof live>();
      for (const r of live) {
        const list = liveByCode.get(r.discount.promoCode!);
        if (list) list.push(r);
        else liveByCode.set(r.discount.promoCode!, [r]);
      }
      for (const code of codes.filter((c) => c.kind === 'discount')) {
        const uses = liveByCode.get(code.code) ?? [];
        if (code.totalLimit !== null && uses.length > code.totalLimit) {
          violations.push(`code ${code.code} has ${uses.length} live uses of ${code.totalLimit}`);
        }
        const perCustomer = new Map<number, number>();
        for (const r of uses) perCustomer.set(r.discount.userId, (perCustomer.get(r.discount.userId) ?? 0) + 1);
        for (const [userId, n] of perCustomer) {
          if (n > code.perCustomerLimit) violations.push(`code ${code.code} used ${n} times by user ${userId}`);
        }
      }
      const liveTrials = new Map<string, number>();
      for (const r of rows) {
        const d = r.discount;
        if (d.trialProviderId === null || d.state === 'released') continue;
        const key = `${d.trialProviderId}:${d.userId}`;
        liveTrials.set(key, (liveTrials.get(key) ?? 0) + 1);
      }
      for (const [key, n] of liveTrials) if (n > 1) violations.push(`trial ${key} (provider:user) taken ${n} times`);
      const gifts = db.select().from(giftRedemptions).all();
      for (const gift of gifts) {
        const t = byId.get(giftTransferId(gift.code, gift.userId));
        if (t) explained.add(t.id);
        if (t?.amountCents !== gift.amountCents) violations.push(`gift ${gift.code} for user ${gift.userId} was not credited exactly once`);
      }
      const giftsPerCode = new Map<string, number>();
      for (const g of gifts) giftsPerCode.set(g.code, (giftsPerCode.get(g.code) ?? 0) + 1);
      for (const code of codes.filter((c) => c.kind === 'gift' && c.totalLimit !== null)) {
        const n = giftsPerCode.get(code.code) ?? 0;
        if (n > code.totalLimit!) violations.push(`gift code ${code.code} redeemed ${n} times of ${code.totalLimit}`);
      }
      for (const t of transfers) if (!explained.has(t.id)) violations.push(`promotion transfer ${t.id} belongs to no discount or gift`);
      return violations;
    },
  };
}

export type Promos = ReturnType<typeof createPromos>;
