/**
 * What `/readyz` reports: whether each part of the shop is up. The shop is
 * ready when its database answers and, if it has a bot, the bot is taking
 * updates. Upstreams are reported (the last call to each, its outcome and
 * time) but do not make the shop unready: another instance would meet the
 * same upstream, and the saga already handles an upstream that is down.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Sqlite } from '../db/client.js';
import { UPSTREAM_EXCHANGE_CHANNEL, type UpstreamCallClass, type UpstreamExchangeEvent } from '../lib/http.js';

/** What the bot runtime says about itself; `undefined` while it has not started. */
export interface BotProbe {
  mode: 'polling' | 'webhook';
  running: boolean;
}

export interface LastUpstreamCall {
  outcome: UpstreamCallClass;
  status?: number;
  /** When it ended, ISO 8601. */
  at: string;
  seconds: number;
}

export interface ReadinessReport {
  ready: boolean;
  parts: {
    database: { up: boolean; error?: string };
    /** `disabled` when the shop runs without a bot. */
    bot: { up: boolean; mode?: BotProbe['mode']; state: 'running' | 'starting' | 'stopped' | 'disabled' };
    /** Keyed by provider id: `last_call` is null until the first call since start. */
    providers: Record<string, { up: boolean | null; last_call: LastUpstreamCall | null }>;
  };
}

export interface Readiness {
  /** Where to ask the bot whether it runs; not set means no bot. */
  watchBot(probe: () => BotProbe | undefined): void;
  check(): ReadinessReport;
  stop(): void;
}

export function createReadiness(deps: { sqlite: Sqlite; providerIds: readonly string[] }): Readiness {
  const lastCalls = new Map<string, LastUpstreamCall>();
  let botProbe: (() => BotProbe | undefined) | undefined;

  const onExchange = (message: unknown) => {
    try {
      const event = message as UpstreamExchangeEvent;
      lastCalls.set(event.providerId, {
        outcome: event.outcome,
        ...(event.status === undefined ? {} : { status: event.status }),
        at: new Date(event.at).toISOString(),
        seconds: event.seconds,
      });
    } catch {
      // Never throw into the caller's upstream call.
    }
  };
  subscribe(UPSTREAM_EXCHANGE_CHANNEL, onExchange);

  const database = (): ReadinessReport['parts']['database'] => {
    try {
      deps.sqlite.prepare('SELECT 1').get();
      return { up: true };
    } catch (error) {
      return { up: false, error: error instanceof Error ? error.message : String(error) };
    }
  };

  const bot = (): ReadinessReport['parts']['bot'] => {
    if (!botProbe) return { up: true, state: 'disabled' };
    const probe = botProbe();
    if (!probe) return { up: false, state: 'starting' };
    return { up: probe.running, mode: probe.mode, state: probe.running ? 'running' : 'stopped' };
  };

  return {
    watchBot(probe) {
      botProbe = probe;
    },
    check() {
      const parts: ReadinessReport['parts'] = { database: database(), bot: bot(), providers: {} };
      for (const id of new Set([...deps.providerIds, ...lastCalls.keys()])) {
        const last = lastCalls.get(id);
        // A refusal (4xx) is an answer: the upstream is up even if it said no.
        const up = last ? last.outcome === 'ok' || last.outcome === 'client_error' : null;
        parts.providers[id] = { up, last_call: last ?? null };
      }
      return { ready: parts.database.up && parts.bot.up, parts };
    },
    stop() {
      unsubscribe(UPSTREAM_EXCHANGE_CHANNEL, onExchange);
    },
  };
}
