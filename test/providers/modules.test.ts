/**
 * The list of upstream modules is the one place an upstream is named: each
 * descriptor must tell the truth about its adapter, its settings must work,
 * the docs must list them, and the sandbox must have a simulator for it.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, providerSettingNames } from '../../src/config.js';
import { PROVIDER_IDS, PROVIDER_MODULES } from '../../src/providers/modules.js';
import { createProviders } from '../../src/providers/registry.js';
import type { ProviderCapabilities, ProxyProvider } from '../../src/providers/types.js';
import { startUpstream, type RunningUpstream } from '../../src/sandbox/upstreams/index.js';

/** Capabilities that promise optional methods, and the methods each one promises. */
const METHODS_OF: Partial<Record<keyof ProviderCapabilities, Array<keyof ProxyProvider>>> = {
  renew: ['renew', 'renewalTerms'],
  changeCredentials: ['changeCredentials'],
  rotateIp: ['rotateIp'],
  switchLocation: ['switchLocation', 'locations'],
  usage: ['usage'],
  balance: ['balance'],
  allowedIps: ['allowedIps', 'setAllowedIps'],
  cancel: ['cancel', 'cancelRefund'],
};

let running: RunningUpstream[] = [];
afterEach(async () => {
  await Promise.all(running.map((u) => u.close()));
  running = [];
});

describe('the upstream module list', () => {
  it('names each upstream once, with its own settings prefix', () => {
    expect(new Set(PROVIDER_IDS).size).toBe(PROVIDER_MODULES.length);
    const prefixes = PROVIDER_MODULES.map((m) => m.envPrefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    for (const prefix of prefixes) expect(prefix).toMatch(/^[A-Z][A-Z0-9_]*[A-Z0-9]$/);
  });

  it.each(PROVIDER_MODULES.map((m) => [m.id, m] as const))('%s: the descriptor says what its adapter says and has', (_id, module) => {
    const provider = module.create({ apiKey: 'test-key', baseUrl: 'http://127.0.0.1:9' });
    expect([provider.id, provider.displayName]).toEqual([module.id, module.displayName]);
    expect(provider.capabilities).toEqual(module.capabilities);
    for (const [capability, methods] of Object.entries(METHODS_OF)) {
      for (const method of methods) {
        expect([capability, method, typeof provider[method] === 'function']).toEqual([
          capability,
          method,
          // An optional capability left out means "not offered".
          module.capabilities[capability as keyof ProviderCapabilities] === true,
        ]);
      }
    }
  });

  it.each(PROVIDER_MODULES.map((m) => [m.id, m] as const))('%s: its API key enables it at its default base URL', (_id, module) => {
    const names = providerSettingNames(module);
    const parsed = parseConfig({ [names.apiKey]: 'key-123' });
    expect(parsed.ok && parsed.config.providers).toEqual({ [module.id]: { apiKey: 'key-123', baseUrl: module.defaultBaseUrl } });
  });

  it('the registry builds every upstream whose key is set, in the order of the list', () => {
    const env = Object.fromEntries(PROVIDER_MODULES.map((m) => [providerSettingNames(m).apiKey, `key-${m.id}`]));
    const parsed = parseConfig(env);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    expect(createProviders(parsed.config).map((p) => p.id)).toEqual(PROVIDER_IDS);
  });

  it('.env.example and the README settings table list every upstream’s settings with their defaults', () => {
    const envExample = readFileSync('.env.example', 'utf8').split('\n');
    const readme = readFileSync('README.md', 'utf8');
    for (const module of PROVIDER_MODULES) {
      const names = providerSettingNames(module);
      expect(envExample).toContain(`${names.apiKey}=`);
      expect(envExample).toContain(`${names.baseUrl}=${module.defaultBaseUrl}`);
      expect(readme).toContain(`| \`${names.apiKey}\` | (empty) |`);
      expect(readme).toContain(`| \`${names.baseUrl}\` | \`${module.defaultBaseUrl}\` |`);
    }
  });

  it('the sandbox has a simulator for every upstream, and its settings point the shop at it', async () => {
    running = await Promise.all(PROVIDER_IDS.map((id) => startUpstream(id)));
    for (const upstream of running) {
      const parsed = parseConfig(upstream.settings);
      expect(parsed.ok && parsed.config.providers).toEqual({ [upstream.id]: { apiKey: upstream.apiKey, baseUrl: upstream.baseUrl } });
      // The adapter the shop builds from those settings reaches the simulator.
      const [provider] = parsed.ok ? createProviders(parsed.config) : [];
      expect((await provider!.getCatalog()).kind, upstream.id).toBe('ok');
    }
  });
});
