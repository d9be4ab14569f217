// Playwright helpers for end-to-end tests against code-server 4.100.3 (VS Code 1.100.3) in
// Debian's Chromium (TESTING.md, "Real VS Code"). Selectors are the workbench's own DOM; each
// helper waits for what it needs and throws a message that says what it saw instead.
//
// Reading the active editor: E2E_SETTINGS sets `window.title` to `editor: ${activeEditorLong}`, so
// the page title holds the full path of the active text editor; the line and column come from
// the status bar item `status.editor.selection` ("Ln 7, Col 1"). Both are what a user sees.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { launchChromium, startCodeServer, type CodeServer, type StartOptions } from '../../scripts/codeserver.mjs';

const root = join(__dirname, '..', '..');
/** Where screenshots go (git-ignored). */
export const ARTIFACTS = join(root, 'test', 'artifacts', 'e2e');

const TITLE_PREFIX = 'editor:';
/** Settings the helpers rely on; openVSCode applies them. */
export const E2E_SETTINGS: Record<string, unknown> = { 'window.title': `${TITLE_PREFIX} \${activeEditorLong}` };

const PALETTE_INPUT = '.quick-input-widget input.input';
const PALETTE_ROWS = '.quick-input-list .monaco-list-row';

/** Polls `probe` every 100 ms until it returns a value other than undefined, or throws `what()`. */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what()} (after ${timeoutMs / 1000} s)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A code-server, a browser and a workbench page, closed together. */
export interface Session {
  server: CodeServer;
  browser: Browser;
  page: Page;
  /** Milliseconds: server ready, workbench shown. */
  timings: { server: number; workbench: number };
  /** Errors the page logged (handy in failure messages). */
  errors: string[];
  /** Closes the browser and kills the server's process group. */
  close(): Promise<void>;
}

/**
 * Starts code-server on `workspace` with `extensions` installed (symlinked), opens the workbench
 * in Chromium and waits for it. `theme` is a `workbench.colorTheme` value, e.g. 'Default Light Modern'.
 */
export async function openVSCode(opts: {
  workspace: string;
  extensions?: string[];
  theme?: string;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  /** More for startCodeServer: an extensions folder with installed VSIXs, a jail (another root file system). */
  server?: Pick<StartOptions, 'extensionsDir' | 'userDataDir' | 'jail'>;
}): Promise<Session> {
  let t = Date.now();
  const settings = { ...E2E_SETTINGS, ...(opts.theme ? { 'workbench.colorTheme': opts.theme } : {}), ...opts.settings };
  const server = await startCodeServer({ workspace: opts.workspace, extensions: opts.extensions, settings, env: opts.env, ...opts.server });
  const timings = { server: Date.now() - t, workbench: 0 };
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      // vsda (a proprietary module) is always missing: harmless 404s (TESTING.md)
      if (m.type() === 'error' && !m.location().url.includes('vsda')) errors.push(m.text());
    });
    t = Date.now();
    await openWorkbench(page, server.url);
    timings.workbench = Date.now() - t;
    const b = browser;
    const close = async (): Promise<void> => {
      await b.close().catch(() => {});
      await server.stop();
    };
    return { server, browser: b, page, timings, errors, close };
  } catch (e) {
    await browser?.close().catch(() => {});
    await server.stop();
    throw e;
  }
}

/** Opens a workbench address and waits for `.monaco-workbench`. */
export async function openWorkbench(page: Page, url: string, timeoutMs = 60_000): Promise<void> {
  await page.goto(url, { timeout: timeoutMs });
  await page.locator('.monaco-workbench').waitFor({ timeout: timeoutMs });
}

/** A command row's accessible name is its label, then maybe ", <keybinding>" or ", similar commands". */
const isCommandRow = (label: string) => (aria: string) => aria === label || aria.startsWith(`${label},`);

