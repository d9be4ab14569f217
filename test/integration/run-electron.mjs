#!/usr/bin/env node
// Runs the same extension-host suite as run.mjs, in desktop VS Code through @vscode/test-electron
// (which downloads VS Code into .vscode-test/). Where update.code.visualstudio.com is out of reach
// (these machines, CI) it skips with one line and exits 0: run.mjs on code-server covers the suite.
// IOLENS_VSCODE_EXECUTABLE=/path/to/code uses a local VS Code instead of downloading one.
//
//   node test/integration/run-electron.mjs [same options as run.mjs]
// Exit status: the suite's (0 = all passed or skipped), 1 on failure or timeout, 2 on a usage mistake.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseOptions, root } from './options.mjs';

const UPDATE_SERVER = 'https://update.code.visualstudio.com/api/releases/stable';
const say = (m) => process.stderr.write(`integration (electron): ${m}\n`);

/** Resolves true when the update server answers within `ms`, false otherwise (never hangs). */
function reachable(url, ms = 5000) {
  return new Promise((res) => {
    const req = request(url, { method: 'HEAD', timeout: ms }, (r) => {
      r.resume();
      res((r.statusCode ?? 500) < 500);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => res(false));
    req.end();
  });
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** In the child (its own process group): download if needed, run the suite, exit with its code. */
async function child(opts) {
  const { runTests } = await import('@vscode/test-electron');
  const ws = opts.workspace ?? mkdtempSync(join(tmpdir(), 'iolens-it-workspace-'));
  try {
    const code = await runTests({
      extensionDevelopmentPath: opts.extension,
      extensionTestsPath: opts.suite,
      extensionTestsEnv: opts.env,
      launchArgs: [ws, '--disable-extensions'],
      ...(process.env.IOLENS_VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.IOLENS_VSCODE_EXECUTABLE } : {}),
    });
    process.exitCode = code;
  } catch (e) {
    say(`FAILED: ${e.message}`);
    process.exitCode = 1;
  } finally {
    if (!opts.workspace) rmSync(ws, { recursive: true, force: true });
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const opts = parseOptions(argv);
  if (process.env.IOLENS_ELECTRON_CHILD === '1') return child(opts);
  const local = process.env.IOLENS_VSCODE_EXECUTABLE;
  if (local && !existsSync(local)) {
    say(`IOLENS_VSCODE_EXECUTABLE=${local} does not exist`);
    process.exit(2);
  }
  if (!local && !existsSync(join(root, '.vscode-test')) && !(await reachable(UPDATE_SERVER))) {
    say('SKIPPED — update.code.visualstudio.com is out of reach, so VS Code cannot be downloaded; run.mjs (code-server) runs this suite');
    return;
  }
  const self = fileURLToPath(import.meta.url);
  let cmd = process.execPath;
  let args = [self, ...argv];
  if (process.platform === 'linux' && !process.env.DISPLAY) {
    if (spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status !== 0) {
      say('SKIPPED — no DISPLAY and no xvfb-run for desktop VS Code (apt-get install xvfb)');
      return;
    }
    [cmd, args] = ['xvfb-run', ['-a', process.execPath, ...args]];
  }
  const start = Date.now();
  // its own process group, so a timeout can stop VS Code and everything it started
  const c = spawn(cmd, args, { detached: true, stdio: 'inherit', cwd: root, env: { ...process.env, IOLENS_ELECTRON_CHILD: '1' } });
  const timer = setTimeout(() => {
    say(`TIMEOUT after ${opts.timeoutMs / 1000} s: stopping VS Code`);
    if (groupAlive(c.pid)) process.kill(-c.pid, 'SIGKILL');
  }, opts.timeoutMs);
  const stopGroup = () => groupAlive(c.pid) && process.kill(-c.pid, 'SIGKILL');
  process.once('SIGINT', stopGroup);
  process.once('SIGTERM', stopGroup);
  const [code, signal] = await new Promise((res) => c.once('exit', (...a) => res(a)));
  clearTimeout(timer);
  for (let i = 0; i < 30 && groupAlive(c.pid); i++) await sleep(100);
  if (groupAlive(c.pid)) process.kill(-c.pid, 'SIGKILL'); // leftovers after the suite
  const status = code ?? 1;
  say(`${status === 0 ? 'PASSED' : `FAILED (${signal ?? `exit code ${code}`})`} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  process.exitCode = status;
}

await main();
