/**
 * I/O Lens as a user drives it, in Chromium against code-server: attach through the process
 * picker, watch the timeline fill, stop, open the stalled reads' call site and one of its calls in
 * the Stalls view and a stall in the timeline, landing on the fixture's marked line, save the
 * trace and reopen it by double-click; in a light and a dark theme. Screenshots of every step: test/artifacts/e2e/.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { activeEditor, activeWebview, openExplorerFile, openVSCode, runCommand, screenshot, setColorTheme, waitForEditor, type Session } from './helpers';

const root = join(__dirname, '..', '..');
// the product's demo workspace (demo/: the fixtures' sources and binaries by link, the UIO traces)
const workspace = join(root, 'demo');
const savedDir = join(workspace, '.e2e-traces');
const saved = join(savedDir, 'epoll_stall.iolens');

function markLine(mark: string): number {
  const lines = readFileSync(join(workspace, 'src', 'epoll_stall.c'), 'utf8').split('\n');
  return lines.findIndex((l) => l.includes(`@mark:${mark} `)) + 1;
}

async function until<T>(what: string, get: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Confirm code-server's save dialog (a path box in a quick input) showing `path`, and wait for
 * `done`. The dialog can miss a click made while it re-renders (CI saw it stay open with the path
 * typed and nothing saved): while it is still open with the path, OK is clicked again every 3 s.
 */
async function confirmSave(page: Page, path: string, what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  const ok = page.locator('.quick-input-widget .monaco-button').filter({ hasText: /^OK$/ });
  let clickedAt = 0;
  await until(what, async () => {
    if (done()) return true;
    if (Date.now() - clickedAt >= 3000 && (await input.isVisible()) && (await input.inputValue()) === path) {
      clickedAt = Date.now();
      await ok.click({ timeout: 5_000 }).catch(() => undefined); // gone meanwhile: the save went through
    }
    return false;
  }, timeoutMs);
}

/** The timeline webview whose toolbar title contains `title`. */
async function timeline(page: Page): Promise<FrameLocator> {
  const frame = await activeWebview(page);
  await frame.locator('.toolbar .tb-title').waitFor({ timeout: 20_000 });
  return frame;
}

async function status(frame: FrameLocator): Promise<string> {
  return (await frame.locator('.toolbar .tb-status').textContent()) ?? '';
}

