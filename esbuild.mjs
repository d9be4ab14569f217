// One build script for every bundle: the CLI (dist/cli.js), the extension host part
// (dist/extension.js) with its trace reader's and writer's workers (dist/readWorker.js, dist/packWorker.js), its paged
// trace's analysis worker (dist/analysisWorker.js) and the webview
// (dist/webview/), each from its own entry point.
//   node esbuild.mjs            build once
//   node esbuild.mjs --watch    rebuild on change
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'es2022' };

const builds = [
  {
    ...common,
    entryPoints: ['extension/src/cli.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
  },
  {
    ...common,
    entryPoints: ['extension/src/vscode/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
  },
  {
    // the trace reader's worker thread (core/trace/readWorker.ts), started by dist/extension.js from beside it
    ...common,
    entryPoints: ['extension/src/core/trace/readWorker.ts'],
    outfile: 'dist/readWorker.js',
    platform: 'node',
    format: 'cjs',
  },
  {
    // the trace writer's worker thread (core/trace/packWorker.ts), started by dist/extension.js from beside it
    ...common,
    entryPoints: ['extension/src/core/trace/packWorker.ts'],
    outfile: 'dist/packWorker.js',
    platform: 'node',
    format: 'cjs',
  },
  {
    // the paged trace's analysis worker thread (core/session/analysisWorker.ts), started by dist/extension.js from beside it
    ...common,
    entryPoints: ['extension/src/core/session/analysisWorker.ts'],
    outfile: 'dist/analysisWorker.js',
    platform: 'node',
    format: 'cjs',
  },
  {
    ...common,
    entryPoints: ['webview/src/main.ts'],
    outfile: 'dist/webview/main.js',
    platform: 'browser',
    format: 'iife',
    loader: { '.ttf': 'file', '.css': 'css' },
  },
  {
    // the extension-host test suite (test/integration/README.md): one file per test file
    ...common,
    entryPoints: readdirSync('test/integration').filter((f) => f.endsWith('.test.ts')).map((f) => `test/integration/${f}`),
    outdir: 'dist/test/integration',
    platform: 'node',
    format: 'cjs',
    external: ['vscode', 'mocha'],
  },
].filter((b) => b.entryPoints.length && existsSync(b.entryPoints[0]));

/** The suite's entry goes beside its compiled tests. */
function copySuiteEntry() {
  mkdirSync('dist/test/integration', { recursive: true });
  copyFileSync('test/integration/index.js', 'dist/test/integration/index.js');
}

// The Perfetto schema the exporter loads at run time (extension/src/core/export/perfettoSchema.ts)
mkdirSync('dist', { recursive: true });
copyFileSync('extension/src/core/export/perfetto.proto', 'dist/perfetto.proto');

// The webview's icon font: the host links dist/webview/codicon.css (which loads codicon.ttf).
if (existsSync('webview/src/main.ts')) {
  mkdirSync('dist/webview', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/${f}`);
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
copySuiteEntry();
