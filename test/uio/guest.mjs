#!/usr/bin/env node
// A QEMU guest (software emulation, no KVM) with a real UIO device: QEMU's `edu` PCI device,
// driven by uio_pci_generic or by our edu_irqcontrol module, booting Debian's own kernel (fetched
// with `apt-get download`, never installed on the host) from an initramfs built here. Programs run
// in it as root with real interrupts; their output and the files they leave in /out come back.
//
//   node test/uio/guest.mjs ensure                fetch + unpack the guest kernel (cached in .tools/uio/)
//   node test/uio/guest.mjs run [options] -- CMD [ARGS...]
//       --module uio_pci_generic|edu_irqcontrol|none   the UIO driver (default uio_pci_generic)
//       --timeout S          the command's own timeout inside the guest (default 60)
//       --bin NAME=PATH      put a (static) binary into the guest's /usr/local/bin (repeatable);
//                            test/uio/build/* and tracer/build/iolens-tracer are always added
//       --out DIR            write the files the command left in /out to DIR
//       --quiet              do not echo the guest's console while it runs
//   The command's exit status becomes this script's.
//
// Only Node's standard library (plus Debian's qemu-system-x86, busybox-static, xz-utils; see
// scripts/setup.mjs, group `uio`). API: ensureGuest(), buildWorkloads(), buildModule(),
// runInGuest(). Details: test/uio/README.md.
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PACKAGES, ensurePackages } from '../../scripts/setup.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const UIO_DIR = join(ROOT, 'test', 'uio');
/** Everything downloaded or unpacked lives here (git-ignored through `.tools/`). */
export const CACHE = join(ROOT, '.tools', 'uio');
const STATE_FILE = join(CACHE, 'guest.json');
const STATE_VERSION = 1;
/** The edu device's PCI ids, as uio_pci_generic's new_id wants them. */
const EDU_IDS = '1234 11e8';
/** Markers the guest's /init prints on the console (ttyS0) and the file channel (ttyS1). */
const MARK = '@@iolens-guest:';

