/**
 * .iolens files open in the timeline: a read-only custom editor, so double-clicking a trace in the
 * Explorer shows it.
 */
import * as vscode from 'vscode';
import { TraceSession } from '../../core/session/traceSession';
import { log } from '../log';
import { settings } from '../settings';
import type { Sessions } from '../sessions';

/** A trace opened in a read-only custom editor: the session is its content. */
export class TraceDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    readonly session: TraceSession,
  ) {}

  dispose(): void {
    /* the session is disposed with its editor */
  }
}

/** The custom editor provider of `iolens.trace`. */
export class TraceEditorProvider implements vscode.CustomReadonlyEditorProvider<TraceDocument> {
  static readonly viewType = 'iolens.trace';

  constructor(private readonly sessions: Sessions) {}

  async openCustomDocument(uri: vscode.Uri): Promise<TraceDocument> {
    const session = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `I/O Lens: reading ${uri.fsPath}` },
      () => TraceSession.open(uri.fsPath, vscode.workspace.asRelativePath(uri), settings().symbolSearchPath),
    );
    for (const w of session.warnings) {
      log().warn(`${uri.fsPath}: ${w}`);
      void vscode.window.showWarningMessage(`I/O Lens: ${vscode.workspace.asRelativePath(uri)}: ${w}`);
    }
    return new TraceDocument(uri, session);
  }

  resolveCustomEditor(document: TraceDocument, panel: vscode.WebviewPanel): void {
    this.sessions.attachEditor(document.session, panel);
  }
}