/** The first quick-input row whose accessible name `matches`, polled for `timeoutMs`. */
async function findRow(page: Page, matches: (aria: string) => boolean, timeoutMs: number): Promise<{ row?: Locator; seen: string[] }> {
  const rows = page.locator(PALETTE_ROWS);
  let seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  do {
    seen = [];
    const n = await rows.count();
    for (let i = 0; i < n; i++) {
      const aria = ((await rows.nth(i).getAttribute('aria-label').catch(() => null)) ?? '').trim();
      seen.push(aria);
      if (matches(aria)) return { row: rows.nth(i), seen };
    }
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  return { seen };
}

/**
 * Runs a command from the palette by its label as the palette shows it ("Category: Title").
 * The palette reads the command list when it opens, so while the command is missing (its extension
 * not active yet) this closes and reopens it every second, up to `timeoutMs`.
 */
export async function runCommand(page: Page, label: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator(PALETTE_INPUT);
  for (let attempt = 0; ; attempt++) {
    // F1, and Ctrl+Shift+P on every other attempt: a key the focused element swallowed (a webview
    // still taking the focus, a closing quick pick) leaves the palette shut; it is then tried again
    await page.keyboard.press(attempt % 2 ? 'Control+Shift+P' : 'F1');
    const opened = await input.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false);
    if (!opened) {
      if (Date.now() > deadline) throw new Error(`the palette did not open for "${label}" (F1, Ctrl+Shift+P), again for ${timeoutMs / 1000} s`);
      await page.keyboard.press('Escape');
      continue;
    }
    // the palette closes when the workbench moves the focus (an editor or a notification that
    // opens as it appears, as a recording's end can bring): then it is opened again
    const typed = await input.fill(`>${label}`, { timeout: 5_000 }).then(() => true, () => false);
    if (!typed) {
      if (Date.now() > deadline) throw new Error(`the palette closed before "${label}" could be typed, again for ${timeoutMs / 1000} s`);
      continue;
    }
    const { row, seen } = await findRow(page, isCommandRow(label), 1000);
    if (row) {
      await row.click();
      // the palette closes, or turns into the command's own quick pick (no '>' prefix)
      await until(async () => !(await input.isVisible()) || !(await input.inputValue()).startsWith('>') || undefined, 10_000, () => `the palette stayed open after picking "${label}"`);
      return;
    }
    await page.keyboard.press('Escape');
    if (Date.now() > deadline) throw new Error(`command "${label}" is not in the palette after ${timeoutMs / 1000} s; it showed: ${seen.join(' | ') || 'nothing'}`);
    await page.waitForTimeout(1000);
  }
}

/** The content of the visible webview (`iframe.webview.ready`, then `#active-frame`). */
export async function activeWebview(page: Page, timeoutMs = 30_000): Promise<FrameLocator> {
  const outer = page.locator('iframe.webview.ready').filter({ visible: true }).last();
  await outer.waitFor({ timeout: timeoutMs });
  const inner = outer.contentFrame().locator('#active-frame');
  await inner.waitFor({ timeout: timeoutMs });
  return inner.contentFrame();
}

/** Where the cursor is. */
export interface EditorPosition {
  /** Full path of the active text editor's file. */
  path: string;
  /** 1-based, as the status bar shows it; null when the status bar has none (e.g. a webview is active). */
  line: number | null;
  column: number | null;
}

/** The active text editor's path and cursor position, or null when no file editor is active (none, a webview, an untitled file). */
export async function activeEditor(page: Page): Promise<EditorPosition | null> {
  const title = await page.title();
  const at = title.indexOf(TITLE_PREFIX);
  if (at < 0) throw new Error(`the page title "${title}" does not start with "${TITLE_PREFIX}": start code-server with E2E_SETTINGS (openVSCode does)`);
  const path = title.slice(at + TITLE_PREFIX.length).trim();
  // a webview or an untitled editor shows its name here, not an absolute path
  if (!path.startsWith('/')) return null;
  const item = page.locator('[id="status.editor.selection"]');
  const text = (await item.count()) ? await item.getAttribute('aria-label') : null;
  const m = /Ln (\d+), Col (\d+)/.exec(text ?? '');
  return { path, line: m ? Number(m[1]) : null, column: m ? Number(m[2]) : null };
}

