/**
 * Trace files opened as text before the extension was active: in the first seconds of a window,
 * while VS Code still reads its extensions, a double-clicked .iolens file gets the text editor
 * (its bytes, or the "too large" page). On activation each such tab is reopened in the trace
 * editor, in its group and place, and its text tab closed, so the user sees the timeline they
 * asked for. A text editor chosen later on purpose (Reopen Editor With…) is left alone.
 */
import * as vscode from 'vscode';
import { inBackground } from '../errors';
import { TraceEditorProvider } from './traceEditor';

/** Whether a tab shows a trace file in the text editor. */
function isTraceAsText(tab: vscode.Tab): tab is vscode.Tab & { input: vscode.TabInputText } {
  return tab.input instanceof vscode.TabInputText && tab.input.uri.path.endsWith('.iolens');
}

/** Reopens in the trace editor every trace file open as text now (see the file comment). */
export function reopenTracesOpenedAsText(): void {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs.filter(isTraceAsText)) {
      const uri = tab.input.uri;
      inBackground('Open the trace', (async () => {
        await vscode.commands.executeCommand('vscode.openWith', uri, TraceEditorProvider.viewType, { viewColumn: group.viewColumn, preserveFocus: !tab.isActive });
        // the tab objects change as tabs open: close the text tab of this file that is still there
        const stale = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => isTraceAsText(t) && t.input.uri.toString() === uri.toString());
        if (stale.length) await vscode.window.tabGroups.close(stale);
      })());
    }
  }
}
