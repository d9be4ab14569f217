/**
 * From an event to its line of code: the first frame whose file is in the workspace, else the
 * first whose source file exists, opened at its line and column, centred and highlighted for a
 * moment. When there is no source, the message says which binary and address, and why.
 */
import * as vscode from 'vscode';
import type { FrameInfo } from '../../../protocol/messages';
import { frameInfos } from '../core/store/details';
import type { TraceSession } from '../core/session/traceSession';
import { log } from './log';

const highlight = vscode.window.createTextEditorDecorationType({
  backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
  isWholeLine: true,
});

function inWorkspace(file: string): boolean {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) !== undefined;
}

/** The frame "jump to code" opens (DESIGN.md): workspace first, then any existing source. */
export function bestFrame(frames: readonly FrameInfo[]): FrameInfo | undefined {
  return frames.find((f) => f.openable && f.file && inWorkspace(f.file)) ?? frames.find((f) => f.openable);
}

/** Open `file` at `line`:`column` (1-based), centred, highlighted briefly. */
export async function showAt(file: string, line: number, column: number | null): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const pos = new vscode.Position(Math.max(0, line - 1), Math.max(0, (column ?? 1) - 1));
  const editor = await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true, viewColumn: vscode.ViewColumn.One });
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
  editor.setDecorations(highlight, [new vscode.Range(pos.line, 0, pos.line, 0)]);
  setTimeout(() => editor.setDecorations(highlight, []), 1500);
  return editor;
}

function why(frames: readonly FrameInfo[]): string {
  const f = frames.find((x) => x.module) ?? frames[0];
  if (!f) return 'its stack was not recorded (stacks off, or the stack record was lost).';
  const where = `${f.function ?? '??'} at ${f.addr} in ${f.module ?? 'an unknown binary'}`;
  return `${where}: ${f.problem ?? 'no source line'}.`;
}

/** Open the source of an event (its best frame). Returns false, after saying why, when there is none. */
export async function openEventSource(session: TraceSession, eventId: number): Promise<boolean> {
  const e = session.store.get(eventId);
  if (!e) return false;
  const frames = frameInfos(session.pipeline.resolver, e.stackId);
  const f = bestFrame(frames);
  if (!f?.file || !f.line) {
    void vscode.window.showWarningMessage(`No source to open for this ${e.name}: ${why(frames)}`);
    log().info(`no source for event ${eventId} (${e.name}): ${why(frames)}`);
    return false;
  }
  await showAt(f.file, f.line, f.column);
  return true;
}

/** Open frame `index` of an event's stack. */
export async function openFrame(session: TraceSession, eventId: number, index: number): Promise<boolean> {
  const e = session.store.get(eventId);
  if (!e) return false;
  const f = frameInfos(session.pipeline.resolver, e.stackId)[index];
  if (!f?.openable || !f.file || !f.line) {
    void vscode.window.showWarningMessage(`No source for ${f?.function ?? 'this frame'} at ${f?.addr ?? '?'} in ${f?.module ?? 'an unknown binary'}: ${f?.problem ?? 'no source line'}.`);
    return false;
  }
  await showAt(f.file, f.line, f.column);
  return true;
}
