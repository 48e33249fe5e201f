/**
 * Files the shop reads at run time (migrations, locales, worker scripts, the
 * sandbox page), named from the package's root. The shop runs either from its
 * TypeScript sources or from one bundled file (`npm run build`), and a path
 * relative to the running module would differ between the two.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'proxy-storefront';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`no ${PACKAGE_NAME} package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package: `fromPackageRoot('migrations')`. */
export const fromPackageRoot = (...segments: string[]): string => join(PACKAGE_ROOT, ...segments);
