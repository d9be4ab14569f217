/**
 * The editor as a user judges it (issue 11), in Chromium against code-server: traces that are no
 * traces say why inside the editor; a launch that fails shows the program's exit status and its
 * last output; the progress of an attach; recordings opening in the active editor group; charts
 * following a theme switch; the filter narrowing the tracks; `?` showing the keys. Then a gallery
 * of screenshots in the light, dark and high-contrast themes at 1600 and 1000 px wide.
 * Screenshots: test/artifacts/e2e/editor-*.png.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { Rng } from '../fuzz/rng';
import { randomStream, writeWithOverview } from '../../extension/src/core/testing/traceFiles';
import { activeWebview, openExplorerFile, openVSCode, runCommand, screenshot, setColorTheme, type Session } from './helpers';

const root = join(__dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures');

async function until<T>(what: string, get: () => Promise<T | undefined | false | null | ''>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await get();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e instanceof Error ? e.message : e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The visible webview whose toolbar (or problem page) is there. */
async function trace(page: Page): Promise<FrameLocator> {
  const frame = await activeWebview(page);
  await frame.locator('.toolbar .tb-title').waitFor({ timeout: 20_000 });
  return frame;
}

/** The toolbar's status of a timeline ("Live", "Recorded", "Reading 40%"...). */
async function status(frame: FrameLocator): Promise<string> {
  return (await frame.locator('.toolbar .tb-status').textContent()) ?? '';
}

/** Close every editor, double-click `relPath` in the Explorer and wait for its whole trace. */
async function openRecorded(page: Page, relPath: string): Promise<FrameLocator> {
  await runCommand(page, 'View: Close All Editors');
  await openExplorerFile(page, relPath);
  const frame = await trace(page);
  await until(`${relPath} read`, async () => (await status(frame)) === 'Recorded');
  return frame;
}

/** Launch `program` with `args` the way a user does: the command, the file dialog, the arguments box. */
async function launch(page: Page, program: string, args: string): Promise<void> {
  await runCommand(page, 'I/O Lens: Launch Program with Tracing…');
  const input = page.locator('.quick-input-widget input.input');
  // code-server's file dialog is a path box; wait for it to fill in its folder, or it overwrites ours
  await until('the file dialog', async () => (await input.isVisible()) && (await input.inputValue()).startsWith('/'));
  // it may change its folder once more (the last one used, then the workspace's): wait for it to settle
  let seen = '';
  let steadySince = Date.now();
  await until('the file dialog to settle', async () => {
    const now = await input.inputValue();
    if (now !== seen) [seen, steadySince] = [now, Date.now()];
    return Date.now() - steadySince >= 1_000;
  });
  // the dialog may still settle on its folder after we typed (a loaded machine): type again then
  const argsBox = async (): Promise<boolean> => /Arguments for/.test(await page.locator('.quick-input-widget .quick-input-title').innerText());
  for (let attempt = 0; !(await argsBox()); attempt++) {
    if (attempt === 4) throw new Error(`the file dialog did not take ${program}: it shows ${await input.inputValue()}`);
    await input.fill(program);
    const typed = await until('the typed path', async () => (await input.inputValue()) === program, 5_000).then(() => true, () => false);
    if (!typed) continue;
    await page.locator('.quick-input-widget .monaco-button').filter({ hasText: /^Trace$/ }).click();
    await until('the arguments box', argsBox, 8_000).catch(() => undefined);
  }
  await input.fill(args);
  await page.keyboard.press('Enter');
}

/** Texts of the notification toasts on screen. */
async function toasts(page: Page): Promise<string[]> {
  return page.locator('.notification-toast').allInnerTexts();
}

