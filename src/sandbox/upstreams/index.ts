/**
 * Every upstream simulator behind one door: start one (or all) on 127.0.0.1
 * and get what a provider adapter needs to talk to it. Used by `npm run
 * sandbox` and by the tests, so both run the same simulators.
 */
import type { ProviderId, ProviderSettings, ProxyProvider } from '../../providers/types.js';
import { createFlashProxyProvider } from '../../providers/flashproxy/index.js';
import { createGateProxyProvider } from '../../providers/gateproxy/index.js';
import { createLumiWebProvider } from '../../providers/lumiweb/index.js';
import { createProxyIpv4Provider } from '../../providers/proxy-ipv4/index.js';
import { createProxyPanelProvider } from '../../providers/proxy-panel/index.js';
import { createFlashProxySimulator, type FlashProxySimulator } from './flashproxy/index.js';
import { createGateProxySimulator, type GateProxySimulator } from './gateproxy/index.js';
import { createLumiWebSimulator, type LumiWebSimulator } from './lumiweb/index.js';
import { createProxyIpv4Simulator, type ProxyIpv4Simulator } from './proxy-ipv4/index.js';
import { createProxyPanelSimulator, type ProxyPanelSimulator } from './proxy-panel/index.js';
import type { StartOptions } from './sim-server.js';

export interface SimulatorKinds {
  'proxy-ipv4': ProxyIpv4Simulator;
  'proxy-panel': ProxyPanelSimulator;
  flashproxy: FlashProxySimulator;
  lumiweb: LumiWebSimulator;
  gateproxy: GateProxySimulator;
}

export interface RunningUpstream<K extends ProviderId = ProviderId> {
  id: K;
  simulator: SimulatorKinds[K];
  /** The base URL an adapter for this upstream takes (the `<ID>_BASE_URL` setting). */
  baseUrl: string;
  apiKey: string;
  /** An adapter pointed at this simulator. */
  provider(overrides?: Partial<ProviderSettings>): ProxyProvider;
  close(): Promise<void>;
}

export async function startUpstream<K extends ProviderId>(id: K, options: StartOptions = {}): Promise<RunningUpstream<K>> {
  const started = await START[id](options);
  return started as unknown as RunningUpstream<K>;
}

export async function startAllUpstreams(options: { host?: string } = {}): Promise<RunningUpstream[]> {
  const ids: ProviderId[] = ['proxy-ipv4', 'proxy-panel', 'flashproxy', 'lumiweb', 'gateproxy'];
  return Promise.all(ids.map((id) => startUpstream(id, { host: options.host })));
}

type Starter = (options: StartOptions) => Promise<RunningUpstream>;

const START: Record<ProviderId, Starter> = {
  'proxy-ipv4': async (options) => {
    const simulator = createProxyIpv4Simulator();
    const running = await simulator.start(options);
    return wrap('proxy-ipv4', simulator, running.url, simulator.apiKey, running.close, (s) =>
      // The simulator shows new proxies at once; no need to pause between listings.
      createProxyIpv4Provider({ ...s, newProxyListingPauseMs: 20 }),
    );
  },
  'proxy-panel': async (options) => {
    const simulator = createProxyPanelSimulator();
    const running = await simulator.start(options);
    return wrap('proxy-panel', simulator, running.url, simulator.apiKey, running.close, createProxyPanelProvider);
  },
  flashproxy: async (options) => {
    const simulator = createFlashProxySimulator();
    const running = await simulator.start(options);
    return wrap('flashproxy', simulator, `${running.url}/api/v1`, simulator.apiKey, running.close, createFlashProxyProvider);
  },
  lumiweb: async (options) => {
    const simulator = createLumiWebSimulator();
    const running = await simulator.start(options);
    return wrap('lumiweb', simulator, running.apiBaseUrl, simulator.apiKey, running.close, (s) => createLumiWebProvider(s));
  },
  gateproxy: async (options) => {
    const simulator = createGateProxySimulator();
    const running = await simulator.start(options);
    return wrap('gateproxy', simulator, running.url, simulator.apiKey, running.close, createGateProxyProvider);
  },
};

function wrap(
  id: ProviderId,
  simulator: SimulatorKinds[ProviderId],
  baseUrl: string,
  apiKey: string,
  close: () => Promise<void>,
  factory: (settings: ProviderSettings) => ProxyProvider,
): RunningUpstream {
  return {
    id,
    simulator,
    baseUrl,
    apiKey,
    provider: (overrides = {}) => factory({ apiKey, baseUrl, ...overrides }),
    close,
  } as RunningUpstream;
}
