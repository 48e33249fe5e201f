/**
 * The caller's referral programme: their code and link, how many people
 * they invited, and what the rewards have earned them (net of refunds).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { REFERRAL_START_PREFIX, type Referrals } from '../../services/referrals.js';
import { requireScope } from '../middlewares/auth.js';
import { apiRouter } from '../openapi.js';
import { errors, SCOPED_ERRORS, success } from '../schemas/common.js';

const getReferrals = createRoute({
  method: 'get',
  path: '/referrals',
  tags: ['account'],
  summary: 'Your referral link, people invited and rewards earned',
  middleware: [requireScope('read')] as const,
  responses: {
    200: success('The referral programme as it stands for the caller', {
      referrals: z.object({
        code: z.string().openapi({ example: 'k3j5m2q7xa' }),
        start_parameter: z
          .string()
          .openapi({ description: 'The bot’s /start parameter that names you as referrer', example: 'ref_k3j5m2q7xa' }),
        link: z.string().nullable().openapi({
          description: 'The t.me link to share; null while the bot is not running',
          example: 'https://t.me/proxy_storefront_bot?start=ref_k3j5m2q7xa',
        }),
        invited_count: z.number().int(),
        earned_cents: z.number().int().openapi({ description: 'Rewards paid minus what refunds of the referred purchases took back' }),
        reward_percent: z.number().openapi({ description: 'Share of each captured purchase of a referred customer', example: 5 }),
      }),
    }),
    ...errors(...SCOPED_ERRORS),
  },
});

export function referralRoutes(referrals: Referrals, botUsername: () => string | undefined) {
  const app = apiRouter();
  app.openapi(getReferrals, (c) => {
    const userId = c.get('principal').userId;
    const summary = referrals.summary(userId);
    const username = botUsername();
    return c.json(
      {
        success: true as const,
        referrals: {
          code: summary.code,
          start_parameter: `${REFERRAL_START_PREFIX}${summary.code}`,
          link: username ? referrals.linkOf(userId, username) : null,
          invited_count: summary.invitedCount,
          earned_cents: summary.earnedCents,
          reward_percent: summary.percent,
        },
      },
      200,
    );
  });
  return app;
}
