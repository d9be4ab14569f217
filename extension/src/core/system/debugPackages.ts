/**
 * Which Debian package would give a binary its line information: the package that installed the
 * file (dpkg's file lists), and its debug package — `PKG-dbgsym`, the debug package Debian's
 * build tools make for every binary package (from the debian-debug archive), or the `-dbg`
 * package the few that make their own ship instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Packages that ship their own debug package instead of the automatic `-dbgsym` one. */
const OWN_DEBUG_PACKAGE: Readonly<Record<string, string>> = { libc6: 'libc6-dbg' };

/** The debug package of a binary package. */
export function debugPackageOf(pkg: string): string {
  return OWN_DEBUG_PACKAGE[pkg] ?? `${pkg}-dbgsym`;
}

/**
 * The names a file has in dpkg's lists: since /bin, /sbin and /lib became links into /usr
 * (usrmerge), a package lists /lib/x86_64-linux-gnu/libc.so.6 that processes map as
 * /usr/lib/x86_64-linux-gnu/libc.so.6.
 */
function dpkgNames(path: string): string[] {
  const m = /^\/usr(\/(?:bin|sbin|lib\w*)\/.*)$/.exec(path);
  if (m) return [path, m[1]];
  const n = /^(\/(?:bin|sbin|lib\w*)\/.*)$/.exec(path);
  return n ? [path, `/usr${n[1]}`] : [path];
}

/** Where dpkg keeps what it installed (`/var/lib/dpkg/info`; another root for a test). */
export interface DpkgOptions {
  readonly infoDir?: string;
}

/**
 * The installed package that owns each of `paths` (absolute), by dpkg's `*.list` files; a path no
 * package owns (or on a system without dpkg) is left out. Read once per call: meant for the few
 * modules a report names.
 */
export function owningPackages(paths: readonly string[], o: DpkgOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  /** dpkg's name of a file -> the path asked for. */
  const wanted = new Map<string, string>();
  for (const p of paths) for (const n of dpkgNames(p)) wanted.set(n, p);
  if (!wanted.size) return out;
  const dir = o.infoDir ?? '/var/lib/dpkg/info';
  let lists: string[];
  try {
    lists = readdirSync(dir).filter((f) => f.endsWith('.list'));
  } catch {
    return out; // no dpkg here: nothing to say
  }
  for (const list of lists) {
    let text: string;
    try {
      text = readFileSync(join(dir, list), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const asked = wanted.get(line);
      // "libc6:amd64.list" -> libc6
      if (asked !== undefined) out.set(asked, list.slice(0, -'.list'.length).split(':')[0]);
    }
    if (out.size === paths.length) break;
  }
  return out;
}
