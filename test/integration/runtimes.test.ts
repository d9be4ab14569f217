/**
 * "Jump to code" in a Node.js program: a launched node (iolens passes V8's perf-map flags itself)
 * blocks its event loop in a timer; its stalled reads are grouped at the JavaScript function's call
 * (its readSync line), and opening one opens the .js file there. Runs inside the extension host.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { IolensApi } from '../../extension/src/vscode/extension';
import type { TraceSession } from '../../extension/src/core/session/traceSession';
import { until } from './until';

describe('I/O Lens on a Node.js program', function () {
  this.timeout(90000);
  let api: IolensApi;
  let script: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<IolensApi>('iolens.iolens');
    assert.ok(ext, 'the extension is loaded');
    api = await ext.activate();
    script = join(ext.extensionPath, 'test', 'fixtures', 'runtimes', 'block_loop.js');
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("opens the JavaScript file at the call of a stall in node's event loop", async () => {
    // V8 names blockLoop's first line; its one call of readSync (the next frame) is the line
    const callLine = readFileSync(script, 'utf8').split('\n').findIndex((l) => l.includes('@mark:readSync')) + 1;
    const session = await vscode.commands.executeCommand<TraceSession | undefined>('iolens.launch', { program: 'node', args: [script] });
    assert.ok(session, 'a session started');
    await session.whenFinished();
    assert.equal(session.ended?.error, null, 'ended cleanly');
    assert.ok(session.notes.some((n) => /NODE_OPTIONS=".*--perf-basic-prof-only-functions/.test(n)), session.notes.join('\n'));
    try {
      const site = await until('the stalled reads at blockLoop', () =>
        api.stalls.getChildren().find((i) => i.kind === 'site' && i.site.call === 'read' && i.site.where?.file === script && i.site.where.line === callLine),
      );
      assert.ok(site.kind === 'site');
      assert.equal(site.site.where?.function, 'blockLoop');
      for (const item of [site, api.stalls.getChildren(site)[0]]) {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('iolens.openStall', item);
        const editor = await until('an editor', () => vscode.window.activeTextEditor);
        assert.equal(editor.document.uri.fsPath, script);
        assert.equal(editor.selection.active.line + 1, callLine);
      }
    } finally {
      for (const { pid } of session.pipeline.trace.processes.all()) rmSync(`/tmp/perf-${pid}.map`, { force: true });
    }
  });
});
