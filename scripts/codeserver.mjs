#!/usr/bin/env node
// A real VS Code for the tests: code-server 4.100.3 (VS Code 1.100.3) from npm, installed in
// .tools/code-server/ outside the project's lockfile, and Debian's Chromium for Playwright.
// Facts and flags: /work/shared/TESTING.md, "Real VS Code". Node's standard library only
// (playwright-core is imported lazily by launchChromium).
//
//   node scripts/codeserver.mjs ensure
//   node scripts/codeserver.mjs serve <workspace> [--extension-development-path P]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, createWriteStream, readlinkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from './lock.mjs';
import { ensurePackages, root } from './setup.mjs';

export const CODE_SERVER_VERSION = '4.100.3';
/** Where code-server is installed (git-ignored). */
export const TOOLS_DIR = join(root, '.tools', 'code-server');
const ENTRY = join(TOOLS_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const STAMP = join(TOOLS_DIR, `.installed-${CODE_SERVER_VERSION}`);
// @vscode/ripgrep's postinstall looks here before it tries GitHub
const RIPGREP_CACHE = 'vscode-ripgrep-cache-1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

/** Debian's Chromium, the browser Playwright drives. */
export const CHROMIUM = '/usr/bin/chromium';
/** Chromium's arguments that worked headless as root (TESTING.md). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** User settings that keep the workbench quiet; callers' settings are merged over these. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  // test workspaces often sit inside this repository: no "open the parent git repository?" prompt
  'git.openRepositoryInParentFolders': 'never',
};

function log(msg) {
  process.stderr.write(`code-server: ${msg}\n`);
}

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(TOOLS_DIR, 'node_modules', 'code-server', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

const ready = () => existsSync(STAMP) && existsSync(ENTRY) && installedVersion() === CODE_SERVER_VERSION;
/**
 * Installs code-server 4.100.3 into .tools/code-server/ (and the Debian packages chromium,
 * libkrb5-dev, ripgrep when root; otherwise prints the apt-get line and exits). Fast when done;
 * concurrent callers wait for one install.
 * @returns {string} the path of code-server's entry script (run it with `node`)
 */
export function ensureCodeServer() {
  ensurePackages(['editor']);
  if (ready()) return ENTRY;
  mkdirSync(dirname(TOOLS_DIR), { recursive: true });
  withLock(`${TOOLS_DIR}.lock`, () => log('waiting for another process that installs code-server'), () => {
    if (!ready()) install();
  });
  return ENTRY;
}

function install() {
  const start = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${TOOLS_DIR} (about 40-100 s, 300 MB)`);
  rmSync(TOOLS_DIR, { recursive: true, force: true });
  mkdirSync(TOOLS_DIR, { recursive: true });
  writeFileSync(join(TOOLS_DIR, 'package.json'), JSON.stringify({ private: true, description: 'code-server for the iolens tests (scripts/codeserver.mjs)' }, null, 2) + '\n');
  const tmp = mkdtempSync(join(tmpdir(), 'iolens-code-server-install-'));
  try {
    // @vscode/ripgrep's postinstall finds its download here: Debian's rg instead of GitHub's
    mkdirSync(join(tmp, RIPGREP_CACHE));
    const tar = spawnSync('tar', ['-czf', join(tmp, RIPGREP_CACHE, RIPGREP_ASSET), '-C', '/usr/bin', 'rg'], { stdio: 'inherit' });
    if (tar.status !== 0) throw new Error('could not pack /usr/bin/rg for @vscode/ripgrep');
    // npm_config_yes: node-pty's postinstall calls npx; --unsafe-perm: scripts run as root
    const env = { ...process.env, TMPDIR: tmp, npm_config_yes: 'true' };
    const args = ['install', '--prefix', TOOLS_DIR, '--unsafe-perm', '--no-audit', '--no-fund', '--loglevel', 'error', `code-server@${CODE_SERVER_VERSION}`];
    const r = spawnSync('npm', args, { stdio: 'inherit', cwd: TOOLS_DIR, env });
    if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.error?.message ?? `status ${r.status}`})`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (installedVersion() !== CODE_SERVER_VERSION || !existsSync(ENTRY)) throw new Error(`code-server ${CODE_SERVER_VERSION} is not in ${TOOLS_DIR} after npm install`);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  log(`installed in ${((Date.now() - start) / 1000).toFixed(0)} s`);
}

/** Where a jailed code-server finds itself and its runtime (scripts/rootfs.mjs's jail binds). */
export const JAIL_CODE_SERVER = '/opt/code-server';
export const JAIL_NODE = '/usr/local/bin/node';

/** @typedef {ReturnType<typeof import('./rootfs.mjs').jail>} Jail */

/** The read-only binds a jail needs to run code-server: pass to rootfs.mjs's jail(). */
export function codeServerBinds() {
  return { [realpathSync(TOOLS_DIR)]: JAIL_CODE_SERVER };
}

function jailedEntry(entry) {
  return join(JAIL_CODE_SERVER, relative(TOOLS_DIR, entry));
}

/**
 * `code-server --install-extension FILE.vsix` into an extensions folder, as a user installs a VSIX
 * (in `jail` when given: paths inside it).
 * @param {{ vsix: string, extensionsDir: string, userDataDir: string, jail?: Jail }} opts
 * @returns {Promise<string>} what code-server printed
 */
export async function installVsix({ vsix, extensionsDir, userDataDir, jail }) {
  const entry = ensureCodeServer();
  mkdirSync(extensionsDir, { recursive: true });
  const at = jail ? (p) => jail.inside(p) : (p) => p;
  const args = ['--install-extension', at(vsix), '--extensions-dir', at(extensionsDir), '--user-data-dir', at(userDataDir)];
  if (jail) {
    const r = await jail.run([JAIL_NODE, jailedEntry(entry), ...args], { HOME: at(userDataDir) });
    if (r.code !== 0) throw new Error(`code-server --install-extension failed (${r.code}):\n${r.stdout}${r.stderr}`);
    return r.stdout + r.stderr;
  }
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`code-server --install-extension failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

/**
 * Makes an extension folder visible to code-server as an installed extension: a symlink named
 * `publisher.name-version` in the extensions dir. (Not for the extension a payload URL loads.)
 * @param {string} extensionsDir
 * @param {string} extensionPath a folder with the extension's package.json
 */
export function linkExtension(extensionsDir, extensionPath) {
  const m = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8'));
  const link = join(extensionsDir, `${m.publisher}.${m.name}-${m.version}`);
  mkdirSync(extensionsDir, { recursive: true });
  if (existsSync(link) && readlinkSync(link) === resolve(extensionPath)) return;
  rmSync(link, { force: true });
  symlinkSync(resolve(extensionPath), link, 'dir');
}

/**
 * Writes user settings: QUIET_SETTINGS, then what the file already holds, then `settings`.
 * @param {string} userDataDir
 * @param {Record<string, unknown>} settings
 */
export function writeUserSettings(userDataDir, settings) {
  const file = join(userDataDir, 'User', 'settings.json');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  let old = {};
  try {
    old = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // none yet
  }
  writeFileSync(file, JSON.stringify({ ...QUIET_SETTINGS, ...old, ...settings }, null, 2) + '\n');
}

/** True while any process of the group is alive. */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * @typedef {object} CodeServer
 * @property {string} url          base address, e.g. http://127.0.0.1:41234/ (opens the workspace)
 * @property {number} port
 * @property {string} workspace    absolute path of the folder it serves
 * @property {string} userDataDir
 * @property {string} extensionsDir
 * @property {string} logFile      everything the server printed
 * @property {() => Promise<void>} stop  kills the server's whole process group, removes its temp root
 */

/**
 * Starts code-server on 127.0.0.1 with a random port, in its own process group, with HOME and the
 * XDG dirs in a fresh temp root (nothing lands in the real home).
 * `extensions` are folders linked in as installed extensions (linkExtension) before it starts.
 * `jail` (scripts/rootfs.mjs): run it inside another root file system instead, on that root's
 * `node`, with code-server bound in read-only; every path given must be inside the root.
 * @param {{ workspace: string, extensionsDir?: string, userDataDir?: string, extensions?: string[], settings?: Record<string, unknown>, env?: Record<string, string>, timeoutMs?: number, jail?: Jail }} opts
 * @returns {Promise<CodeServer>}
 */
export async function startCodeServer({ workspace, extensionsDir, userDataDir, extensions: toLink = [], settings = {}, env = {}, timeoutMs = 60_000, jail }) {
  const entry = ensureCodeServer();
  const tmp = mkdtempSync(join(jail ? join(jail.root, 'tmp') : tmpdir(), 'iolens-code-server-'));
  const at = jail ? (p) => jail.inside(p) : (p) => p;
  const home = join(tmp, 'home');
  const xdg = { XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share'), XDG_CACHE_HOME: join(home, '.cache'), XDG_STATE_HOME: join(home, '.local', 'state'), XDG_RUNTIME_DIR: join(tmp, 'run') };
  for (const d of [home, ...Object.values(xdg)]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const userData = resolve(userDataDir ?? join(tmp, 'user-data'));
  const extensions = resolve(extensionsDir ?? join(tmp, 'extensions'));
  mkdirSync(extensions, { recursive: true });
  for (const e of toLink) linkExtension(extensions, e);
  writeUserSettings(userData, settings);
  const config = join(tmp, 'config.yaml');
  writeFileSync(config, '');
  const logFile = join(tmp, 'code-server.log');
  const logStream = createWriteStream(logFile);
  const ws = resolve(workspace);
  const args = ['--config', at(config), '--bind-addr', '127.0.0.1:0', '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', at(userData), '--extensions-dir', at(extensions), at(ws)];
  const serverEnv = { HOME: at(home), ...Object.fromEntries(Object.entries(xdg).map(([k, v]) => [k, at(v)])), TMPDIR: at(tmp), ...env };
  const [cmd, cmdArgs] = jail ? jail.command([JAIL_NODE, jailedEntry(entry), ...args], serverEnv) : [process.execPath, [entry, ...args]];
  const child = spawn(cmd, cmdArgs, {
    detached: true, // its own process group: stop() kills the server and everything it started
    stdio: ['ignore', 'pipe', 'pipe'],
    env: jail ? process.env : { ...process.env, ...serverEnv },
  });
  const pgid = child.pid;
  const exited = new Promise((res) => child.once('exit', res));
  // if the caller dies without stop() (an uncaught exception, process.exit), take the server along
  const onExit = () => {
    if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    if (groupAlive(pgid)) process.kill(-pgid, 'SIGTERM');
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
    if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
    await Promise.race([exited, sleep(1000)]);
    await new Promise((res) => logStream.end(res));
    rmSync(tmp, { recursive: true, force: true });
  };
  const port = await new Promise((res, rej) => {
    let seen = '';
    const timer = setTimeout(() => rej(new Error(`code-server printed no "HTTP server listening on" line in ${timeoutMs} ms:\n${seen}`)), timeoutMs);
    const onData = (chunk) => {
      logStream.write(chunk);
      if (seen.length < 65536) seen += chunk;
      const m = /HTTP server listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      rej(new Error(`code-server exited (${signal ?? `status ${code}`}) before listening:\n${seen}`));
    });
  }).catch(async (e) => {
    await stop();
    throw e;
  });
  return { url: `http://127.0.0.1:${port}/`, port, workspace: ws, userDataDir: userData, extensionsDir: extensions, logFile, stop };
}

/**
 * The workbench address: the folder to open and, optionally, an extension loaded from source
 * (`extensionDevelopmentPath`) and an extension-host test entry (`extensionTestsPath`).
 * @param {CodeServer} server
 * @param {{ folder?: string, extensionDevelopmentPath?: string, extensionTestsPath?: string }} [opts]
 */
export function workbenchUrl(server, opts = {}) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${resolve(p)}`;
  const payload = [];
  if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)]);
  if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(opts.extensionTestsPath)]);
  let url = `${server.url}?folder=${encodeURIComponent(resolve(opts.folder ?? server.workspace))}`;
  if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/**
 * Launches Debian's Chromium headless through playwright-core with TESTING.md's arguments.
 * @param {{ headless?: boolean }} [opts]
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchChromium(opts = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: opts.headless ?? true, args: CHROMIUM_ARGS });
}

async function serve(argv) {
  const at = argv.indexOf('--extension-development-path');
  const dev = at >= 0 ? argv.splice(at, 2)[1] : undefined;
  const workspace = argv[0];
  if (!workspace || !existsSync(workspace)) throw new Error('usage: codeserver.mjs serve <workspace> [--extension-development-path P]');
  if (dev && !existsSync(join(dev, 'package.json'))) throw new Error(`no package.json in ${dev}`);
  const server = await startCodeServer({ workspace });
  const url = workbenchUrl(server, { extensionDevelopmentPath: dev });
  process.stdout.write(`\nVS Code (code-server ${CODE_SERVER_VERSION}) serves ${server.workspace}${dev ? `\nwith the extension loaded from ${resolve(dev)}` : ''}\nOpen: ${url}\n(from another machine: ssh -L ${server.port}:127.0.0.1:${server.port} this-host). Ctrl-C stops it.\n`);
  const quit = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  // (no top-level await: tests written in TypeScript load this module through require())
  const [cmd, ...rest] = process.argv.slice(2);
  const cli = async () => {
    if (cmd === 'ensure') process.stdout.write(`${ensureCodeServer()}\n`);
    else if (cmd === 'serve') await serve(rest);
    else throw new Error('usage: node scripts/codeserver.mjs ensure | serve <workspace> [--extension-development-path P]');
  };
  cli().catch((e) => {
    log(e.message);
    process.exit(1);
  });
}
