/**
 * I/O Lens in VS Code: commands, the Stalls view, the recording indicator, the timeline and the
 * .iolens editor. The only folder that imports `vscode`; everything else is extension/src/core.
 */
import * as vscode from 'vscode';
import type { TraceSession } from '../core/session/traceSession';
import { attachCommand } from './commands/attach';
import { launchCommand, launchFileCommand } from './commands/launch';
import { openTraceCommand, saveTraceCommand } from './commands/traceFiles';
import { guard } from './errors';
import { Sessions } from './sessions';
import type { LaunchConfig } from './settings';
import { openEventSource } from './source';
import { TraceEditorProvider } from './timeline/traceEditor';
import { RecordingStatus } from './views/statusBar';
import { StallsProvider, type StallItem } from './views/stalls';

/** What activate() returns: the extension's API, for tests and other extensions. */
export interface IolensApi {
  readonly sessions: Sessions;
  readonly stalls: StallsProvider;
}

export function activate(context: vscode.ExtensionContext): IolensApi {
  const sessions = new Sessions(context.extensionUri);
  const stalls = new StallsProvider(sessions);
  const stallsView = vscode.window.createTreeView('iolens.stalls', { treeDataProvider: stalls, showCollapseAll: false });
  stalls.setView(stallsView);
  const reg = vscode.commands.registerCommand;
  context.subscriptions.push(
    sessions,
    stalls,
    stallsView,
    new RecordingStatus(sessions),
    vscode.window.registerCustomEditorProvider(TraceEditorProvider.viewType, new TraceEditorProvider(sessions), {
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
    reg('iolens.showTimeline', () => {
      sessions.showTimeline();
    }),
    reg('iolens.refreshStalls', () => stalls.refresh()),
    reg('iolens.openStall', guard('Open Stall', async (item: StallItem) => {
      sessions.showTimeline(item.session)?.reveal(item.eventId);
      return openEventSource(item.session, item.eventId);
    })),
    stallsView.onDidChangeSelection((e) => {
      const item = e.selection[0];
      if (item) void vscode.commands.executeCommand('iolens.openStall', item);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('iolens.stallThresholdMs')) stalls.refresh();
    }),
  );
  void vscode.commands.executeCommand('setContext', 'iolens.recording', false);
  void vscode.commands.executeCommand('setContext', 'iolens.hasSession', false);
  return { sessions, stalls };
}

export function deactivate(): void {
  /* sessions are disposed with the context's subscriptions; a live tracer stops (parent death too) */
}

export type { TraceSession };
