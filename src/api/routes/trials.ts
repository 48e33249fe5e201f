/**
 * The trials in force (operators' /trial): which product and term of each
 * provider is the trial, its price (0 for a free one), and whether the
 * caller may still take it. A trial is then quoted with `trial: true` on
 * POST /quotes and ordered like any quote.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { trialLengthOf } from '../../providers/modules.js';
import type { Trials } from '../../services/trials.js';
import { requireScope } from '../middlewares/auth.js';
import { apiRouter } from '../openapi.js';
import { errors, SCOPED_ERRORS, success } from '../schemas/common.js';

/** Why the caller cannot take a listed trial; the others (no trial, another choice) cannot happen for a listed one. */
const CallerRefusal = z.enum(['trial_used', 'top_up_first']).openapi({
  description: '`trial_used`: the caller has had it (or has it on order); `top_up_first`: it is for customers who have topped up before',
});

const TrialLengthSchema = z.enum(['as_term', 'set_by_upstream']).openapi({
  description:
    '`as_term`: the trial lasts the term; `set_by_upstream`: the upstream’s own trial decides its length, at most the term — the delivered proxy’s `expires_at` says when it really ends',
});

const getTrials = createRoute({
  method: 'get',
  path: '/trials',
  tags: ['catalog'],
  summary: 'The trials in force and whether you may take each',
  middleware: [requireScope('read')] as const,
  responses: {
    200: success('One trial per provider at most', {
      trials: z.array(
        z.object({
          provider: z.string(),
          product: z.string(),
          country: z.string().nullable(),
          term: z.string(),
          length: TrialLengthSchema,
          quantity: z.literal(1),
          price_cents: z.number().int().openapi({ description: 'What the caller pays; 0 for a free trial' }),
          requires_top_up: z.boolean(),
          available: z.boolean(),
          unavailable_reason: CallerRefusal.nullable(),
        }),
      ),
    }),
    ...errors(...SCOPED_ERRORS),
  },
});

export function trialRoutes(trials: Trials) {
  const app = apiRouter();
  app.openapi(getTrials, (c) => {
    const userId = c.get('principal').userId;
    const listed = trials.listOffers().map((offer) => {
      const refusal = trials.refusalFor({
        userId,
        providerId: offer.providerId,
        productId: offer.productId,
        termId: offer.termId,
        countryCode: offer.countryCode,
        quantity: 1,
      });
      const unavailable = refusal === 'trial_used' || refusal === 'top_up_first' ? refusal : null;
      return {
        provider: offer.providerId,
        product: offer.productId,
        country: offer.countryCode,
        term: offer.termId,
        length: trialLengthOf(offer.providerId),
        quantity: 1 as const,
        price_cents: offer.priceCents,
        requires_top_up: offer.requiresTopUp,
        available: refusal === undefined,
        unavailable_reason: unavailable,
      };
    });
    return c.json({ success: true as const, trials: listed }, 200);
  });
  return app;
}
