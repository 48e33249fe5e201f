/**
 * Every upstream simulator behind one door: start one (or all) on 127.0.0.1
 * and get what a provider adapter needs to talk to it. Used by `npm run
 * sandbox` and by the tests, so both run the same simulators.
 *
 * The shop itself never imports this: the sandbox keeps its own list of
 * simulators, keyed by the ids of `providers/modules.ts`.
 */
import { providerSettingNames } from '../../config.js';
import { PROVIDER_IDS, PROVIDER_MODULES } from '../../providers/modules.js';
import { createProxyIpv4Provider } from '../../providers/proxy-ipv4/index.js';
import type { ProviderId, ProviderModule, ProviderSettings, ProxyProvider } from '../../providers/types.js';
import { createFlashProxySimulator } from './flashproxy/index.js';
import { createGateProxySimulator } from './gateproxy/index.js';
import { createLumiWebSimulator } from './lumiweb/index.js';
import { createProxyIpv4Simulator } from './proxy-ipv4/index.js';
import { createProxyPanelSimulator } from './proxy-panel/index.js';
import type { RunningSimProxy } from './proxy-server.js';
import type { StartOptions, UpstreamSimulator } from './sim-server.js';

/** How to run one upstream's simulator and point its adapter at it. */
interface SimulatorEntry<S extends UpstreamSimulator> {
  /** `now` is the simulator's clock (epoch ms); the sandbox shares its own so time moves alike on both sides. */
  create(now?: () => number): S;
  /** Where the API sits on the running server, when not at its root. */
  baseUrl?(running: Awaited<ReturnType<S['start']>>): string;
  /** An adapter tuned for the simulator, instead of the module's own factory. */
  provider?(settings: ProviderSettings): ProxyProvider;
}

function simulated<S extends UpstreamSimulator>(
  create: (now?: () => number) => S,
  tuning: Omit<SimulatorEntry<S>, 'create'> = {},
): SimulatorEntry<S> {
  return { create, ...tuning };
}

/** One line per upstream; the compiler insists on exactly one per module id. */
const SIMULATORS = {
  // The simulator shows new proxies at once; no need to pause between listings.
  'proxy-ipv4': simulated((now) => createProxyIpv4Simulator(asDateClock(now)), {
    provider: (s) => createProxyIpv4Provider({ ...s, newProxyListingPauseMs: 20 }),
  }),
  'proxy-panel': simulated((now) => createProxyPanelSimulator(now ? { now } : {})),
  flashproxy: simulated((now) => createFlashProxySimulator(now ? { now } : {}), { baseUrl: (running) => `${running.url}/api/v1` }),
  lumiweb: simulated((now) => createLumiWebSimulator(asDateClock(now)), { baseUrl: (running) => running.apiBaseUrl }),
  gateproxy: simulated((now) => createGateProxySimulator(asDateClock(now))),
} satisfies { [K in ProviderId]: SimulatorEntry<UpstreamSimulator> };

/** The options of the simulators whose clock answers a Date. */
function asDateClock(now: (() => number) | undefined): { now?: () => Date } {
  return now ? { now: () => new Date(now()) } : {};
}

export type SimulatorKinds = { [K in ProviderId]: ReturnType<(typeof SIMULATORS)[K]['create']> };

export interface RunningUpstream<K extends ProviderId = ProviderId> {
  id: K;
  simulator: SimulatorKinds[K];
  /** The base URL an adapter for this upstream takes (the `<PREFIX>_BASE_URL` setting). */
  baseUrl: string;
  apiKey: string;
  /** `<PREFIX>_API_KEY` and `<PREFIX>_BASE_URL` pointing the shop at this simulator. */
  settings: Record<string, string>;
  /** An adapter pointed at this simulator. */
  provider(overrides?: Partial<ProviderSettings>): ProxyProvider;
  /** The real proxy its sold proxies point at, when started with `liveProxies` and the simulator offers one. */
  proxyServer?: RunningSimProxy;
  close(): Promise<void>;
}

export interface UpstreamStartOptions extends StartOptions {
  /** The simulator's clock (epoch ms); default the machine's. */
  now?: () => number;
  /** Run a real local proxy for the credentials it sells, where the simulator offers one (`startProxyServer`). */
  liveProxies?: boolean;
}

export async function startUpstream<K extends ProviderId>(id: K, options: UpstreamStartOptions = {}): Promise<RunningUpstream<K>> {
  const entry: SimulatorEntry<UpstreamSimulator> = SIMULATORS[id];
  const module: ProviderModule = PROVIDER_MODULES.find((m) => m.id === id)!;
  const simulator = entry.create(options.now);
  const running = await simulator.start(options);
  const proxyServer = options.liveProxies ? await simulator.startProxyServer?.() : undefined;
  const baseUrl = entry.baseUrl?.(running) ?? running.url;
  const apiKey = simulator.apiKey;
  const factory = entry.provider ?? module.create;
  const names = providerSettingNames(module);
  const started: RunningUpstream = {
    id,
    simulator: simulator as SimulatorKinds[K],
    baseUrl,
    apiKey,
    settings: { [names.apiKey]: apiKey, [names.baseUrl]: baseUrl },
    provider: (overrides = {}) => factory({ apiKey, baseUrl, ...overrides }),
    ...(proxyServer ? { proxyServer } : {}),
    close: async () => {
      await proxyServer?.close();
      await running.close();
    },
  };
  return started as RunningUpstream<K>;
}

export async function startAllUpstreams(
  options: { host?: string; now?: () => number; liveProxies?: boolean } = {},
): Promise<RunningUpstream[]> {
  return Promise.all(
    PROVIDER_IDS.map((id) =>
      startUpstream(id, { host: options.host, ...(options.now ? { now: options.now } : {}), liveProxies: options.liveProxies ?? false }),
    ),
  );
}
