/**
 * .iolens files open in the timeline: a read-only custom editor, so double-clicking a trace in the
 * Explorer shows it.
 */
import * as vscode from 'vscode';
import { TraceSession } from '../../core/session/traceSession';
import { inBackground } from '../errors';
import { log } from '../log';
import { debuginfodSettings, settings } from '../settings';
import { errorMessage } from '../../core/errors';
import type { DebuginfodOptions } from '../../core/symbols/debuginfod';
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

  /**
   * Start reading the file and open at once: the timeline fills while it is read. A file that is
   * no trace opens too, and says in the editor (and the log) what is wrong and what to do.
   */
  openCustomDocument(uri: vscode.Uri): TraceDocument {
    const folder = vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0];
    const name = vscode.workspace.asRelativePath(uri);
    const cfg = settings();
    let debuginfod: DebuginfodOptions | undefined;
    try {
      debuginfod = debuginfodSettings(cfg);
    } catch (e) {
      void vscode.window.showErrorMessage(`I/O Lens: ${errorMessage(e)} (the trace opens without debuginfod)`);
    }
    const session = TraceSession.load(uri.fsPath, name, { symbolPath: cfg.symbolSearchPath, sourceRoot: folder?.uri.fsPath, debuginfod, memoryBudgetMiB: cfg.memoryBudgetMiB });
    // the file is read first: debuginfod is asked for the modules its stacks show without lines
    inBackground('debuginfod', session.whenFinished().then(() => session.whenDebugInfo()).then((notes) => notes.forEach((n) => log().info(`${uri.fsPath}: ${n}`))));
    inBackground(
      'Open Trace',
      session.whenFinished().then(() => {
        if (session.failure) log().error(`cannot open ${uri.fsPath} as a trace: ${session.failure.text}`);
        for (const w of session.warnings) {
          log().warn(`${uri.fsPath}: ${w}`);
          if (!session.failure) void vscode.window.showWarningMessage(`I/O Lens: ${name}: ${w}`);
        }
      }),
    );
    // the status bar's progress while the file is read (the timeline shows what is read so far)
    inBackground('Open Trace', vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `I/O Lens: reading ${name}` }, (progress) => {
      let shown = 0;
      const off = session.onDidChange(() => {
        const read = session.loading?.total ? Math.floor((100 * session.loading.bytes) / session.loading.total) : 0;
        if (read > shown) progress.report({ increment: read - shown, message: `${read} %` });
        shown = Math.max(shown, read);
      });
      return session.whenFinished().finally(off);
    }));
    // a trace opened paged: its findings computed in the background once it is read, with their own progress
    inBackground('Open Trace', session.whenFinished().then(() => {
      if (session.analysing === null) return;
      return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `I/O Lens: finding stalls in ${name}` }, (progress) => {
        let shown = 0;
        const off = session.onDidChange(() => {
          const done = Math.floor(100 * (session.analysing ?? 1));
          if (done > shown) progress.report({ increment: done - shown, message: `${done} %` });
          shown = Math.max(shown, done);
        });
        return session.whenAnalysed().finally(off);
      });
    }).then(() => {
      const failed = session.analysisFailure;
      if (!failed) return;
      log().error(`${uri.fsPath}: ${failed.text}`);
      void vscode.window.showErrorMessage(`I/O Lens: ${name}: ${failed.text}`);
    }));
    return new TraceDocument(uri, session);
  }

  resolveCustomEditor(document: TraceDocument, panel: vscode.WebviewPanel): void {
    this.sessions.attachEditor(document.session, panel);
  }
}
