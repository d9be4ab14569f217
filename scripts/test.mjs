#!/usr/bin/env node
// `npm test`: sets up what the chosen layers need (Debian packages, npm, the parts they build),
// then runs the layers in order and prints a summary. A layer that needs root (real eBPF) is
// skipped with one loud line when not root, except under CI=true, where a skip is a failure.
//
//   node scripts/test.mjs [layer...]     e.g. `node scripts/test.mjs unit tracer`
// One test file: `npx mocha test/tracer/stream.test.ts` (.mocharc.json loads TypeScript).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PARTS, build, ensureNpm, ensurePackages, root } from './setup.mjs';

const bin = (name) => join(root, 'node_modules', '.bin', name);
const mocha = (...specs) => [bin('mocha'), '--require', 'tsx/cjs', '--reporter', 'dot', ...specs];

/** The ordinary user the tracer-user layer runs as (test/tracer/harness.ts creates it too). */
const TEST_USER = 'iolens-test';
const USER_HOME = '/tmp/iolens-test-home';

/** What the layers that run real programs need: every part built, and their Debian packages. */
const EVERYTHING = PARTS;

/**
 * Test layers (TESTING.md): each is a list of commands, with the Debian package groups
 * (setup.mjs PACKAGES) and the built parts (setup.mjs PARTS) it needs.
 */
const LAYERS = [
  {
    name: 'static',
    what: 'type-check, lint, generated protocol up to date, C and C++ with warnings as errors, portable binaries',
    packages: ['build'],
    parts: ['tracer', 'fixtures'],
    steps: [
      [bin('tsc'), '-p', '.', '--noEmit'],
      [bin('tsc'), '-p', 'webview', '--noEmit'],
      [bin('eslint'), '--max-warnings', '0', '.'],
      [process.execPath, 'protocol/generate.mjs', '--check'],
      ['make', '-s', '-C', 'tracer', 'check'],
      [process.execPath, 'scripts/setup.mjs', '--no-deps', '--quiet', '--native-werror'],
      // what ships runs where VS Code does: glibc <= 2.28, no library a bare system lacks
      [process.execPath, 'scripts/portable.mjs', 'check', 'native/build/Release/iolens_symbols.node', 'tracer/build/iolens-tracer'],
      mocha('scripts/portable.test.ts'),
      [process.execPath, 'scripts/docs.mjs', 'check'],
      ['make', '-s', '-C', 'test/fixtures'],
      ['make', '-s', '-C', 'test/uio'],
      ['make', '-s', '-C', 'test/uio', 'marks'],
    ],
  },
  {
    name: 'unit',
    what: 'decoder, assembler, store, formatting, report, webview, scripts',
    packages: [],
    parts: [],
    steps: [mocha('extension/src/**/*.test.ts', 'protocol/**/*.test.ts', 'shared/**/*.test.ts', 'webview/src/**/*.test.ts', 'scripts/docs.test.ts')],
  },
  { name: 'native', what: 'the libdw symbolizer on binaries built by the test', packages: ['build'], parts: ['native'], steps: [mocha('native/test/*.test.ts')] },
  { name: 'fuzz', what: 'a million malformed traces through the decoder and the loader', packages: [], parts: [], steps: [mocha('--timeout', '900000', 'test/fuzz/*.fuzz.ts')] },
  { name: 'tracer', what: 'real tracing of the fixtures, eBPF and ptrace', root: true, packages: ['build', 'test'], parts: EVERYTHING, steps: [mocha('--timeout', '60000', 'test/tracer/*.test.ts')] },
  {
    // the same tests as an ordinary user: ptrace without privileges (the eBPF ones skip themselves)
    name: 'tracer-user',
    what: `the ptrace backend as the unprivileged user ${TEST_USER}`,
    root: true,
    packages: ['build', 'test'],
    parts: EVERYTHING,
    steps: [
      ['sh', '-c', `id -u ${TEST_USER} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin ${TEST_USER}`],
      ['install', '-d', '-o', TEST_USER, '-m', '700', USER_HOME],
      ['runuser', '-u', TEST_USER, '--', 'env', `HOME=${USER_HOME}`, 'IOLENS_TEST_UNPRIVILEGED=1', process.execPath, ...mocha('--timeout', '60000', 'test/tracer/*.test.ts')],
    ],
  },
  { name: 'uio', what: 'UIO interrupts on a real device: QEMU edu bound to uio_pci_generic', packages: ['build', 'uio'], parts: EVERYTHING, steps: [mocha('--timeout', '600000', 'test/uio/*.test.ts')] },
  {
    name: 'extension',
    what: 'the extension inside a real VS Code (code-server; Electron where it can be downloaded)',
    root: true,
    packages: ['build', 'editor'],
    parts: EVERYTHING,
    steps: [
      [process.execPath, 'test/integration/run.mjs', '--smoke'],
      [process.execPath, 'test/integration/run.mjs'],
      [process.execPath, 'test/integration/run-electron.mjs'],
    ],
  },
  { name: 'e2e', what: 'Playwright in Chromium against code-server', root: true, packages: ['build', 'editor'], parts: EVERYTHING, steps: [mocha('--timeout', '300000', 'test/e2e/**/*.e2e.ts')] },
  {
    name: 'package',
    what: 'the VSIX installed into code-server on a Debian system without build tools; containers',
    root: true,
    packages: ['build', 'test', 'editor', 'package'],
    parts: EVERYTHING,
    steps: [
      [process.execPath, 'scripts/package.mjs'],
      mocha('--timeout', '900000', 'test/package/*.test.ts'),
    ],
  },
];

