/**
 * Interop in a real VS Code: an strace log recorded here opens in the timeline (the strace log
 * editor, through `iolens import`) with its -k stacks at the fixture's lines, and Export Trace…
 * writes Perfetto and Chrome files of the current session. Runs inside the extension host.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { IolensApi } from '../../extension/src/vscode/extension';
import { checkPerfetto } from '../../extension/src/core/testing/perfettoCheck';
import { until } from './until';

let api: IolensApi;
let root: string;

describe('I/O Lens interop in VS Code', function () {
  this.timeout(90000);
  let dir: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<IolensApi>('iolens.iolens');
    assert.ok(ext, 'the extension is loaded');
    api = await ext.activate();
    root = ext.extensionPath;
    dir = mkdtempSync(join(tmpdir(), 'iolens-it-interop-'));
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a .strace log in the timeline, its stalls on the marked line, and exports it to Perfetto and Chrome', async () => {
    const log = join(dir, 'epoll_stall.strace');
    const r = spawnSync('strace', ['-f', '-tt', '-T', '-k', '-o', log, join(root, 'test/fixtures/build/epoll_stall'), '--iterations', '10'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `strace: ${r.stderr}`);
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(log));
    const session = await until('the imported session', () => (api.sessions.current?.title.endsWith('epoll_stall.strace') ? api.sessions.current : undefined), 30000);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom && tab.input.viewType === 'iolens.straceLog', 'a .strace file opens in the strace log editor');
    const src = readFileSync(join(root, 'test/fixtures/src/epoll_stall.c'), 'utf8').split('\n');
    const line = src.findIndex((l) => l.includes('@mark:stall-read')) + 1;
    // the stalled reads (20 ms each) are in the Stalls list, at the marked line
    const stalls = session.stalls(15e6).filter((id) => {
      const stack = session.pipeline.resolver.resolve(session.store.get(id)?.stackId ?? 0n);
      return stack?.frames.some((f) => f.file?.endsWith('epoll_stall.c') && f.line === line);
    });
    assert.equal(stalls.length, 2, `the two stalled reads at epoll_stall.c:${line}`);
    const pftrace = await vscode.commands.executeCommand<vscode.Uri | undefined>('iolens.exportTrace', { format: 'perfetto', output: join(dir, 'stall.pftrace') });
    assert.equal(pftrace?.fsPath, join(dir, 'stall.pftrace'));
    const t = checkPerfetto(readFileSync(join(dir, 'stall.pftrace')));
    assert.deepEqual(t.problems, []);
    assert.equal(t.events.filter((e) => e.name === 'read' && e.frames.some((f) => f.line === line && f.file?.endsWith('epoll_stall.c'))).length, 2);
    await vscode.commands.executeCommand('iolens.exportTrace', { format: 'chrome', output: join(dir, 'stall.json') });
    const json = JSON.parse(readFileSync(join(dir, 'stall.json'), 'utf8')) as { traceEvents: { ph: string; name: string }[] };
    assert.ok(json.traceEvents.some((e) => e.ph === 'X' && e.name === 'epoll_wait'));
  });

  it('opens a log of any name through Open strace Log…', async () => {
    const log = join(dir, 'run.log');
    const r = spawnSync('strace', ['-f', '-tt', '-T', '-o', log, join(root, 'test/fixtures/build/sigio_pipe'), '--iterations', '5'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    await vscode.commands.executeCommand('iolens.openStraceLog', vscode.Uri.file(log));
    const session = await until('the imported session', () => (api.sessions.current?.title.endsWith('run.log') ? api.sessions.current : undefined), 30000);
    let delivered = 0;
    for (let id = 0; id < session.store.size; id++) if (session.store.get(id)?.name === 'SIGIO delivered') delivered++;
    assert.equal(delivered, 5);
    assert.ok(existsSync(session.file), 'the imported trace is the session\'s own file');
  });
});
