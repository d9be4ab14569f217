// The e2e infrastructure's self-test: code-server with the smoke extension
// (test/integration/smoke-extension/) installed, driven through the palette, a tree view, a webview
// and the Explorer, in a light and a dark theme. Screenshots: test/artifacts/e2e/.
//   node_modules/.bin/mocha --require tsx/cjs --timeout 300000 'test/e2e/**/*.e2e.ts'
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeEditor, activeWebview, clickTreeItem, openExplorerFile, openVSCode, runCommand, screenshot, setColorTheme, waitForEditor, type Session } from './helpers';

const smoke = join(__dirname, '..', 'integration', 'smoke-extension');

describe('e2e infrastructure smoke (code-server + Chromium)', function () {
  let session: Session;
  let workspace: string;

  before(async function () {
    this.timeout(240_000); // includes installing code-server on a fresh machine
    workspace = mkdtempSync(join(tmpdir(), 'iolens-e2e-smoke-'));
    cpSync(join(smoke, 'workspace'), workspace, { recursive: true });
    session = await openVSCode({ workspace, extensions: [smoke], theme: 'Default Light Modern' });
    process.stderr.write(`    (server ready ${session.timings.server} ms, workbench ${session.timings.workbench} ms)\n`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await screenshot(session.page, `FAILED-${this.currentTest.fullTitle()}`);
      process.stderr.write(`    screenshot: ${file}\n    page errors: ${session.errors.slice(-10).join('\n      ') || 'none'}\n`);
    }
  });

  after(async () => {
    await session?.close();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  for (const theme of ['Default Light Modern', 'Default Dark Modern']) {
    const tag = theme.includes('Light') ? 'light' : 'dark';

    it(`${tag}: a palette command opens a file at a line`, async () => {
      const { page } = session;
      if (tag === 'dark') await setColorTheme(page, theme);
      const t = Date.now();
      await runCommand(page, 'Smoke: Open File at Line');
      const ed = await waitForEditor(page, 'src/hello.txt', 7);
      assert.equal(ed.path, join(workspace, 'src', 'hello.txt'));
      process.stderr.write(`    (command → editor ${Date.now() - t} ms)\n`);
      await screenshot(page, `smoke-${tag}-command`);
    });

    it(`${tag}: a tree item click opens its line`, async () => {
      await clickTreeItem(session.page, 'hello line 12', { view: 'Smoke Tree' });
      await waitForEditor(session.page, 'src/hello.txt', 12);
    });

    it(`${tag}: a webview button opens a line`, async () => {
      const { page } = session;
      const t = Date.now();
      await runCommand(page, 'Smoke: Show Webview');
      const first = (await (await activeWebview(page)).locator('#title').textContent()) ?? '';
      assert.match(first, /^smoke webview \d+$/);
      process.stderr.write(`    (command → webview ${Date.now() - t} ms)\n`);
      // a second panel hides the first, then its tab brings the first back: the helper must
      // follow whichever is visible
      await runCommand(page, 'Smoke: Show Webview');
      await (await activeWebview(page)).locator('#title').filter({ hasNotText: first }).waitFor();
      await page.locator('.tabs-container .tab', { hasText: first.replace('smoke webview', 'Smoke Webview') }).click();
      const view = await activeWebview(page);
      await view.locator('#title').filter({ hasText: new RegExp(`^${first}$`) }).waitFor();
      assert.equal(await page.locator('iframe.webview.ready').count(), 2, 'both webviews exist (retainContextWhenHidden), one hidden');
      assert.equal(await activeEditor(page), null, 'a webview is no text editor');
      await screenshot(page, `smoke-${tag}-webview`);
      await view.locator('#go').click();
      await waitForEditor(page, 'src/hello.txt', 5);
    });

    it(`${tag}: double-clicking in the Explorer opens the file`, async () => {
      await runCommand(session.page, 'View: Close All Editors');
      await openExplorerFile(session.page, 'src/more/notes.txt');
      await waitForEditor(session.page, 'src/more/notes.txt', 1);
      await screenshot(session.page, `smoke-${tag}-explorer`);
    });
  }
});
