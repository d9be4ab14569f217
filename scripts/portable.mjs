#!/usr/bin/env node
// Binaries that run wherever VS Code does (glibc >= 2.28: RHEL 8, Debian 10, Ubuntu 18.04 and
// newer), built on Debian 12 (glibc 2.36) offline. Node's standard library only.
//
//   node scripts/portable.mjs elfutils        build (once per machine) elfutils' libdw and libelf
//                                             with -fPIC from Debian's source package; prints the folder
//   node scripts/portable.mjs check FILE...   fail when a binary needs more than PORTABLE allows
//
// The symbolizer addon links that libdw and libelf statically (native/binding.gyp with
// IOLENS_ELFUTILS_DIR): Debian's own libdw.a cannot go into a shared object (its thread-local
// variables use the local-exec model of executables), and Debian's libdw.so.1 needs glibc 2.34.
// References to glibc symbols newer than 2.28 are pinned to their older versions by
// native/portable/glibc_compat.c; `check` is what proves it (the static test layer runs it).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLock } from './lock.mjs';

/** What a binary in the VSIX may need from the system it runs on. */
export const PORTABLE = {
  /** VS Code's own floor (since 1.86): RHEL 8 and Debian 10 have 2.28. */
  glibc: '2.28',
  /** Shared libraries every glibc system has (libstdc++ is linked in: its version varies). */
  libraries: ['libc.so.6', 'libm.so.6', 'libpthread.so.0', 'libdl.so.2', 'librt.so.1', 'libgcc_s.so.1', 'ld-linux-x86-64.so.2'],
  /** libgcc_s's symbol versions up to GCC 8 (RHEL 8's). */
  gcc: '8.0.0',
};

const log = (msg) => process.stderr.write(`portable: ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with status ${r.status}${r.stderr ? `:\n${r.stderr.slice(-2000)}` : ''}`);
  return r.stdout ?? '';
}

/** Compare dotted versions: negative when a < b. */
export function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/**
 * What a binary needs from the system, from `objdump -p -T` (no execution, works on any ELF):
 * its interpreter and shared libraries, and the versioned symbols it imports.
 * @param {string} file
 * @returns {{ dynamic: boolean, needed: string[], symbols: { name: string, version: string }[] }}
 */
export function requirements(file) {
  const headers = run('objdump', ['-p', file]);
  const needed = [...headers.matchAll(/^\s+NEEDED\s+(\S+)/gm)].map((m) => m[1]);
  const dynamic = /^\s*INTERP\s/m.test(headers) || /^Dynamic Section:/m.test(headers);
  const symbols = [];
  if (dynamic) {
    // undefined symbols: "0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.34) pthread_once"
    for (const line of run('objdump', ['-T', file]).split('\n')) {
      const m = /\*UND\*\s+\S+\s+\(?([A-Z_]+[0-9][0-9.]*)\)?\s+(\S+)$/.exec(line.trim());
      if (m) symbols.push({ version: m[1], name: m[2] });
    }
  }
  return { dynamic, needed, symbols };
}

/**
 * What stops `file` from running on a system with PORTABLE's glibc: one sentence per problem.
 * @param {string} file
 * @returns {string[]}
 */
export function portabilityProblems(file) {
  const { dynamic, needed, symbols } = requirements(file);
  if (!dynamic) return [];
  const problems = [];
  for (const lib of needed) {
    if (!PORTABLE.libraries.includes(lib)) problems.push(`needs ${lib}, which a system without build tools may lack (link it in)`);
  }
  const byVersion = new Map();
  for (const s of symbols) {
    const [, family, version] = /^([A-Z]+)_(.*)$/.exec(s.version) ?? [];
    const tooNew =
      (family === 'GLIBC' && compareVersions(version, PORTABLE.glibc) > 0) ||
      (family === 'GCC' && compareVersions(version, PORTABLE.gcc) > 0) ||
      family === 'GLIBCXX' ||
      family === 'CXXABI';
    if (tooNew) byVersion.set(s.version, [...(byVersion.get(s.version) ?? []), s.name]);
  }
  for (const [version, names] of [...byVersion].sort(([a], [b]) => compareVersions(a.replace(/^\D+/, ''), b.replace(/^\D+/, '')))) {
    const why = /^GLIBC_/.test(version) ? `newer than glibc ${PORTABLE.glibc}` : 'from the system libstdc++, whose version varies (link it in)';
    problems.push(`${version} (${why}): ${names.sort().join(', ')}`);
  }
  return problems;
}

