/**
 * The upstreams this build can buy from, in the order the shop lists them.
 * `ProviderId`, the `<PREFIX>_API_KEY` / `<PREFIX>_BASE_URL` settings and the
 * registry all derive from this list: a new upstream is its folder plus one
 * line here (and, for the sandbox and tests, one line naming its simulator in
 * `src/sandbox/upstreams/index.ts`).
 */
import { flashProxyModule } from './flashproxy/index.js';
import { gateProxyModule } from './gateproxy/index.js';
import { lumiWebModule } from './lumiweb/index.js';
import { proxyIpv4Module } from './proxy-ipv4/index.js';
import { proxyPanelModule } from './proxy-panel/index.js';
import type { ProviderId, TrialLength } from './types.js';

export const PROVIDER_MODULES = [proxyIpv4Module, proxyPanelModule, flashProxyModule, lumiWebModule, gateProxyModule] as const;

export const PROVIDER_IDS: readonly ProviderId[] = PROVIDER_MODULES.map((module) => module.id);

/** The upstream's own documented trial product and term, when it has one (`ProviderModule.upstreamTrial`). */
export function upstreamTrialOf(providerId: string): { productId: string; termId: string } | undefined {
  const module = PROVIDER_MODULES.find((m) => m.id === providerId) as { upstreamTrial?: { productId: string; termId: string } } | undefined;
  return module?.upstreamTrial;
}

/** How long a trial of the provider lasts (see `TrialLength`); an unknown id reads as `as_term`. */
export function trialLengthOf(providerId: string): TrialLength {
  const module = PROVIDER_MODULES.find((m) => m.id === providerId) as { trialLength?: TrialLength } | undefined;
  return module?.trialLength ?? 'as_term';
}
