/**
 * strace logs open in the timeline: a read-only custom editor for `*.strace` files (the default
 * editor for them; "Reopen Editor With… Text Editor" shows the text), and the target of
 * I/O Lens: Open strace Log… for logs with any other name. The log is imported (`iolens import`)
 * into a trace of the session's own; the lines it could not read are reported, never dropped
 * silently.
 */
import * as vscode from 'vscode';
import { TraceSession } from '../../core/session/traceSession';
import { reportImport } from '../commands/interop';
import { settings } from '../settings';
import type { Sessions } from '../sessions';
import { TraceDocument } from './traceEditor';

/** The custom editor provider of `iolens.straceLog`. */
export class StraceLogEditorProvider implements vscode.CustomReadonlyEditorProvider<TraceDocument> {
  static readonly viewType = 'iolens.straceLog';

  constructor(private readonly sessions: Sessions) {}

  async openCustomDocument(uri: vscode.Uri): Promise<TraceDocument> {
    const s = settings();
    const { session, result } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `I/O Lens: importing the strace log ${vscode.workspace.asRelativePath(uri)}` },
      () => TraceSession.openStraceLog(uri.fsPath, vscode.workspace.asRelativePath(uri), { minDurationNs: s.minDurationMs * 1e6, symbolPath: s.symbolSearchPath, sourceRoot: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath }),
    );
    reportImport(uri, result);
    return new TraceDocument(uri, session);
  }

  resolveCustomEditor(document: TraceDocument, panel: vscode.WebviewPanel): void {
    this.sessions.attachEditor(document.session, panel);
  }
}
