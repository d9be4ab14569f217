/**
 * The iolens installation folder (the one holding package.json), wherever this code runs from:
 * the bundles in dist/, or the sources under extension/src when tests run them directly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;
let version: string | undefined;

/** Absolute path of the folder with iolens's package.json. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'iolens') {
          cached = dir;
          return dir;
        }
      } catch {
        /* not ours: keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the iolens installation above ${__dirname}`);
    dir = up;
  }
}

/** iolens's version, from its package.json (the one place it is written). */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
