/**
 * I/O Lens: Open Trace… and Save Trace….
 */
import * as vscode from 'vscode';
import { inBackground } from '../errors';
import type { Sessions } from '../sessions';

const FILTERS = { 'I/O Lens traces': ['iolens'] };

/** Open a trace file in the timeline. */
export async function openTraceCommand(sessions: Sessions, arg?: vscode.Uri | string): Promise<void> {
  let uri = typeof arg === 'string' ? vscode.Uri.file(arg) : arg;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({ title: 'I/O Lens: Open Trace', filters: FILTERS, canSelectMany: false });
    uri = picked?.[0];
  }
  if (uri) await sessions.openFile(uri);
}

/** Save the current trace (what is recorded so far, while recording). */
export async function saveTraceCommand(sessions: Sessions, arg?: vscode.Uri | string): Promise<vscode.Uri | undefined> {
  const s = sessions.current;
  if (!s) {
    void vscode.window.showInformationMessage('I/O Lens: there is no trace to save.');
    return undefined;
  }
  let uri = typeof arg === 'string' ? vscode.Uri.file(arg) : arg;
  if (!uri) {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd());
    const name = `${s.title.replace(/[^\w.-]+/g, '-')}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '')}.iolens`;
    uri = await vscode.window.showSaveDialog({ title: 'I/O Lens: Save Trace', filters: FILTERS, defaultUri: vscode.Uri.joinPath(base, name) });
  }
  if (!uri) return undefined;
  await s.save(uri.fsPath);
  const open = 'Open';
  void vscode.window.showInformationMessage(`I/O Lens: trace saved to ${vscode.workspace.asRelativePath(uri)}${s.live ? ' (what was recorded so far)' : ''}.`, open).then((a) => {
    if (a === open) inBackground('Open Trace', sessions.openFile(uri as vscode.Uri));
  });
  return uri;
}