async function main() {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !LAYERS.some((l) => l.name === n));
  if (unknown.length) {
    process.stderr.write(`test: no layer ${unknown.join(', ')}; the layers: ${LAYERS.map((l) => l.name).join(', ')}\n`);
    process.exit(2);
  }
  const chosen = LAYERS.filter((l) => !only.length || only.includes(l.name));
  ensurePackages([...new Set(chosen.flatMap((l) => l.packages))]);
  ensureNpm();
  await build(PARTS.filter((p) => chosen.some((l) => l.parts.includes(p))));
  const isRoot = process.getuid?.() === 0;
  const ci = process.env.CI === 'true';
  const results = [];
  for (const layer of chosen) {
    if (layer.root && !isRoot) {
      const line = `${layer.name}: SKIPPED — needs root for eBPF (${layer.what}); run \`sudo npm test\``;
      process.stderr.write(`\n!!! ${line} !!!\n\n`);
      results.push({ name: layer.name, ok: !ci, note: ci ? 'skipped under CI=true: failure' : 'skipped (not root)' });
      continue;
    }
    process.stderr.write(`\n== ${layer.name}: ${layer.what}\n`);
    const start = Date.now();
    let ok = true;
    let failures = [];
    for (const [cmd, ...args] of layer.steps) {
      const r = await runStep(cmd, args);
      if (r.status !== 0) {
        ok = false;
        failures = r.failures;
        process.stderr.write(`${layer.name}: \`${[cmd, ...args].join(' ')}\` failed (${r.error ?? `status ${r.status}`})\n`);
        break;
      }
    }
    results.push({ name: layer.name, ok, failures, note: `${((Date.now() - start) / 1000).toFixed(1)} s` });
  }
  process.stderr.write('\n== summary\n');
  for (const r of results) {
    process.stderr.write(`  ${r.ok ? 'pass' : 'FAIL'}  ${r.name.padEnd(8)} ${r.note}\n`);
    for (const line of r.failures ?? []) process.stderr.write(`        ${line}\n`);
  }
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}

/** How many lines of a failed step's failure list the summary repeats (CI shows only the log's tail). */
const FAILURE_LINES = 24;

/**
 * Runs one step with its output passed through as it comes, and keeps mocha's list of failures
 * (from "N failing" on): the summary repeats its titles and first error lines, so a log read
 * from its tail still says which test failed and why.
 * @returns {Promise<{status: number | null, error?: string, failures: string[]}>}
 */
function runStep(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'pipe'], cwd: root });
    let tail = '';
    const keep = (chunk) => {
      tail = (tail + chunk.toString('utf8')).slice(-200_000);
    };
    child.stdout.on('data', (c) => { process.stdout.write(c); keep(c); });
    child.stderr.on('data', (c) => { process.stderr.write(c); keep(c); });
    child.on('error', (e) => resolve({ status: null, error: e.message, failures: [] }));
    child.on('close', (status, signal) => resolve({
      status: status ?? 1, error: signal ? `signal ${signal}` : undefined, failures: failureLines(tail),
    }));
  });
}

/** The titles and first error line of each failure in mocha's output ("  1) suite" and on). */
function failureLines(text) {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  const at = plain.search(/^ *\d+ failing/m);
  if (at < 0) return [];
  const lines = plain.slice(at).split('\n');
  const kept = [lines[0].trim()];
  for (let i = 1; i < lines.length && kept.length < FAILURE_LINES; i++) {
    const line = lines[i];
    if (/^ *\d+\) /.test(line)) {
      kept.push(line.trim());
      // The title's continuation lines, then the error's first line.
      let j = i + 1;
      while (j < lines.length && lines[j].trim() && !/^ *(\w*Error|AssertionError|Error)\b/.test(lines[j])) {
        if (/^ *\d+\) /.test(lines[j])) break;
        kept.push(`  ${lines[j].trim()}`);
        j++;
      }
      while (j < lines.length && !lines[j].trim()) j++;
      if (j < lines.length && !/^ *\d+\) /.test(lines[j])) kept.push(`  ${lines[j].trim().slice(0, 800)}`);
      i = j - (j < lines.length && /^ *\d+\) /.test(lines[j]) ? 1 : 0);
    }
  }
  return kept;
}

main().catch((e) => {
  process.stderr.write(`test: ${e.message}\n`);
  process.exit(1);
});
