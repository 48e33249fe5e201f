/**
 * Trials: one product per provider that a customer may have once, free or at
 * a set price. The trial is an ordinary order through the same saga; the
 * promotions account pays revenue the rest of the list price on capture (all
 * of it for a free trial, whose order holds nothing in the wallet; see
 * promos.ts and orders.ts), and the trial is the customer's only while its
 * order is open or delivered, so a failed trial can be tried again.
 */
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ledgerTransfers, orderDiscounts, trialOffers } from '../db/schema/index.js';
import { MAX_AMOUNT_CENTS } from '../domain/money.js';
import { walletAccountId } from './wallet.js';

export type TrialOfferRow = typeof trialOffers.$inferSelect;

/** Why a customer cannot have the trial. */
export type TrialRefusal = 'no_trial' | 'not_the_trial' | 'trial_used' | 'top_up_first';

export const TRIAL_REFUSAL_MESSAGES: Record<TrialRefusal, string> = {
  no_trial: 'this provider has no trial',
  not_the_trial: 'this choice is not the trial',
  trial_used: 'you have had this trial already',
  top_up_first: 'the trial is for customers who have topped up before',
};

/**
 * A trial as a customer may be offered it: open to them now, or waiting only
 * for a first top-up (something they can do, so it is shown with that reason).
 */
export interface TrialForCustomer {
  offer: TrialOfferRow;
  /** Set when the customer must top up first; absent when it can be taken now. */
  blockedBy?: 'top_up_first';
}

export function createTrials(deps: { db: Db; now?: () => number }) {
  const { db } = deps;
  const now = deps.now ?? Date.now;

  const offer = (providerId: string) => db.select().from(trialOffers).where(eq(trialOffers.providerId, providerId)).get();

  const api = {
    offer,

    listOffers: () => db.select().from(trialOffers).orderBy(asc(trialOffers.providerId)).all(),

    /** Marks the provider's trial (replacing an earlier one). */
    setOffer(input: {
      providerId: string;
      productId: string;
      termId: string;
      countryCode?: string;
      /** 0 for a free trial: the shop pays the upstream. */
      priceCents: number;
      requiresTopUp: boolean;
      actor: string;
    }): void {
      if (!Number.isSafeInteger(input.priceCents) || input.priceCents < 0 || input.priceCents > MAX_AMOUNT_CENTS) {
        throw new RangeError('a trial is free or costs a whole number of cents within the order limit');
      }
      const values = {
        providerId: input.providerId,
        productId: input.productId,
        termId: input.termId,
        countryCode: input.countryCode ?? null,
        priceCents: input.priceCents,
        requiresTopUp: input.requiresTopUp,
        setBy: input.actor,
        setAt: now(),
      };
      db.insert(trialOffers).values(values).onConflictDoUpdate({ target: trialOffers.providerId, set: values }).run();
    },

    removeOffer: (providerId: string) => db.delete(trialOffers).where(eq(trialOffers.providerId, providerId)).run().changes > 0,

    /**
     * Whether the customer may have this provider's trial for this choice
     * now. Counted from the live trial orders (open or delivered), so a
     * failed trial does not count. Inside the reserve transaction the order
     * being reserved has no discount row yet, so it does not count itself.
     */
    refusalFor(input: {
      userId: number;
      providerId: string;
      productId: string;
      termId: string;
      countryCode: string | null;
      quantity: number;
    }): TrialRefusal | undefined {
      const trial = offer(input.providerId);
      if (!trial) return 'no_trial';
      if (
        trial.productId !== input.productId ||
        trial.termId !== input.termId ||
        (trial.countryCode ?? null) !== (input.countryCode ?? null) ||
        input.quantity !== 1
      ) {
        return 'not_the_trial';
      }
      const live = db
        .select({ n: count() })
        .from(orderDiscounts)
        .where(
          and(
            eq(orderDiscounts.trialProviderId, input.providerId),
            eq(orderDiscounts.userId, input.userId),
            inArray(orderDiscounts.state, ['reserved', 'captured']),
          ),
        )
        .get();
      if ((live?.n ?? 0) > 0) return 'trial_used';
      if (trial.requiresTopUp) {
        const toppedUp = db
          .select({ id: ledgerTransfers.id })
          .from(ledgerTransfers)
          .where(
            and(
              eq(ledgerTransfers.userId, input.userId),
              eq(ledgerTransfers.category, 'topup'),
              eq(ledgerTransfers.creditAccountId, walletAccountId(input.userId)),
            ),
          )
          .limit(1)
          .get();
        if (!toppedUp) return 'top_up_first';
      }
      return undefined;
    },

    /**
     * The trials to show a customer: the ones they may take, and the ones
     * that wait for a first top-up. A trial they have had is left out: there
     * is nothing they can do about it.
     */
    offersFor(userId: number): TrialForCustomer[] {
      const shown: TrialForCustomer[] = [];
      for (const trial of api.listOffers()) {
        const refusal = api.refusalFor({
          userId,
          providerId: trial.providerId,
          productId: trial.productId,
          termId: trial.termId,
          countryCode: trial.countryCode,
          quantity: 1,
        });
        if (refusal === undefined) shown.push({ offer: trial });
        else if (refusal === 'top_up_first') shown.push({ offer: trial, blockedBy: 'top_up_first' });
      }
      return shown;
    },
  };
  return api;
}

export type Trials = ReturnType<typeof createTrials>;
