/**
 * The layering of `src/`, enforced: every import (type-only ones too) goes to
 * the same layer or a lower one. Lower layers know nothing of the ones built
 * on them, so a change up high never ripples down, and a lower part can be
 * tested and reused alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * Lowest first; a file may import from its own layer and the ones before it.
 * Paths are relative to src/: a folder ends in '/', anything else is one file.
 */
const LAYERS: ReadonlyArray<{ name: string; paths: readonly string[] }> = [
  { name: 'foundations', paths: ['lib/', 'domain/', 'logger.ts'] },
  { name: 'storage', paths: ['db/'] },
  { name: 'upstreams', paths: ['providers/'] },
  // Observability wraps services (sagas, outbox sends) and is used by the API and the bot.
  { name: 'services', paths: ['services/', 'observability/'] },
  // The top-up flows are built on the services' top-up ledger (services/topups.ts owns the credit transaction).
  { name: 'payments', paths: ['payments/'] },
  { name: 'front doors', paths: ['api/', 'bot/', 'scheduler/'] },
  // The settings are read by the composition root alone.
  { name: 'composition', paths: ['config.ts', 'app.ts', 'main.ts', 'next-steps.ts', 'restore.ts'] },
];

/** The local shop: simulators and a Telegram emulator. It may use anything; product code never uses it. */
const SANDBOX = 'sandbox/';

/** Imports allowed against the order, each with its reason. None today: keep it that way. */
const EXCEPTIONS: ReadonlyArray<{ from: string; to: string; reason: string }> = [];

function layerOf(file: string): number | 'sandbox' | undefined {
  if (file.startsWith(SANDBOX)) return 'sandbox';
  const index = LAYERS.findIndex((layer) => layer.paths.some((path) => (path.endsWith('/') ? file.startsWith(path) : file === path)));
  return index < 0 ? undefined : index;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path).split('\\').join('/')] : [];
  });
}

/** Relative specifiers of static imports and re-exports (`import type` included) and dynamic `import()`. */
function importSpecifiers(code: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/gms,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1]!);
  return found.filter((specifier) => specifier.startsWith('.'));
}

/** `foo.js` in an import names `foo.ts` in the tree. */
function resolveImport(from: string, specifier: string): string {
  return posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
}

interface Arrow {
  from: string;
  to: string;
}

function arrows(): Arrow[] {
  return sourceFiles(SRC).flatMap((from) =>
    importSpecifiers(readFileSync(join(SRC, from), 'utf8')).map((specifier) => ({ from, to: resolveImport(from, specifier) })),
  );
}

const describeArrow = ({ from, to }: Arrow) => {
  const name = (layer: ReturnType<typeof layerOf>) => (typeof layer === 'number' ? LAYERS[layer]!.name : String(layer));
  return `${from} (${name(layerOf(from))}) → ${to} (${name(layerOf(to))})`;
};

describe('layers of src/', () => {
  const all = arrows();

  it('reads the imports of every file, type-only, multi-line and dynamic ones included', () => {
    expect(
      importSpecifiers(
        "import type { A } from '../a.js';\nimport {\n  b,\n  c,\n} from './b.js';\nexport { d } from '../../d.js';\nimport 'node:fs';\nconst e = await import('./e.js');",
      ),
    ).toEqual(['../a.js', './b.js', '../../d.js', './e.js']);
    // A check that saw no arrows would pass on any tree.
    expect(all.length).toBeGreaterThan(300);
  });

  it('places every file in a layer', () => {
    const unplaced = [...new Set(all.flatMap(({ from, to }) => [from, to]))].filter((file) => layerOf(file) === undefined);
    expect(unplaced).toEqual([]);
  });

  it('has no import from a lower layer to a higher one', () => {
    const upward = all.filter((arrow) => {
      const from = layerOf(arrow.from);
      const to = layerOf(arrow.to);
      if (from === 'sandbox' || to === 'sandbox' || from === undefined || to === undefined) return false;
      return to > from && !EXCEPTIONS.some((e) => e.from === arrow.from && e.to === arrow.to);
    });
    expect(upward.map(describeArrow)).toEqual([]);
  });

  it('keeps the sandbox out of product code', () => {
    const intoSandbox = all.filter(({ from, to }) => layerOf(to) === 'sandbox' && layerOf(from) !== 'sandbox');
    expect(intoSandbox.map(describeArrow)).toEqual([]);
  });

  it('lists no exception that no longer happens', () => {
    const stale = EXCEPTIONS.filter((e) => !all.some((arrow) => arrow.from === e.from && arrow.to === e.to));
    expect(stale).toEqual([]);
  });
});