describe('the editor as a user judges it (code-server + Chromium)', function () {
  this.timeout(180_000);
  let session: Session;
  let workspace: string;

  before(async function () {
    this.timeout(300_000);
    workspace = mkdtempSync(join(tmpdir(), 'iolens-e2e-editor-'));
    // the demo workspace's programs and sources, and two files that are no traces
    // the fixtures and their binaries, not the Go build's caches (build/.go)
    for (const d of ['src', 'build']) cpSync(join(fixtures, d), join(workspace, d), { recursive: true, filter: (from) => !from.includes('/build/.go') });
    cpSync(join(root, 'demo', 'traces'), join(workspace, 'demo'), { recursive: true });
    mkdirSync(join(workspace, 'traces'));
    writeFileSync(join(workspace, 'traces', 'garbage.iolens'), 'this is a text file, not a trace\n'.repeat(40));
    writeFileSync(join(workspace, 'traces', 'empty.iolens'), '');
    session = await openVSCode({ workspace, extensions: [root], theme: 'Default Light Modern', settings: { 'iolens.stallThresholdMs': 10 } });
    await session.page.setViewportSize({ width: 1600, height: 1000 });
  });

  after(async () => {
    await session?.close();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await screenshot(session.page, `FAILED-editor-${this.currentTest.title}`);
      process.stderr.write(`    screenshot: ${file}\n    page errors: ${session.errors.slice(-10).join('\n      ') || 'none'}\n`);
    }
  });

  for (const [file, reason] of [
    ['garbage.iolens', /not an iolens stream \(bad magic bytes at the start\)/i],
    ['empty.iolens', /the stream is empty/i],
  ] as const) {
    it(`shows why ${file} cannot be opened, inside the editor`, async () => {
      const { page } = session;
      await runCommand(page, 'View: Close All Editors');
      await openExplorerFile(page, `traces/${file}`);
      const frame = await activeWebview(page);
      const problem = frame.locator('.problem-page');
      await problem.waitFor({ timeout: 20_000 });
      const text = await problem.innerText();
      assert.match(text, reason);
      assert.match(text, new RegExp(`traces/${file.replace('.', '\\.')}`), 'the file is named');
      assert.match(text, /What to do/);
      assert.equal(await frame.locator('canvas.timeline-canvas').isVisible(), false, 'no empty timeline instead');
      assert.deepEqual(await page.locator('.monaco-dialog-box').count(), 0, 'no modal dialog');
      await screenshot(page, `editor-unreadable-${file.replace('.iolens', '')}-light`);
    });
  }

  it('a launch that fails shows the program\'s exit status and its last output', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    await launch(page, join(workspace, 'build', 'epoll_stall'), '--bogus');
    const toast = await until('the failure notification', async () => (await toasts(page)).find((t) => /exited with status 2/.test(t)), 60_000);
    assert.match(toast, /epoll_stall exited with status 2/);
    assert.match(toast, /unknown option '--bogus'/, 'the end of its stderr');
    const frame = await trace(page);
    const banner = frame.locator('.banner');
    await until('the banner', async () => (await banner.isVisible()) && /exited with status 2/.test(await banner.innerText()));
    assert.match(await banner.innerText(), /usage: epoll_stall/);
    await screenshot(page, 'editor-launch-failed-light');
  });

  it('cancelling the progress notification stops the launch before the program runs', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    // an argument no other test uses, to find the program among the processes
    const marker = '424242';
    await page.locator('.notification-toast .codicon-notifications-clear').first().click().catch(() => undefined);
    await launch(page, join(workspace, 'build', 'epoll_stall'), `--iterations ${marker}`);
    const toast = page.locator('.notification-toast').filter({ hasText: /I\/O Lens: launching epoll_stall/ });
    const cancel = toast.locator('.monaco-button').filter({ hasText: /^Cancel$/ });
    await cancel.waitFor({ timeout: 30_000 });
    await screenshot(page, 'editor-progress-cancel-light');
    await cancel.click();
    await until('the progress notification gone', async () => (await toast.count()) === 0, 30_000);
    // the launched program waits for the tracer to attach and never runs untraced: it never starts
    // (the program itself: the tracer's command line holds the same words, and so does its child
    // held back before the exec)
    const running = (): boolean => readdirSync('/proc').some((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return readlinkSync(`/proc/${pid}/exe`).endsWith('/epoll_stall') && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--iterations\0${marker}`);
      } catch {
        return false;
      }
    });
    const end = Date.now() + 8_000;
    while (Date.now() < end) {
      assert.equal(running(), false, 'the cancelled launch started the program (did the attach finish before the click?)');
      assert.equal(await page.locator('iframe.webview.ready').count(), 0, 'no timeline opens for a cancelled launch');
      await page.waitForTimeout(500);
    }
  });

  it('shows the progress of a launch, step by step, then the live timeline', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.notification-toast .codicon-notifications-clear').first().click().catch(() => undefined);
    await launch(page, join(workspace, 'build', 'epoll_stall'), '--iterations 100000');
    const seen = new Set<string>();
    const frame = await until('the progress notification, then the timeline', async () => {
      for (const t of await toasts(page)) if (/I\/O Lens: launching epoll_stall/.test(t)) seen.add(t.replace(/\s+/g, ' '));
      if (seen.size === 1) await screenshot(page, 'editor-progress-light');
      const webviews = await page.locator('iframe.webview.ready').count();
      return webviews > 0 && seen.size > 0 ? trace(page) : undefined;
    }, 60_000);
    const steps = [...seen].join(' | ');
    // (a step is sampled when the toast is seen: the previous test's probes may still be coming off)
    assert.match(steps, /checking the permissions|waiting for the previous recording to take its probes off|loading the eBPF probes|attaching/, steps);
    await until('live', async () => (await status(frame)) === 'Live', 60_000);
  });

  it('opens two recordings in the active editor group, as tabs', async () => {
    const { page } = session;
    await runCommand(page, 'I/O Lens: Stop Tracing');
    await launch(page, join(workspace, 'build', 'epoll_stall'), '--iterations 100000');
    await until('the second timeline', async () => (await page.locator('.tabs-container .tab').filter({ hasText: 'I/O Lens: epoll_stall' }).count()) === 2, 60_000);
    assert.ok(await page.locator('.tabs-container .tab').filter({ hasText: 'I/O Lens: epoll_stall (2)' }).count(), 'the second is told apart');
    assert.equal(await page.locator('.editor-group-container').count(), 1, 'one editor group: no new split per recording');
    const width = (await page.locator('.editor-group-container').first().boundingBox())?.width ?? 0;
    assert.ok(width > 1000, `the timeline keeps the group's width (${width} px)`);
    await runCommand(page, 'I/O Lens: Stop Tracing');
    const frame = await trace(page);
    await until('the recording to end', async () => (await status(frame)) === 'Recorded');
    await screenshot(page, 'editor-two-recordings-light');
  });

  it('with iolens.reuseRecordingTab, a recording takes the tab of the previous one', async () => {
    const { page } = session;
    const settingsFile = join(workspace, '.vscode', 'settings.json');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ 'iolens.reuseRecordingTab': true }));
    let stopped = false;
    try {
      // the workbench reads the workspace settings file when its watcher sees it change: on a
      // loaded machine that took over 2 s (CI saw a third tab)
      await page.waitForTimeout(6000);
      const tabs = page.locator('.tabs-container .tab').filter({ hasText: /I\/O Lens: epoll_stall/ });
      assert.equal(await tabs.count(), 2);
      await launch(page, join(workspace, 'build', 'epoll_stall'), '--iterations 100000');
      await until('the third recording', async () => (await tabs.filter({ hasText: 'I/O Lens: epoll_stall (3)' }).count()) === 1, 60_000);
      assert.equal(await tabs.count(), 2, 'the previous recording\'s tab was taken over, not a new one opened');
      assert.equal(await tabs.filter({ hasText: 'I/O Lens: epoll_stall (2)' }).count(), 0, 'the previous recording is no longer shown');
      const frame = await trace(page);
      await until('live', async () => (await status(frame)) === 'Live', 60_000);
      await runCommand(page, 'I/O Lens: Stop Tracing');
      await until('the recording to end', async () => (await status(frame)) === 'Recorded', 30_000);
      stopped = true;
    } finally {
      rmSync(settingsFile, { force: true });
      // a recording left live would flood the tests after this one
      if (!stopped) await runCommand(page, 'I/O Lens: Stop Tracing').catch(() => undefined);
    }
  });

  it('re-themes the charts when the colour theme changes', async () => {
    const { page } = session;
    const frame = await openRecorded(page, 'demo/uio-edu-epoll.iolens');
    // select an event from the keyboard: the histogram of its kind appears beside the rate chart
    await frame.locator('canvas.timeline-canvas').focus();
    await frame.locator('canvas.timeline-canvas').press('ArrowRight');
    await until('the histogram', async () => frame.locator('.charts .chart-canvas').first().isVisible());
    const colours = async (): Promise<{ ticks: string[]; theme: string }> => ({
      ticks: await frame.locator('.charts canvas.chart-canvas').evaluateAll((cs) => cs.map((c) => (c as unknown as { dataset: Record<string, string> }).dataset.tickColor ?? '')),
      // the theme's colour for secondary text, as VS Code gives it to the webview
      theme: await frame.locator('html').evaluate((el) => {
        const view = (el as unknown as { ownerDocument: { defaultView: { getComputedStyle(e: unknown): { getPropertyValue(n: string): string } } } }).ownerDocument.defaultView;
        return view.getComputedStyle(el).getPropertyValue('--vscode-descriptionForeground').trim();
      }),
    });
    const light = await until('the charts drawn', async () => {
      const c = await colours();
      return c.ticks.length === 2 && c.ticks.every((t) => t) ? c : undefined;
    });
    assert.deepEqual(light.ticks.map((t) => t.toLowerCase()), [light.theme, light.theme].map((t) => t.toLowerCase()), 'the axes use the theme colour');
    await setColorTheme(page, 'Default Dark Modern');
    const dark = await until('the charts re-themed', async () => {
      const c = await colours();
      return c.theme.toLowerCase() !== light.theme.toLowerCase() && c.ticks.every((t) => t.toLowerCase() === c.theme.toLowerCase()) ? c : undefined;
    });
    assert.notEqual(dark.ticks[0], light.ticks[0]);
    await page.waitForTimeout(300);
    await screenshot(page, 'editor-charts-dark');
    await setColorTheme(page, 'Default Light Modern');
  });

  it('narrows the tracks to those matching the filter', async () => {
    const { page } = session;
    const frame = await openRecorded(page, 'demo/uio-edu-epoll.iolens');
    const tracks = async (): Promise<string[]> => frame.locator('ol.timeline-tracks li').allTextContents();
    const before = await until('the tracks', async () => ((await tracks()).length >= 2 ? tracks() : undefined));
    assert.ok(before.some((t) => t.startsWith('uio0')), before.join(' | '));
    // / puts the cursor in the filter box, as Ctrl+F does
    await frame.locator('canvas.timeline-canvas').focus();
    await frame.locator('canvas.timeline-canvas').press('/');
    const box = frame.locator('.tb-filter input');
    await until('the filter box focused', async () => box.evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement));
    await box.fill('read');
    const after = await until('fewer tracks', async () => {
      const t = await tracks();
      return t.length < before.length && t.length > 0 ? t : undefined;
    });
    assert.deepEqual(after.map((t) => t.split(' ')[0]), ['edu_uio'], `only the thread with reads: ${after.join(' | ')}`);
    const status = await frame.locator('.tb-filter-status').textContent();
    assert.match(status ?? '', /\d+ events? · 1 track$/);
    await screenshot(page, 'editor-filter-light');
    await box.fill('path:/dev/uio0 >1ms');
    await until('the filter applied', async () => /events? · \d+ tracks?$/.test((await frame.locator('.tb-filter-status').textContent()) ?? ''));
    await box.fill('fd:x');
    await until('the error', async () => /fd: takes a number/.test((await frame.locator('.tb-filter-status').textContent()) ?? ''));
    await box.press('Escape');
    await box.press('Escape');
    await until('all the tracks again', async () => (await tracks()).length === before.length);
  });

  it('shows the keyboard help on ?', async () => {
    const { page } = session;
    const frame = await trace(page);
    const canvas = frame.locator('canvas.timeline-canvas');
    await canvas.focus();
    await canvas.press('?');
    const help = frame.locator('.keys-help');
    await help.waitFor({ state: 'visible', timeout: 5000 });
    const text = await help.innerText();
    assert.match(text, /Keyboard shortcuts/);
    for (const k of ['W', 'N', '/', '?']) assert.ok(text.includes(k), k);
    assert.match(text, /next and previous event of the same kind/);
    await screenshot(page, 'editor-keys-light');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden', timeout: 5000 });
  });

  it('the Stalls view says why it is empty, with the longest call and the setting to lower', async () => {
    const { page } = session;
    await openRecorded(page, 'demo/uio-edu-epoll.iolens');
    const settingsFile = join(workspace, '.vscode', 'settings.json');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ 'iolens.stallThresholdMs': 60000 }));
    try {
      await runCommand(page, 'I/O Lens: Focus on Stalls View');
      const message = page.getByText(/Nothing lasted 60000 ms or more in this trace; the longest was \S+ at [\d.]+ [nµm]?s\. Lower iolens\.stallThresholdMs/);
      await message.waitFor({ timeout: 20_000 });
      await screenshot(page, 'editor-stalls-empty-light');
    } finally {
      rmSync(settingsFile, { force: true });
    }
    // back to the 10 ms of the user settings (nothing in this trace lasts that long either)
    await page.getByText(/Nothing lasted 10 ms or more in this trace/).waitFor({ timeout: 20_000 });
  });

  it('opens a trace past iolens.memoryBudgetMiB paged: the notice says so and where its findings are, and the charts say why they have no rate', async () => {
    const { page } = session;
    // a file with an index (as record writes them): its event count is known before it is read
    await writeWithOverview(join(workspace, 'demo', 'paged.iolens'), randomStream(new Rng(14), 20_000));
    const settingsFile = join(workspace, '.vscode', 'settings.json');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    // a budget of 0 MiB: every trace with an index is past it
    writeFileSync(settingsFile, JSON.stringify({ 'iolens.memoryBudgetMiB': 0 }));
    try {
      // the workbench reads the settings file when its watcher sees it: an open before then is in memory
      let frame: FrameLocator | undefined;
      await until('the trace opened paged', async () => {
        frame = await openRecorded(page, 'demo/paged.iolens');
        return /opened paged/.test((await frame.locator('.banner .banner-text').textContent({ timeout: 5_000 }).catch(() => '')) ?? '');
      }, 60_000);
      const f = frame as FrameLocator;
      assert.match((await f.locator('.banner').textContent()) ?? '', /iolens report .*paged\.iolens/, 'and what to do instead');
      assert.equal(await f.locator('.banner.warning .codicon-warning').count(), 1, 'a warning (the trace is shown), not an error');
      assert.ok((await f.locator('ol.timeline-tracks li').count()) >= 2, 'the timeline still shows the tracks');
      const rate = f.locator('.charts .chart-note').filter({ hasText: /event rate is unavailable/ });
      await rate.waitFor({ timeout: 20_000 });
      assert.match((await rate.textContent()) ?? '', /^The event rate is unavailable: this trace \(20 k events\) is opened paged/);
      // its findings come from one pass over the file in a worker, after the paged open
      await until('the background analysis done', async () => /the findings and call sites \(Problems, Findings, CodeLens\) come from one pass over the file in the background/.test((await f.locator('.banner .banner-text').textContent()) ?? ''), 60_000);
      await screenshot(page, 'editor-paged-light');
    } finally {
      rmSync(settingsFile, { force: true });
    }
  });

  it('offers "Launch with I/O Lens" on executables in the Explorer, and asks for the arguments', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'View: Show Explorer');
    const row = (level: number, name: string) => page.locator(`.explorer-folders-view .monaco-list-row[aria-level="${level}"][aria-label=${JSON.stringify(name)}]`).first();
    // one folder open at a time: the list is virtual, and with both open the files of the second
    // can lie past the rendered rows (CI saw it once build/ had grown). A click can land while the
    // tree re-renders (CI saw build stay folded): clicked until it says so.
    const setOpen = async (folder: string, open: boolean): Promise<void> => {
      await until(`the ${folder} folder ${open ? 'open' : 'folded'}`, async () => {
        if ((await row(1, folder).getAttribute('aria-expanded')) === String(open)) return true;
        await row(1, folder).click();
        await page.waitForTimeout(500);
        return (await row(1, folder).getAttribute('aria-expanded')) === String(open);
      });
    };
    const item = page.locator('.context-view .action-item').filter({ hasText: /^Launch with I\/O Lens$/ });
    // a source file has no such item
    await setOpen('build', false);
    await setOpen('src', true);
    await row(2, 'epoll_stall.c').click({ button: 'right' });
    await page.locator('.context-view .action-item').first().waitFor({ timeout: 10_000 });
    assert.equal(await item.count(), 0, 'no launch on a C source file');
    await page.keyboard.press('Escape');
    await setOpen('src', false);
    await setOpen('build', true);
    await row(2, 'epoll_stall').click({ button: 'right' });
    await item.waitFor({ timeout: 10_000 });
    await screenshot(page, 'editor-explorer-launch-light');
    await item.click();
    const title = page.locator('.quick-input-widget .quick-input-title');
    await until('the arguments box', async () => /Launch epoll_stall with I\/O Lens/.test(await title.innerText()), 10_000);
    await page.keyboard.press('Escape');
    // fold it again: the long list would push the others' files out of the rendered rows
    await setOpen('build', false);
  });

  it('has a walkthrough for the first run', async () => {
    const { page } = session;
    await runCommand(page, 'Welcome: Open Walkthrough...');
    const input = page.locator('.quick-input-widget input.input');
    await input.fill('I/O Lens');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Get started with I/O Lens' }).first().click();
    const steps = page.locator('.getting-started-step .step-title');
    await until('the steps', async () => ((await steps.allInnerTexts()).length >= 5 ? true : undefined));
    const titles = await steps.allInnerTexts();
    for (const t of ['Trace a program', 'Open a saved trace', 'Read the timeline', 'Find the stalls', 'Filter and focus']) assert.ok(titles.some((x) => x.includes(t)), `${t} in ${titles.join(' | ')}`);
    await screenshot(page, 'editor-walkthrough-light');
    await runCommand(page, 'View: Close All Editors');
  });

  // The gallery the issue asks to look at: every theme, wide and narrow.
  it('stays usable in an editor column about 300 px wide: the details under their buttons, not behind them', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    // four editor groups side by side (the window keeps its size: a narrow window changes more than
    // the column), the trace in the first
    for (let i = 0; i < 3; i++) await runCommand(page, 'View: New Editor Group to the Right');
    try {
      await runCommand(page, 'View: Focus First Editor Group');
      await openExplorerFile(page, 'demo/uio-edu-epoll.iolens');
      const frame = await trace(page);
      await until('the trace read', async () => (await status(frame)) === 'Recorded');
      const width = await page.locator('iframe.webview.ready').filter({ visible: true }).last().evaluate((el) => el.getBoundingClientRect().width);
      assert.ok(width <= 380, `the timeline's column is narrow (${width} px)`);
      const canvas = frame.locator('canvas.timeline-canvas');
      await canvas.focus();
      await canvas.press('ArrowDown');
      await canvas.press('ArrowRight');
      const firstRow = frame.locator('.details dl.fields dt').first();
      await firstRow.waitFor({ state: 'visible', timeout: 10_000 });
      const header = await frame.locator('.details .pane-header').boundingBox();
      const row = await firstRow.boundingBox();
      assert.ok(header && row && row.y >= header.y + header.height - 1, `the first row (y ${row?.y}) below the header (bottom ${header ? header.y + header.height : '?'})`);
      assert.ok(await frame.locator('.toolbar .tb-title').isVisible(), 'the toolbar keeps its title');
      await screenshot(page, 'editor-narrow-300-light');
    } finally {
      await runCommand(page, 'View: Close All Editor Groups');
    }
  });

  for (const [theme, tag] of [
    ['Default Light Modern', 'light'],
    ['Default Dark Modern', 'dark'],
    ['Default High Contrast', 'hc-dark'],
    ['Default High Contrast Light', 'hc-light'],
  ] as const) {
    it(`gallery: ${tag}, at 1600 and 1000 px`, async function () {
      this.timeout(240_000);
      const { page } = session;
      await page.setViewportSize({ width: 1600, height: 1000 });
      await setColorTheme(page, theme);
      // a live recording, followed
      await runCommand(page, 'View: Close All Editors');
      await launch(page, join(workspace, 'build', 'epoll_stall'), '--iterations 4000');
      let frame = await trace(page);
      await until('live events', async () => (await status(frame)) === 'Live' && (await frame.locator('ol.timeline-tracks li').count()) >= 3, 60_000);
      await page.waitForTimeout(3000);
      await screenshot(page, `editor-gallery-${tag}-1600-live`);
      // (on a loaded machine the program may have finished already)
      if ((await status(frame)) === 'Live') await runCommand(page, 'I/O Lens: Stop Tracing').catch(async (e: unknown) => assert.equal(await status(frame), 'Recorded', String(e)));
      await until('the recording to end', async () => (await status(frame)) === 'Recorded', 30_000);
      for (const width of [1600, 1000]) {
        await page.setViewportSize({ width, height: 1000 });
        // the recording, an event selected, and the Stalls view beside it
        await frame.locator('canvas.timeline-canvas').focus();
        await frame.locator('canvas.timeline-canvas').press('ArrowDown');
        await frame.locator('canvas.timeline-canvas').press('ArrowRight');
        await runCommand(page, 'I/O Lens: Focus on Stalls View');
        // the stalled reads' call site opened on its calls (by its twistie: without opening its line)
        const site = page.locator('.monaco-list-row[aria-level="1"]').filter({ hasText: /^read\s+\S*epoll_stall\.c:\d+/ }).first();
        await site.waitFor({ timeout: 15_000 });
        if ((await site.getAttribute('aria-expanded')) !== 'true') await site.locator('.monaco-tl-twistie').click();
        await until('the site expanded', async () => (await site.getAttribute('aria-expanded')) === 'true', 5000);
        await page.waitForTimeout(1200);
        await screenshot(page, `editor-gallery-${tag}-${width}-recorded`);
        await runCommand(page, 'I/O Lens: Focus on Findings View');
        await page.waitForTimeout(800);
        await screenshot(page, `editor-gallery-${tag}-${width}-findings`);
        await frame.locator('canvas.timeline-canvas').press('?');
        await frame.locator('.keys-help').waitFor({ state: 'visible', timeout: 5000 });
        await screenshot(page, `editor-gallery-${tag}-${width}-keys`);
        await page.keyboard.press('Escape');
      }
      await page.setViewportSize({ width: 1600, height: 1000 });
      frame = await openRecorded(page, 'demo/uio-edu-epoll.iolens');
      const box = frame.locator('.tb-filter input');
      for (const width of [1600, 1000]) {
        await page.setViewportSize({ width, height: 1000 });
        await frame.locator('canvas.timeline-canvas').focus();
        await frame.locator('canvas.timeline-canvas').press('ArrowRight');
        await page.waitForTimeout(800);
        await screenshot(page, `editor-gallery-${tag}-${width}-demo`);
        await box.fill('read >10us');
        await until('the filter', async () => /events? · \d+ tracks?$/.test((await frame.locator('.tb-filter-status').textContent()) ?? ''));
        await page.waitForTimeout(500);
        await screenshot(page, `editor-gallery-${tag}-${width}-filter`);
        await box.fill('');
        await box.press('Enter');
      }
      await runCommand(page, 'View: Close All Editors');
      await openExplorerFile(page, 'traces/garbage.iolens');
      await (await activeWebview(page)).locator('.problem-page').waitFor({ timeout: 20_000 });
      for (const width of [1600, 1000]) {
        await page.setViewportSize({ width, height: 1000 });
        await page.waitForTimeout(500);
        await screenshot(page, `editor-gallery-${tag}-${width}-unreadable`);
      }
      await page.setViewportSize({ width: 1600, height: 1000 });
    });
  }
});
