#!/usr/bin/env node
// Sets up a fresh clone: Debian packages (installed when root, else the exact apt-get line is
// printed), npm packages, then builds the tracer, the native addon, the bundles and the fixtures.
// Only Node's standard library is used here: this runs before `npm ci`.
//
//   node scripts/setup.mjs [--for start|test] [--no-deps] [--quiet] [--native-werror]
// `--for test` also installs code-server (a real VS Code, scripts/codeserver.mjs) into .tools/.
// `--native-werror` only rebuilds the symbolizer addon with warnings as errors (the static layer).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages by purpose. */
export const PACKAGES = {
  build: [
    'make', 'gcc', 'g++', 'pkg-config', 'python3', 'clang-14', 'llvm-14', 'bpftool', 'libbpf-dev', 'libelf-dev',
    'zlib1g-dev', 'libdw-dev', 'elfutils', 'libc6-dbg', 'liburing-dev', 'libaio-dev', 'binutils',
    // the symbolizer addon demangles Rust's names (legacy and v0) with libiberty's demangler
    'libiberty-dev',
    // the portable symbolizer addon links elfutils built from Debian's source package with -fPIC
    // (scripts/portable.mjs): unpacking it, and what its build needs beyond the above
    'dpkg-dev', 'm4', 'flex', 'bison', 'liblzma-dev',
  ],
  // the benchmarks compare with these; the tests use strace as an independent witness (and as
  // "another tracer" in the attach-refusal tests), setcap for the privileged-tracer tests, fio
  // (a real storage engine) for the request-engine depth figures and bench/output.ts; busybox
  // (static) is the shell of the container the container test makes (test/tracer/container.test.ts);
  // and real programs nobody here wrote, whose diagnosis docs/real-programs.md records and
  // test/tracer/realPrograms.test.ts checks: fio, nginx under wrk, redis under redis-benchmark;
  // Go builds the Go fixture (test/fixtures/src/go) and its `go tool addr2line` is the witness of
  // the .gopclntab reader (test/tracer/goStacks.test.ts); debuginfod serves a stripped
  // fixture's debug file to iolens' debuginfod client (test/tracer/debuginfod.test.ts); rsync, wget and curl
  // (clients and pipeline stages that poll their connections while they write files: no event loop);
  // gunicorn (pre-forked sync workers that accept until EAGAIN and block on their client: no herd)
  test: ['strace', 'linux-perf', 'bpftrace', 'libcap2-bin', 'fio', 'busybox-static', 'nginx', 'wrk', 'redis-server', 'redis-tools', 'golang-go', 'openjdk-17-jdk-headless', 'debuginfod', 'lighttpd', 'rsync', 'wget', 'curl', 'gunicorn'],
  // a real VS Code in a real browser for the extension and end-to-end tests (scripts/codeserver.mjs):
  // code-server's kerberos module builds from source, its search uses ripgrep, Playwright drives chromium
  editor: ['chromium', 'libkrb5-dev', 'ripgrep'],
  // a QEMU guest with a real UIO device (test/uio/guest.mjs): the emulator, the guest's shell, and xz
  // for Debian's guest kernel (fetched with apt-get download, never installed)
  uio: ['qemu-system-x86', 'busybox-static', 'xz-utils'],
  // the installed-VSIX test (test/package/): a Debian system without build tools, made by debootstrap
  package: ['debootstrap'],
};

