#!/usr/bin/env node
// A Debian system without build tools, for testing the installed VSIX where a user installs it:
// `debootstrap --variant=minbase` from the machine's own Debian mirror (no compiler, no elfutils,
// no node_modules), cached once per machine, and a way to run programs in a copy of it (a mount
// namespace and chroot with /proc, /sys and /dev, plus read-only binds such as the VS Code server).
// Node's standard library only.
//
//   node scripts/rootfs.mjs ensure           build (once) and print the cached root
//   node scripts/rootfs.mjs check ROOT       fail when ROOT holds a build tool or library
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLock } from './lock.mjs';

/** What must not be in the root: the build dependencies the VSIX claims to do without. */
export const ABSENT = [
  'usr/bin/gcc', 'usr/bin/cc', 'usr/bin/g++', 'usr/bin/clang', 'usr/bin/clang-14', 'usr/bin/make', 'usr/bin/ld',
  'usr/lib/x86_64-linux-gnu/libdw.so.1', 'usr/lib/x86_64-linux-gnu/libelf.so.1', 'usr/lib/x86_64-linux-gnu/libbpf.so.1',
  'usr/include/elfutils', 'usr/lib/node_modules', 'node_modules',
];

/** Bump to rebuild every machine's cached root. */
const FORMAT = 1;

const log = (msg) => process.stderr.write(`rootfs: ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with status ${r.status}:\n${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout ?? '';
}

/** This machine's Debian release and the mirror its apt uses (deb822 or one-line sources). */
export function debianSource() {
  const suite = /^VERSION_CODENAME=(\S+)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
  if (!suite) throw new Error('/etc/os-release names no VERSION_CODENAME: not a Debian system?');
  const d822 = '/etc/apt/sources.list.d';
  for (const f of existsSync(d822) ? readdirSync(d822).filter((n) => n.endsWith('.sources')) : []) {
    for (const stanza of readFileSync(join(d822, f), 'utf8').split(/\n\s*\n/)) {
      const field = (name) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1].trim().split(/\s+/) ?? [];
      if (field('Types').includes('deb') && field('Suites').includes(suite)) return { suite, mirror: field('URIs')[0] };
    }
  }
  const classic = existsSync('/etc/apt/sources.list') ? readFileSync('/etc/apt/sources.list', 'utf8') : '';
  const m = new RegExp(`^deb\\s+(?:\\[[^\\]]*\\]\\s+)?(\\S+)\\s+${suite}\\s`, 'm').exec(classic);
  if (m) return { suite, mirror: m[1] };
  throw new Error(`no apt source for ${suite} found in /etc/apt`);
}

/** Where the root is cached (machine-wide: every checkout shares it). */
export function rootfsDir() {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'iolens', `rootfs-${debianSource().suite}-minbase-${FORMAT}`);
}

/** The build tools and libraries found in root (relative paths), empty when it is clean. */
export function buildToolsIn(root) {
  return ABSENT.filter((p) => existsSync(join(root, p)));
}

/**
 * The cached root: Debian's minbase variant of this machine's release (about 150 MB, a few
 * minutes the first time on a machine). Concurrent callers wait for one build.
 * @returns {string}
 */
export function ensureRootfs() {
  const out = rootfsDir();
  const stamp = join(out, '.iolens-rootfs');
  if (existsSync(stamp)) return out;
  if (process.getuid?.() !== 0) throw new Error('building the test root (debootstrap) needs root');
  mkdirSync(join(out, '..'), { recursive: true });
  withLock(`${out}.lock`, () => log('waiting for another process that builds the test root'), () => {
    if (existsSync(stamp)) return;
    const { suite, mirror } = debianSource();
    const tmp = `${out}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    log(`debootstrap --variant=minbase ${suite} (a Debian system without build tools)`);
    run('debootstrap', ['--variant=minbase', suite, tmp, mirror], { stdio: ['ignore', 'ignore', 'pipe'] });
    rmSync(join(tmp, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
    const found = buildToolsIn(tmp);
    if (found.length) throw new Error(`debootstrap's minbase holds build tools: ${found.join(', ')}`);
    writeFileSync(join(tmp, '.iolens-rootfs'), `Debian ${suite} minbase from ${mirror}, ${new Date().toISOString()}\n`);
    rmSync(out, { recursive: true, force: true });
    run('mv', [tmp, out]);
  });
  return out;
}

/** A fresh writable copy of the cached root at `dest` (the cache stays as debootstrap left it). */
export function copyRootfs(dest) {
  const src = ensureRootfs();
  mkdirSync(dest, { recursive: true });
  run('cp', ['-a', `${src}/.`, dest]);
  return dest;
}

const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * How to run a program in `root`: a private mount namespace with /proc, /sys and /dev bound in,
 * each `binds` entry (host path -> path inside, read-only) mounted, then chroot with only `env`.
 * The namespace and its mounts end with the program.
 * @param {string} root
 * @param {{ binds?: Record<string, string> }} [opts]
 */
export function jail(root, { binds = {} } = {}) {
  const absRoot = resolve(root);
  const mounts = [
    `mount --rbind /proc "$0/proc"`,
    `mount --rbind /sys "$0/sys"`,
    `mount --rbind /dev "$0/dev"`,
    ...Object.entries(binds).flatMap(([host, inside]) => [`mkdir -p "$0"${quote(inside)}`, `mount --bind -o ro ${quote(host)} "$0"${quote(inside)}`]),
  ];
  const script = `set -e; ${mounts.join('; ')}; exec chroot "$0" /usr/bin/env -i "$@"`;
  return {
    root: absRoot,
    /** A host path inside the root as the jailed program sees it. */
    inside(p) {
      const rel = relative(absRoot, resolve(p));
      if (rel.startsWith('..')) throw new Error(`${p} is not inside ${absRoot}`);
      return `/${rel}`;
    },
    /** [command, args] for spawn: run argv (paths as seen inside) with exactly `env`. */
    command(argv, env = {}) {
      const vars = Object.entries({ PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', ...env }).map(([k, v]) => `${k}=${v}`);
      return ['unshare', ['--mount', '--propagation', 'private', '--fork', '/bin/sh', '-c', script, absRoot, ...vars, ...argv]];
    },
    /** Run argv to completion; resolves with its status and output. */
    run(argv, env = {}, timeoutMs = 120_000) {
      const [cmd, args] = this.command(argv, env);
      return new Promise((res, rej) => {
        const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
          rej(new Error(`${argv.join(' ')} (in ${absRoot}) timed out after ${timeoutMs} ms:\n${stderr}`));
        }, timeoutMs);
        child.once('error', rej);
        child.once('close', (code) => {
          clearTimeout(timer);
          res({ code, stdout, stderr });
        });
      });
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, arg] = process.argv.slice(2);
  try {
    if (cmd === 'ensure') process.stdout.write(`${ensureRootfs()}\n`);
    else if (cmd === 'check') {
      const found = buildToolsIn(arg ?? ensureRootfs());
      if (found.length) throw new Error(`build tools in the root: ${found.join(', ')}`);
      log('no build tool, elfutils library or node_modules in the root');
    } else throw new Error('usage: node scripts/rootfs.mjs ensure | check [ROOT]');
  } catch (e) {
    log(e.message);
    process.exit(1);
  }
}
