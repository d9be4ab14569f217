/**
 * The `iolens` command from an installed extension: a symlink in the user's bin folder
 * (~/.local/bin, as other tools' "install the command" do) to the extension's launcher `bin/iolens`,
 * which runs `dist/cli.js` on the Node.js recorded in `bin/node-runtime`. Extension updates land in
 * a new folder: `refreshCliLink` re-points a link left on an older copy.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';

/** Where the link goes and what it points at. */
export interface CliLinkOptions {
  /** The extension's (or checkout's) root: the folder with package.json, bin/iolens and dist/cli.js. */
  readonly root: string;
  /** The user's bin folder, e.g. ~/.local/bin. */
  readonly binDir: string;
  /** The PATH the user's shells see (to say whether binDir is on it). */
  readonly path: string;
}

/** What installCliLink did. */
export interface CliLinkResult {
  readonly link: string;
  readonly target: string;
  /** What was there before and was replaced (a link to an older copy), if anything. */
  readonly replaced: string | null;
  readonly onPath: boolean;
}

/** The user refused, or something not ours is in the way. */
export class CliLinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliLinkError';
  }
}

/** The launcher inside an installation. */
export function launcherPath(root: string): string {
  return join(root, 'bin', 'iolens');
}

/** An installed copy of this extension: `publisher.name-version[-platform]` in an extensions folder. */
const EXTENSION_FOLDER = /(^|\/)iolens\.iolens-\d[^/]*$/;

/** Whether `target` is the launcher of an installed copy of the extension (present or removed by an update). */
function isExtensionLauncher(target: string): boolean {
  return basename(target) === 'iolens' && basename(dirname(target)) === 'bin' && EXTENSION_FOLDER.test(dirname(dirname(target)));
}

/** Whether `target` is some iolens installation's launcher: an installed extension or a checkout. */
function isIolensLauncher(target: string): boolean {
  if (isExtensionLauncher(target)) return true;
  if (basename(target) !== 'iolens' || basename(dirname(target)) !== 'bin') return false;
  try {
    return (JSON.parse(readFileSync(join(dirname(dirname(target)), 'package.json'), 'utf8')) as { name?: string }).name === 'iolens';
  } catch {
    return false;
  }
}

/** What is at `link` now: nothing, a link (and where to), or something else. */
function existing(link: string): { kind: 'none' } | { kind: 'link'; target: string } | { kind: 'other' } {
  try {
    const st = lstatSync(link);
    if (!st.isSymbolicLink()) return { kind: 'other' };
    return { kind: 'link', target: resolve(dirname(link), readlinkSync(link)) };
  } catch {
    return { kind: 'none' };
  }
}

/** Replace (or create) `link` atomically, pointing at `target`. */
function placeLink(link: string, target: string): void {
  const tmp = `${link}.iolens-${process.pid}`;
  try {
    unlinkSync(tmp);
  } catch {
    /* none */
  }
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}

/**
 * Link `binDir/iolens` to this installation's launcher. An existing link to any iolens launcher is
 * replaced; anything else there (another program called iolens) is left alone unless `force`.
 */
export function installCliLink(o: CliLinkOptions, force = false): CliLinkResult {
  const target = launcherPath(o.root);
  if (!existsSync(target)) throw new CliLinkError(`${target} is missing: this installation has no launcher`);
  if (!existsSync(join(o.root, 'dist', 'cli.js'))) throw new CliLinkError(`${join(o.root, 'dist', 'cli.js')} is missing: build it with \`npm run build\``);
  mkdirSync(o.binDir, { recursive: true });
  const link = join(o.binDir, 'iolens');
  const now = existing(link);
  let replaced: string | null = null;
  if (now.kind === 'link' && now.target !== target) {
    if (!isIolensLauncher(now.target) && !force) throw new CliLinkError(`${link} already points to ${now.target}, which is not I/O Lens`);
    replaced = now.target;
  } else if (now.kind === 'other') {
    if (!force) throw new CliLinkError(`${link} already exists and is not a link to I/O Lens`);
    replaced = link;
  }
  placeLink(link, target);
  return { link, target, replaced, onPath: isOnPath(o.binDir, o.path) };
}

/**
 * At activation of an installed copy: a link left on another installed copy (an update moved the
 * extension to a new folder and removed the old one) is re-pointed here. Returns the old target
 * when it did so, else null. A link to a checkout (a developer's), to something else, or no link
 * is left as it is.
 */
export function refreshCliLink(o: CliLinkOptions): string | null {
  const link = join(o.binDir, 'iolens');
  const now = existing(link);
  const target = launcherPath(o.root);
  if (!EXTENSION_FOLDER.test(o.root) || now.kind !== 'link' || now.target === target || !isExtensionLauncher(now.target) || !existsSync(target)) return null;
  placeLink(link, target);
  return now.target;
}

/** Record the Node.js the launcher should use (the one running this code), when it changed. */
export function recordRuntime(root: string, execPath: string): boolean {
  const file = join(root, 'bin', 'node-runtime');
  try {
    if (readFileSync(file, 'utf8').trim() === execPath) return false;
  } catch {
    /* not yet */
  }
  writeFileSync(file, `${execPath}\n`);
  return true;
}

/** Whether `dir` is one of PATH's entries. */
export function isOnPath(dir: string, path: string): boolean {
  const want = resolve(dir);
  return path.split(delimiter).some((p) => p && resolve(p) === want);
}
