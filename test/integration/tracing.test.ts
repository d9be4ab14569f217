/**
 * The extension in a real VS Code (code-server here, Electron where it can be downloaded):
 * launch and attach on the fixtures, the session and its stall list, and the editor that "jump to
 * source" opens. Runs inside the extension host.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Style } from '../../protocol/messages';
import type { IolensApi } from '../../extension/src/vscode/extension';
import type { TraceSession } from '../../extension/src/core/session/traceSession';
import type { StallItem } from '../../extension/src/vscode/views/stalls';
import { until } from './until';

let api: IolensApi;
let root: string;

function fixture(name: string): string {
  return join(root, 'test', 'fixtures', 'build', name);
}

function markLine(source: string, mark: string): number {
  const lines = readFileSync(join(root, 'test', 'fixtures', 'src', `${source}.c`), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`@mark:${mark} `));
  assert.ok(i >= 0, `mark ${mark}`);
  return i + 1;
}

function stallItems(): StallItem[] {
  return api.stalls.getChildren();
}

describe('I/O Lens in VS Code', function () {
  this.timeout(90000);

  before(async () => {
    const ext = vscode.extensions.getExtension<IolensApi>('iolens.iolens');
    assert.ok(ext, 'the extension is loaded');
    api = await ext.activate();
    root = ext.extensionPath;
    assert.ok(existsSync(fixture('epoll_stall')), 'fixtures are built');
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('launches a program traced, lists its stalls by call site, and opens the stalled read at its line', async () => {
    const session = await vscode.commands.executeCommand<TraceSession | undefined>('iolens.launch', {
      program: fixture('epoll_stall'),
      args: ['--iterations', '20'],
    });
    assert.ok(session, 'a session started');
    assert.equal(api.sessions.current, session);
    await session.whenFinished();
    assert.equal(session.live, false);
    assert.equal(session.ended?.error, null, 'ended cleanly');
    // the Stalls view: the stalls grouped by call site, ranked by total time; the four stalled reads
    // (>= 20 ms each) under one site at the marked line; on a loaded machine a 5 ms sleep or a wait
    // of the ticker's rhythm can overshoot them, so that site is not always the first
    const readLine = markLine('epoll_stall', 'stall-read');
    const sites = await until('stalls', () => {
      const s = stallItems();
      return s.some((i) => i.kind === 'site' && i.site.call === 'read' && i.site.where?.line === readLine) ? s : undefined;
    });
    const siteTotals = sites.map((i) => (i.kind === 'site' ? i.site.total : -1));
    assert.deepEqual(siteTotals, [...siteTotals].sort((a, b) => b - a), 'sites ranked by total time');
    const site = sites.find((i) => i.kind === 'site' && i.site.call === 'read' && i.site.where?.line === readLine);
    assert.ok(site?.kind === 'site');
    assert.equal(site.site.ids.length, 4, 'the four stalled reads at one site');
    assert.equal(sites.filter((i) => i.kind === 'site' && i.site.call === 'read' && i.site.where?.line === readLine).length, 1, 'one site for the line');
    const siteTree = api.stalls.getTreeItem(site);
    // the workspace is test/fixtures: paths inside it are shown relative to it
    assert.equal(siteTree.label, `read  src/epoll_stall.c:${readLine}`);
    assert.match(String(siteTree.description), /^\d+\.\d ms in 4 calls · longest \d+\.\d ms$/);
    // its calls, longest first, each one of the stalled reads
    const calls = api.stalls.getChildren(site);
    assert.equal(calls.length, 4);
    const durations = calls.map((i) => {
      const e = i.kind === 'call' ? i.session.store.get(i.eventId) : undefined;
      assert.equal(e?.name, 'read');
      return (e?.end ?? 0) - (e?.start ?? 0);
    });
    assert.deepEqual(durations, [...durations].sort((a, b) => b - a), 'longest first');
    assert.ok(durations.every((d) => d >= 19e6), `the stalled reads: ${durations.join(', ')}`);
    const stalled = calls[0];
    const tree = api.stalls.getTreeItem(stalled);
    // the site names the call and the line: a call, its duration, time and thread
    assert.match(String(tree.label), /^\d+\.\d ms$/);
    assert.match(String(tree.description), /^at \d+\.\d{3} s · epoll_stall \d+$/);
    // a call opens its source at the line; so does its site
    for (const item of [stalled, site]) {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('iolens.openStall', item);
      const editor = await until('an editor', () => vscode.window.activeTextEditor);
      assert.equal(editor.document.uri.fsPath, join(root, 'test', 'fixtures', 'src', 'epoll_stall.c'));
      assert.equal(editor.selection.active.line + 1, readLine);
    }
    assert.ok(api.sessions.timeline(session), 'the timeline shows the session');

    // the diagnosis in the Problems panel: the blocked loop at the stalled read's line, with a code
    // action that shows its events in the timeline
    api.findings.refresh();
    const uri = vscode.Uri.file(join(root, 'test', 'fixtures', 'src', 'epoll_stall.c'));
    const diags = await until('diagnostics', () => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'I/O Lens');
      return d.length ? d : undefined;
    });
    const blocked = diags.find((x) => x.code === 'loop-blocked');
    assert.ok(blocked, JSON.stringify(diags.map((x) => x.code)));
    assert.equal(blocked.range.start.line + 1, markLine('epoll_stall', 'stall-read'));
    assert.equal(blocked.severity, vscode.DiagnosticSeverity.Error);
    assert.match(blocked.message, /read\(\) blocked the event loop .* 4 times/);
    assert.match(blocked.message, /Fix: make fd \d+ non-blocking/);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, blocked.range);
    const show = actions.find((a) => /events of this finding in the timeline/.test(a.title));
    assert.ok(show?.command, JSON.stringify(actions.map((a) => a.title)));
    await vscode.commands.executeCommand(show.command.command, ...(show.command.arguments ?? []));
    assert.ok(api.sessions.timeline(session), 'the timeline shows the finding');

    // the Findings view: grouped by rule, ranked by impact; the blocked loop at the stalled read's
    // line with its wake-up chain as children; by file, the same finding under epoll_stall.c; a
    // selected finding opens its line
    const groups = await until('findings', () => {
      const g = api.findingsView.getChildren();
      return g.length ? g : undefined;
    });
    const totals = groups.map((g) => (g.kind === 'group' ? g.findings.reduce((n, f) => n + f.impactNs, 0) : 0));
    assert.deepEqual(totals, [...totals].sort((a, b) => b - a), 'groups ranked by the time at stake');
    const loopGroup = groups.find((g) => g.kind === 'group' && g.findings[0].rule === 'loop-blocked');
    assert.ok(loopGroup, `a loop-blocked group: ${groups.map((g) => (g.kind === 'group' ? g.label : g.kind)).join(', ')}`);
    assert.equal(api.findingsView.getTreeItem(loopGroup).label, 'event loop blocked');
    const [node] = api.findingsView.getChildren(loopGroup);
    assert.ok(node?.kind === 'finding');
    const item = api.findingsView.getTreeItem(node);
    assert.match(String(item.label), new RegExp(`^epoll_stall\\.c:${markLine('epoll_stall', 'stall-read')}  read\\(\\) blocked the event loop .* 4 times`));
    assert.match(String(item.description), /^\d+(\.\d+)? m?s$/);
    assert.match((item.tooltip as vscode.MarkdownString).value, /\*\*Fix:\*\* make fd \d+ non\\-blocking/);
    const hops = api.findingsView.getChildren(node);
    assert.equal(hops.length, node.finding.chain.length);
    if (hops.length) assert.match(String(api.findingsView.getTreeItem(hops[0]).label), /^read fd \d+/);
    api.findingsView.groupBy('file');
    const byFile = api.findingsView.getChildren();
    const fileGroup = byFile.find((g) => g.kind === 'group' && g.label === 'epoll_stall.c');
    assert.ok(fileGroup, `an epoll_stall.c group: ${byFile.map((g) => (g.kind === 'group' ? g.label : g.kind)).join(', ')}`);
    assert.ok(api.findingsView.getChildren(fileGroup).some((n) => n.kind === 'finding' && n.finding.rule === 'loop-blocked'));
    api.findingsView.groupBy('rule');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('iolens.openFinding', node);
    const opened = await until('the finding\'s line', () => vscode.window.activeTextEditor);
    assert.equal(opened.document.uri.fsPath, join(root, 'test', 'fixtures', 'src', 'epoll_stall.c'));
    assert.equal(opened.selection.active.line + 1, markLine('epoll_stall', 'stall-read'));

    // the call sites beside the code: a CodeLens above the stalled read, a hover with its latencies
    const stallLine = markLine('epoll_stall', 'stall-read');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const readLens = lenses.find((l) => l.range.start.line + 1 === stallLine && /^read · /.test(l.command?.title ?? ''));
    assert.ok(readLens?.command, JSON.stringify(lenses.map((l) => `${l.range.start.line + 1}: ${l.command?.title}`)));
    assert.match(readLens.command.title, /^read · 4 calls · p99 \d+(\.\d+)? ms$/);
    await vscode.commands.executeCommand(readLens.command.command, ...(readLens.command.arguments ?? []));
    assert.ok(lenses.some((l) => l.range.start.line + 1 === markLine('epoll_stall', 'loop-wait') && /^epoll_wait · \d+ calls/.test(l.command?.title ?? '')), 'the loop\'s wait has its lens');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(stallLine - 1, 4));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /\*\*read\*\* from this line .*4 calls/);
    assert.match(text, /≤ \d+(\.\d+)? ms +█+ \d+/, 'the latency histogram');
    assert.doesNotMatch(text, /never slept/, 'the stalled reads slept until the pipe had data');
  });

  it('attaches to a running process by pid and follows it to its end', async () => {
    const target = spawn(fixture('aio_eventfd'), ['--wait', '--iterations', '10'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((r) => target.once('exit', (c) => r(c)));
    const pid = await new Promise<number>((resolve) => target.stdout.on('data', (d: Buffer) => {
      const m = /ready (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    }));
    const session = await vscode.commands.executeCommand<TraceSession | undefined>('iolens.attach', { pid });
    assert.ok(session);
    assert.equal(session.title, `aio_eventfd ${pid}`);
    assert.equal(session.live, true);
    target.stdin.end('go\n');
    assert.equal(await exited, 0);
    await session.whenFinished();
    const kinds = new Set<string>();
    for (let id = 0; id < session.store.size; id++) kinds.add(session.store.get(id)?.kind ?? '');
    assert.ok(kinds.has('aio'), 'AIO requests are in the store');
    const summary = session.summary();
    assert.equal(summary.live, false);
    assert.ok(summary.tracks.some((t) => t.kind === 'requests' && t.pid === pid));
  });

  it('saves a trace and opens it again in the trace editor', async () => {
    const session = await vscode.commands.executeCommand<TraceSession | undefined>('iolens.launch', {
      program: fixture('sigio_pipe'),
      args: ['--iterations', '5'],
    });
    assert.ok(session);
    await session.whenFinished();
    const dir = mkdtempSync(join(tmpdir(), 'iolens-it-'));
    try {
      const file = join(dir, 'sigio.iolens');
      const saved = await vscode.commands.executeCommand<vscode.Uri | undefined>('iolens.saveTrace', file);
      assert.equal(saved?.fsPath, file);
      assert.ok(existsSync(file));
      await vscode.commands.executeCommand('iolens.openTrace', file);
      const reopened = await until('the trace editor session', () => (api.sessions.current !== session ? api.sessions.current : undefined));
      await reopened.whenFinished(); // the editor opens at once and reads the file progressively
      assert.equal(reopened.live, false);
      assert.equal(reopened.store.size, session.store.size, 'the same events');
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      assert.ok(tab?.input instanceof vscode.TabInputCustom && tab.input.viewType === 'iolens.trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('opens the UIO demo trace: a track for the device, and its read() at the line in the workspace', async () => {
    // recorded in the QEMU guest of test/uio; its debug info names /usr/src/iolens/..., which is
    // not here: the source is found in the workspace (test/fixtures) by its path ending
    const file = join(root, 'demo', 'traces', 'uio-edu-epoll.iolens');
    const before = api.sessions.current;
    await vscode.commands.executeCommand('iolens.openTrace', file);
    const session = await until('the demo trace session', () => (api.sessions.current !== before ? api.sessions.current : undefined));
    await session.whenFinished();
    assert.equal(session.live, false);
    const summary = session.summary();
    const uio = summary.tracks.filter((t) => t.kind === 'uio');
    assert.equal(uio.length, 1, `one UIO device track: ${JSON.stringify(summary.tracks.map((t) => [t.kind, t.label]))}`);
    assert.match(uio[0].label, /uio0.*uio_pci_generic/);
    // 200 interrupts, 5 times two before one read: 195 wake-ups, each an arrow to the driver thread
    const wakeArrows = session.store.arrows.filter((a) => a.style === Style.uio && a.fromTrack === uio[0].id);
    assert.equal(wakeArrows.length, 195, 'arrows from the device track to the woken thread');
    let readId = -1;
    for (let id = 0; id < session.store.size && readId < 0; id++) {
      const e = session.store.get(id);
      if (e?.kind === 'syscall' && e.name === 'read') readId = id;
    }
    assert.ok(readId >= 0, 'a read() in the demo trace');
    const call: StallItem = { kind: 'call', session, eventId: readId };
    await vscode.commands.executeCommand('iolens.openStall', call);
    const editor = await until('an editor on edu_uio.c', () => {
      const ed = vscode.window.activeTextEditor;
      return ed?.document.uri.fsPath.endsWith('edu_uio.c') ? ed : undefined;
    });
    assert.equal(editor.document.uri.fsPath, join(root, 'test', 'fixtures', 'src', 'edu_uio.c'));
    assert.equal(editor.selection.active.line + 1, markLine('edu_uio', 'uio-epoll-read'));
  });

  it('opens a trace past iolens.memoryBudgetMiB paged: its tracks and details, its findings from a pass in the background, and a notice of what is unavailable', async () => {
    const recorded = await vscode.commands.executeCommand<TraceSession | undefined>('iolens.launch', {
      program: fixture('epoll_stall'),
      args: ['--iterations', '10'],
    });
    assert.ok(recorded);
    await recorded.whenFinished();
    const dir = mkdtempSync(join(tmpdir(), 'iolens-it-'));
    const config = vscode.workspace.getConfiguration('iolens');
    try {
      // a saved recording has the block index a paged open needs; a budget of 0 pages every such file
      const file = join(dir, 'paged.iolens');
      await vscode.commands.executeCommand('iolens.saveTrace', file);
      await config.update('memoryBudgetMiB', 0, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('iolens.openTrace', file);
      const session = await until('the paged trace session', () => (api.sessions.current !== recorded ? api.sessions.current : undefined));
      await session.whenFinished();
      assert.ok(session.pagedBy, 'opened paged');
      assert.equal(session.failure, null);
      const summary = session.summary();
      assert.equal(summary.events, recorded.store.size, 'every event');
      assert.deepEqual(summary.tracks.map((t) => t.label), recorded.summary().tracks.map((t) => t.label));
      assert.match(summary.problem?.message ?? '', /opened paged: the timeline and event details work; the findings and call sites .* in the background.*; filters, search .* are unavailable/);
      assert.equal(summary.problem?.fatal, false, 'a notice over the timeline, not in its place');
      // events with a stack, read back from the file: the recording's own, their stacks resolved as in memory
      const withStacks = [...Array(recorded.store.size).keys()].filter((id) => recorded.store.get(id)?.stackId).slice(0, 5);
      assert.ok(withStacks.length > 0, 'events with a stack');
      for (const id of withStacks) {
        assert.equal(session.event(id)?.name, recorded.store.get(id)?.name, `event ${id}`);
        assert.deepEqual(session.details(id)?.stack, recorded.details(id)?.stack, `event ${id}'s stack`);
      }
      assert.throws(() => session.filterSummary('read'), /filtering is unavailable: this trace .* is opened paged/);
      assert.match(session.unavailableWhy ?? '', /the Stalls view are unavailable.*iolens report/);

      // the findings, from the worker's pass over the file: the recording's, in the Problems panel at the stalled read's line
      await session.whenAnalysed();
      assert.equal(session.analysisFailure, null);
      assert.match(session.summary().problem?.message ?? '', /the findings and call sites .* come from one pass over the file in the background/);
      const expected = recorded.findings().map((f) => ({ rule: f.rule, title: f.title, impactNs: f.impactNs, events: f.events, where: f.where }));
      assert.deepEqual(session.findings().map((f) => ({ rule: f.rule, title: f.title, impactNs: f.impactNs, events: f.events, where: f.where })), expected);
      api.findings.refresh();
      const uri = vscode.Uri.file(join(root, 'test', 'fixtures', 'src', 'epoll_stall.c'));
      const blocked = await until('the paged trace\'s diagnostic', () =>
        vscode.languages.getDiagnostics(uri).find((x) => x.source === 'I/O Lens' && x.code === 'loop-blocked'));
      assert.equal(blocked.range.start.line + 1, markLine('epoll_stall', 'stall-read'));
      // its quick fix selects its worst event in the timeline, read back from the file: the recording's
      // (code actions are asked of an open document)
      await vscode.workspace.openTextDocument(uri);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, blocked.range);
      const show = actions.find((a) => /events of this finding in the timeline/.test(a.title));
      assert.ok(show?.command, JSON.stringify(actions.map((a) => a.title)));
      await vscode.commands.executeCommand(show.command.command, ...(show.command.arguments ?? []));
      const timeline = api.sessions.timeline(session);
      assert.ok(timeline, 'the timeline shows the finding');
      const worst = session.findings().find((f) => f.rule === 'loop-blocked')?.events[0];
      assert.ok(worst !== undefined && worst >= 0);
      assert.equal(timeline.selected, worst);
      assert.equal(session.event(worst)?.name, 'read');
      assert.deepEqual(session.event(worst), recorded.store.get(worst), 'the same event as in the recording');
    } finally {
      await config.update('memoryBudgetMiB', undefined, vscode.ConfigurationTarget.Global);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
