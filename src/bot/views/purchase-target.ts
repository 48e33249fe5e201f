/**
 * A purchase's geo and session target in the customer's words: the buy
 * flow's steps, the summary, the delivery and the proxy card say it the same
 * way as the card's connection-string builder (features/proxy-targeting.ts).
 */
import type { ProxyTarget, StickyLifetime, TargetSession } from '../../providers/types.js';
import { escapeHtml } from '../html.js';
import { countryOf } from '../product-names.js';
import type { Translate } from '../ui.js';

/** The catalog gives normalized names only ("losangeles"): shown as given, capitalised. */
const placeName = (code: string) => code.charAt(0).toUpperCase() + code.slice(1);

/** "🇺🇸 United States · California · Losangeles · AS7922", escaped for HTML; "any country" without one. */
export function targetPlaceText(t: Translate, target: Pick<ProxyTarget, 'countryCode' | 'regionCode' | 'cityCode' | 'asn'>): string {
  if (!target.countryCode) return t('targeting-any-country');
  return [
    countryOf(t, target.countryCode.toUpperCase()),
    target.regionCode === undefined ? undefined : placeName(target.regionCode),
    target.cityCode === undefined ? undefined : placeName(target.cityCode),
    target.asn === undefined ? undefined : `AS${target.asn}`,
  ]
    .filter((part): part is string => part !== undefined)
    .map(escapeHtml)
    .join(' · ');
}

/** Lifetimes the shop has words for in every language; another provider's own label is shown as it comes. */
const WORDED_LIFETIMES = new Set(['short', 'long', 'default']);

export function lifetimeText(t: Translate, lifetime: Pick<StickyLifetime, 'id' | 'label'> | undefined): string {
  if (!lifetime) return t('targeting-session-rotating');
  const words = WORDED_LIFETIMES.has(lifetime.id) ? t(`targeting-lifetime-${lifetime.id}`) : escapeHtml(lifetime.label);
  return t('targeting-session-sticky', { lifetime: words });
}

export function sessionText(t: Translate, session: TargetSession): string {
  return session.mode === 'rotating' ? lifetimeText(t, undefined) : lifetimeText(t, { id: session.lifetimeId, label: session.lifetimeId });
}

/** The summary's lines for a target. */
export function targetSummaryLines(t: Translate, target: ProxyTarget): string[] {
  return [t('summary-target', { target: targetPlaceText(t, target) }), t('summary-session', { session: sessionText(t, target.session) })];
}

/** One line for the delivery and the card. */
export function targetCardLine(t: Translate, target: ProxyTarget): string {
  return t('proxy-target', { target: targetPlaceText(t, target), session: sessionText(t, target.session) });
}