describe('I/O Lens end to end (code-server + Chromium, eBPF)', function () {
  this.timeout(120_000);
  let session: Session;
  let target: ChildProcess;

  before(async function () {
    this.timeout(300_000);
    assert.equal(process.getuid?.(), 0, 'the eBPF backend needs root');
    rmSync(savedDir, { recursive: true, force: true });
    // a program to attach to: an epoll loop whose callback blocks for 20 ms every 25 ms
    target = spawn(join(workspace, 'build', 'epoll_stall'), ['--iterations', '100000'], { stdio: 'ignore' });
    session = await openVSCode({ workspace, extensions: [root], theme: 'Default Light Modern', settings: { 'iolens.stallThresholdMs': 10 } });
  });

  after(async () => {
    target?.kill('SIGTERM');
    await session?.close();
    rmSync(savedDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await screenshot(session.page, `FAILED-${this.currentTest.fullTitle()}`);
      process.stderr.write(`    screenshot: ${file}\n    page errors: ${session.errors.slice(-10).join('\n      ') || 'none'}\n`);
    }
  });

  it('attaches through the process picker and shows the threads live on the timeline', async () => {
    const { page } = session;
    await runCommand(page, 'I/O Lens: Attach to Process…');
    const input = page.locator('.quick-input-widget input.input');
    await input.fill('epoll_stall');
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: String(target.pid) }).first();
    await row.waitFor({ timeout: 10_000 });
    await screenshot(page, '1-process-picker');
    await row.click();
    const frame = await timeline(page);
    await until('live events', async () => (await status(frame)) === 'Live' && /\d+ events?/.test((await frame.locator('.toolbar .tb-stats').textContent()) ?? ''));
    const tracks = await until('the thread tracks', async () => {
      const labels = await frame.locator('ol.timeline-tracks li').allTextContents();
      return labels.some((l) => l.startsWith(`epoll_stall ${target.pid}`)) && labels.some((l) => l.startsWith('ticker')) ? labels : undefined;
    });
    assert.ok(tracks.some((l) => l.startsWith('stall-writer')), `tracks: ${tracks.join(' | ')}`);
    await page.waitForTimeout(1500);
    await screenshot(page, '2-timeline-live-light');
  });

  it('stops; the Stalls view groups the stalled reads under their line and opens it', async () => {
    const { page } = session;
    await runCommand(page, 'I/O Lens: Stop Tracing');
    const frame = await timeline(page);
    await until('the recording to end', async () => (await status(frame)) === 'Recorded');
    await page.locator('.activitybar [aria-label^="I/O Lens"]').first().click();
    // one row for the call site (its file is outside the demo workspace, which links to it: its name), its total, count and longest
    const label = page.locator('.label-name').filter({ hasText: new RegExp(`^read\\s+epoll_stall\\.c:${markLine('stall-read')}$`) });
    const site = page.locator('.monaco-list-row').filter({ has: label });
    await site.first().waitFor({ timeout: 15_000 });
    assert.equal(await site.count(), 1, 'one row for the stalled reads\' line');
    assert.match((await site.textContent()) ?? '', /[\d.]+ m?s in \d[\d,]* calls · longest [\d.]+ ms$/);
    await screenshot(page, '3-stalls-view');
    // selecting it opens its line and shows its calls, longest first
    await site.click();
    await waitForEditor(page, 'test/fixtures/src/epoll_stall.c', markLine('stall-read'));
    await until('the site expanded', async () => (await site.getAttribute('aria-expanded')) === 'true');
    const stall = page.locator('.monaco-list-row[aria-level="2"]').filter({ hasText: /^\d+\.\d ms\s*at \d+\.\d{3} s · epoll_stall \d+$/ }).first();
    await stall.waitFor({ timeout: 15_000 });
    await screenshot(page, '3a-stalls-view-site-open');
    // (the source closed, so that the call opens it again)
    await runCommand(page, 'View: Close Editor');
    await until('the source closed', async () => !(await activeEditor(page))?.path.endsWith('epoll_stall.c'));
    await stall.click();
    await waitForEditor(page, 'test/fixtures/src/epoll_stall.c', markLine('stall-read'));
    await screenshot(page, '4-source-from-stalls-view');
  });

  it('the Findings view names the blocked event loop, ranked, and opens the line to change', async () => {
    const { page } = session;
    await runCommand(page, 'I/O Lens: Focus on Findings View');
    const group = page.locator('.monaco-list-row').filter({ hasText: /^event loop blocked/ }).first();
    await group.waitFor({ timeout: 15_000 });
    const finding = page.locator('.monaco-list-row').filter({ hasText: /read\(\) blocked the event loop/ }).first();
    await finding.waitFor({ timeout: 15_000 });
    assert.match((await finding.textContent()) ?? '', new RegExp(`epoll_stall\\.c:${markLine('stall-read')} +read\\(\\) blocked the event loop .*[\\d.]+ m?s`));
    await screenshot(page, '3b-findings-view');
    await finding.click();
    await waitForEditor(page, 'test/fixtures/src/epoll_stall.c', markLine('stall-read'));
    await screenshot(page, '3c-source-from-findings-view');
  });

  it('clicking the stall in the timeline selects it; its details open the source at the marked line', async () => {
    const { page } = session;
    await runCommand(page, 'I/O Lens: Show Timeline');
    const frame = await timeline(page);
    // the finding opened last: its events outlined over the time they span, its worst (a stall) selected
    const title = frame.locator('.details .pane-title');
    await until('the finding\'s stall selected', async () => /^read — \d+\.\d ms$/.test((await title.textContent()) ?? ''));
    await page.waitForTimeout(500);
    await screenshot(page, '4a-timeline-finding-marked');
    // zoom to the selected stall (Z): it then fills the middle of the time axis, 15 % of the view
    // to either side, in the main thread's row, wherever the finding's reveal had put it
    const canvas = frame.locator('canvas.timeline-canvas');
    await canvas.press('z');
    const item = frame.locator('ol.timeline-tracks li').filter({ hasText: new RegExp(`^epoll_stall ${target.pid}`) }).first();
    const y = Number(await item.getAttribute('data-y'));
    const box = await canvas.boundingBox();
    assert.ok(box && y > 0, `the canvas ${JSON.stringify(box)}, the main thread's row at y ${y}`);
    // the labels' column takes at most 35 % of the canvas, so the stall spans at least 43–92 % of it
    const x = box.width * 0.6;
    await canvas.press('Escape');
    await until('the selection cleared', async () => !/^read — /.test((await title.textContent()) ?? ''));
    // the window of the new zoom may still be on its way: click again until the stall is drawn
    // under the pointer (each click on an empty spot selects nothing; a click on the stall, it)
    await until('the stall selected by a click', async () => {
      await canvas.click({ position: { x, y } });
      return until('the click\'s selection', async () => /^read — \d+\.\d ms$/.test((await title.textContent()) ?? ''), 2000).catch(() => false);
    });
    // what ended it: the stall-writer's write (the chain drawn from its track), after its sleep
    const hops = frame.locator('.details ol.chain-list li');
    await hops.first().waitFor({ timeout: 10_000 });
    assert.match((await hops.first().textContent()) ?? '', /^read fd \d+ .*: woken by stall-writer/);
    await screenshot(page, '5-timeline-stall-selected');
    await frame.getByRole('button', { name: 'Open source' }).click();
    await waitForEditor(page, 'test/fixtures/src/epoll_stall.c', markLine('stall-read'));
    await screenshot(page, '6-source-from-timeline');
  });

  it('renders in a dark theme', async () => {
    const { page } = session;
    await setColorTheme(page, 'Default Dark Modern');
    await runCommand(page, 'I/O Lens: Show Timeline');
    const frame = await timeline(page);
    await until('the dark theme in the webview', async () => /vscode-dark/.test((await frame.locator('body').getAttribute('class')) ?? ''));
    await page.waitForTimeout(500);
    await screenshot(page, '7-timeline-dark');
  });

  it('saves the trace and opens it by double-click in the Explorer', async () => {
    const { page } = session;
    mkdirSync(savedDir, { recursive: true }); // the save dialog saves into existing folders
    await runCommand(page, 'I/O Lens: Save Trace…');
    // code-server's save dialog is a path box in a quick input
    const input = page.locator('.quick-input-widget input.input');
    // wait for the dialog to fill in its default name, or it overwrites what we type
    await until('the save dialog', async () => (await input.inputValue()).endsWith('.iolens'));
    await input.fill(saved);
    await until('the typed path', async () => (await input.inputValue()) === saved);
    await confirmSave(page, saved, 'the saved file', () => existsSync(saved));
    await runCommand(page, 'View: Close All Editors');
    await openExplorerFile(page, '.e2e-traces/epoll_stall.iolens');
    const frame = await timeline(page);
    await until('the saved trace', async () => (await status(frame)) === 'Recorded' && ((await frame.locator('.toolbar .tb-title').textContent()) ?? '').includes('epoll_stall.iolens'));
    const labels = await frame.locator('ol.timeline-tracks li').allTextContents();
    assert.ok(labels.some((l) => l.startsWith(`epoll_stall ${target.pid}`)), labels.join(' | '));
    await page.waitForTimeout(500);
    await screenshot(page, '8-saved-trace-opened');
  });
  it('opens the UIO demo trace of the workspace: the device has its own track', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    await openExplorerFile(page, 'traces/uio-edu-epoll.iolens');
    const frame = await timeline(page);
    await until('the demo trace', async () => (await status(frame)) === 'Recorded' && ((await frame.locator('.toolbar .tb-title').textContent()) ?? '').includes('uio-edu-epoll.iolens'));
    const labels = await frame.locator('ol.timeline-tracks li').allTextContents();
    assert.ok(labels.some((l) => /^uio0\b.*uio_pci_generic/.test(l)), `a track for uio0: ${labels.join(' | ')}`);
    assert.ok(labels.some((l) => l.startsWith('edu_uio ')), `the driver's thread: ${labels.join(' | ')}`);
    await page.waitForTimeout(500);
    await screenshot(page, '9-uio-demo-trace');
  });

  it('opens an strace log by double-click in the timeline, and exports it to Perfetto from the palette', async () => {
    const { page } = session;
    mkdirSync(savedDir, { recursive: true });
    const log = join(savedDir, 'epoll_stall.strace');
    const r = spawnSync('strace', ['-f', '-tt', '-T', '-k', '-o', log, join(workspace, 'build', 'epoll_stall'), '--iterations', '20'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    await runCommand(page, 'View: Close All Editors');
    // the extension's editors are known once its host has started: its command in the palette says so
    await runCommand(page, 'I/O Lens: Open strace Log…');
    await page.locator('.quick-input-widget input.input').waitFor({ timeout: 15_000 });
    await page.keyboard.press('Escape');
    await openExplorerFile(page, '.e2e-traces/epoll_stall.strace');
    const frame = await timeline(page);
    await until('the imported log', async () => (await status(frame)) === 'Recorded' && ((await frame.locator('.toolbar .tb-title').textContent()) ?? '').includes('epoll_stall.strace'));
    const labels = await frame.locator('ol.timeline-tracks li').allTextContents();
    assert.ok(labels.some((l) => l.startsWith('ticker ')) && labels.some((l) => l.startsWith('stall-writer ')), labels.join(' | '));
    await page.waitForTimeout(500);
    await screenshot(page, '10-strace-log-opened');
    const out = join(savedDir, 'exported-stall.pftrace');
    await runCommand(page, 'I/O Lens: Export Trace…');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Perfetto trace' }).click();
    const input = page.locator('.quick-input-widget input.input');
    await until('the save dialog', async () => (await input.inputValue()).endsWith('epoll_stall.pftrace'));
    await screenshot(page, '11-export-save-dialog');
    await input.fill(out);
    await until('the typed path', async () => (await input.inputValue()) === out);
    await confirmSave(page, out, 'the exported file', () => existsSync(out) && statSync(out).size > 1000, 60_000);
    await page.locator('.notifications-toasts').getByText(/events exported to/).waitFor({ timeout: 30_000 });
    await screenshot(page, '12-exported');
  });
});