function log(msg) {
  if (!process.argv.includes('--quiet')) process.stderr.write(`setup: ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with status ${r.status}`);
}

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** Install what is missing (as root), or say exactly what to run. */
export function ensurePackages(purposes) {
  if (!existsSync('/usr/bin/dpkg-query')) {
    log('not a Debian system: install the equivalents of ' + purposes.flatMap((p) => PACKAGES[p]).join(' '));
    return;
  }
  const wanted = [...new Set(purposes.flatMap((p) => PACKAGES[p]))];
  const missing = wanted.filter((p) => !installed(p));
  if (!missing.length) return;
  const line = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    process.stderr.write(`setup: these Debian packages are missing. Install them, then run this again:\n  sudo ${line}\n`);
    process.exit(1);
  }
  log(`installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lists = '/var/lib/apt/lists';
  const stale = !existsSync(lists) || readdirSync(lists).filter((f) => f.endsWith('_Packages')).length === 0;
  if (stale) run('apt-get', ['update', '-q'], { env });
  const first = spawnSync('apt-get', line.split(' ').slice(1), { stdio: 'inherit', env });
  if (first.status !== 0) {
    run('apt-get', ['update', '-q'], { env });
    run('apt-get', line.split(' ').slice(1), { env });
  }
}

function newest(paths) {
  let t = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const f of readdirSync(p)) visit(join(p, f));
    else t = Math.max(t, st.mtimeMs);
  };
  for (const p of paths) visit(join(root, p));
  return t;
}

function outdated(target, sources) {
  const t = join(root, target);
  return !existsSync(t) || statSync(t).mtimeMs < newest(sources);
}

/** npm packages from the lockfile, when node_modules is missing or older than the lockfile. */
export function ensureNpm() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs) return;
  log('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/**
 * node-gyp builds against the Node headers npm is configured with (`nodedir`, offline machines
 * point it at the system's): npm passes that to its scripts, so read it when run without npm.
 */
function nodeGypEnv() {
  if (process.env.npm_config_nodedir) return process.env;
  const r = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' });
  const dir = r.status === 0 ? r.stdout.trim() : '';
  return dir && dir !== 'undefined' && dir !== 'null' ? { ...process.env, npm_config_nodedir: dir } : process.env;
}

/** What build() can make; each part only when out of date. */
export const PARTS = ['tracer', 'native', 'bundles', 'fixtures'];

/**
 * The symbolizer addon, portable (scripts/portable.mjs: elfutils linked in, glibc <= 2.28).
 * `werror`: warnings are errors (the static test layer), which rebuilds it.
 */
export async function buildNative({ werror = false, force = false } = {}) {
  if (!force && !werror && !outdated('native/build/Release/iolens_symbols.node', ['native/src', 'native/portable', 'native/binding.gyp'])) return;
  const { ensureElfutils } = await import('./portable.mjs');
  const env = { ...nodeGypEnv(), IOLENS_ELFUTILS_DIR: ensureElfutils() };
  if (werror) Object.assign(env, { CFLAGS: '-Werror', CXXFLAGS: '-Werror' });
  log(`building the native symbolizer${werror ? ' (warnings as errors)' : ''}`);
  run(join(root, 'node_modules', '.bin', 'node-gyp'), ['rebuild', '--directory', 'native', '--loglevel', 'warn'], { env });
}

/** Build what is out of date: every part, or those named. */
export async function build(parts = PARTS) {
  if (parts.includes('tracer')) {
    log('building the tracer');
    run('make', ['-s', '-C', 'tracer']);
  }
  if (parts.includes('native')) await buildNative();
  if (parts.includes('bundles')) {
    log('bundling');
    run(process.execPath, ['esbuild.mjs']);
  }
  if (parts.includes('fixtures')) {
    log('building the test fixtures');
    run('make', ['-s', '-C', 'test/fixtures']);
  }
}

async function main() {
  const purpose = process.argv.includes('--for') ? process.argv[process.argv.indexOf('--for') + 1] : 'start';
  if (!process.argv.includes('--no-deps')) {
    ensurePackages(purpose === 'test' ? ['build', 'test', 'editor', 'uio', 'package'] : ['build']);
    ensureNpm();
    // code-server lives in .tools/code-server/, outside the project's lockfile
    if (purpose === 'test') (await import('./codeserver.mjs')).ensureCodeServer();
  }
  if (process.argv.includes('--native-werror')) await buildNative({ werror: true });
  else await build();
}

// (no top-level await: tests written in TypeScript load these scripts through require())
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    process.stderr.write(`setup: ${e.message}\n`);
    process.exit(1);
  });
}

