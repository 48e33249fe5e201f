/**
 * The operators' markup rules, kept in the database. The most specific rule
 * wins: provider+product, then the provider's default ('*'), then the
 * shop-wide default, then the built-in default.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { pricingRules } from '../db/schema/index.js';
import { DEFAULT_MARKUP, type MarkupRule, retailPrice } from '../domain/pricing.js';

export const ANY = '*';

export function createPricing(deps: { db: Db; now?: () => number }) {
  const { db } = deps;
  const now = deps.now ?? Date.now;

  // Every quote asks; prepared once rather than built per call.
  const candidates = db
    .select()
    .from(pricingRules)
    .where(
      and(
        inArray(pricingRules.providerId, [sql.placeholder('providerId'), ANY]),
        inArray(pricingRules.productId, [sql.placeholder('productId'), ANY]),
      ),
    )
    .prepare();

  const ruleFor = (providerId: string, productId: string): MarkupRule => {
    const rows = candidates.all({ providerId, productId });
    const rank = (r: (typeof rows)[number]) => (r.providerId === ANY ? 0 : 2) + (r.productId === ANY ? 0 : 1);
    const best = rows.sort((a, b) => rank(b) - rank(a))[0];
    return best ? { markupBasisPoints: best.markupBasisPoints, minMarginCents: best.minMarginCents } : DEFAULT_MARKUP;
  };

  return {
    ruleFor,

    price(providerId: string, productId: string, upstreamCostCents: number, quantity: number) {
      return retailPrice(upstreamCostCents, quantity, ruleFor(providerId, productId));
    },

    /** Sets a rule; `percent` may have two decimals (12.5 %). */
    setRule(input: { providerId: string; productId: string; percent: number; minMarginCents: number; actor: string }) {
      const basisPoints = Math.round(input.percent * 100);
      if (!Number.isFinite(input.percent) || basisPoints < 0 || basisPoints > 100_000) {
        throw new RangeError('markup must be between 0 % and 1000 %');
      }
      if (!Number.isSafeInteger(input.minMarginCents) || input.minMarginCents < 0) {
        throw new RangeError('minimum margin must be a whole, non-negative number of cents');
      }
      const values = {
        providerId: input.providerId,
        productId: input.productId,
        markupBasisPoints: basisPoints,
        minMarginCents: input.minMarginCents,
        updatedBy: input.actor,
        updatedAt: now(),
      };
      db.insert(pricingRules)
        .values(values)
        .onConflictDoUpdate({ target: [pricingRules.providerId, pricingRules.productId], set: values })
        .run();
    },

    listRules() {
      return db.select().from(pricingRules).all();
    },

    removeRule(providerId: string, productId: string) {
      db.delete(pricingRules)
        .where(and(eq(pricingRules.providerId, providerId), eq(pricingRules.productId, productId)))
        .run();
    },
  };
}

export type Pricing = ReturnType<typeof createPricing>;
