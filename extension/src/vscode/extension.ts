/**
 * I/O Lens in VS Code: commands, the Findings and Stalls views, the recording indicator, the timeline and the
 * .iolens editor. The only folder that imports `vscode`; everything else is extension/src/core.
 */
import * as vscode from 'vscode';
import type { TraceSession } from '../core/session/traceSession';
import { attachCommand } from './commands/attach';
import { installCliCommand, refreshCli } from './commands/installCli';
import { launchCommand, launchFileCommand } from './commands/launch';
import { exportTraceCommand, openStraceLogCommand, type ExportArgs } from './commands/interop';
import { openTraceCommand, saveTraceCommand } from './commands/traceFiles';
import { guard, inBackground } from './errors';
import { BackendState, enableEbpfCommand } from './privileges';
import { Sessions } from './sessions';
import { settings, type LaunchConfig } from './settings';
import { StraceLogEditorProvider } from './timeline/straceEditor';
import { reopenTracesOpenedAsText } from './timeline/reopenAsTrace';
import { TraceEditorProvider } from './timeline/traceEditor';
import { BackendStatus } from './views/backendStatus';
import { RecordingStatus } from './views/statusBar';
import { CallSiteLenses } from './views/callSites';
import { FindingsDiagnostics, type ShowFindingArgs } from './views/findings';
import { FindingsView, openFindingNode, type FindingsNode } from './views/findingsView';
import { openStallItem, stallItemId, StallsProvider, type StallItem } from './views/stalls';

/** What activate() returns: the extension's API, for tests and other extensions. */
export interface IolensApi {
  readonly sessions: Sessions;
  readonly stalls: StallsProvider;
  readonly backends: BackendState;
  /** The findings in the Problems panel. */
  readonly findings: FindingsDiagnostics;
  /** The Findings view. */
  readonly findingsView: FindingsView;
  /** The CodeLens and hover of the call sites. */
  readonly callSites: CallSiteLenses;
}

export function activate(context: vscode.ExtensionContext): IolensApi {
  // the tracer setting is read when the tracer is checked or started, never copied into process.env
  const backends = new BackendState(() => settings().tracerPath);
  const sessions = new Sessions(context.extensionUri, backends);
  const stalls = new StallsProvider(sessions);
  const stallsView = vscode.window.createTreeView('iolens.stalls', { treeDataProvider: stalls, showCollapseAll: false });
  stalls.setView(stallsView);
  const findings = new FindingsDiagnostics(sessions);
  const findingsView = new FindingsView(sessions);
  /** The finding (or hop) whose line the selection opened last. */
  let openedFinding: string | undefined;
  /** The stall or call site whose source the selection opened last. */
  let openedStall: string | undefined;
  const findingsTree = vscode.window.createTreeView('iolens.findings', { treeDataProvider: findingsView, showCollapseAll: true });
  findingsView.setView(findingsTree);
  const callSites = new CallSiteLenses(sessions);
  const reg = vscode.commands.registerCommand;
  context.subscriptions.push(
    backends,
    new BackendStatus(backends),
    sessions,
    stalls,
    stallsView,
    findings,
    findingsView,
    findingsTree,
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, findings, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    callSites,
    vscode.languages.registerCodeLensProvider({ scheme: 'file' }, callSites),
    vscode.languages.registerHoverProvider({ scheme: 'file' }, callSites),
    reg('iolens.showFindingEvents', (args: ShowFindingArgs) => {
      const [first] = args.events;
      if (first !== undefined) sessions.showTimeline(args.session)?.reveal(first);
    }),
    new RecordingStatus(sessions),
    vscode.window.registerCustomEditorProvider(TraceEditorProvider.viewType, new TraceEditorProvider(sessions), {
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: false,
    }),
    vscode.window.registerCustomEditorProvider(StraceLogEditorProvider.viewType, new StraceLogEditorProvider(sessions), {
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: false,
    }),
    reg('iolens.attach', guard('Attach', (arg?: { pid?: number }) => attachCommand(sessions, arg))),
    reg('iolens.launch', guard('Launch', (arg?: LaunchConfig) => launchCommand(sessions, arg))),
    reg('iolens.launchFile', guard('Launch', (uri?: vscode.Uri) => launchFileCommand(sessions, uri))),
    reg('iolens.stop', () => sessions.stop()),
    reg('iolens.filter', () => sessions.act('filter')),
    reg('iolens.showKeys', () => sessions.act('keys')),
    reg('iolens.nextOfKind', () => sessions.act('nextKind')),
    reg('iolens.previousOfKind', () => sessions.act('previousKind')),
    reg('iolens.nextFromSite', () => sessions.act('nextSite')),
    reg('iolens.previousFromSite', () => sessions.act('previousSite')),
    reg('iolens.openTrace', guard('Open Trace', (arg?: vscode.Uri | string) => openTraceCommand(sessions, arg))),
    reg('iolens.saveTrace', guard('Save Trace', (arg?: vscode.Uri | string) => saveTraceCommand(sessions, arg))),
    reg('iolens.exportTrace', guard('Export Trace', (arg?: vscode.Uri | ExportArgs) => exportTraceCommand(sessions, arg))),
    reg('iolens.openStraceLog', guard('Open strace Log', (arg?: vscode.Uri | string) => openStraceLogCommand(arg))),
    reg('iolens.showTimeline', () => {
      sessions.showTimeline();
    }),
    reg('iolens.enableEbpf', guard('Enable eBPF Tracing', () => enableEbpfCommand(backends))),
    reg('iolens.installCli', guard('Install the iolens command', () => installCliCommand(context.extensionPath))),
    reg('iolens.refreshStalls', () => stalls.refresh()),
    reg('iolens.findingsByRule', () => findingsView.groupBy('rule')),
    reg('iolens.findingsByFile', () => findingsView.groupBy('file')),
    reg('iolens.openFinding', guard('Open Finding', (node: FindingsNode) => openFindingNode(sessions, node))),
    findingsTree.onDidChangeSelection((e) => {
      // a refresh hands the tree new nodes for the selected finding: that is not a new choice, and
      // opening its line again would take the focus from wherever the user is (a quick pick)
      const node = e.selection[0];
      const key = node?.key;
      if (key === openedFinding) return;
      openedFinding = key;
      if (node && node.kind !== 'group') void vscode.commands.executeCommand('iolens.openFinding', node);
    }),
    reg('iolens.openStall', guard('Open Stall', (item: StallItem) => openStallItem(sessions, item))),
    stallsView.onDidChangeSelection((e) => {
      // as in the Findings view: a refresh while live hands the tree new nodes for the selection
      const item = e.selection[0];
      const id = item && stallItemId(item);
      if (id === openedStall) return;
      openedStall = id;
      if (item) void vscode.commands.executeCommand('iolens.openStall', item);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('iolens.stallThresholdMs')) stalls.refresh();
      if (e.affectsConfiguration('iolens.tracerPath')) inBackground('Check the tracer', backends.check(true));
    }),
  );
  reopenTracesOpenedAsText();
  void vscode.commands.executeCommand('setContext', 'iolens.recording', false);
  void vscode.commands.executeCommand('setContext', 'iolens.hasSession', false);
  // the status bar says which backend the next recording uses; the iolens command follows updates
  inBackground('Check the tracer', backends.check());
  refreshCli(context.extensionPath);
  return { sessions, stalls, backends, findings, findingsView, callSites };
}

export function deactivate(): void {
  /* sessions are disposed with the context's subscriptions; a live tracer stops (parent death too) */
}

export type { TraceSession };