/** Waits until the active editor's path ends with `pathSuffix` (and its cursor is on `line`, if given). */
export async function waitForEditor(page: Page, pathSuffix: string, line?: number, timeoutMs = 15_000): Promise<EditorPosition> {
  let last: EditorPosition | null = null;
  return until(
    async () => {
      last = await activeEditor(page);
      return last && last.path.endsWith(pathSuffix) && (line === undefined || last.line === line) ? last : undefined;
    },
    timeoutMs,
    () => `expected the active editor at ${pathSuffix}${line === undefined ? '' : `:${line}`}, saw ${last ? `${last.path}:${last.line}` : 'no text editor'}`,
  );
}

/**
 * Clicks (or double-clicks) the tree item labelled `label`. `view` is the section title shown in
 * the side bar (e.g. "Smoke Tree"), expanded first when collapsed; omit it for a view alone in its container.
 */
export async function clickTreeItem(page: Page, label: string, opts: { view?: string; double?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const timeout = opts.timeoutMs ?? 15_000;
  let scope: Page | Locator = page;
  if (opts.view) {
    const header = page.locator(`.pane-header[aria-label=${JSON.stringify(`${opts.view} Section`)}]`);
    await header.waitFor({ timeout });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    scope = page.locator('.pane').filter({ has: header });
  }
  const exact = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  const row = scope.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  await row.waitFor({ timeout });
  await (opts.double ? row.dblclick() : row.click());
}

/** Shows the Explorer and double-clicks `relPath` (folders separated by '/'), expanding its folders. */
export async function openExplorerFile(page: Page, relPath: string, timeoutMs = 15_000): Promise<void> {
  await runCommand(page, 'View: Show Explorer');
  // folders an earlier test left open can push the path's rows past the list's rendered ones (it
  // is virtual): folded first, with the view's own button
  const collapse = page.locator('.part.sidebar .action-label[aria-label="Collapse Folders in Explorer"]').first();
  if (await collapse.isVisible()) await collapse.click();
  const parts = relPath.split('/').filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-level="${i + 1}"][aria-label=${JSON.stringify(parts[i])}]`).first();
    await row.waitFor({ timeout: timeoutMs });
    if (i === parts.length - 1) await row.dblclick();
    else if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
  }
}

/** Saves a screenshot of the page as test/artifacts/e2e/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The workbench's theme class for a theme label: vs, vs-dark, hc-black or hc-light. */
function themeClass(theme: string): string {
  if (/high contrast light/i.test(theme)) return 'hc-light';
  if (/high contrast/i.test(theme)) return 'hc-black';
  return /light/i.test(theme) ? 'vs' : 'vs-dark';
}

/**
 * Sets the color theme the way a user does: "Preferences: Color Theme", pick the theme; VS Code
 * writes it to the user settings. `theme` is the settings value ("Default Dark Modern"), which
 * VS Code 1.100's picker shows beside its label ("Dark Modern"). (code-server does not notice edits of its settings file made
 * behind its back: for the first theme, pass `theme` to openVSCode instead.)
 */
export async function setColorTheme(page: Page, theme: string, timeoutMs = 15_000): Promise<void> {
  const wanted = themeClass(theme);
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator(PALETTE_INPUT);
  await input.fill(theme);
  // rows read "Dark Modern, Default Dark Modern": the label, then the settings value
  const { row, seen } = await findRow(page, (aria) => aria.split(', ').includes(theme), timeoutMs);
  if (!row) throw new Error(`theme "${theme}" is not in the theme picker; it showed: ${seen.join(' | ')}`);
  await row.click();
  await input.waitFor({ state: 'hidden', timeout: timeoutMs });
  const wb = page.locator('.monaco-workbench');
  await until(async () => ((await wb.getAttribute('class')) ?? '').split(/\s+/).includes(wanted) || undefined, timeoutMs, () => `the workbench did not switch to ${theme} (${wanted})`);
}
