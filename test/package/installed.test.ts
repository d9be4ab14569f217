/**
 * The VSIX where a user installs it: a Debian system without build tools (debootstrap's minbase:
 * no compiler, no elfutils, no node_modules — scripts/rootfs.mjs), VS Code's server in it
 * (code-server on the runtime it brings, bound in read-only), the VSIX installed with
 * `--install-extension` into a fresh profile. From the installed copy: launch a fixture traced,
 * see the timeline, open a stall's line; install the `iolens` command and record and report a
 * fixture with it, in the same system. Chromium drives the workbench from outside.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeServerBinds, installVsix, JAIL_NODE } from '../../scripts/codeserver.mjs';
import { buildToolsIn, copyRootfs, jail, type Jail } from '../../scripts/rootfs.mjs';
import { activeWebview, openVSCode, runCommand, screenshot, until, waitForEditor, type Session } from '../e2e/helpers';
import { markLine as fixtureMark } from '../tracer/harness';
import { StreamReader } from '../../extension/src/core/stream/reader';
import { decodeTraceBytes } from '../../extension/src/core/trace/fileReader';

/** The line of a `@mark:` in epoll_stall.c. */
const markLine = (mark: string): number => fixtureMark('epoll_stall', mark);

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');

function vsixPath(): string {
  const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return join(ROOT, 'vsix', `${name}-${version}-linux-x64.vsix`);
}

