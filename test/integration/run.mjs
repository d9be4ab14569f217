#!/usr/bin/env node
// Runs the extension-host mocha suite inside a real VS Code: code-server 4.100.3 in Debian's
// Chromium. The workbench URL's `payload` loads the extension from source
// (extensionDevelopmentPath) and the suite (extensionTestsPath); the suite's result comes back
// through `codeAutomationExit`. The suite's output (the extension host's console) streams to the
// terminal; on failure a screenshot lands in test/artifacts/integration/ and the server log is shown.
//
//   node test/integration/run.mjs [--extension DIR] [--suite FILE] [--workspace DIR] [--timeout S] [--grep RE]
//   node test/integration/run.mjs --smoke          the infrastructure's self-test
// Exit status: the suite's (0 = all passed), 1 on failure or timeout, 2 on a usage mistake.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ensureCodeServer, launchChromium, startCodeServer, workbenchUrl } from '../../scripts/codeserver.mjs';
import { ConsoleFilter } from './console.mjs';
import { parseOptions, root } from './options.mjs';

const opts = parseOptions(process.argv.slice(2));
const say = (m) => process.stderr.write(`integration: ${m}\n`);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  const t0 = Date.now();
  const timings = [];
  const mark = (name, since) => timings.push(`${name} ${secs(Date.now() - since)}`);
  ensureCodeServer();
  mark('install check', t0);
  const tmpWs = opts.workspace ? undefined : mkdtempSync(join(tmpdir(), 'iolens-it-workspace-'));
  let server, browser, page, consoleOut;
  let code = 1;
  let suiteRan = false; // the suite reported an exit code (its output explains a failure)
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (tmpWs) rmSync(tmpWs, { recursive: true, force: true });
  };
  const onSignal = async () => {
    say('interrupted: stopping code-server and Chromium');
    await cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let t = Date.now();
    server = await startCodeServer({ workspace: opts.workspace ?? tmpWs, env: opts.env });
    mark('server ready', t);
    t = Date.now();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let exited;
    const exit = new Promise((res) => (exited = res));
    await page.exposeFunction('codeAutomationExit', (c) => exited(Number(c)));
    consoleOut = new ConsoleFilter((line) => process.stdout.write(line + '\n'));
    page.on('console', (msg) => consoleOut.push(msg));
    page.on('pageerror', (e) => process.stdout.write(`[page error] ${e.message}\n`));
    say(`suite ${relative(root, opts.suite) || opts.suite}, extension ${relative(root, opts.extension) || '.'}, on ${server.url}`);
    const url = workbenchUrl(server, { extensionDevelopmentPath: opts.extension, extensionTestsPath: opts.suite });
    const deadline = Date.now() + opts.timeoutMs;
    let timer;
    const timeout = new Promise((res) => (timer = setTimeout(() => res('timeout'), opts.timeoutMs)));
    await page.goto(url, { timeout: opts.timeoutMs });
    await page.waitForSelector('.monaco-workbench', { timeout: Math.max(1, deadline - Date.now()) });
    mark('workbench', t);
    t = Date.now();
    const result = await Promise.race([exit, timeout]);
    clearTimeout(timer);
    mark('suite', t);
    if (result === 'timeout') say(`TIMEOUT: the suite did not finish within ${secs(opts.timeoutMs)} (raise it with --timeout SECONDS)`);
    else {
      code = result;
      suiteRan = true;
    }
  } catch (e) {
    say(`ERROR: ${e.message}`);
  }
  await consoleOut?.flush();
  if (code !== 0) {
    if (page) {
      const dir = join(root, 'test', 'artifacts', 'integration');
      mkdirSync(dir, { recursive: true });
      const shot = join(dir, `failure-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
      if (await page.screenshot({ path: shot }).then(() => true, () => false)) say(`screenshot: ${relative(root, shot)}`);
    }
    if (server && !suiteRan) {
      const tail = readFileSync(server.logFile, 'utf8').split('\n').slice(-40).join('\n');
      say(`last lines of the code-server log:\n${tail}`);
    }
  }
  await cleanup();
  say(`${code === 0 ? 'PASSED' : `FAILED (exit code ${code})`}; ${timings.join(', ')}, total ${secs(Date.now() - t0)}`);
  process.exit(code);
}

await main().catch((e) => {
  say(`ERROR: ${e.message}`);
  process.exit(1);
});
