// The infrastructure's self-test: runs in the extension host with the smoke extension loaded from
// source. It checks the vscode API is real, the command works, and failures would be reported.
/* global require, describe, it */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, loaded by the extension host */
const assert = require('node:assert/strict');
const vscode = require('vscode');

describe('smoke extension in a real extension host', () => {
  it('runs inside VS Code 1.100 with a workspace folder', () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    assert.ok(vscode.workspace.workspaceFolders?.length, 'a workspace folder is open');
  });

  it('is loaded from its development path and activates', async () => {
    const ext = vscode.extensions.getExtension('iolens-test.smoke');
    assert.ok(ext, 'iolens-test.smoke is known to the extension host');
    await ext.activate();
    assert.ok(ext.isActive);
  });

  it('opens a file at a line through its command', async () => {
    await vscode.commands.executeCommand('iolensSmoke.openAtLine', 'src/hello.txt', 9);
    const ed = vscode.window.activeTextEditor;
    assert.ok(ed, 'an editor is active');
    assert.match(ed.document.uri.path, /\/src\/hello\.txt$/);
    assert.equal(ed.selection.active.line + 1, 9);
  });

  it('fails on purpose when IOLENS_SMOKE_FAIL is set (checks the runner reports failures)', () => {
    assert.equal(process.env.IOLENS_SMOKE_FAIL, undefined, 'IOLENS_SMOKE_FAIL is set: this failure is expected');
  });
});
