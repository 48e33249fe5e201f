/**
 * One switch per simulated upstream, so a person in the sandbox can watch the
 * shop cope with an upstream that is down, slow, refusing orders or losing its
 * answers, and then recover. Built on the simulators' own fault plans and
 * money knobs: the same misbehaviour the tests inject.
 */
import { PROVIDER_MODULES } from '../providers/modules.js';
import type { ProviderId } from '../providers/types.js';
import type { RunningUpstream } from './upstreams/index.js';

export const UPSTREAM_CONDITIONS = ['healthy', 'down', 'slow', 'refusing', 'losing-answers'] as const;
export type UpstreamCondition = (typeof UPSTREAM_CONDITIONS)[number];

export const CONDITION_DESCRIPTIONS: Record<UpstreamCondition, string> = {
  healthy: 'answers every request normally',
  down: 'answers every request 503 without doing anything',
  slow: 'does the work, then waits before answering',
  refusing: 'its account balance is empty, so it refuses every purchase and renewal',
  'losing-answers': 'does every write (order, renewal), then drops the connection before answering',
};

/** How long a "slow" upstream waits before answering: noticeable, and below the shop's default 15 s timeout. */
export const DEFAULT_SLOW_DELAY_MS = 4_000;

/** Requests that change something at the upstream; reads stay answered so the menus still show. */
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Price checks sent as POST (FlashProxy's check-price, LumiWeb's quote) are reads: a lost quote would stop the order before it starts. */
const NOT_PRICE_CHECKS = /^(?!.*\/(?:check-price|quote)$)/;

export interface UpstreamSwitchView {
  id: ProviderId;
  name: string;
  condition: UpstreamCondition;
  description: string;
}

export interface UpstreamSwitches {
  list(): UpstreamSwitchView[];
  /** Puts one upstream into a condition (leaving any other first); `healthy` recovers it. */
  set(id: ProviderId, condition: UpstreamCondition): UpstreamSwitchView;
}

export function isUpstreamCondition(value: unknown): value is UpstreamCondition {
  return typeof value === 'string' && (UPSTREAM_CONDITIONS as readonly string[]).includes(value);
}

export function createUpstreamSwitches(
  upstreams: RunningUpstream[],
  options: {
    slowDelayMs?: number;
    /** Told after every change, so cached answers from before it (the catalog) are dropped. */
    onChange?: (id: ProviderId) => void;
  } = {},
): UpstreamSwitches {
  const slowDelayMs = options.slowDelayMs ?? DEFAULT_SLOW_DELAY_MS;
  const conditions = new Map<ProviderId, UpstreamCondition>(upstreams.map((u) => [u.id, 'healthy']));
  // The balance an upstream had before it was made to refuse, given back on recovery.
  const balanceBeforeRefusing = new Map<ProviderId, number>();

  const view = (id: ProviderId): UpstreamSwitchView => {
    const condition = conditions.get(id)!;
    const name = PROVIDER_MODULES.find((m) => m.id === id)?.displayName ?? id;
    return { id, name, condition, description: CONDITION_DESCRIPTIONS[condition] };
  };

  const recover = (upstream: RunningUpstream) => {
    upstream.simulator.faults.clear();
    const balance = balanceBeforeRefusing.get(upstream.id);
    if (balance !== undefined) {
      upstream.simulator.setBalanceCents(balance);
      balanceBeforeRefusing.delete(upstream.id);
    }
  };

  return {
    list: () => upstreams.map((u) => view(u.id)),
    set(id, condition) {
      const upstream = upstreams.find((u) => u.id === id);
      if (!upstream) throw new Error(`no simulated upstream ${id}`);
      recover(upstream);
      const { faults } = upstream.simulator;
      switch (condition) {
        case 'healthy':
          break;
        case 'down':
          faults.inject({ kind: 'error_before', status: 503 }, { times: Number.POSITIVE_INFINITY });
          break;
        case 'slow':
          faults.inject({ kind: 'slow', delayMs: slowDelayMs }, { times: Number.POSITIVE_INFINITY });
          break;
        case 'refusing':
          balanceBeforeRefusing.set(id, upstream.simulator.balanceCents());
          upstream.simulator.setBalanceCents(0);
          break;
        case 'losing-answers':
          for (const method of WRITE_METHODS)
            faults.inject({ kind: 'reset_after' }, { method, path: NOT_PRICE_CHECKS, times: Number.POSITIVE_INFINITY });
          break;
      }
      conditions.set(id, condition);
      options.onChange?.(id);
      return view(id);
    },
  };
}
