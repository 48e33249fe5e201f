/**
 * The trial as a customer finds it without knowing `/trial`: a button on the
 * main menu and on its provider's product list, and the words the summary
 * and the delivery use so they never promise a longer trial than the
 * upstream gives (providers' `TrialLength`).
 */
import { trialLengthOf } from '../../providers/modules.js';
import type { TrialForCustomer } from '../../services/trials.js';
import type { BotEnv } from '../context.js';
import { money } from '../format.js';
import type { Translate } from '../ui.js';

export interface TrialButton {
  providerId: string;
  label: string;
  /** The customer must top up first: the button explains instead of pricing. */
  blockedBy?: 'top_up_first';
}

/**
 * The trials to show this customer, as buttons. A trial waiting for a first
 * top-up is shown with that condition rather than hidden: a customer who
 * never learns a trial exists cannot earn it, and "top up first" is the one
 * refusal they can act on. A used trial is hidden: nothing can be done.
 * Providers taken off sale or not configured show nothing.
 */
export function trialButtons(env: BotEnv, t: Translate, userId: number, onlyProvider?: string): TrialButton[] {
  const trials = env.services.trials;
  if (!trials) return [];
  const shown = trials
    .offersFor(userId)
    .filter(({ offer }) => onlyProvider === undefined || offer.providerId === onlyProvider)
    .filter(({ offer }) => env.services.catalog.provider(offer.providerId) !== undefined)
    .filter(({ offer }) => env.services.providerAvailability?.isOnSale(offer.providerId) ?? true);
  return shown.map((trial) => ({
    providerId: trial.offer.providerId,
    label: trialButtonLabel(env, t, trial, shown.length > 1 && onlyProvider === undefined),
    ...(trial.blockedBy ? { blockedBy: trial.blockedBy } : {}),
  }));
}

function trialButtonLabel(env: BotEnv, t: Translate, trial: TrialForCustomer, nameProvider: boolean): string {
  const price = trial.offer.priceCents;
  let label = price === 0 ? t('trial-btn-free') : t('trial-btn-priced', { price: money(price) });
  if (nameProvider) {
    const provider = env.services.catalog.provider(trial.offer.providerId)?.displayName ?? trial.offer.providerId;
    label = t('trial-btn-of', { label, provider });
  }
  return trial.blockedBy ? t('trial-btn-after-top-up', { label }) : label;
}

/**
 * The term of a trial in words. Where the upstream's own trial decides its
 * length (the panel's `op trial`, whose length no document gives), the
 * offered term is only its upper bound, so that is what the customer reads.
 */
export function trialTermText(t: Translate, providerId: string, term: string): string {
  return trialLengthOf(providerId) === 'set_by_upstream' ? t('trial-term-set-by-provider', { term }) : t('trial-term', { term });
}
