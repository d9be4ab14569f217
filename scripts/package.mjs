#!/usr/bin/env node
// `npm run package`: the platform VSIX (vsix/iolens-VERSION-linux-x64.vsix) with @vscode/vsce —
// the bundles (extension, CLI, webview), the codicons, the static tracer, the portable symbolizer
// addon, the `iolens` launcher, the docs and the licences of what is linked in. Nothing else
// (.vscodeignore; this script checks the list before it packs). It builds what is out of date,
// checks that every binary runs on glibc 2.28 (scripts/portable.mjs), and prints the VSIX's size.
//
//   node scripts/package.mjs [--out FILE]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, ensureNpm, ensurePackages, root } from './setup.mjs';
import { elfutilsDir, portabilityProblems } from './portable.mjs';

/** The only platform the tracer builds for (tracer/Makefile says x86-64). */
export const TARGET = 'linux-x64';

/** The binaries the VSIX ships, relative to the root: each must pass the portability check. */
export const BINARIES = ['tracer/build/iolens-tracer', 'native/build/Release/iolens_symbols.node'];

/** What may be in the VSIX (relative paths); anything else means .vscodeignore let a file through. */
const SHIPPED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE(\.txt)?$/,
  /^THIRD-PARTY-NOTICES\.md$/,
  /^dist\/(cli|extension|readWorker|packWorker|analysisWorker)\.js$/,
  /^dist\/perfetto\.proto$/,
  /^dist\/webview\/(main\.(js|css)|codicon\.(css|ttf))$/,
  /^dist\/licenses\/[\w.+-]+\.copyright$/,
  /^bin\/iolens$/,
  /^tracer\/build\/iolens-tracer$/,
  /^native\/build\/Release\/iolens_symbols\.node$/,
  /^media\/[\w.-]+\.svg$/,
  /^docs\/[\w.-]+\.md$/,
];

/** Files that must be there: the extension cannot work without any of them. */
const REQUIRED = ['package.json', 'dist/extension.js', 'dist/readWorker.js', 'dist/packWorker.js', 'dist/analysisWorker.js', 'dist/cli.js', 'dist/perfetto.proto', 'dist/webview/main.js', 'dist/webview/codicon.ttf', 'bin/iolens', ...BINARIES];

/** Debian packages whose code is linked into the binaries, and where their copyright file is. */
const LINKED_IN = {
  'glibc (libc6)': '/usr/share/doc/libc6/copyright',
  libbpf: '/usr/share/doc/libbpf-dev/copyright',
  'elfutils (libelf, libdw)': null, // from the source package built by scripts/portable.mjs
  zlib: '/usr/share/doc/zlib1g/copyright',
  'xz-utils (liblzma)': '/usr/share/doc/liblzma5/copyright',
  'GCC runtime (libstdc++)': '/usr/share/doc/gcc-12-base/copyright',
  'libiberty (its Rust demangler)': '/usr/share/doc/libiberty-dev/copyright',
};

const log = (msg) => process.stderr.write(`package: ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with status ${r.status}\n${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout ?? '';
}

/** The default output: vsix/iolens-VERSION-linux-x64.vsix. */
export function defaultVsixPath() {
  const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return join(root, 'vsix', `${name}-${version}-${TARGET}.vsix`);
}

/** The copyright files of the code linked into the binaries, into dist/licenses/. */
function copyLicences() {
  const dir = join(root, 'dist', 'licenses');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [what, file] of Object.entries(LINKED_IN)) {
    const src = file ?? join(elfutilsDir(), 'copyright');
    if (!existsSync(src)) throw new Error(`the copyright file of ${what} is missing: ${src}`);
    const name = what.replace(/ \(.*\)$/, '').toLowerCase().replace(/[^a-z0-9+.-]+/g, '-');
    copyFileSync(src, join(dir, `${name}.copyright`));
  }
}

/** The files vsce would pack, checked against SHIPPED and REQUIRED. */
function checkFileList(vsce) {
  const files = run(vsce, ['ls', '--no-dependencies']).split('\n').map((f) => f.trim()).filter(Boolean);
  const stray = files.filter((f) => !SHIPPED.some((re) => re.test(f)));
  if (stray.length) throw new Error(`.vscodeignore lets through files that do not belong in the VSIX:\n  ${stray.join('\n  ')}`);
  const missing = REQUIRED.filter((f) => !files.includes(f));
  if (missing.length) throw new Error(`the VSIX would lack ${missing.join(', ')}`);
  return files;
}

async function main() {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? process.argv[at + 1] : defaultVsixPath();
  ensurePackages(['build']);
  ensureNpm();
  await build(['tracer', 'native', 'bundles']);
  for (const b of BINARIES) {
    const problems = portabilityProblems(join(root, b));
    if (problems.length) throw new Error(`${b} would not run where VS Code runs:\n  ${problems.join('\n  ')}`);
  }
  copyLicences();
  const vsce = join(root, 'node_modules', '.bin', 'vsce');
  const files = checkFileList(vsce);
  mkdirSync(join(out, '..'), { recursive: true });
  rmSync(out, { force: true });
  // no repository is published yet: README's relative links stay relative (they open the files
  // shipped beside it, docs/), instead of being rewritten to a repository's web address
  run(vsce, ['package', '--target', TARGET, '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  const size = statSync(out).size;
  log(`${relative(process.cwd(), out)}: ${(size / 1024 / 1024).toFixed(2)} MiB, ${files.length} files`);
  process.stdout.write(`${out}\n`);
}

if (process.argv[1] && relative(process.argv[1], new URL(import.meta.url).pathname) === '') {
  main().catch((e) => {
    log(e.message);
    process.exit(1);
  });
}