describe('the VSIX installed on a system without build tools', function () {
  this.timeout(180_000);
  let work: string;
  let root: string;
  let box: Jail;
  let session: Session | undefined;
  let extDir: string;
  const home = '/home/user';

  before(async function () {
    this.timeout(600_000); // the first run on a machine builds the Debian root (about a minute)
    assert.equal(process.getuid?.(), 0, 'a chroot, namespaces and eBPF need root');
    assert.ok(existsSync(vsixPath()), `${vsixPath()} is missing: \`npm run package\` makes it (the package layer's first step)`);
    work = mkdtempSync(join(tmpdir(), 'iolens-installed-'));
    root = copyRootfs(join(work, 'root'));
    // what the extension runs on is VS Code's (the server brings its own node); nothing else is added
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    copyFileSync(process.execPath, join(root, JAIL_NODE));
    box = jail(root, { binds: codeServerBinds() });
    // the user's project: a program and its source, nothing built here
    const ws = join(root, home, 'demo');
    mkdirSync(join(ws, 'build'), { recursive: true });
    mkdirSync(join(ws, 'src'), { recursive: true });
    mkdirSync(join(ws, '.vscode'), { recursive: true });
    copyFileSync(join(FIXTURES, 'build', 'epoll_stall'), join(ws, 'build', 'epoll_stall'));
    copyFileSync(join(FIXTURES, 'src', 'epoll_stall.c'), join(ws, 'src', 'epoll_stall.c'));
    writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'iolens.launch': { program: 'build/epoll_stall', args: ['--iterations', '100'] } }, null, 2));
    copyFileSync(vsixPath(), join(root, 'tmp', 'iolens.vsix'));
    extDir = join(root, home, '.vscode-server', 'extensions');
    const out = await installVsix({ vsix: join(root, 'tmp', 'iolens.vsix'), extensionsDir: extDir, userDataDir: join(root, home, '.vscode-server', 'data'), jail: box });
    assert.match(out, /successfully installed/);
  });

  after(async () => {
    await session?.close();
    if (work && !process.env.KEEP) rmSync(work, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await screenshot(session.page, `FAILED-installed-${this.currentTest.fullTitle()}`);
      process.stderr.write(`    screenshot: ${file}\n    page errors: ${session.errors.slice(-10).join('\n      ') || 'none'}\n`);
    }
  });

  /** The installed copy: publisher.name-version in the extensions folder. */
  function installed(): string {
    const dirs = readdirSync(extDir).filter((d) => d.startsWith('iolens.iolens-'));
    assert.equal(dirs.length, 1, `installed: ${readdirSync(extDir).join(', ')}`);
    return join(extDir, dirs[0]);
  }

  it('is a system without compilers, elfutils or node_modules, and the installed copy holds only what runs', () => {
    assert.deepEqual(buildToolsIn(root), []);
    const ext = installed();
    assert.equal(existsSync(join(ext, 'node_modules')), false);
    for (const f of ['dist/extension.js', 'dist/cli.js', 'bin/iolens', 'tracer/build/iolens-tracer', 'native/build/Release/iolens_symbols.node', 'dist/webview/codicon.ttf']) {
      assert.ok(existsSync(join(ext, f)), `${f} is installed`);
    }
    for (const f of ['tracer/build/iolens-tracer', 'bin/iolens']) assert.ok(lstatSync(join(ext, f)).mode & 0o111, `${f} is executable`);
    assert.equal(existsSync(join(ext, 'extension', 'src')), false, 'no sources');
  });

  it('launches the program traced from the installed extension: the timeline fills, a stall opens its line', async () => {
    session = await openVSCode({
      workspace: join(root, home, 'demo'),
      theme: 'Default Dark Modern',
      settings: { 'iolens.stallThresholdMs': 10 },
      server: { extensionsDir: extDir, userDataDir: join(root, home, '.vscode-server', 'data'), jail: box },
    });
    const { page } = session;
    await runCommand(page, 'I/O Lens: Launch Program with Tracing…', 60_000);
    const frame = await activeWebview(page);
    await frame.locator('.toolbar .tb-title').waitFor({ timeout: 30_000 });
    await until(
      async () => ((await frame.locator('.toolbar .tb-status').textContent()) === 'Recorded' && /\d+ events?/.test((await frame.locator('.toolbar .tb-stats').textContent()) ?? '')) || undefined,
      60_000,
      () => 'the recording to end with events',
    );
    const tracks = await frame.locator('ol.timeline-tracks li').allTextContents();
    assert.ok(tracks.some((l) => l.startsWith('epoll_stall')) && tracks.some((l) => l.startsWith('stall-writer')), `tracks: ${tracks.join(' | ')}`);
    const status = page.locator('.statusbar-item').filter({ hasText: 'eBPF' });
    await status.first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'installed-1-timeline');
    // the command, not the activity bar's icon: a click on it closes the side bar when the container is already shown
    await runCommand(page, 'I/O Lens: Focus on Stalls View');
    // the Stalls view's row for the stalled reads' call site (a read at another line can last longer)
    const label = page.locator('.label-name').filter({ hasText: new RegExp(`^read\\s+(\\S*/)?epoll_stall\\.c:${markLine('stall-read')}$`) });
    const site = page.locator('.monaco-list-row').filter({ has: label }).first();
    let rows: string[] = [];
    await until(
      async () => {
        rows = await page.locator('.pane-body .monaco-list-row').allTextContents();
        return (await site.isVisible()) || undefined;
      },
      30_000,
      () => `the stalled reads' site in the Stalls view; the side bar's rows: ${rows.join(' | ') || 'none'}`,
    );
    await site.click();
    // the binary names its source at the build machine's path: found in the workspace by its ending
    await waitForEditor(page, `${home}/demo/src/epoll_stall.c`, markLine('stall-read'));
    await screenshot(page, 'installed-2-stall-source');
  });

  it('installs the iolens command; it records and reports a fixture from the extension’s files alone', async () => {
    assert.ok(session);
    await runCommand(session.page, 'I/O Lens: Install the iolens command');
    // the server's HOME is a temp folder under the root's /tmp (scripts/codeserver.mjs)
    const link = await until(async () => {
      const tmp = join(root, 'tmp');
      for (const d of readdirSync(tmp).filter((n) => n.startsWith('iolens-code-server-'))) {
        const p = join(tmp, d, 'home', '.local', 'bin', 'iolens');
        // a link to a path inside the root: it dangles out here, so look at the link itself
        if (lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink()) return p;
      }
      return undefined;
    }, 30_000, () => 'the link in ~/.local/bin');
    const ext = installed();
    assert.equal(readlinkSync(link), box.inside(join(ext, 'bin', 'iolens')));
    assert.equal(readFileSync(join(ext, 'bin', 'node-runtime'), 'utf8').trim(), JAIL_NODE, 'the launcher runs on the runtime that ran the extension');
    const cli = box.inside(link);
    const env = { HOME: `${home}` };
    const version = await box.run([cli, '--version'], env);
    assert.equal(version.stdout.trim(), `iolens ${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`);
    const rec = await box.run([cli, 'record', '-q', '-o', '/tmp/cli.iolens', '--', `${home}/demo/build/epoll_stall`, '--iterations', '10'], env);
    assert.equal(rec.code, 0, rec.stderr);
    assert.match(rec.stderr, /\d+ events from 1 process and 3 threads, 0 lost; /);
    const report = await box.run([cli, 'report', '/tmp/cli.iolens'], env);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /eBPF backend/);
    // the mapped files' paths are the jail's, as the tracer inside it opens them (not the host's)
    assert.ok(!report.stdout.includes(root), `the report names a path outside the tracer's root (${root}):\n${report.stdout}`);
    // every mapping's path, the kernel side's (sent at an executable mmap, before the loader's /proc
    // scan) as the loader's, is the jail's: the reader there opens them (a cut stack names none)
    const maps: string[] = [];
    const reader = new StreamReader({ record: (r) => { if (r.kind === 'map') maps.push(r.path); } });
    reader.push(decodeTraceBytes(readFileSync(join(root, 'tmp', 'cli.iolens'))).stream);
    assert.equal(reader.end(), undefined);
    assert.ok(maps.some((p) => p.endsWith('/libc.so.6')), `libc's mapping is in the trace: ${maps.join(', ')}`);
    assert.deepEqual(maps.filter((p) => p.includes(root)), [], 'no mapping named by its path outside the jail');
    // the findings come first: the blocking read in the loop, at its line
    assert.match(report.stdout, /^Findings \(\d+, by time at stake\)\n\s+1\. HIGH\s+loop-blocked\s+read\(\) blocked the event loop/m);
    assert.match(report.stdout, new RegExp(`at: \\S*\\bepoll_stall\\.c:${markLine('stall-read')} \\(stall\\)`));
  });
});