const elapsed = (t0) => Math.round(performance.now() - t0);

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const err = typeof r.stderr === 'string' ? r.stderr : r.stderr?.toString() ?? '';
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed with status ${r.status}: ${err.trim().slice(-2000)}`);
  }
  return r.stdout;
}

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** The Debian packages of the `uio` group: installed as root, else an error with the exact line. */
function ensureHostPackages() {
  const missing = PACKAGES.uio.filter((p) => !installed(p));
  if (!missing.length) return;
  if (process.getuid?.() === 0) ensurePackages(['uio']);
  else throw new Error(`missing Debian packages; run: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`);
}

/** `apt-cache depends PKG`: the names of its Depends. */
function aptDepends(pkg) {
  const r = spawnSync('apt-cache', ['depends', pkg], { encoding: 'utf8' });
  return r.status === 0 ? [...r.stdout.matchAll(/^\s+Depends: (\S+)$/gm)].map((m) => m[1]) : [];
}

/** The kernel image package behind linux-image-amd64 (apt-get update once as root when the lists are empty). */
function imagePackage(log) {
  let dep = aptDepends('linux-image-amd64').find((d) => /^linux-image-\d/.test(d));
  if (!dep && process.getuid?.() === 0) {
    log('apt-get update (no package lists)');
    sh('apt-get', ['update', '-q'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    dep = aptDepends('linux-image-amd64').find((d) => /^linux-image-\d/.test(d));
  }
  if (!dep) throw new Error('`apt-cache depends linux-image-amd64` names no kernel image package (run apt-get update?)');
  return dep;
}

/** `apt-get download` the packages not yet in `dir`; returns { name: .deb path }. */
function download(names, dir, log) {
  mkdirSync(dir, { recursive: true });
  const find = (name) => readdirSync(dir).find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
  const missing = names.filter((n) => !find(n));
  if (missing.length) {
    log(`apt-get download ${missing.join(' ')}`);
    // as root, apt hands the download to the _apt user, who cannot write into our folder
    const asRoot = process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
    sh('apt-get', [...asRoot, '-q', 'download', ...missing], { cwd: dir });
  }
  return Object.fromEntries(names.map((n) => {
    const f = find(n);
    if (!f) throw new Error(`apt-get download ${n}: no .deb appeared in ${dir}`);
    return [n, join(dir, f)];
  }));
}

/** Find `name`, `name.xz` or `name.zst` under `dir` and return it uncompressed. */
function readModule(dir, name) {
  const hits = [];
  const visit = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) visit(join(d, e.name));
      else if ([name, `${name}.xz`, `${name}.zst`].includes(e.name)) hits.push(join(d, e.name));
    }
  };
  visit(dir);
  if (!hits.length) throw new Error(`${name} is not in the kernel package`);
  const f = hits[0];
  if (f.endsWith('.xz')) return spawnSync('xz', ['-dc', f], { maxBuffer: 1 << 28 }).stdout;
  if (f.endsWith('.zst')) return spawnSync('zstd', ['-dc', f], { maxBuffer: 1 << 28 }).stdout;
  return readFileSync(f);
}

/**
 * The uncompressed kernel from a bzImage: the payload is an xz stream (magic FD 37 7A 58 5A 00);
 * decompress the first one (`xz -dc --single-stream`, trailing data ignored) that yields an ELF.
 */
function extractVmlinux(vmlinuz, out) {
  const buf = readFileSync(vmlinuz);
  const magic = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
  for (let off = buf.indexOf(magic); off >= 0; off = buf.indexOf(magic, off + 1)) {
    const r = spawnSync('xz', ['-dc', '--single-stream'], { input: buf.subarray(off), maxBuffer: 1 << 30 });
    if (r.stdout?.length > 4 && r.stdout.subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1'))) {
      writeFileSync(out, r.stdout);
      return off;
    }
  }
  throw new Error(`no xz-compressed ELF kernel found in ${vmlinuz}`);
}

function loadState() {
  try {
    const s = JSON.parse(readFileSync(STATE_FILE, 'utf8'));
    const files = [s.vmlinux, s.config, s.headers, ...Object.values(s.modules)];
    if (s.version === STATE_VERSION && files.every((f) => existsSync(f))) return s;
  } catch {
    // missing or stale: fetch again
  }
  return null;
}

/**
 * Fetch and unpack the guest kernel (idempotent; a few milliseconds once cached). Returns
 * { package, debVersion, release, vmlinux, modules: { uio, uio_pci_generic }, config, btf, headers, timings }.
 * `headers` is the unpacked linux-headers-<release> folder, ready for `make -C <headers> M=…`.
 */
export function ensureGuest({ log = () => {} } = {}) {
  const cached = loadState();
  if (cached) return cached;
  ensureHostPackages();
  const timings = {};
  let t0 = performance.now();
  const image = imagePackage(log);
  const headersPkg = image.replace(/^linux-image-/, 'linux-headers-');
  const headerDeps = aptDepends(headersPkg).filter((d) => /^linux-(headers|kbuild)-/.test(d));
  if (headerDeps.length !== 2) throw new Error(`${headersPkg}: expected a -common and a linux-kbuild dependency, got ${headerDeps.join(' ')}`);
  const debs = download([image, headersPkg, ...headerDeps], join(CACHE, 'debs'), log);
  timings.downloadMs = elapsed(t0);

  t0 = performance.now();
  const release = image.replace(/^linux-image-/, '');
  const debVersion = basename(debs[image]).split('_')[1];
  const dir = join(CACHE, release);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'modules'), { recursive: true });
  const unpacked = join(CACHE, '.image-tmp');
  rmSync(unpacked, { recursive: true, force: true });
  log(`dpkg -x ${basename(debs[image])}`);
  sh('dpkg', ['-x', debs[image], unpacked]);
  const vmlinux = join(dir, 'vmlinux');
  extractVmlinux(join(unpacked, 'boot', `vmlinuz-${release}`), vmlinux);
  const config = join(dir, 'config');
  copyFileSync(join(unpacked, 'boot', `config-${release}`), config);
  const modules = {};
  for (const m of ['uio', 'uio_pci_generic']) {
    modules[m] = join(dir, 'modules', `${m}.ko`);
    writeFileSync(modules[m], readModule(join(unpacked, 'lib', 'modules', release, 'kernel', 'drivers', 'uio'), `${m}.ko`));
  }
  rmSync(unpacked, { recursive: true, force: true });
  timings.imageMs = elapsed(t0);

  // The headers for out-of-tree modules: the three packages unpacked into one folder, with the
  // absolute `include /usr/src/…` of the flavour's Makefile pointed at the unpacked common part.
  t0 = performance.now();
  const hroot = join(dir, 'headers');
  for (const p of [headersPkg, ...headerDeps]) sh('dpkg', ['-x', debs[p], hroot]);
  const headers = join(hroot, 'usr', 'src', `linux-headers-${release}`);
  const mk = join(headers, 'Makefile');
  writeFileSync(mk, readFileSync(mk, 'utf8').replace(/^include \/usr\/src\//m, `include ${join(hroot, 'usr', 'src')}/`));
  timings.headersMs = elapsed(t0);

  const btf = /^CONFIG_DEBUG_INFO_BTF=y$/m.test(readFileSync(config, 'utf8'));
  const state = { version: STATE_VERSION, package: image, debVersion, release, vmlinux, modules, config, btf, headers, timings };
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(`${STATE_FILE}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${STATE_FILE}.tmp`, STATE_FILE);
  return state;
}

function newer(target, sources) {
  if (!existsSync(target)) return false;
  const t = statSync(target).mtimeMs;
  return sources.every((s) => statSync(s).mtimeMs <= t);
}

/** Build the UIO workloads (test/uio/build/, static). */
export function buildWorkloads() {
  sh('make', ['-s', '-C', UIO_DIR]);
  return Object.fromEntries(readdirSync(join(UIO_DIR, 'build'), { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => [e.name, join(UIO_DIR, 'build', e.name)]));
}

/** Build edu_irqcontrol.ko against the guest kernel's headers (in test/uio/build/); returns its path. */
export function buildModule(state = ensureGuest()) {
  const src = join(UIO_DIR, 'edu_irqcontrol');
  const out = join(UIO_DIR, 'build', `edu_irqcontrol-${state.release}`);
  const ko = join(out, 'edu_irqcontrol.ko');
  const sources = ['edu_irqcontrol.c', 'Kbuild'].map((f) => join(src, f));
  if (newer(ko, sources)) return ko;
  mkdirSync(out, { recursive: true });
  for (const f of sources) copyFileSync(f, join(out, basename(f)));
  sh('make', ['-s', '-C', state.headers, `M=${out}`, 'modules']);
  return ko;
}

/** A cpio "newc" archive written directly (no root needed for /dev/console, every file owned by root). */
class Cpio {
  constructor() {
    this.parts = [];
    this.ino = 1;
    this.dirs = new Set();
  }

  add(name, mode, data = Buffer.alloc(0), rdev = [0, 0]) {
    const fields = [this.ino++, mode, 0, 0, mode >> 12 === 0o04 ? 2 : 1, 0, data.length, 0, 0, rdev[0], rdev[1], name.length + 1, 0];
    const head = Buffer.from('070701' + fields.map((v) => v.toString(16).padStart(8, '0')).join('') + name + '\0', 'latin1');
    this.parts.push(head, Buffer.alloc((4 - (head.length % 4)) % 4), data, Buffer.alloc((4 - (data.length % 4)) % 4));
  }

  dir(path) {
    const name = path.replace(/^\/+/, '');
    if (!name || name === '.' || this.dirs.has(name)) return;
    this.dir(dirname(name) === '.' ? '' : dirname(name));
    this.dirs.add(name);
    this.add(name, 0o040755);
  }

  file(path, data, mode = 0o644) {
    const name = path.replace(/^\/+/, '');
    this.dir(dirname(name) === '.' ? '' : dirname(name));
    this.add(name, 0o100000 | mode, Buffer.isBuffer(data) ? data : Buffer.from(data));
  }

  symlink(path, target) {
    const name = path.replace(/^\/+/, '');
    this.dir(dirname(name));
    this.add(name, 0o120777, Buffer.from(target));
  }

  chardev(path, major, minor) {
    const name = path.replace(/^\/+/, '');
    this.dir(dirname(name));
    this.add(name, 0o020600, Buffer.alloc(0), [major, minor]);
  }

  finish() {
    this.add('TRAILER!!!', 0);
    return Buffer.concat(this.parts);
  }
}

/** Single-quote for sh. */
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * The guest's /init (busybox sh, PID 1). Markers go to the console (ttyS0); the files in /out go,
 * gzipped and base64-encoded between markers, to the second serial port (ttyS1), which QEMU writes
 * to a host file: no kernel message can interleave there. About 0.5 MB/s of base64 under TCG.
 */
const INIT = `#!/bin/sh
# /init of the iolens UIO guest, generated by test/uio/guest.mjs
/bin/busybox --install -s
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp
say() { echo "${MARK}$*"; }
fail() { say "setup-failed $*"; poweroff -f; sleep 10; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
. /etc/iolens/guest.conf
btf=no
[ -e /sys/kernel/btf/vmlinux ] && btf=yes
say "kernel release=$(uname -r) btf=$btf"
case "$IOLENS_MODULE" in
uio_pci_generic)
	insmod /lib/modules/uio.ko || fail "insmod uio.ko"
	insmod /lib/modules/uio_pci_generic.ko || fail "insmod uio_pci_generic.ko"
	echo "${EDU_IDS}" > /sys/bus/pci/drivers/uio_pci_generic/new_id || fail "new_id" ;;
