// One build script for every bundle: the CLI (dist/cli.js), the extension host part
// (dist/extension.js) and the webview (dist/webview/), each from its own entry point.
//   node esbuild.mjs            build once
//   node esbuild.mjs --watch    rebuild on change
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

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
    ...common,
    entryPoints: ['webview/src/main.ts'],
    outfile: 'dist/webview/main.js',
    platform: 'browser',
    format: 'iife',
    loader: { '.ttf': 'file', '.css': 'css' },
  },
].filter((b) => existsSync(b.entryPoints[0]));

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
