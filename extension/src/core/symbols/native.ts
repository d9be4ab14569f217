/**
 * Loading the native symbolizer (native/, node-addon-api + libdw). When it cannot load, the error
 * says why and what fixes it: symbolization is the one thing iolens needs a native module for.
 */
import { errorMessage, UserError } from '../errors';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/packageRoot';
import type { IolensSymbols, Symbolizer, SymbolizerOptions } from '../../../../native/index';

export type { CfaRule, DwarfOp, ElfInfo, RegisterRule, ResolvedFrame, UnwindRule } from '../../../../native/index';

/** The native symbolizer's methods (native/index.d.ts owns their types and documentation). */
export type NativeSymbolizer = Pick<Symbolizer, 'inspect' | 'resolve' | 'cfa' | 'unwind' | 'clear'>;

type NativeModule = IolensSymbols;

let loaded: NativeModule | undefined;

/** Path of the built addon. */
export function nativeAddonPath(): string {
  return join(packageRoot(), 'native', 'build', 'Release', 'iolens_symbols.node');
}

/** Load the addon once; throws a UserError ('symbolizer') with the cause and the fix. */
export function loadNative(path = nativeAddonPath()): NativeModule {
  if (loaded && path === nativeAddonPath()) return loaded;
  if (!existsSync(path)) {
    throw new UserError(
      'symbolizer',
      `the symbolizer addon is not built (${path} is missing), so stacks cannot be turned into source lines`,
      'Build it with `npm run build` (it needs libdw-dev, g++ and make).',
    );
  }
  try {
    // A native addon loads only through require(); the computed path keeps the bundler out of it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path) as NativeModule;
    if (path === nativeAddonPath()) loaded = mod;
    return mod;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/libdw\.so|libelf\.so/.test(msg)) {
      throw new UserError('symbolizer', `the symbolizer addon needs elfutils' libraries: ${msg}`, 'Install them with `apt-get install libdw1 libelf1`.');
    }
    if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(msg)) {
      throw new UserError('symbolizer', `the symbolizer addon was built for another Node.js version (${process.version} here; ${msg})`, 'Rebuild it with `npm run build`.');
    }
    throw new UserError('symbolizer', `the symbolizer addon at ${path} failed to load: ${msg}`, 'Rebuild it with `npm run build`.');
  }
}

/**
 * A symbolizer, or the reason there is none. `debugDirs`: where separate debug files are looked
 * for by build-id (default /usr/lib/debug; a container's own first when reading its binaries);
 * `buildIdCaches`: debuginfod client caches (debuginfod.ts).
 */
export function createSymbolizer(options: SymbolizerOptions = {}): { symbolizer: NativeSymbolizer | null; error: string | null } {
  try {
    return { symbolizer: new (loadNative().Symbolizer)(options.debugDirs || options.buildIdCaches ? options : undefined), error: null };
  } catch (e) {
    return { symbolizer: null, error: errorMessage(e) };
  }
}