edu_irqcontrol)
	insmod /lib/modules/uio.ko || fail "insmod uio.ko"
	insmod /lib/modules/edu_irqcontrol.ko || fail "insmod edu_irqcontrol.ko" ;;
esac
if [ "$IOLENS_MODULE" != none ]; then
	i=0
	while [ ! -c /dev/uio0 ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "no /dev/uio0 after 3 s"
		usleep 10000
	done
	say "device uio0 name=$(cat /sys/class/uio/uio0/name) irq=$(cat /sys/class/uio/uio0/device/irq)"
fi
mkdir -p /out /tmp
say begin
# the command in its own session (its process group is killed on timeout)
setsid /bin/sh /etc/iolens/run.sh </dev/null &
pid=$!
(
	sleep "$IOLENS_TIMEOUT"
	: > /tmp/.iolens-timeout
	kill -TERM -- "-$pid"
	sleep 3
	kill -KILL -- "-$pid"
) 2>/dev/null &
watchdog=$!
wait $pid
rc=$?
kill $watchdog 2>/dev/null
timedout=0
[ -e /tmp/.iolens-timeout ] && timedout=1
say "end exit=$rc timeout=$timedout"
{
	for f in /out/*; do
		[ -f "$f" ] || continue
		echo "${MARK}file $(wc -c < "$f") $(basename "$f")"
		gzip -c "$f" | base64
		echo "${MARK}endfile"
	done
	echo "${MARK}files-done"
} > /dev/ttyS1
say "poweroff"
poweroff -f
`;

/**
 * The initramfs (uncompressed cpio): busybox, the modules, /init, and the caller's binaries in
 * /usr/local/bin (`files` may place others: { '/guest/path': hostPath or Buffer }).
 */
export function buildInitramfs({ state, binaries = {}, files = {}, command, timeoutS, module, env = {} }) {
  const c = new Cpio();
  for (const d of ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/proc', '/sys', '/dev', '/tmp', '/out', '/root', '/etc/iolens', '/lib/modules']) c.dir(d);
  c.chardev('/dev/console', 5, 1);
  c.file('/bin/busybox', readFileSync('/bin/busybox'), 0o755);
  c.symlink('/bin/sh', 'busybox');
  c.file('/init', INIT, 0o755);
  c.file('/lib/modules/uio.ko', readFileSync(state.modules.uio));
  c.file('/lib/modules/uio_pci_generic.ko', readFileSync(state.modules.uio_pci_generic));
  if (module === 'edu_irqcontrol') c.file('/lib/modules/edu_irqcontrol.ko', readFileSync(buildModule(state)));
  for (const [name, host] of Object.entries(binaries)) c.file(`/usr/local/bin/${name}`, readFileSync(host), 0o755);
  for (const [path, data] of Object.entries(files)) c.file(path, Buffer.isBuffer(data) ? data : readFileSync(data), 0o755);
  c.file('/etc/iolens/guest.conf', `IOLENS_MODULE=${q(module)}\nIOLENS_TIMEOUT=${q(timeoutS)}\n`);
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${q(v)}\n`).join('');
  c.file('/etc/iolens/run.sh', `${exports}exec ${command.map(q).join(' ')}\n`);
  return c.finish();
}

/** The files the guest sent on ttyS1: { name: Buffer }. */
function parseFiles(text) {
  const files = {};
  let cur = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    let m;
    if ((m = line.match(/^@@iolens-guest:file (\d+) (.+)$/))) cur = { name: m[2], size: Number(m[1]), b64: [] };
    else if (line === `${MARK}endfile` && cur) {
      const data = gunzipSync(Buffer.from(cur.b64.join(''), 'base64'));
      if (data.length !== cur.size) throw new Error(`guest file ${cur.name}: ${data.length} bytes arrived, ${cur.size} were sent`);
      files[cur.name] = data;
      cur = null;
    } else if (cur) cur.b64.push(line);
  }
  if (!text.includes(`${MARK}files-done`)) throw new Error('the guest did not finish sending its files');
  return files;
}

/**
 * Boot the guest, run `command` (argv) in it and power off. Resolves to
 * { exitCode, timedOut, output, files: { name: Buffer }, kernel: { release, btf }, device, console,
 *   timings: { initramfsMs, bootAndRunMs } }.
 * `output` is what the command printed (stdout and stderr, through the console); `files` are the
 * regular files it left in /out. Rejects when the guest itself fails (no result line: a kernel
 * panic, a setup step, the hard timeout), with the console's tail in the message.
 */
export async function runInGuest({
  binaries = {}, files = {}, command, timeoutS = 60, module = 'uio_pci_generic', env = {}, memoryMB = 512,
  smp = 1, append = '', onConsole = null, log = () => {},
} = {}) {
  if (!Array.isArray(command) || !command.length) throw new Error('runInGuest: command must be a non-empty argv array');
  if (!['uio_pci_generic', 'edu_irqcontrol', 'none'].includes(module)) throw new Error(`runInGuest: unknown module ${module}`);
  const state = ensureGuest({ log });
  let t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'iolens-uio-'));
  try {
    const initrd = join(dir, 'initramfs.cpio');
    writeFileSync(initrd, buildInitramfs({ state, binaries, files, command, timeoutS, module, env }));
    const initramfsMs = elapsed(t0);
    const filesOut = join(dir, 'ttyS1');
    const hardS = Math.ceil(timeoutS + 60); // the command's timeout + boot, module load, file transfer
    const args = [
      '--kill-after=5', String(hardS), 'qemu-system-x86_64',
      '-M', 'q35', '-m', String(memoryMB), '-smp', String(smp), '-nographic', '-no-reboot', '-nic', 'none',
      '-device', 'edu', '-kernel', state.vmlinux, '-initrd', initrd,
      // no_timer_check: under TCG on a loaded host the IO-APIC timer check can miss its ticks and
      // panic ("IO-APIC + timer doesn't work"); cloud images boot with it for the same reason
      '-append', `console=ttyS0 quiet panic=-1 no_timer_check${append ? ` ${append}` : ''}`,
      '-serial', 'mon:stdio', '-serial', `file:${filesOut}`,
    ];
    t0 = performance.now();
    const { code, consoleText } = await new Promise((resolve, reject) => {
      const child = spawn('timeout', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks = [];
      let stderr = '';
      child.stdout.on('data', (d) => {
        chunks.push(d);
        onConsole?.(d);
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (c) => {
        const consoleText = Buffer.concat(chunks).toString('utf8').replace(/\r/g, '');
        resolve({ code: c, consoleText: stderr ? `${consoleText}\n[qemu stderr] ${stderr}` : consoleText });
      });
    });
    const bootAndRunMs = elapsed(t0);
    const tail = () => consoleText.slice(-4000);
    if (code === 124 || code === 137) throw new Error(`the guest did not power off within ${hardS} s (hard timeout); console:\n${tail()}`);
    const setup = consoleText.match(/@@iolens-guest:setup-failed (.*)/);
    if (setup) throw new Error(`guest setup failed: ${setup[1]}; console:\n${tail()}`);
    const begin = consoleText.indexOf(`${MARK}begin\n`);
    const end = consoleText.match(/@@iolens-guest:end exit=(\d+) timeout=(\d)/);
    if (begin < 0 || !end) throw new Error(`the guest stopped without a result (qemu exit ${code}); console:\n${tail()}`);
    const output = consoleText.slice(begin + `${MARK}begin\n`.length, end.index);
    const k = consoleText.match(/@@iolens-guest:kernel release=(\S+) btf=(yes|no)/);
    const dev = consoleText.match(/@@iolens-guest:device uio0 name=(\S+) irq=(\d+)/);
    return {
      exitCode: Number(end[1]),
      timedOut: end[2] === '1',
      output,
      files: parseFiles(existsSync(filesOut) ? readFileSync(filesOut, 'latin1') : ''),
      kernel: { release: k?.[1], btf: k?.[2] === 'yes' },
      device: dev ? { name: dev[1], irq: Number(dev[2]) } : null,
      console: consoleText,
      timings: { initramfsMs, bootAndRunMs },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The binaries the CLI always puts into the guest: the UIO workloads and the tracer (when built). */
function defaultBinaries() {
  const bins = buildWorkloads();
  const tracer = join(ROOT, 'tracer', 'build', 'iolens-tracer');
  if (existsSync(tracer)) bins['iolens-tracer'] = tracer;
  return bins;
}

async function main(argv) {
  const log = (m) => process.stderr.write(`guest: ${m}\n`);
  const [cmd, ...rest] = argv;
  if (cmd === 'ensure') {
    const t0 = performance.now();
    const s = ensureGuest({ log });
    process.stdout.write(`${JSON.stringify({ ...s, ms: elapsed(t0) }, null, 2)}\n`);
    return 0;
  }
  if (cmd === 'run') {
    const sep = rest.indexOf('--');
    if (sep < 0 || sep === rest.length - 1) throw new Error('usage: guest.mjs run [options] -- CMD [ARGS...]');
    const opts = rest.slice(0, sep);
    const command = rest.slice(sep + 1);
    const value = (name) => (opts.includes(name) ? opts[opts.indexOf(name) + 1] : undefined);
    const binaries = defaultBinaries();
    opts.forEach((o, i) => {
      if (o === '--bin') {
        const [name, path] = opts[i + 1].split('=');
        binaries[name] = path;
      }
    });
    const module = value('--module') ?? 'uio_pci_generic';
    const quiet = opts.includes('--quiet');
    const r = await runInGuest({
      binaries, command, module, timeoutS: Number(value('--timeout') ?? 60), log,
      onConsole: quiet ? null : (d) => process.stderr.write(d),
    });
    if (quiet) process.stdout.write(r.output);
    const out = value('--out');
    for (const [name, data] of Object.entries(r.files)) {
      if (out) {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, name), data);
      }
      log(`file ${name}: ${data.length} bytes${out ? ` -> ${join(out, name)}` : ''}`);
    }
    log(`kernel ${r.kernel.release} btf=${r.kernel.btf} device=${r.device ? `${r.device.name} irq ${r.device.irq}` : 'none'} `
      + `exit=${r.exitCode}${r.timedOut ? ' (timed out)' : ''} initramfs ${r.timings.initramfsMs} ms, boot+run ${r.timings.bootAndRunMs} ms`);
    return r.exitCode;
  }
  process.stderr.write('usage: node test/uio/guest.mjs ensure | run [--module M] [--timeout S] [--bin NAME=PATH] [--out DIR] [--quiet] -- CMD [ARGS...]\n');
  return 2;
}

// (no top-level await: the TypeScript tests load this module through require())
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`guest: ${e.message}\n`);
    process.exit(1);
  });
}