/** Check each file; print what each needs; exit 1 when one is not portable. */
function checkCommand(files) {
  if (!files.length) throw new Error('usage: node scripts/portable.mjs check FILE...');
  let bad = 0;
  for (const file of files) {
    const problems = portabilityProblems(file);
    const { dynamic, needed, symbols } = requirements(file);
    const newest = symbols.filter((s) => s.version.startsWith('GLIBC_')).map((s) => s.version.slice(6)).sort(compareVersions).pop();
    if (problems.length) {
      bad++;
      process.stderr.write(`portable: ${file} would not load on glibc ${PORTABLE.glibc}:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    } else {
      process.stderr.write(`portable: ${file}: ${dynamic ? `needs ${needed.join(', ')}; newest glibc symbol ${newest ?? 'none'}` : 'static, needs no shared library'} — ok\n`);
    }
  }
  if (bad) process.exit(1);
}

// ---- elfutils from Debian's source package, position-independent ----

/** Debian's libdw-dev version: the same source, so the headers the addon compiles with match. */
function elfutilsVersion() {
  return run('dpkg-query', ['-W', '-f=${Version}', 'libdw-dev']).trim();
}

/** A machine-wide cache (every checkout on this machine shares one build: it takes minutes). */
export function elfutilsDir(version = elfutilsVersion()) {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'iolens', `elfutils-${version}-pic-2`);
}

/** apt sources for Debian's source packages: the machine's own mirrors, with Types: deb-src. */
function sourceList(dir) {
  const lines = [];
  const d822 = '/etc/apt/sources.list.d';
  for (const f of existsSync(d822) ? readdirSync(d822) : []) {
    if (f.endsWith('.sources')) lines.push(readFileSync(join(d822, f), 'utf8').replace(/^Types:.*$/gm, 'Types: deb-src'));
  }
  const file = join(dir, 'deb-src.sources');
  writeFileSync(file, lines.join('\n\n'));
  const classic = '/etc/apt/sources.list';
  const list = join(dir, 'deb-src.list');
  writeFileSync(list, existsSync(classic) ? readFileSync(classic, 'utf8').split('\n').filter((l) => /^deb\s/.test(l)).map((l) => l.replace(/^deb\s/, 'deb-src ')).join('\n') + '\n' : '');
  return { parts: dir, lists: join(dir, 'lists') };
}

function buildElfutils(out, version) {
  const tmp = mkdtempSync(join(tmpdir(), 'iolens-elfutils-'));
  try {
    const { parts, lists } = sourceList(tmp);
    mkdirSync(join(lists, 'partial'), { recursive: true });
    const apt = ['-q', '-o', `Dir::Etc::SourceList=/dev/null`, '-o', `Dir::Etc::SourceParts=${parts}`, '-o', `Dir::State::Lists=${lists}`];
    log(`fetching Debian's elfutils ${version} source`);
    run('apt-get', [...apt, 'update'], { cwd: tmp });
    run('apt-get', [...apt, 'source', '--download-only', `elfutils=${version}`], { cwd: tmp });
    const dsc = readdirSync(tmp).find((f) => f.endsWith('.dsc'));
    if (!dsc) throw new Error(`apt-get source gave no .dsc for elfutils ${version}`);
    run('dpkg-source', ['-x', dsc, 'src'], { cwd: tmp });
    const build = join(tmp, 'build');
    mkdirSync(build);
    log('configuring elfutils (position-independent, no debuginfod, no NLS)');
    const cflags = '-O2 -g -fPIC -fno-semantic-interposition';
    run(join(tmp, 'src', 'configure'), ['--disable-debuginfod', '--disable-libdebuginfod', '--disable-nls', '--without-zstd', '--without-bzlib', `CFLAGS=${cflags}`], { cwd: build });
    const jobs = String(Math.min(2, Math.max(1, (spawnSync('nproc', { encoding: 'utf8' }).stdout | 0) || 1)));
    for (const dir of ['lib', 'libelf', 'libebl', 'libdwelf', 'libdwfl', 'libcpu', 'backends', 'libdw']) {
      log(`building elfutils/${dir}`);
      run('make', ['-s', '-j', jobs, '-C', dir], { cwd: build });
    }
    const stage = `${out}.tmp-${process.pid}`;
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(join(stage, 'lib'), { recursive: true });
    mkdirSync(join(stage, 'include', 'elfutils'), { recursive: true });
    // libdw.a holds libdw, libdwfl, libdwelf, libebl, the backends and libcpu
    copyFileSync(join(build, 'libdw', 'libdw.a'), join(stage, 'lib', 'libdw.a'));
    copyFileSync(join(build, 'libelf', 'libelf.a'), join(stage, 'lib', 'libelf.a'));
    const src = join(tmp, 'src');
    for (const h of ['libelf/libelf.h', 'libelf/gelf.h', 'libelf/nlist.h', 'libdw/dwarf.h']) copyFileSync(join(src, h), join(stage, 'include', basename(h)));
    for (const h of ['libdw/libdw.h', 'libdw/known-dwarf.h', 'libdwfl/libdwfl.h', 'libdwelf/libdwelf.h', 'libelf/elf-knowledge.h']) {
      copyFileSync(join(src, h), join(stage, 'include', 'elfutils', basename(h)));
    }
    copyFileSync(join(src, 'debian', 'copyright'), join(stage, 'copyright'));
    writeFileSync(join(stage, 'SOURCE'), `Debian source package elfutils ${version}, configured with CFLAGS='${cflags}' --disable-debuginfod --disable-libdebuginfod --disable-nls --without-zstd --without-bzlib\n`);
    rmSync(out, { recursive: true, force: true });
    run('mv', [stage, out]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * elfutils' libdw.a and libelf.a built with -fPIC, and their headers: the folder, built once per
 * machine (about 5 minutes on 2 cores) from Debian's source package of the installed libdw-dev.
 * @returns {string}
 */
export function ensureElfutils() {
  const version = elfutilsVersion();
  const out = elfutilsDir(version);
  const done = () => existsSync(join(out, 'lib', 'libdw.a')) && existsSync(join(out, 'SOURCE'));
  if (done()) return out;
  mkdirSync(dirname(out), { recursive: true });
  withLock(`${out}.lock`, () => log('waiting for another process that builds elfutils'), () => {
    if (!done()) buildElfutils(out, version);
  });
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, ...rest] = process.argv.slice(2);
  try {
    if (cmd === 'elfutils') process.stdout.write(`${ensureElfutils()}\n`);
    else if (cmd === 'check') checkCommand(rest);
    else throw new Error('usage: node scripts/portable.mjs elfutils | check FILE...');
  } catch (e) {
    log(e.message);
    process.exit(1);
  }
}
