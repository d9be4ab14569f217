// Command-line options shared by the two runners of the extension-host suite (run.mjs on
// code-server, run-electron.mjs on @vscode/test-electron): one suite, two runners.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const smoke = join(root, 'test', 'integration', 'smoke-extension');

export const USAGE = `usage: node test/integration/<run.mjs|run-electron.mjs> [options]
  --extension DIR    extension to load from source (default: the repository root)
  --suite FILE       compiled suite entry exporting run() (default: dist/test/integration/index.js)
  --workspace DIR    folder to open (default: test/fixtures, the demo workspace)
  --timeout SECONDS  hard limit for the whole run (default: 300)
  --grep REGEXP      only tests whose full title matches (IOLENS_TEST_GREP in the extension host)
  --env NAME=VALUE   extra environment for the extension host (repeatable)
  --smoke            the infrastructure's self-test: test/integration/smoke-extension/`;

/**
 * Parses and checks the runner's options; exits with a usage line on a mistake.
 * @param {string[]} argv
 * @returns {{ extension: string, suite: string, workspace: string | undefined, timeoutMs: number, env: Record<string, string> }}
 */
export function parseOptions(argv) {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        extension: { type: 'string' }, suite: { type: 'string' }, workspace: { type: 'string' }, timeout: { type: 'string' },
        grep: { type: 'string' }, env: { type: 'string', multiple: true }, smoke: { type: 'boolean' }, help: { type: 'boolean' },
      },
    }).values;
  } catch (e) {
    fail(e.message);
  }
  if (v.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const extension = resolve(v.extension ?? (v.smoke ? smoke : root));
  const suite = resolve(v.suite ?? (v.smoke ? join(smoke, 'suite', 'index.js') : join(root, 'dist', 'test', 'integration', 'index.js')));
  // the suite runs on the demo workspace, as `npm start` does: traces recorded elsewhere find their
  // sources there by path ending
  const workspace = v.workspace ?? (v.smoke ? join(smoke, 'workspace') : join(root, 'test', 'fixtures'));
  const env = {};
  for (const kv of v.env ?? []) {
    const at = kv.indexOf('=');
    if (at < 1) fail(`--env wants NAME=VALUE, got ${kv}`);
    env[kv.slice(0, at)] = kv.slice(at + 1);
  }
  if (v.grep) env.IOLENS_TEST_GREP = v.grep;
  if (!existsSync(join(extension, 'package.json'))) fail(`no extension manifest: ${join(extension, 'package.json')}`);
  if (!existsSync(suite)) fail(`no compiled suite entry: ${suite} (build it first: see test/integration/README.md)`);
  if (workspace && !existsSync(workspace)) fail(`no workspace folder: ${workspace}`);
  const seconds = Number(v.timeout ?? 300);
  if (!(seconds > 0)) fail(`--timeout wants seconds, got ${v.timeout}`);
  return { extension, suite, workspace: workspace && resolve(workspace), timeoutMs: seconds * 1000, env };
}

function fail(msg) {
  process.stderr.write(`${msg}\n${USAGE}\n`);
  process.exit(2);
}
